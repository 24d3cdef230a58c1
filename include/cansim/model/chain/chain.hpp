#pragma once
// The simulated chain on the event engine: transactions wait in a pool; every block_interval a
// block is sealed from the pool in a stated deterministic order (gas price, highest first, then
// arrival; each sender's transactions in the order sent, as go-ethereum does) up to the block gas
// limit; receipts and events reach their subscribers through the engine once the block is
// `confirmations` blocks deep. Blocks are sealed for as long as the simulation runs, so run it
// with Simulator::run_until.
#include <deque>
#include <functional>
#include <map>
#include <vector>

#include "cansim/model/chain/execution.hpp"
#include "cansim/sim/rng.hpp"
#include "cansim/sim/simulator.hpp"

namespace cansim::chain {

struct ChainConfig {
  SimTime block_interval = seconds(12);
  std::uint64_t confirmations = 0;  // blocks on top before receipts and events are delivered
  GasSchedule gas;
  Address coinbase{1};  // receives every fee
  // A slot passes without a block with this probability (a missed proposal): the pool waits for
  // the next slot. Drawn from a generator seeded with `missing_seed`.
  double missing_block_probability = 0;
  std::uint64_t missing_seed = 0;
};

struct BlockInfo {
  std::uint64_t number;
  SimTime sealed_at;
  Gas gas_used;
  std::size_t transactions;
};

using ReceiptHandler = std::function<void(const Receipt&)>;
using LogHandler = std::function<void(const Log&)>;

class Chain {
 public:
  Chain(Simulator& sim, ChainConfig config);

  // Genesis: set balances before the first block.
  State& genesis_state() { return state_; }
  // Executes a transaction in the genesis block, at once (deployments a scenario starts with).
  Receipt genesis(const Transaction& tx);
  // The actors' keys; contracts verify signatures against it (ecrecover).
  Keyring& keyring() { return keyring_; }
  // eth_call: reads are free and immediate, as from a local node.
  const State& state() const { return state_; }
  const ChainConfig& config() const { return config_; }

  // Queues a transaction; on_receipt (may be empty) runs when its block is deep enough.
  void submit(Transaction tx, ReceiptHandler on_receipt = {});
  // Every event of `contract` (or of every contract, for a zero address), after confirmation.
  void subscribe(Address contract, LogHandler handler);

  // Runs `f` right after every block is sealed (the state holds its transactions), before any
  // receipt of it is delivered: for nodes that keep past states.
  void on_sealed(std::function<void(const BlockInfo&)> f);

  // Like eth_estimateGas, against the current state.
  Receipt estimate(const Transaction& tx);

  // Totals over the blocks sealed so far: a block is not kept once sealed (an idle chain seals one
  // every interval, and a run of simulated years kept hundreds of millions of them). A reader of
  // each block subscribes with on_sealed.
  std::uint64_t block_count() const { return block_count_; }
  Gas gas_used_total() const { return gas_used_total_; }
  std::uint64_t transactions_total() const { return transactions_total_; }
  std::uint64_t missed_slots() const { return missed_; }
  std::size_t pool_size() const;

 private:
  struct Pending {
    Transaction tx;
    ReceiptHandler on_receipt;
    std::uint64_t arrival;
  };
  void seal();

  Simulator& sim_;
  ChainConfig config_;
  State state_;
  Keyring keyring_;
  std::map<Address, std::deque<Pending>> pool_;  // per sender, in the order sent
  std::uint64_t arrivals_ = 0;
  std::uint64_t block_count_ = 0;
  Gas gas_used_total_ = 0;
  std::uint64_t transactions_total_ = 0;
  Rng missing_;
  std::uint64_t missed_ = 0;
  // A deque: a handler may subscribe while it runs, and must not be moved from under itself.
  std::deque<std::pair<Address, LogHandler>> subscribers_;
  // Sealed blocks whose receipts and logs are not yet visible (confirmations), oldest first.
  struct Delivery {
    std::vector<std::pair<Receipt, ReceiptHandler>> sealed;
    std::size_t subscribers;  // those there were at sealing
  };
  std::deque<Delivery> deliveries_;
  void deliver();
  std::vector<std::function<void(const BlockInfo&)>> sealed_hooks_;
};

}  // namespace cansim::chain

#pragma once
// Executing one transaction against the state, as the EVM does: intrinsic gas, a call whose
// storage accesses are metered as it touches them (EIP-2929 warm/cold, EIP-2200/3529 SSTORE
// with refunds), events, and a revert (require failed, or out of gas) that undoes every change
// of the call but still pays for the gas used.
#include <functional>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "cansim/model/chain/gas.hpp"
#include "cansim/model/chain/signature.hpp"
#include "cansim/sim/flat_table.hpp"
#include "cansim/model/chain/state.hpp"

namespace cansim::chain {

// An event (log) a contract emitted. Gas counts its topics and data bytes.
struct Log {
  Address contract;
  std::string event;
  std::vector<Word> args;
  std::size_t topics = 1;      // the event signature, plus indexed arguments
  std::size_t data_bytes = 0;  // non-indexed data, 32 bytes per word in the ABI
};

// A `require` failed: the call's changes are undone, its gas spent.
class Revert : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
class OutOfGas : public std::runtime_error {
 public:
  OutOfGas() : std::runtime_error("out of gas") {}
};

struct BlockContext {
  std::uint64_t number = 0;
  std::uint64_t timestamp_ms = 0;
  Address coinbase{1};               // receives the fees, so that the sum of all balances never changes
  const Keyring* keyring = nullptr;  // for ecrecover
};

class Call;
using CallBody = std::function<void(Call&)>;

struct Transaction {
  Address from, to;
  Wei value = 0;
  Gas gas_limit = 0;
  Wei gas_price = 0;
  std::size_t calldata_zero_bytes = 0;
  std::size_t calldata_nonzero_bytes = 0;
  std::size_t created_code_bytes = 0;  // > 0: a contract creation (53000 + 200 per byte)
  std::string name;                    // the function called, for receipts and traces
  Gas execution = 0;                   // the function's own execution (calibration::function_base)
  CallBody body;                       // the contract code; may be empty (a plain transfer)
};

enum class Status { Success, Reverted, OutOfGas, Invalid };
std::string_view status_name(Status s);

struct Receipt {
  Status status = Status::Invalid;
  std::string reason;     // why it reverted or was invalid
  Gas gas_used = 0;       // after the refund
  Gas refund = 0;         // the refund applied
  Wei fee = 0;            // gas_used * gas_price, paid to the coinbase
  std::vector<Log> logs;  // empty unless it succeeded
};

// What a contract's code sees and does. Storage goes through sload/sstore, which charge gas by
// what is touched; `require` reverts.
namespace detail {
// execute and dry_run share it.
Receipt run_transaction(State& state, const GasSchedule& gas, const Transaction& tx, const BlockContext& block, bool final);
}  // namespace detail

class Call {
 public:
  Call(State& state, const GasSchedule& gas, const Transaction& tx, const BlockContext& block, Gas limit);
  ~Call();
  Call(const Call&) = delete;
  Call& operator=(const Call&) = delete;

  // The current frame: the transaction's call, or a call or creation it made.
  Address sender() const { return frames_.back().sender; }
  Address self() const { return frames_.back().self; }
  Wei value() const { return frames_.back().value; }
  Address origin() const { return tx_.from; }  // tx.origin
  const BlockContext& block() const { return block_; }

  Word sload(const SlotKey& k);
  void sstore(const SlotKey& k, Word v);
  void emit(Log log);
  void require(bool condition, const std::string& reason) const {
    if (!condition) throw Revert(reason);
  }
  // Another contract's state, read through its public getter (a STATICCALL): the account
  // access and the SLOAD (the call's own execution is in the calling function's base).
  Word read_external(Address contract, const SlotKey& k);
  // Sends wei from this contract to `to` (a failed send reverts), as a CALL with value.
  void send(Address to, Wei amount);
  // Solidity's `payable(to).send(amount)`: the same cost, but the recipient gets only the
  // stipend and a refusal (or a balance too low) returns false instead of reverting.
  bool try_send(Address to, Wei amount);
  // 2600 for an account's first access in the transaction, 100 after (EIP-2929); marks it warm.
  Gas account_access(Address a);
  // SELFDESTRUCT (London: 5000 gas, no refund): this contract's storage is gone. Its balance must
  // have been sent already.
  void self_destruct();
  // After self_destruct: records, free of gas, that the account has no code (a view reads it).
  void mark_destroyed(const SlotKey& flag) { state_.mark_destroyed(flag); }
  // An account's balance (BALANCE; a contract reading its own balance, SELFBALANCE, costs 5).
  Wei balance_of(Address a);
  void charge(Gas g);  // a fixed cost
  // The signer of a valid signature of `message_digest`, a zero address otherwise; costs
  // ecrecover's gas either way.
  Address ecrecover(const Signature& sig, std::uint64_t message_digest);

  // CALL: runs `body` as this contract calling `to` with `value` (the account access, + 9000
  // for a value transfer). A revert inside propagates, undoing the whole
  // transaction, as Solidity does for a failed call.
  void call(Address to, Wei value, const CallBody& body);
  // CREATE: a new contract at contract_address(self, self's nonce), 32000 + 200 per byte of
  // code, then its constructor runs with `value`. Returns the new address.
  Address create(Wei value, std::size_t code_bytes, const CallBody& constructor);

  Gas used() const { return used_; }
  // The refund counter so far (EIP-3529); the receipt applies at most gas used / 5 of it.
  std::int64_t refund_counter() const { return refund_counter_; }
  std::vector<Log>& logs() { return logs_; }

 private:
  State& state_;
  const GasSchedule& gas_;
  const Transaction& tx_;
  const BlockContext& block_;
  Gas limit_, used_ = 0;
  std::int64_t refund_counter_ = 0;  // may dip below zero within a transaction (EIP-2200)
  struct Frame {
    Address self, sender;
    Wei value;
  };
  // Each touched slot (warm from then on): its value when the transaction began, and now (every
  // store goes through here, and a revert ends the transaction, so the two cannot drift apart).
  struct Touched {
    Word original = 0, current = 0;
  };
  // A transaction's working tables, taken from a pool of the thread's and given back empty (with
  // their arrays) when the Call ends: fresh tables for every transaction, grown from nothing,
  // were a tenth of a chain-heavy run's time.
  struct Scratch {
    std::vector<Frame> frames;
    FlatTable<Address, char, AddressHash> warm_accounts;  // looked up only, never iterated
    FlatTable<SlotKey, Touched, SlotKeyHash> touched;
  };
  Scratch* scratch_;
  std::vector<Frame>& frames_;
  FlatTable<Address, char, AddressHash>& warm_accounts_;
  FlatTable<SlotKey, Touched, SlotKeyHash>& touched_;
  std::vector<Log> logs_;
  static Scratch* take_scratch();
  static std::vector<std::unique_ptr<Scratch>>& free_scratch();
  friend Receipt detail::run_transaction(State&, const GasSchedule&, const Transaction&, const BlockContext&, bool);
};

// The gas a transaction costs before its code runs.
Gas intrinsic_gas(const GasSchedule& gas, const Transaction& tx);

// Executes `tx` on `state`: the sender pays for gas_limit up front, the call runs, unused gas is
// returned and the fee goes to the coinbase. An invalid transaction (too little balance, gas
// limit below the intrinsic gas, above the block limit) changes nothing.
Receipt execute(State& state, const GasSchedule& gas, const Transaction& tx, const BlockContext& block);

// Like eth_estimateGas: executes, reports gas and outcome, and undoes every change (the state is
// left as it was, bit for bit in what it holds).
Receipt dry_run(State& state, const GasSchedule& gas, const Transaction& tx, const BlockContext& block);

}  // namespace cansim::chain

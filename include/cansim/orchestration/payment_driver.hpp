#pragma once
// Payments (§5.1, Algorithms 5 and 6): every `payment_interval` the OCAN leader calls
// interimPayment(k) on each application with checkpoints not yet paid, k the largest whose dry run
// (eth_estimateGas) fits in the gas it allows itself. The dry run is skipped when all unpaid
// checkpoints fit by a wide margin: twice the most gas a checkpoint of that application has cost
// in a paid interimPayment, times their number, is within the budget. An application whose APP_SHUTDOWN is on
// chain is paid at once. When the contract is shut down and nothing more will be paid, the
// application is settled: each payee that can sign withdraws its salary (the Cloud contract's and
// the Registry's shares reach them through destroy), and the client may release and destroy.
#include <cstdint>
#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include "cansim/model/chain/chain.hpp"
#include "cansim/model/chain/types.hpp"
#include "cansim/orchestration/ocan_leader.hpp"

namespace cansim::orchestration {

// What the payment duties see: the clock, the chain (reads and dry runs), who leads the OCAN, the
// leader's appends, the applications, the Registry and the providers' Cloud contracts, and the
// transactions they send.
struct PaymentContext {
  Simulator& sim;
  chain::Chain& chain;
  can::Can& ocan;
  const OcanLeader& leader;
  chain::Address registry;
  // Each provider's Cloud contract and the account that takes its share.
  std::vector<std::pair<chain::Address, chain::Address>> providers;
  SimTime payment_interval;      // interimPayment per application
  chain::Gas payment_gas_budget;  // k is the largest whose dry run fits in this
  chain::Wei gas_price;
  bool payees_withdraw;  // at the end each payee that can sign withdraws (else destroy pays them)
  std::function<std::size_t()> records;  // applications reported so far
  std::function<const AppDescription&(std::size_t record)> app;
  Submit submit;
  Note note;
};

class PaymentDriver {
 public:
  explicit PaymentDriver(PaymentContext ctx);

  void start();
  // The leader reports the members' availability and distributes the FTEN share (each round, and
  // when an application's contract was destroyed and its salaries reached the Registry).
  void share_ften();
  // Each provider takes what its Cloud contract received (the Cloud's share, which destroy sends
  // it), each round: the share passed on (§5.1).
  void pass_cloud_shares();
  chain::Wei cloud_shares_passed() const { return cloud_shares_passed_; }
  // Pays application `record` now (if the leader may and no payment is out).
  void pay(std::size_t record);
  // Runs `then` once application `record` is settled (at once if it is).
  void when_settled(std::size_t record, std::function<void()> then);
  bool is_settled(std::size_t record) const { return record < apps_.size() && apps_[record].settled; }
  // The checkpoint the contract paid only part of when its funds fell short (none: they did not).
  std::optional<std::uint64_t> short_at(std::size_t record) const {
    if (record >= apps_.size() || !apps_[record].short_of_funds) return std::nullopt;
    return apps_[record].short_at;
  }

  // Application `record` is settled: shut down on chain and paid as far as it will be. Raised
  // before any payee withdraws (the salaries are still in the contract).
  Signal<std::size_t> settled;

  std::uint64_t payments() const { return payments_; }
  std::uint64_t dry_runs() const { return dry_runs_; }
  std::uint64_t skipped_dry_runs() const { return skipped_dry_runs_; }
  std::uint64_t largest_k() const { return largest_k_; }

 private:
  struct Account {
    bool paying = false, settled = false;
    chain::Gas gas_per_checkpoint = 0;  // the most a paid checkpoint cost (0: not known; dry-run)
    bool short_of_funds = false;
    std::uint64_t short_at = 0;
  };
  Account& account(std::size_t record);
  void tick();
  std::uint64_t choose_k(std::size_t record, chain::Address leader);
  void settle(std::size_t record);

  PaymentContext ctx_;
  std::vector<Account> apps_;                                 // by record
  std::vector<std::vector<std::function<void()>>> waiting_;  // by record
  static constexpr chain::Gas kTxBase = 60000;               // a transaction's own cost and the call's fixed reads, generously
  std::uint64_t payments_ = 0, dry_runs_ = 0, skipped_dry_runs_ = 0, largest_k_ = 0;
  chain::Wei cloud_shares_passed_ = 0;
};

}  // namespace cansim::orchestration

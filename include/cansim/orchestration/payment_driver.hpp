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

#include "cansim/model/chain/types.hpp"

namespace cansim::orchestration {

class OrchestrationWorld;

class PaymentDriver {
 public:
  explicit PaymentDriver(OrchestrationWorld& w);

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

  std::uint64_t payments() const { return payments_; }
  std::uint64_t dry_runs() const { return dry_runs_; }
  std::uint64_t skipped_dry_runs() const { return skipped_dry_runs_; }
  std::uint64_t largest_k() const { return largest_k_; }

 private:
  void tick();
  std::uint64_t choose_k(std::size_t record, chain::Address leader);
  void settle(std::size_t record);

  OrchestrationWorld& w_;
  std::vector<std::vector<std::function<void()>>> waiting_;  // by record
  static constexpr chain::Gas kTxBase = 60000;               // a transaction's own cost and the call's fixed reads, generously
  std::uint64_t payments_ = 0, dry_runs_ = 0, skipped_dry_runs_ = 0, largest_k_ = 0;
  chain::Wei cloud_shares_passed_ = 0;
};

}  // namespace cansim::orchestration

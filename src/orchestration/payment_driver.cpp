// Payments (§5.1, Algorithms 5 and 6): the OCAN leader's interim payments and the settlement.
#include "cansim/orchestration/payment_driver.hpp"

#include <set>

#include <fmt/format.h>

#include "cansim/cloud/cloud_world.hpp"  // owner_account
#include "cansim/model/chain/contracts/cloud.hpp"
#include "cansim/model/chain/contracts/registry.hpp"
#include "cansim/sim/invariant.hpp"

namespace cansim::orchestration {

namespace ac = chain::application;

PaymentDriver::PaymentDriver(PaymentContext ctx) : ctx_(std::move(ctx)) {}

PaymentDriver::Account& PaymentDriver::account(std::size_t r) {
  if (apps_.size() <= r) apps_.resize(r + 1);
  return apps_[r];
}

void PaymentDriver::start() {
  ctx_.sim.after(ctx_.payment_interval, [this] { tick(); });
}

void PaymentDriver::tick() {
  ctx_.sim.after(ctx_.payment_interval, [this] { tick(); });
  share_ften();
  pass_cloud_shares();
  for (std::size_t r = 0, n = ctx_.records(); r < n; ++r) {
    if (!is_settled(r)) pay(r);
  }
}

void PaymentDriver::share_ften() {
  // The OCAN's own share (§3, §5.1): the leader reports who is a member, and hands out by
  // availability what the Registry received (the salaries destroy sent it).
  can::Can& ocan = ctx_.ocan;
  const NodeId leader = ocan.current_leader();
  if (!ocan.may_commit(leader)) return;
  ctx_.submit(chain::registry::record_availability(ctx_.registry, can::member_address(leader)), "ocan_leader", {});
  ctx_.submit(chain::registry::distribute_ften(ctx_.registry, can::member_address(leader)), "ocan_leader", {});
}

void PaymentDriver::pass_cloud_shares() {
  for (const auto& [cloud, account] : ctx_.providers) {
    if (ctx_.chain.state().balance(cloud) == 0) continue;
    ctx_.submit(chain::cloud_contract::withdraw_share(cloud, account), "provider", [this](const chain::Receipt& r) {
      if (r.status != chain::Status::Success) return;  // nothing left: another withdrawal took it first
      for (const chain::Log& l : r.logs) {
        if (l.event == "ShareWithdrawn") cloud_shares_passed_ += l.args[0];
      }
    });
  }
}

std::uint64_t PaymentDriver::choose_k(std::size_t r, chain::Address leader) {
  // The largest k whose dry run fits in the budget, by bisection between 1 and every unpaid one.
  const AppDescription& rec = ctx_.app(r);
  const Account& acc = account(r);
  const chain::State& state = ctx_.chain.state();
  const std::uint64_t unpaid = ac::checkpoint_count(state, rec.address) - ac::paid_count(state, rec.address);
  // Every unpaid checkpoint fits when twice the most gas one of this application's checkpoints
  // ever cost still leaves room: then the dry run could only say so (it is run otherwise).
  if (acc.gas_per_checkpoint > 0 && kTxBase + 2 * acc.gas_per_checkpoint * unpaid <= ctx_.payment_gas_budget) {
    ++skipped_dry_runs_;
    return unpaid;
  }
  auto fits = [&](std::uint64_t k) {
    ++dry_runs_;
    chain::Transaction tx = ac::interim_payment(rec.address, leader, k);
    tx.gas_limit = ctx_.payment_gas_budget;
    tx.gas_price = ctx_.gas_price;
    return ctx_.chain.estimate(tx).status == chain::Status::Success;
  };
  if (fits(unpaid)) return unpaid;
  std::uint64_t lo = 0, hi = unpaid;  // fits(lo) (0 pays nothing), !fits(hi)
  while (hi - lo > 1) {
    const std::uint64_t mid = lo + (hi - lo) / 2;
    (fits(mid) ? lo : hi) = mid;
  }
  return std::max<std::uint64_t>(lo, 1);
}

void PaymentDriver::pay(std::size_t r) {
  const AppDescription& rec = ctx_.app(r);
  if (account(r).paying || account(r).settled) return;
  can::Can& ocan = ctx_.ocan;
  const NodeId leader = ocan.current_leader();
  if (!ocan.may_commit(leader)) return;
  const chain::State& state = ctx_.chain.state();
  if (ac::is_destroyed(state, rec.address)) return;
  const std::uint64_t count = ac::checkpoint_count(state, rec.address);
  const std::uint64_t paid = ac::paid_count(state, rec.address);
  if (paid >= count) {
    if (ac::is_shutdown(state, rec.address) && !ctx_.leader.appending(r)) settle(r);
    return;
  }
  const chain::Address from = can::member_address(leader);
  const std::uint64_t k = choose_k(r, from);
  largest_k_ = std::max(largest_k_, k);
  chain::Transaction tx = ac::interim_payment(rec.address, from, k);
  tx.gas_limit = ctx_.payment_gas_budget;
  account(r).paying = true;
  ctx_.note("OCAN leader", "Application contract", fmt::format("interimPayment({})", k), static_cast<std::int64_t>(r));
  ctx_.submit(std::move(tx), "ocan_leader", [this, r](const chain::Receipt& receipt) {
    const AppDescription& rec = ctx_.app(r);
    Account& acc = apps_[r];
    acc.paying = false;
    ++payments_;
    const chain::State& state = ctx_.chain.state();
    if (ac::locked(state, rec.address) > state.balance(rec.address)) {
      throw InvariantViolation(ctx_.sim.now(), fmt::format("interimPayment on {}", chain::to_string(rec.address)),
                               "the locked funds exceed the contract's balance");
    }
    std::uint64_t steps = 0;
    for (const chain::Log& l : receipt.logs) {
      if (l.event == "InterimPayment") steps = static_cast<std::uint64_t>(l.args[0]);
      if (l.event == "ShortOfFunds") {
        acc.short_of_funds = true;
        acc.short_at = static_cast<std::uint64_t>(l.args[0]);
      }
    }
    if (receipt.status != chain::Status::Success) {
      acc.gas_per_checkpoint = 0;  // the next payment dry-runs again
    } else if (steps > 0) {
      acc.gas_per_checkpoint = std::max(acc.gas_per_checkpoint, (receipt.gas_used + receipt.refund) / steps);
    }
    if (!ac::is_shutdown(state, rec.address)) return;
    // Shut down: pay what is left, then settle (also when the funds can pay no more).
    if (steps == 0 || ac::paid_count(state, rec.address) >= ac::checkpoint_count(state, rec.address)) {
      if (!ctx_.leader.appending(r)) settle(r);
    } else {
      pay(r);
    }
  });
}

void PaymentDriver::when_settled(std::size_t r, std::function<void()> then) {
  if (waiting_.size() <= r) waiting_.resize(r + 1);
  if (is_settled(r) && !apps_[r].paying) {
    then();
    return;
  }
  waiting_[r].push_back(std::move(then));
}

void PaymentDriver::settle(std::size_t r) {
  Account& acc = account(r);
  if (acc.settled) return;
  acc.settled = true;
  settled(r);
  auto done = [this, r] {
    if (waiting_.size() <= r) return;
    auto fns = std::move(waiting_[r]);
    waiting_[r].clear();
    for (auto& f : fns) f();
  };
  if (!ctx_.payees_withdraw) return done();
  // Payees that sign transactions withdraw: the resources' owners and the Orchestrators whose
  // checkpoints the contract holds. (The Cloud contract's and the Registry's shares are sent by
  // destroy.)
  const AppDescription& rec = ctx_.app(r);
  const chain::State& state = ctx_.chain.state();
  std::set<chain::Address> payees;
  for (cloud::HostId h : rec.hosts) payees.insert(cloud::owner_account(h));
  for (std::uint64_t i = 0, n = ac::checkpoint_count(state, rec.address); i < n; ++i)
    payees.insert(ac::checkpoint(state, rec.address, i).orchestrator);
  auto left = std::make_shared<std::size_t>(1);
  auto one_done = [left, done] {
    if (--*left == 0) done();
  };
  for (chain::Address payee : payees) {
    if (ac::salary(state, rec.address, payee) == 0) continue;
    ++*left;
    ctx_.submit(ac::withdraw(rec.address, payee), "payee", [one_done](const chain::Receipt&) { one_done(); });
  }
  one_done();
}

}  // namespace cansim::orchestration

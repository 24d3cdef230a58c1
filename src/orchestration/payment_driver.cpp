// Payments (§5.1, Algorithms 5 and 6): the OCAN leader's interim payments and the settlement.
#include "cansim/orchestration/payment_driver.hpp"

#include <set>

#include <fmt/format.h>

#include "cansim/model/chain/contracts/cloud.hpp"
#include "cansim/model/chain/contracts/registry.hpp"
#include "cansim/orchestration/orchestration_world.hpp"
#include "cansim/sim/invariant.hpp"

namespace cansim::orchestration {

namespace ac = chain::application;

namespace {

struct Paid {
  std::vector<std::uint64_t> minutes;
  // Per service, the time the APP_SHUTDOWN paid in which the service did not run: failures no
  // checkpoint reported before it (it pays every open stretch up to the shutdown).
  std::vector<SimTime> unreported;
};

// Minutes of each service that the first `paid` checkpoints paid, as Algorithms 5 and 6 count
// them (whole minutes per checkpoint pair): the oracle the run checks payments against.
Paid paid_minutes(const std::vector<CheckpointData>& cps, std::size_t paid, std::size_t services, const cloud::Instances& inst,
                  std::uint64_t app) {
  Paid out{std::vector<std::uint64_t>(services, 0), std::vector<SimTime>(services)};
  std::vector<std::int64_t> start(services, -1);  // ms, -1: null
  const auto minutes_between = [](std::int64_t a, std::int64_t b) { return static_cast<std::uint64_t>((b - a) / 60000); };
  for (std::size_t i = 0; i < paid && i < cps.size(); ++i) {
    const CheckpointData& c = cps[i];
    const std::int64_t ts = c.at.us / 1000;
    if (c.type == CheckpointType::ServiceUp) {
      start[c.service] = ts;
    } else if (c.type == CheckpointType::ServiceDown) {
      if (start[c.service] >= 0) out.minutes[c.service] += minutes_between(start[c.service], ts);
      start[c.service] = -1;
    } else {
      for (std::size_t s = 0; s < services; ++s) {
        if (start[s] >= 0) {
          out.minutes[s] += minutes_between(start[s], ts);
          if (c.type == CheckpointType::AppShutdown)
            out.unreported[s] += inst.down_within(app, static_cast<std::uint32_t>(s), millis(start[s]), c.at);
        }
        start[s] = c.type == CheckpointType::AppOk ? ts : -1;
      }
    }
  }
  return out;
}

}  // namespace

PaymentDriver::PaymentDriver(OrchestrationWorld& w) : w_(w) {}

void PaymentDriver::start() {
  w_.cloud.sim.after(w_.cfg.payment_interval, [this] { tick(); });
}

void PaymentDriver::tick() {
  w_.cloud.sim.after(w_.cfg.payment_interval, [this] { tick(); });
  share_ften();
  pass_cloud_shares();
  for (std::size_t r = 0; r < w_.apps.size(); ++r) {
    if (!w_.apps[r].settled) pay(r);
  }
}

void PaymentDriver::share_ften() {
  // The OCAN's own share (§3, §5.1): the leader reports who is a member, and hands out by
  // availability what the Registry received (the salaries destroy sent it).
  can::Can& ocan = *w_.ocan;
  const NodeId leader = ocan.current_leader();
  if (!ocan.may_commit(leader)) return;
  w_.submit(chain::registry::record_availability(w_.cloud.registry, can::member_address(leader)), "ocan_leader");
  w_.submit(chain::registry::distribute_ften(w_.cloud.registry, can::member_address(leader)), "ocan_leader");
}

void PaymentDriver::pass_cloud_shares() {
  for (const cloud::Provider& p : w_.cloud.providers) {
    if (w_.cloud.chain.state().balance(p.cloud) == 0) continue;
    w_.submit(chain::cloud_contract::withdraw_share(p.cloud, p.account), "provider", [this](const chain::Receipt& r) {
      if (r.status != chain::Status::Success) return;  // nothing left: another withdrawal took it first
      for (const chain::Log& l : r.logs) {
        if (l.event == "ShareWithdrawn") cloud_shares_passed_ += l.args[0];
      }
    });
  }
}

std::uint64_t PaymentDriver::choose_k(std::size_t r, chain::Address leader) {
  // The largest k whose dry run fits in the budget, by bisection between 1 and every unpaid one.
  const AppRecord& rec = w_.apps[r];
  const chain::State& state = w_.cloud.chain.state();
  const std::uint64_t unpaid = ac::checkpoint_count(state, rec.address) - ac::paid_count(state, rec.address);
  // Every unpaid checkpoint fits when twice the most gas one of this application's checkpoints
  // ever cost still leaves room: then the dry run could only say so (it is run otherwise).
  if (rec.gas_per_checkpoint > 0 && kTxBase + 2 * rec.gas_per_checkpoint * unpaid <= w_.cfg.payment_gas_budget) {
    ++skipped_dry_runs_;
    return unpaid;
  }
  auto fits = [&](std::uint64_t k) {
    ++dry_runs_;
    chain::Transaction tx = ac::interim_payment(rec.address, leader, k);
    tx.gas_limit = w_.cfg.payment_gas_budget;
    tx.gas_price = w_.cfg.gas_price;
    return w_.cloud.chain.estimate(tx).status == chain::Status::Success;
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
  AppRecord& rec = w_.apps[r];
  if (rec.paying || rec.settled) return;
  can::Can& ocan = *w_.ocan;
  const NodeId leader = ocan.current_leader();
  if (!ocan.may_commit(leader)) return;
  const chain::State& state = w_.cloud.chain.state();
  if (ac::is_destroyed(state, rec.address)) return;
  const std::uint64_t count = ac::checkpoint_count(state, rec.address);
  const std::uint64_t paid = ac::paid_count(state, rec.address);
  if (paid >= count) {
    if (ac::is_shutdown(state, rec.address) && !rec.appending) settle(r);
    return;
  }
  const chain::Address from = can::member_address(leader);
  const std::uint64_t k = choose_k(r, from);
  largest_k_ = std::max(largest_k_, k);
  chain::Transaction tx = ac::interim_payment(rec.address, from, k);
  tx.gas_limit = w_.cfg.payment_gas_budget;
  rec.paying = true;
  w_.note("OCAN leader", "Application contract", fmt::format("interimPayment({})", k), static_cast<std::int64_t>(r));
  w_.submit(std::move(tx), "ocan_leader", [this, r](const chain::Receipt& receipt) {
    AppRecord& rec = w_.apps[r];
    rec.paying = false;
    ++payments_;
    const chain::State& state = w_.cloud.chain.state();
    if (ac::locked(state, rec.address) > state.balance(rec.address)) {
      throw InvariantViolation(w_.cloud.sim.now(), fmt::format("interimPayment on {}", chain::to_string(rec.address)),
                               "the locked funds exceed the contract's balance");
    }
    std::uint64_t steps = 0;
    for (const chain::Log& l : receipt.logs) {
      if (l.event == "InterimPayment") steps = static_cast<std::uint64_t>(l.args[0]);
      if (l.event == "ShortOfFunds") {
        rec.short_of_funds = true;
        rec.short_at = static_cast<std::uint64_t>(l.args[0]);
      }
    }
    if (receipt.status != chain::Status::Success) {
      rec.gas_per_checkpoint = 0;  // the next payment dry-runs again
    } else if (steps > 0) {
      rec.gas_per_checkpoint = std::max(rec.gas_per_checkpoint, (receipt.gas_used + receipt.refund) / steps);
    }
    if (!ac::is_shutdown(state, rec.address)) return;
    // Shut down: pay what is left, then settle (also when the funds can pay no more).
    if (steps == 0 || ac::paid_count(state, rec.address) >= ac::checkpoint_count(state, rec.address)) {
      if (!rec.appending) settle(r);
    } else {
      pay(r);
    }
  });
}

void PaymentDriver::when_settled(std::size_t r, std::function<void()> then) {
  if (waiting_.size() <= r) waiting_.resize(r + 1);
  if (w_.apps[r].settled && !w_.apps[r].paying) {
    then();
    return;
  }
  waiting_[r].push_back(std::move(then));
}

void PaymentDriver::settle(std::size_t r) {
  AppRecord& rec = w_.apps[r];
  if (rec.settled) return;
  rec.settled = true;
  rec.settled_at = w_.cloud.sim.now();
  // The hypervisors that run it read the chain too: what still runs of it is stopped.
  w_.cloud.hypervisors->application_ended(rec.address.id, static_cast<std::uint32_t>(rec.topology->services.size()));
  const chain::State& state = w_.cloud.chain.state();
  // Every minute paid was run (design invariant): per service, paid <= up + the time each failure
  // went unseen before its SERVICE_DOWN + one APP_OK interval + one monitoring round + what the
  // APP_SHUTDOWN paid while the service did not run (failures no checkpoint reported before it).
  const std::size_t services = rec.topology->services.size();
  const cloud::Instances& inst = w_.cloud.hypervisors->instances();
  // Short of funds, the contract paid part of checkpoint `short_at` and none after it: counting
  // that one in full bounds what was billed from above, which is what the check needs.
  const std::uint64_t counted = rec.short_of_funds ? rec.short_at + 1 : ac::paid_count(state, rec.address);
  const auto paid = paid_minutes(rec.appended, counted, services, inst, rec.address.id);
  const SimTime slack = rec.detection_lag + millis(static_cast<std::int64_t>(ac::app_ok_interval_ms(state, rec.address))) +
                        w_.cfg.monitor_interval + w_.cfg.status_timeout * static_cast<std::int64_t>(w_.cfg.status_attempts);
  for (std::uint32_t s = 0; s < services; ++s) {
    const SimTime up = inst.up_time(rec.address.id, s, w_.cloud.sim.now());
    const SimTime billed = minutes(static_cast<std::int64_t>(paid.minutes[s]));
    rec.paid_time += billed;
    rec.up_time += up;
    if (billed > up + slack + paid.unreported[s]) {
      throw InvariantViolation(
          w_.cloud.sim.now(), fmt::format("settling {}", chain::to_string(rec.address)),
          fmt::format("service {} was paid {} min but was up {:.1f} min (+ {:.1f} min allowed, + {:.1f} min "
                      "the APP_SHUTDOWN paid unreported)",
                      s, paid.minutes[s], up.to_seconds() / 60, slack.to_seconds() / 60, paid.unreported[s].to_seconds() / 60));
    }
  }
  // Each party's salary, before anyone withdraws.
  std::set<chain::Address> owners, orcs;
  for (cloud::HostId h : rec.hosts) owners.insert(cloud::owner_account(h));
  for (const CheckpointData& c : rec.appended) orcs.insert(w_.orchestrator_account(c.orchestrator));
  for (chain::Address a : owners) rec.paid_resources += ac::salary(state, rec.address, a);
  for (chain::Address a : orcs) rec.paid_orchestration += ac::salary(state, rec.address, a);
  rec.paid_cloud = ac::salary(state, rec.address, w_.cloud.providers[rec.provider].cloud);
  rec.paid_can = ac::salary(state, rec.address, w_.cloud.registry);
  w_.note("Application contract", "Gateway", "settled", static_cast<std::int64_t>(r));
  // §5.1: the shutdown releases the resources. The client, who watches its contract, ends it now
  // if the contract ended before the client's time was up.
  if (w_.gateway) w_.gateway->ended_early(rec.address);
  auto done = [this, r] {
    if (waiting_.size() <= r) return;
    auto fns = std::move(waiting_[r]);
    waiting_[r].clear();
    for (auto& f : fns) f();
  };
  if (!w_.cfg.payees_withdraw) return done();
  // Payees that sign transactions withdraw: resource owners and Orchestrators. (The Cloud
  // contract's and the Registry's shares are sent by destroy.)
  std::set<chain::Address> payees = owners;
  payees.insert(orcs.begin(), orcs.end());
  auto left = std::make_shared<std::size_t>(1);
  auto one_done = [left, done] {
    if (--*left == 0) done();
  };
  for (chain::Address payee : payees) {
    if (ac::salary(state, rec.address, payee) == 0) continue;
    ++*left;
    w_.submit(ac::withdraw(rec.address, payee), "payee", [one_done](const chain::Receipt&) { one_done(); });
  }
  one_done();
}

}  // namespace cansim::orchestration

// The join/churn workload of §4.1.1 over the message-level CAN (churn_workload.hpp).
#include "cansim/scenario/churn/churn_workload.hpp"

#include <algorithm>

#include "cansim/model/chain/contracts/registry.hpp"

namespace cansim::churn {

using can::JoinState;
using can::accepted_joins;
using can::CanWorld;
using can::member_address;

ChurnWorkload::ChurnWorkload(CanWorld& world, const ChurnWorkloadConfig& cfg, Rng draws)
    : world_(world), can_(*world.can), cfg_(cfg), draws_(draws), crashed_by_step_(world.nodes, 0) {}

void ChurnWorkload::start() {
  world_.sim.at(SimTime{0}, [this] { begin_step(0); });
}

ChurnWorkload::Count ChurnWorkload::count() const {
  Count k;
  for (NodeId n : can_.members()) {
    ++k.listed;
    k.up += world_.net.is_up(n) ? 1 : 0;
  }
  return k;
}

void ChurnWorkload::sample(Count k) {
  seen_.size.push_back(k.up);
  seen_.listed.push_back(k.listed);
}

void ChurnWorkload::begin_step(std::int64_t s) {
  const SimTime t0 = cfg_.step * s;
  returns_and_joins();
  world_.sim.at(t0 + cfg_.crash_at, [this] { crashes_now(); });
  if (cfg_.sample == SamplePoint::AfterJoins) world_.sim.at(t0 + cfg_.crash_at - SimTime{1}, [this] { sample(count()); });
  world_.sim.at(t0 + cfg_.step - SimTime{1}, [this, s] { end_of_step(s); });
  if (s + 1 < cfg_.steps) world_.sim.at(t0 + cfg_.step, [this, s] { begin_step(s + 1); });
}

void ChurnWorkload::returns_and_joins() {
  const std::size_t nodes = crashed_by_step_.size();
  for (NodeId n = 0; n < nodes; ++n) {
    if (crashed_by_step_[n] && !can_.is_member(n) && !world_.net.is_up(n)) {  // removed by the CAN: a candidate again
      crashed_by_step_[n] = 0;
      world_.net.recover(n);
      can_.on_recover(n);
    }
  }
  for (NodeId n = 0; n < nodes; ++n) {
    if (can_.is_member(n) || !world_.net.is_up(n) || !draws_.bernoulli(cfg_.j)) continue;
    const SimTime when{draws_.uniform_int(0, cfg_.join_window.us)};
    world_.sim.after(when, [this, n] { can_.ask_join(n); });
  }
}

void ChurnWorkload::crashes_now() {
  ascending_.assign(can_.members().begin(), can_.members().end());
  std::sort(ascending_.begin(), ascending_.end());
  const NodeId leader = can_.current_leader();
  for (NodeId n : ascending_) {
    if (!world_.net.is_up(n) || !draws_.bernoulli(cfg_.f)) continue;
    world_.net.crash(n);
    can_.on_crash(n);
    crashed_by_step_[n] = 1;
    ++seen_.crashes;
    seen_.leader_crashes += n == leader ? 1 : 0;
  }
}

void ChurnWorkload::end_of_step(std::int64_t s) {
  const Count k = count();
  if (cfg_.sample == SamplePoint::EndOfStep) sample(k);
  if (k.up == 0 && seen_.first_zero < 0) seen_.first_zero = s + 1;
  zero_steps_ = k.up == 0 ? zero_steps_ + 1 : 0;
  if (cfg_.at_zero != AtZero::Bootstrap || zero_steps_ <= cfg_.bootstrap_delay) return;
  // The owner appoints a node the Registry lists as a candidate: one voted out registers again
  // first (its removal cleared its contact), which it does on its own while it is up.
  std::vector<NodeId> alive;
  for (NodeId n = 0; n < crashed_by_step_.size(); ++n) {
    if (world_.net.is_up(n) && chain::registry::is_candidate(world_.chain.state(), world_.reg, member_address(n))) {
      alive.push_back(n);
    }
  }
  if (alive.empty()) return;
  ++seen_.bootstraps;
  zero_steps_ = 0;
  world_.chain.submit(chain::registry::bootstrap(world_.reg, world_.owner, member_address(alive[draws_.below(alive.size())])));
}

}  // namespace cansim::churn

#pragma once
// Faults injected on purpose, as a plan: a schedule (at time t, crash X; at t2, partition
// {A, B} from {C}; heal at t3 ...) and random rates (each node crashes after an exponential
// time of mean 1 / crash_rate and recovers after one of mean 1 / recovery_rate). Applied to a
// Network, every fault lands in its trace. The random process draws from its own stream, one
// draw per fault, so its cost follows the faults, not the number of nodes.
#include <vector>

#include "cansim/sim/network.hpp"

namespace cansim {

struct ScheduledFault {
  enum class Kind { Crash, Recover, Partition, Isolate, Cut, Uncut, Heal };
  SimTime at;
  Kind kind;
  std::vector<NodeId> nodes;                // Crash, Recover, Isolate: the nodes; Cut/Uncut: {from, to}
  std::vector<std::vector<NodeId>> groups;  // Partition
};

struct FaultPlan {
  std::vector<ScheduledFault> schedule;
  double crash_rate_per_s = 0;     // per up node; 0: no random crashes
  double recovery_rate_per_s = 0;  // per crashed node; 0: crashed nodes stay down
};

// Schedules a plan on a network. Keep it alive as long as the simulation runs (its random
// process refers to it). `on_crash` / `on_recover` let the owner of the endpoints drop and
// rebuild their volatile state.
template <class M>
class FaultInjector {
 public:
  FaultInjector(Simulator& sim, Network<M>& net, Rng rng, const FaultPlan& plan,
                std::function<void(NodeId)> on_crash = {}, std::function<void(NodeId)> on_recover = {})
      : sim_(sim), net_(net), rng_(rng), on_crash_(std::move(on_crash)), on_recover_(std::move(on_recover)) {
    for (const ScheduledFault& f : plan.schedule) sim_.at(f.at, [this, f] { apply(f); });
    if (plan.crash_rate_per_s > 0) {
      crash_mean_us_ = 1e6 / plan.crash_rate_per_s;
      recover_mean_us_ = plan.recovery_rate_per_s > 0 ? 1e6 / plan.recovery_rate_per_s : 0.0;
      for (NodeId n = 0; n < net_.size(); ++n) arm(n);
    }
  }
  FaultInjector(const FaultInjector&) = delete;
  FaultInjector& operator=(const FaultInjector&) = delete;

  void crash(NodeId n) {
    if (!net_.is_up(n)) return;
    net_.crash(n);
    if (on_crash_) on_crash_(n);
  }
  void recover(NodeId n) {
    if (net_.is_up(n)) return;
    net_.recover(n);
    if (on_recover_) on_recover_(n);
  }

 private:
  void apply(const ScheduledFault& f) {
    switch (f.kind) {
      case ScheduledFault::Kind::Crash: for (NodeId n : f.nodes) crash(n); break;
      case ScheduledFault::Kind::Recover: for (NodeId n : f.nodes) recover(n); break;
      case ScheduledFault::Kind::Partition: net_.partition(f.groups); break;
      case ScheduledFault::Kind::Isolate: for (NodeId n : f.nodes) net_.isolate(n); break;
      case ScheduledFault::Kind::Cut: net_.cut(f.nodes.at(0), f.nodes.at(1)); break;
      case ScheduledFault::Kind::Uncut: net_.uncut(f.nodes.at(0), f.nodes.at(1)); break;
      case ScheduledFault::Kind::Heal: net_.heal(); break;
    }
  }
  // Each node alternates up and down, with one pending timer.
  void arm(NodeId n) {
    const bool up = net_.is_up(n);
    if (!up && recover_mean_us_ <= 0) return;
    const double mean = up ? crash_mean_us_ : recover_mean_us_;
    sim_.after(SimTime{1 + static_cast<std::int64_t>(rng_.exponential(mean))}, [this, n, up] {
      if (net_.is_up(n) == up) up ? crash(n) : recover(n);
      arm(n);
    });
  }

  Simulator& sim_;
  Network<M>& net_;
  Rng rng_;
  std::function<void(NodeId)> on_crash_, on_recover_;
  double crash_mean_us_ = 0, recover_mean_us_ = 0;
};

}  // namespace cansim

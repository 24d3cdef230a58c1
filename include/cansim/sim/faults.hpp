#pragma once
// Faults injected on purpose, as a plan: a schedule (at time t, crash X; at t2, partition
// {A, B} from {C}; heal at t3 ...) and random rates (each node crashes after an exponential
// time of mean 1 / crash_rate and recovers after one of mean 1 / recovery_rate). Applied to a
// Network, every fault lands in its fault log (Network::faults). The random process draws from its own stream, one
// draw per fault, so its cost follows the faults, not the number of nodes.
#include <memory>
#include <optional>
#include <vector>

#include "cansim/sim/network.hpp"
#include "cansim/sim/renewal.hpp"

namespace cansim {

struct ScheduledFault {
  enum class Kind { Crash, Recover, Partition, Isolate, Cut, Uncut, Heal };
  SimTime at;
  Kind kind;
  std::vector<NodeId> nodes;                // Crash, Recover, Isolate: the nodes; Cut/Uncut: {from, to}
  std::vector<std::vector<NodeId>> groups;  // Partition
};

// A latency distribution that replaces the kind's constant latency.
struct LatencyFault {
  LinkModel::Latency law = LinkModel::Latency::Constant;
  SimTime low = millis(10), high = millis(10);  // Constant: low; Uniform: [low, high]
  double log_mu = -4.6, log_sigma = 0.5;        // LogNormal: of the delay in seconds
  SimTime log_max = LinkModel{}.log_max;        // LogNormal: no delay longer (see LinkModel)
};

struct FaultPlan {
  std::vector<ScheduledFault> schedule;
  double crash_rate_per_s = 0;     // per up node; 0: no random crashes
  double recovery_rate_per_s = 0;  // per crashed node; 0: crashed nodes stay down
  // The network's misbehaviour on every link, besides the kind's own loss and latency.
  double duplicate = 0;  // probability that a message is delivered twice
  double reorder = 0;    // probability that a message is held back, up to reorder_window
  SimTime reorder_window = millis(50);
  std::optional<LatencyFault> latency;
  // Random partitions: they begin at this rate (a Poisson process); each splits the nodes in two
  // by a fair coin per node and lasts an exponential time of mean partition_mean_s, then heals
  // (ending every partition, isolation and cut, as a scheduled heal does).
  double partition_rate_per_s = 0;
  double partition_mean_s = 10;
};

// A kind's link model with the plan's network faults applied.
inline LinkModel with_faults(LinkModel link, const FaultPlan& plan) {
  link.duplicate = plan.duplicate;
  link.reorder = plan.reorder;
  link.reorder_window = plan.reorder_window;
  if (plan.latency) {
    link.latency = plan.latency->law;
    link.base = plan.latency->low;
    link.high = plan.latency->high;
    link.log_mu = plan.latency->log_mu;
    link.log_sigma = plan.latency->log_sigma;
    link.log_max = plan.latency->log_max;
  }
  return link;
}

// Schedules a plan on a network. Keep it alive as long as the simulation runs (its random
// process refers to it). `on_crash` / `on_recover` let the owner of the endpoints drop and
// rebuild their volatile state.
template <class M>
class FaultInjector {
 public:
  FaultInjector(Simulator& sim, Network<M>& net, Rng rng, const FaultPlan& plan, std::function<void(NodeId)> on_crash = {},
                std::function<void(NodeId)> on_recover = {})
      : sim_(sim), net_(net), rng_(rng), on_crash_(std::move(on_crash)), on_recover_(std::move(on_recover)) {
    for (const ScheduledFault& f : plan.schedule) sim_.at(f.at, [this, f] { apply(f); });
    renewal_ = std::make_unique<Renewal>(sim_, rng_, static_cast<std::uint32_t>(net_.size()), plan.crash_rate_per_s,
                                         plan.recovery_rate_per_s,
                                         Renewal::Part{[this](std::uint32_t n) { return net_.is_up(n); },
                                                       [this](std::uint32_t n) { crash(n); },
                                                       [this](std::uint32_t n) { recover(n); }});
    if (plan.partition_rate_per_s > 0) {
      // Its own stream, so that switching partitions on does not move the crashes.
      partition_rng_ = rng_.stream("partitions");
      partition_every_us_ = 1e6 / plan.partition_rate_per_s;
      partition_mean_us_ = plan.partition_mean_s * 1e6;
      next_partition();
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
  // The end of the faults (a quiet phase begins): no random fault from now on, every partition,
  // isolation and cut healed, every crashed node recovered, and no link loses, duplicates or
  // reorders; each keeps its latency law, jitter included (a protocol must progress under it).
  // Scheduled faults still apply.
  void end_random_faults() {
    stopped_ = true;
    renewal_->stop();
    net_.stop_link_faults();
    net_.heal();
    for (NodeId n = 0; n < net_.size(); ++n) recover(n);
  }

 private:
  void apply(const ScheduledFault& f) {
    switch (f.kind) {
      case ScheduledFault::Kind::Crash:
        for (NodeId n : f.nodes) crash(n);
        break;
      case ScheduledFault::Kind::Recover:
        for (NodeId n : f.nodes) recover(n);
        break;
      case ScheduledFault::Kind::Partition: net_.partition(f.groups); break;
      case ScheduledFault::Kind::Isolate:
        for (NodeId n : f.nodes) net_.isolate(n);
        break;
      case ScheduledFault::Kind::Cut: net_.cut(f.nodes.at(0), f.nodes.at(1)); break;
      case ScheduledFault::Kind::Uncut: net_.uncut(f.nodes.at(0), f.nodes.at(1)); break;
      case ScheduledFault::Kind::Heal: net_.heal(); break;
    }
  }
  void next_partition() {
    sim_.after(SimTime{1 + static_cast<std::int64_t>(partition_rng_.exponential(partition_every_us_))}, [this] {
      if (stopped_) return;
      std::vector<std::vector<NodeId>> sides(2);
      for (NodeId n = 0; n < net_.size(); ++n) sides[partition_rng_.below(2)].push_back(n);
      const SimTime lasts{1 + static_cast<std::int64_t>(partition_rng_.exponential(partition_mean_us_))};
      if (!sides[0].empty() && !sides[1].empty()) {
        net_.partition(sides);
        sim_.after(lasts, [this] {
          if (stopped_) return;
          net_.heal();
          next_partition();
        });
      } else {
        next_partition();  // everyone on one side: no partition this time
      }
    });
  }

  Simulator& sim_;
  Network<M>& net_;
  Rng rng_;
  Rng partition_rng_{0};
  bool stopped_ = false;
  double partition_every_us_ = 0, partition_mean_us_ = 0;
  std::function<void(NodeId)> on_crash_, on_recover_;
  std::unique_ptr<Renewal> renewal_;  // the nodes' crashes and recoveries
};

}  // namespace cansim

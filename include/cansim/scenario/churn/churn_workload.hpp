#pragma once
// The join/churn experiment of §4.1.1 (Figures 4.2 and 4.3) as a workload on the message-level
// CAN, where churn_model.hpp abstracts it into counts.
//
// A step is a stretch of simulated time. At its start every node outside the CAN that is up asks
// to join with probability j, at a random moment within the join window (askJoin; the leader
// answers by Algorithm 1, checks the endpoint and registers the member in the Registry); at
// crash_at into the step every member that is up crashes with probability f. Nobody tells the
// CAN: checkState finds the crashes, RemoveNode votes them out (only while more than half of the
// Registry's members answer), LeadElect replaces a lost leader (same majority). A crashed node
// comes back as a candidate at the start of the first step after the CAN removed it; while the
// Registry still lists it, it stays down (it would otherwise come back as a member). The size
// sampled (at the end of each step, or right before the crashes) is the number of the Registry's
// members that are up. With AtZero::Bootstrap, a step that ends with no member up (after
// bootstrap_delay such steps) makes the Registry owner send Registry.bootstrap with a random live
// node as the new leader; it lands in the first block of the next step.
#include <cstdint>
#include <vector>

#include "cansim/protocols/can/can_world.hpp"
#include "cansim/scenario/churn/churn_model.hpp"

namespace cansim::churn {

struct ChurnWorkloadConfig {
  std::int64_t steps = 100;
  double f = 0;  // probability that a member that is up crashes in a step
  double j = 0;  // probability that a node outside the CAN that is up asks to join in a step
  SimTime step = seconds(10), join_window = seconds(2), crash_at = seconds(5);
  AtZero at_zero = AtZero::Dead;
  std::int64_t bootstrap_delay = 0;  // whole steps at size 0 before the bootstrap
  SamplePoint sample = SamplePoint::EndOfStep;
};

// What a run of the workload saw.
struct ChurnObservations {
  std::vector<std::int64_t> size;    // per step: the Registry's members that are up
  std::vector<std::int64_t> listed;  // per step: all the Registry's members, crashed ones included
  std::int64_t crashes = 0, leader_crashes = 0, bootstraps = 0;
  std::int64_t first_zero = -1;  // the first step (from 1) that ended at size 0; -1: none
};

// Drives the nodes of `world` (its components, if any, are left alone) step by step. Draws from `draws` in node
// order. Keep it alive while the simulation runs.
class ChurnWorkload {
 public:
  ChurnWorkload(can::CanWorld& world, const ChurnWorkloadConfig& cfg, Rng draws);
  ChurnWorkload(const ChurnWorkload&) = delete;
  ChurnWorkload& operator=(const ChurnWorkload&) = delete;

  // Schedules the first step at time 0; each step schedules the next, so that the queue holds one
  // step at a time. The run should last cfg.steps * cfg.step.
  void start();
  const ChurnObservations& observed() const { return seen_; }

 private:
  struct Count {
    std::int64_t up = 0, listed = 0;  // the Registry's members that are up, and all of them
  };
  Count count() const;
  void sample(Count k);
  void begin_step(std::int64_t s);
  void returns_and_joins();
  void crashes_now();
  void end_of_step(std::int64_t s);

  can::CanWorld& world_;
  can::Can& can_;
  ChurnWorkloadConfig cfg_;
  Rng draws_;
  std::vector<char> crashed_by_step_;
  std::vector<NodeId> ascending_;  // the Registry's members in node order: the draws go in that order
  std::int64_t zero_steps_ = 0;
  ChurnObservations seen_;
};

}  // namespace cansim::churn

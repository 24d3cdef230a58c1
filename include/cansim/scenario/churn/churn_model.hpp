#pragma once
// The join/churn experiment of §4.1.1 (Figures 4.2 and 4.3) as an abstract step model: each step,
// every candidate asks to join with probability j and the leader answers by Algorithm 1 (Join);
// then every CAN node crashes with probability f. Counts are drawn from the binomial, so a step
// costs the same for Ntotal = 100 and Ntotal = 10^6.
//
// Every choice the paper leaves open is a field of ChurnConfig; docs/reproduction.md discusses
// each and what it does to the figures.
#include <cstdint>
#include <vector>

#include "cansim/protocols/can/join.hpp"
#include "cansim/sim/rng.hpp"

namespace cansim::churn {

// What "churn" is in Algorithm 1: "the difference between nodes that left the network and nodes
// that joined the network", counted since the start (including this step's joins so far), over
// the last completed step, or over the last W completed steps.
enum class ChurnMeasure { Cumulative, LastStep, Window };
// What happens when the CAN reaches size 0: nobody is left to accept joins (dead for good), or
// the Registry owner appoints a new leader after a delay (bootstrap, as at system start).
enum class AtZero { Dead, Bootstrap };
// When the size is observed for the box plots: at the end of the step (after the crashes) or
// right after the joins.
enum class SamplePoint { EndOfStep, AfterJoins };

struct ChurnConfig {
  std::int64_t ntotal = 100;
  std::int64_t nmin = 4;
  std::int64_t nmax = 10;
  std::int64_t steps = 100;
  double j = 0.1;
  double f = 0.5;
  std::int64_t initial_size = 1;  // the appointed leader alone
  ChurnMeasure churn = ChurnMeasure::Cumulative;
  std::int64_t window = 10;    // steps, for ChurnMeasure::Window
  bool crashed_return = true;  // crashed nodes become candidates again (C = Ntotal - Ncurrent)
  AtZero at_zero = AtZero::Dead;
  std::int64_t bootstrap_delay = 0;  // steps without a CAN before the owner appoints a new leader
  std::int64_t election_delay = 0;   // steps without joins after the leader crashes (0: instant)
  SamplePoint sample = SamplePoint::EndOfStep;
  can::Admission admission = can::Admission::Pseudocode;
};

struct ChurnTrace {
  std::vector<std::int64_t> size;     // the sampled size at steps 1..steps
  std::int64_t first_zero_step = -1;  // the first step that ended with no node; -1 if none
  std::int64_t joins = 0, crashes = 0, leader_crashes = 0;
};

ChurnTrace run_churn(const ChurnConfig& c, Rng& rng);

}  // namespace cansim::churn

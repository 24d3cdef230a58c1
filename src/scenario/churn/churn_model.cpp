#include "cansim/scenario/churn/churn_model.hpp"

#include <algorithm>

namespace cansim::churn {

using can::JoinState;
using can::accepted_joins;

ChurnTrace run_churn(const ChurnConfig& c, Rng& rng) {
  ChurnTrace t;
  t.size.reserve(static_cast<std::size_t>(c.steps));
  Rng join_rng = rng.stream("join");
  Rng crash_rng = rng.stream("crash");

  std::int64_t size = c.initial_size;
  std::int64_t gone = 0;        // crashed nodes that never return (crashed_return = false)
  std::int64_t cumulative = 0;  // left - joined since the start
  const std::int64_t w = c.churn == ChurnMeasure::LastStep ? 1 : c.window;
  std::vector<std::int64_t> ring(c.churn == ChurnMeasure::Cumulative ? 0 : static_cast<std::size_t>(w), 0);
  std::int64_t window_sum = 0;     // left - joined over the last w completed steps
  std::int64_t no_leader_for = 0;  // steps left in an election
  std::int64_t empty_steps = 0;    // whole steps spent at size 0 since the CAN died

  for (std::int64_t step = 1; step <= c.steps; ++step) {
    // A CAN that reached size 0 may be bootstrapped again by the Registry owner.
    if (size == 0 && c.at_zero == AtZero::Bootstrap && empty_steps >= c.bootstrap_delay && c.ntotal - gone > 0) {
      size = 1;
      no_leader_for = 0;
    }
    const bool empty_at_start = size == 0;

    // (1) Joins: candidates ask while the CAN is below Nmax (askJoin); the leader answers each.
    std::int64_t joined = 0;
    if (size > 0 && no_leader_for == 0 && size < c.nmax) {
      const std::int64_t candidates = std::max<std::int64_t>(0, c.ntotal - size - gone);
      const auto requests = static_cast<std::int64_t>(join_rng.binomial(static_cast<std::uint64_t>(candidates), c.j));
      const bool cumulative_measure = c.churn == ChurnMeasure::Cumulative;
      const JoinState s{size, c.nmin, c.nmax, cumulative_measure ? cumulative : window_sum};
      joined = accepted_joins(s, requests, cumulative_measure ? 1 : 0, c.admission);
      size += joined;
    }
    if (no_leader_for > 0) --no_leader_for;
    if (c.sample == SamplePoint::AfterJoins) t.size.push_back(size);

    // (2) Crashes: every node, the leader and this step's joiners included, with probability f.
    std::int64_t left = 0;
    if (size > 0) {
      const bool leader_crashed = crash_rng.bernoulli(c.f);
      left = static_cast<std::int64_t>(crash_rng.binomial(static_cast<std::uint64_t>(size - 1), c.f)) + (leader_crashed ? 1 : 0);
      size -= left;
      if (leader_crashed) {
        ++t.leader_crashes;
        if (size > 0) no_leader_for = c.election_delay;
      }
    }
    if (!c.crashed_return) gone += left;
    t.joins += joined;
    t.crashes += left;

    cumulative += left - joined;
    if (!ring.empty()) {
      const std::size_t slot = static_cast<std::size_t>((step - 1) % w);
      window_sum += (left - joined) - ring[slot];
      ring[slot] = left - joined;
    }
    if (size == 0) {
      if (t.first_zero_step < 0) t.first_zero_step = step;
      empty_steps = empty_at_start ? empty_steps + 1 : 0;
    }
    if (c.sample == SamplePoint::EndOfStep) t.size.push_back(size);
  }
  return t;
}

}  // namespace cansim::churn

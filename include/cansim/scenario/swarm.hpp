#pragma once
// Swarm testing of the CAN: each seed draws a world (members, components, work, timing) and a
// mix of faults in which some kinds are switched off entirely (fewer kinds of fault per run find
// more bugs), runs a fault phase under the invariants, then a quiet phase, and checks liveness at
// the end. A failure is reported with its seed and a scenario file that reproduces it exactly.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace cansim::scenario {

struct SwarmOptions {
  std::uint64_t first_seed = 1;
  std::uint64_t seeds = 200;
  unsigned threads = 0;       // 0: every core
  std::int64_t quiet_s = 150;  // the quiet phase: the liveness bound
};

struct SwarmOutcome {
  std::uint64_t seed;
  nlohmann::ordered_json scenario;  // the world and faults drawn, a `can` scenario of one run
  std::vector<std::string> faults;  // the kinds of fault switched on
  std::string failure;              // empty: safe and live
};

// The scenario that seed `seed` draws (a `can` scenario with quiet_s set; run 0 is the run).
nlohmann::ordered_json swarm_scenario(std::uint64_t seed, const SwarmOptions& options, std::vector<std::string>& faults);

// Runs the seeds; outcomes in seed order, the same for any thread count.
std::vector<SwarmOutcome> run_swarm(const SwarmOptions& options);

}  // namespace cansim::scenario

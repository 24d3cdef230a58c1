#pragma once
// Swarm testing: each seed draws a world and a mix of faults in which some kinds are switched off
// entirely (fewer kinds of fault per run find more bugs), runs it under the invariants, and checks
// liveness at the end. A failure is reported with its seed and a scenario file that reproduces it
// exactly. Two kinds of world:
//  - "can": members, components, work and timing; a fault phase, then `quiet_s` without faults,
//    then the CAN's liveness (Can::liveness_problems);
//  - "orchestration": an OCAN of Orchestrators deploying the bundled applications onto a small
//    cloud, with failures of Orchestrators, members, hosts, hypervisors and services and a lossy
//    network; live when every request was answered and every accepted application settled (its
//    client ended it, or its contract shut it down) before the run's time limit.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace cansim::scenario {

struct SwarmOptions {
  std::uint64_t first_seed = 1;
  std::uint64_t seeds = 200;
  unsigned threads = 0;           // 0: every core
  std::int64_t quiet_s = 150;     // can: the quiet phase, the liveness bound
  std::string kind = "can";       // "can" or "orchestration"
  std::string apps_dir = "apps";  // orchestration: where the bundled TOSCA files are
  std::uint64_t block = 4096;     // seeds run (and held) at a time
};

struct SwarmOutcome {
  std::uint64_t seed;
  nlohmann::ordered_json scenario;  // the world and faults drawn, a scenario of one run
  std::vector<std::string> faults;  // the kinds of fault switched on
  std::string failure;              // empty: safe and live
};

// The scenario that seed `seed` draws (run 0 is the run). Throws std::invalid_argument for an
// unknown kind.
nlohmann::ordered_json swarm_scenario(std::uint64_t seed, const SwarmOptions& options, std::vector<std::string>& faults);

// Runs the seeds and hands each outcome to `each` in seed order, the same for any thread count;
// memory holds a block of seeds at a time. A passing seed's outcome carries no scenario.
void run_swarm(const SwarmOptions& options, const std::function<void(SwarmOutcome&&)>& each);
// The same, every outcome kept (for a few seeds).
std::vector<SwarmOutcome> run_swarm(const SwarmOptions& options);

}  // namespace cansim::scenario

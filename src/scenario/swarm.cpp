// Swarm testing of the CAN and of orchestration: random worlds and fault mixes, the invariants,
// then liveness.
#include "cansim/scenario/swarm.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>

#include "cansim/protocols/can/can.hpp"
#include "cansim/scenario/runner.hpp"
#include "cansim/scenario/scenario.hpp"
#include "cansim/sim/rng.hpp"

namespace cansim::scenario {

using json = nlohmann::ordered_json;

namespace {

json orchestration_scenario(std::uint64_t seed, const SwarmOptions& options, std::vector<std::string>& faults) {
  Rng rng = Rng(seed).stream("swarm-orchestration");
  auto between = [&rng](std::int64_t lo, std::int64_t hi) {
    return lo + static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(hi - lo + 1)));
  };
  auto rounded = [](double x) { return std::round(x * 1000) / 1000; };
  auto real = [&rng, &rounded](double lo, double hi) { return rounded(rng.uniform(lo, hi)); };
  json params;
  const std::int64_t members = between(3, 7);
  const std::int64_t apps = between(2, 10);
  const double arrival = real(0.005, 0.05);
  const double duration = real(300, 3600);
  params["applications"] = apps;
  params["arrival_rate_per_s"] = arrival;
  params["mean_duration_s"] = duration;
  params["duration_law"] = rng.bernoulli(0.5) ? "constant" : "exponential";
  // Long enough for the last arrival and a long stay, with redeploys: 20 times the expected span.
  params["max_duration_s"] = std::ceil(20 * (static_cast<double>(apps) / arrival + duration));
  params["members"] = members;
  params["orchestrators"] = between(1, 6);
  params["replication"] = between(1, std::min<std::int64_t>(3, members));
  params["cpu_hosts"] = between(2, 10);
  params["gpu_hosts"] = between(1, 4);
  params["mic_hosts"] = between(1, 3);
  params["app_ok_interval_s"] = between(30, 300);
  params["payment_interval_s"] = between(300, 1800);
  params["monitor_interval_s"] = between(5, 30);
  params["block_interval_s"] = std::vector<double>{2, 5, 12}[rng.below(3)];
  faults.clear();
  auto maybe = [&](const char* name, const char* param, double lo, double hi) {
    if (!rng.bernoulli(0.5)) return;
    faults.push_back(name);
    params[param] = real(lo, hi);
  };
  maybe("orchestrator crashes", "orchestrator_failures_per_h", 0.5, 6);
  maybe("member crashes", "member_failures_per_h", 0.5, 6);
  maybe("host crashes", "host_failures_per_h", 0.05, 1);
  maybe("hypervisor crashes", "hypervisor_failures_per_h", 0.05, 1);
  maybe("service failures", "service_failures_per_h", 0.1, 3);
  maybe("loss", "loss", 0.005, 0.05);
  maybe("missing blocks", "missing_block_share", 0.05, 0.3);
  json f = json::object();
  if (rng.bernoulli(0.5)) {
    faults.push_back("duplication");
    f["duplicate"] = real(0.01, 0.1);
  }
  json applications = json::array();
  for (const char* app : {"ray_tracing.yaml", "web_shop.yaml", "inference.yaml"}) {
    applications.push_back(json{{"file", (std::filesystem::absolute(options.apps_dir) / app).lexically_normal().string()},
                                {"weight", between(1, 3)}});
  }
  // Last, so that the draws above stay what they were for every seed: funds that run out (§5.1),
  // ended by failed payments or by an APP_SHUTDOWN the funds cannot cover.
  if (rng.bernoulli(0.25)) {
    faults.push_back("short funds");
    params["deposit_wei"] = static_cast<double>(between(100, 20000));
    if (rng.bernoulli(0.5)) params["max_failed_payments"] = 1000;
  }
  json doc;
  doc["experiment"] = "orchestration";
  doc["description"] = fmt::format("cansim swarm --kind orchestration, seed {}: {}", seed,
                                   faults.empty() ? std::string("no faults") : fmt::format("{}", fmt::join(faults, ", ")));
  doc["seed"] = seed;
  doc["repetitions"] = 1;
  doc["params"] = params;
  doc["faults"] = f;
  doc["applications"] = applications;
  return doc;
}

json can_scenario(std::uint64_t seed, const SwarmOptions& options, std::vector<std::string>& faults) {
  Rng rng = Rng(seed).stream("swarm");
  auto between = [&rng](std::int64_t lo, std::int64_t hi) {
    return lo + static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(hi - lo + 1)));
  };
  auto real = [&rng](double lo, double hi) { return rng.uniform(lo, hi); };
  auto rounded = [](double x) { return std::round(x * 1000) / 1000; };  // short, exact in the file
  const std::int64_t members = between(3, 9);
  const std::int64_t components = between(0, 6);
  const std::int64_t fault_s = between(60, 300);
  json params;
  params["members"] = members;
  params["components"] = components;
  params["work_entries"] = components > 0 ? between(0, 6) : 0;
  params["work_length"] = between(5, 40);
  params["checkpoint_interval_ms"] = between(1, 5) * 1000;
  params["replication"] = between(1, std::min<std::int64_t>(3, members));
  params["check_interval_ms"] = std::vector<std::int64_t>{500, 1000, 2000}[rng.below(3)];
  params["ping_timeout_ms"] = between(1, 4) * 100;
  params["ping_attempts"] = between(1, 3);
  params["duration_s"] = fault_s + options.quiet_s;
  params["quiet_s"] = options.quiet_s;
  // Each kind of fault on with probability 1/2, at a rate drawn for this seed.
  json f = json::object();
  faults.clear();
  if (rng.bernoulli(0.5)) {
    faults.push_back("crashes");
    f["crash_rate_per_s"] = rounded(real(0.002, 0.02));
    f["recovery_rate_per_s"] = rounded(real(0.02, 0.2));
  }
  if (rng.bernoulli(0.5)) {
    faults.push_back("partitions");
    f["partition_rate_per_s"] = rounded(real(0.005, 0.05));
    f["partition_mean_s"] = rounded(real(2, 15));
  }
  if (rng.bernoulli(0.5)) {
    faults.push_back("loss");
    params["loss"] = rounded(real(0.01, 0.2));
  }
  if (rng.bernoulli(0.5)) {
    faults.push_back("duplication");
    f["duplicate"] = rounded(real(0.01, 0.2));
  }
  if (rng.bernoulli(0.5)) {
    faults.push_back("reordering");
    f["reorder"] = rounded(real(0.01, 0.3));
    f["reorder_window_ms"] = between(10, 100);
  }
  if (rng.bernoulli(0.5)) {
    faults.push_back("latency");
    double one_way_ms = 0;  // what a message takes at most, or in all but 1 of 1000 (log-normal)
    if (rng.bernoulli(0.5)) {
      const std::int64_t low = between(1, 50);
      const std::int64_t high = low + between(0, 150);
      f["latency"] = json{{"law", "uniform"}, {"low_ms", low}, {"high_ms", high}};
      one_way_ms = static_cast<double>(high);
    } else {
      const std::int64_t median = between(5, 50);
      const double sigma = rounded(real(0.1, 1.0));
      f["latency"] = json{{"law", "lognormal"}, {"median_ms", median}, {"sigma", sigma}};
      one_way_ms = static_cast<double>(median) * std::exp(3.09 * sigma);
    }
    // The latency law stays in the quiet phase, so the world's timeouts must outlast a round trip:
    // a ping timeout shorter than the network's round trip finds every member silent, a CAN no
    // protocol keeps live (what false suspicions cost is a question for a scenario, not a bug).
    const auto round_trip = static_cast<std::int64_t>(std::ceil(2 * one_way_ms / 100)) * 100;
    params["ping_timeout_ms"] = std::max(params["ping_timeout_ms"].get<std::int64_t>(), round_trip);
    params["vote_timeout_ms"] = std::max<std::int64_t>(can::CanConfig{}.vote_timeout.us / 1000, round_trip);
    params["promise_ttl_ms"] = std::max<std::int64_t>(can::CanConfig{}.promise_ttl.us / 1000, 4 * round_trip);
  }
  if (rng.bernoulli(0.5)) {
    faults.push_back("leader crash");
    const std::int64_t at = between(5, fault_s - 5);
    json schedule = json::array();
    schedule.push_back(json{{"at_s", at}, {"crash", json::array({0})}});
    if (rng.bernoulli(0.5)) schedule.push_back(json{{"at_s", between(at, fault_s)}, {"recover", json::array({0})}});
    f["schedule"] = schedule;
  }
  json doc;
  doc["experiment"] = "can";
  doc["description"] = fmt::format("cansim swarm, seed {}: {}", seed,
                                   faults.empty() ? std::string("no faults") : fmt::format("{}", fmt::join(faults, ", ")));
  doc["seed"] = seed;
  doc["repetitions"] = 1;
  doc["params"] = params;
  doc["output"] = json{{"liveness", true}};
  doc["faults"] = f;
  return doc;
}

}  // namespace

json swarm_scenario(std::uint64_t seed, const SwarmOptions& options, std::vector<std::string>& faults) {
  if (options.kind == "can") return can_scenario(seed, options, faults);
  if (options.kind == "orchestration") return orchestration_scenario(seed, options, faults);
  throw std::invalid_argument(fmt::format("unknown swarm kind \"{}\": expected \"can\" or \"orchestration\"", options.kind));
}

namespace {

double metric(const Scenario& sc, const RunResult& r, const std::string& name) {
  for (std::size_t i = 0; i < sc.kind->metrics.size(); ++i) {
    if (sc.kind->metrics[i].name == name) return r.metrics.at(i);
  }
  throw std::logic_error("no metric " + name);
}

std::string check(const json& doc, std::uint64_t seed) {
  std::vector<RunResult> results;
  std::optional<Scenario> sc;
  try {
    // A drawn world the validation refuses is a defect of the swarm; in a worker thread it must
    // be reported, not thrown.
    sc = parse_scenario(doc, fmt::format("swarm-{}.json", seed));
    try {
      results = run_runs(*sc, {0}, {1, false});
    } catch (const std::exception& e) {
      return fmt::format("safety: {}", e.what());
    }
  } catch (const std::exception& e) {
    return fmt::format("the drawn scenario is invalid: {}", e.what());
  }
  const RunResult& r = results.at(0);
  if (doc["experiment"] == "orchestration") {
    // Live: every request answered and every accepted application settled within the time limit.
    const double unsettled = metric(*sc, r, "unsettled"), accepted = metric(*sc, r, "accepted");
    const double duration = metric(*sc, r, "duration_s"), limit = doc["params"]["max_duration_s"].get<double>();
    std::vector<std::string> problems;
    if (unsettled > 0) problems.push_back(fmt::format("{} of {} accepted applications never settled", unsettled, accepted));
    if (duration >= limit) problems.push_back(fmt::format("the run reached its time limit ({} s)", limit));
    // What runs on the hosts, audited from the hypervisors' side.
    if (const double n = metric(*sc, r, "orphan_instances"); n > 0)
      problems.push_back(fmt::format("{} instances of ended applications still run", n));
    if (const double n = metric(*sc, r, "foreign_actions"); n > 0)
      problems.push_back(fmt::format("{} hypervisor calls from an Orchestrator that was not the assignee", n));
    if (const double n = metric(*sc, r, "deploys_after_shutdown"); n > 0)
      problems.push_back(fmt::format("{} deploys after the application ended", n));
    if (const double n = metric(*sc, r, "overcommitted_deploys"); n > 0)
      problems.push_back(fmt::format("{} deploys beyond a host's capacity, counting what runs there", n));
    return problems.empty() ? "" : fmt::format("liveness: {}", fmt::join(problems, "; "));
  }
  std::vector<std::string> problems;
  for (const Table& t : r.tables) {
    if (t.name == "liveness") problems = std::get<std::vector<std::string>>(t.data.at(0));
  }
  // What the liveness check at the end cannot see: committed entries lost on the way (every member
  // holding them left). Checkpoints lost to crashes of `replication` holders are no verdict.
  if (const double lost = metric(*sc, r, "ledger_entries_lost"); lost > 0)
    problems.push_back(fmt::format("{} committed ledger entries were lost", lost));
  if (problems.empty()) return "";
  return fmt::format("liveness after {} s of quiet: {}", doc["params"]["quiet_s"].get<std::int64_t>(), fmt::join(problems, "; "));
}

}  // namespace

void run_swarm(const SwarmOptions& options, const std::function<void(SwarmOutcome&&)>& each) {
  // In blocks of seeds, each run by every thread and handed over in seed order: memory holds one
  // block, whatever the number of seeds (issue 29: 10^8 outcomes were allocated up front).
  const std::uint64_t block_size = std::max<std::uint64_t>(1, options.block);
  unsigned threads = options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  threads = static_cast<unsigned>(std::min<std::uint64_t>(threads, std::max<std::uint64_t>(options.seeds, 1)));
  std::vector<SwarmOutcome> block;
  for (std::uint64_t start = 0; start < options.seeds; start += block_size) {
    const std::uint64_t n = std::min(block_size, options.seeds - start);
    block.assign(n, SwarmOutcome{});
    std::atomic<std::uint64_t> next{0};
    auto work = [&] {
      for (std::uint64_t i = next++; i < n; i = next++) {
        SwarmOutcome& o = block[i];
        o.seed = options.first_seed + start + i;
        o.scenario = swarm_scenario(o.seed, options, o.faults);
        o.failure = check(o.scenario, o.seed);
        if (o.failure.empty()) o.scenario = nlohmann::ordered_json();  // only a failure's is kept
      }
    };
    std::vector<std::thread> pool;
    for (unsigned t = 1; t < std::min<std::uint64_t>(threads, n); ++t) pool.emplace_back(work);
    work();
    for (auto& t : pool) t.join();
    for (SwarmOutcome& o : block) each(std::move(o));
  }
}

std::vector<SwarmOutcome> run_swarm(const SwarmOptions& options) {
  std::vector<SwarmOutcome> out;
  run_swarm(options, [&out](SwarmOutcome&& o) { out.push_back(std::move(o)); });
  return out;
}

}  // namespace cansim::scenario

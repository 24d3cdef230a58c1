// §3's trade-off, the selection kind: a Scheduler's signed reservations never conflict; clients
// that select from the same chain state do, more so with longer blocks and deeper confirmations;
// the contract's own search does not conflict but pays for its reads.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include "cansim/scenario/runner.hpp"
#include "scenario_fixture.hpp"

using namespace cansim::scenario;
using namespace cansim::scenario::testing;

namespace {

struct Means {
  double acceptance = 0, conflicts = 0, gas = 0, latency = 0;
};

Means run_selection(const std::string& selection, const std::string& params) {
  const Scenario sc = load_text(fmt::format(
      R"({{"experiment": "selection", "seed": 4, "repetitions": 4,
          "params": {{"selection": "{}", "cpu_hosts": 20, "gpu_hosts": 8, "mic_hosts": 4, "requests_per_user": 8, {}}},
          "applications": [{{"file": "{}/apps/ray_tracing.yaml"}}]}})",
      selection, params, CANSIM_SOURCE_DIR));
  Means m;
  const auto runs = run_runs(sc, sc.all_runs(), {2, false});
  for (const RunResult& r : runs) {
    m.acceptance += metric(sc, r, "acceptance_rate") / static_cast<double>(runs.size());
    m.conflicts += metric(sc, r, "conflicts_per_request") / static_cast<double>(runs.size());
    m.gas += metric(sc, r, "gas_per_assignment") / static_cast<double>(runs.size());
    m.latency += metric(sc, r, "mean_latency_s") / static_cast<double>(runs.size());
  }
  return m;
}

}  // namespace

TEST_CASE("selection: the Scheduler's reservations never conflict, the clients' own selections do", "[selection]") {
  const std::string busy = R"("users": 30, "block_interval_s": 12, "confirmations": 1)";
  const Means scheduler = run_selection("scheduler", busy), client = run_selection("client", busy);
  CHECK(scheduler.conflicts == 0);
  CHECK(client.conflicts > 0.5);  // users reading the same state pick the same first resource
  CHECK(client.latency > scheduler.latency);
  // Reverted transactions still cost gas: a client pays more per assignment.
  CHECK(client.gas > scheduler.gas);
}

TEST_CASE("selection: deeper confirmations mean staler views and more conflicts", "[selection]") {
  const Means fresh = run_selection("client", R"("users": 20, "block_interval_s": 12, "confirmations": 0)");
  const Means stale = run_selection("client", R"("users": 20, "block_interval_s": 12, "confirmations": 3)");
  CHECK(stale.conflicts > fresh.conflicts);
}

TEST_CASE("selection: the contract's search does not conflict while there is room, and costs more gas than a reservation",
          "[selection]") {
  const std::string light = R"("users": 5, "block_interval_s": 2, "confirmations": 0)";
  const Means scheduler = run_selection("scheduler", light), contract = run_selection("contract", light);
  CHECK(contract.acceptance == 1.0);
  CHECK(contract.conflicts == 0);
  CHECK(scheduler.acceptance == 1.0);
  CHECK(contract.gas > scheduler.gas);  // the search's storage reads cost more than the signature check
}

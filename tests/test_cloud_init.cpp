// System initialization (§3.1) and Plug&Play: resources join through probes and transactions,
// broken endpoints are refused, silent resources are deregistered on time, and the Scheduler
// never places on a resource it has been told is gone.
#include <catch2/catch.hpp>

#include <cmath>
#include <map>

#include <fmt/format.h>

#include "cansim/cloud/scheduler.hpp"
#include "cansim/scenario/runner.hpp"
#include "scenario_fixture.hpp"

using namespace cansim;
using namespace cansim::scenario;
using namespace cansim::scenario::testing;

namespace {

std::string init(const std::string& params, const std::string& faults = "") {
  return fmt::format(R"({{"experiment": "cloud_init", "seed": 3, "repetitions": 3,
    "params": {{"cpu_hosts": 20, "gpu_hosts": 6, "mic_hosts": 4, "providers": 2, {}}}, {}
    "applications": [{{"file": "{}/apps/ray_tracing.yaml"}}]}})",
                     params, faults.empty() ? "" : "\"faults\": " + faults + ",", CANSIM_SOURCE_DIR);
}

}  // namespace

TEST_CASE("cloud_init: every resource joins through Plug&Play and the system is ready", "[cloud_init]") {
  const Scenario sc = load_text(init(R"("duration_s": 600)"));
  for (const RunResult& r : run_runs(sc, sc.all_runs(), {2, false})) {
    CHECK(metric(sc, r, "resources") == 30);
    CHECK(metric(sc, r, "registered_at_end") == 30);
    CHECK(metric(sc, r, "refused") == 0);
    CHECK(metric(sc, r, "deregistrations") == 0);
    // Registry, Cloud contracts and registrations take a few blocks of 12 s; the OCAN's 4 joins
    // go one at a time (the single-change rule), each within a retry (30 s) and two blocks.
    CHECK(metric(sc, r, "time_to_ready_s") > 12);
    CHECK(metric(sc, r, "time_to_ready_s") <= 12 + 4 * (30 + 2 * 12));
    CHECK(metric(sc, r, "gas_registry") > 0);
    CHECK(metric(sc, r, "gas_clouds") > 0);
    CHECK(metric(sc, r, "gas_catalogue") > 0);  // one application, two services
    CHECK(metric(sc, r, "gas_per_resource") > 20000);
  }
}

TEST_CASE("cloud_init: the OCAN bootstraps over the CAN: candidacies, the appointed leader, then Join", "[cloud_init][can]") {
  // Blocks every 12 s: the Registry, the candidacies and the appointment in the first block; each
  // other candidate's Join needs the leader's registerMember in a later block.
  std::map<std::int64_t, double> gas;
  for (const std::int64_t m : {1, 2, 5}) {
    const Scenario sc = load_text(init(fmt::format(R"("duration_s": 600, "ocan_members": {})", m)));
    for (const RunResult& r : run_runs(sc, sc.all_runs(), {2, false})) {
      CHECK(metric(sc, r, "ocan_members") == m);
      const double ready = metric(sc, r, "ocan_ready_s");
      if (m == 1) {
        CHECK(ready == 12);                          // the appointment, seen as its block is sealed
        CHECK(metric(sc, r, "ocan_messages") == 0);  // a leader alone has no one to ping
      } else {
        CHECK(ready >= 24);
        // The joins go one at a time (CanConfig::serial_membership): a candidate refused while
        // another joins asks again after ocan_join_retry_s (30 s); each join takes two blocks.
        CHECK(ready <= 12 + static_cast<double>(m - 1) * (30 + 2 * 12));
        CHECK(metric(sc, r, "ocan_messages") > 0);
      }
      CHECK(metric(sc, r, "time_to_ready_s") >= ready);
      gas[m] = metric(sc, r, "gas_ocan");
    }
  }
  // Each more candidate adds a candidacy and a registerMember.
  CHECK(gas[2] > gas[1]);
  CHECK(gas[5] - gas[2] == Approx(3 * (gas[2] - gas[1])).epsilon(0.05));
}

TEST_CASE("cloud_init: OCAN candidates whose requests are lost ask again until they are members", "[cloud_init][can]") {
  // A third of all messages lost: Join requests, probes and replies go missing, and candidates ask
  // again every 5 s; enough pings that checkState does not vote members out for lost ones. Blocks
  // every second, so that a request asked again shows in the time to ready (with 12 s blocks the
  // joins, one at a time, wait for blocks more than for retries).
  const Scenario sc = load_text(init(R"("duration_s": 900, "ocan_members": 4, "loss": 0.3, "ocan_join_retry_s": 5,
                                        "ping_attempts": 8, "telemetry_misses": 10, "block_interval_s": 1)"));
  const Scenario calm = load_text(init(R"("duration_s": 900, "ocan_members": 4, "ocan_join_retry_s": 5, "block_interval_s": 1)"));
  const auto lossy = run_runs(sc, sc.all_runs(), {2, false});
  const auto clean = run_runs(calm, calm.all_runs(), {2, false});
  double slower = 0;
  for (std::size_t i = 0; i < lossy.size(); ++i) {
    CHECK(metric(sc, lossy[i], "ocan_members") == 4);
    CHECK_FALSE(std::isnan(metric(sc, lossy[i], "ocan_ready_s")));
    slower += metric(sc, lossy[i], "ocan_ready_s") > metric(calm, clean[i], "ocan_ready_s");
  }
  CHECK(slower > 0);  // some request was lost and asked again
}

TEST_CASE("cloud_init: broken endpoints are refused, and their owners keep asking", "[cloud_init]") {
  const Scenario sc = load_text(init(R"("duration_s": 1000, "broken_api_share": 1, "rejoin_after_s": 300)"));
  for (const RunResult& r : run_runs(sc, sc.all_runs(), {2, false})) {
    CHECK(metric(sc, r, "registered_at_end") == 0);
    // Asked at 0 (once the Cloud contracts exist, within a minute), 300+, 600+, 900+: 4 refusals each.
    CHECK(metric(sc, r, "refused") == 4 * 30);
    CHECK(metric(sc, r, "gas_plug_and_play") == 0);
    CHECK(metric(sc, r, "time_to_ready_s") > 0);  // nothing with working endpoints to wait for
  }
}

TEST_CASE("cloud_init: a crashed host is deregistered after its telemetry misses, and rejoins after recovery", "[cloud_init]") {
  // Telemetry every 60 s, deregistered when silent for more than 3 intervals: between 180 and
  // 240 s after the crash, when the next sweep sees it.
  const Scenario sc = load_text(init(R"("duration_s": 2000, "telemetry_interval_s": 60, "telemetry_misses": 3)",
                                     R"({"schedule": [{"at_s": 500, "crash": [7]}, {"at_s": 1200, "recover": [7]}]})"));
  for (const RunResult& r : run_runs(sc, sc.all_runs(), {2, false})) {
    CHECK(metric(sc, r, "deregistrations") == 1);
    const double t = metric(sc, r, "first_deregistration_s");
    CHECK(t > 500 + 180 - 60);  // its last report came up to one interval before the crash
    CHECK(t <= 500 + 240 + 1);
    CHECK(metric(sc, r, "registered_at_end") == 30);  // back after the recovery
  }
}

TEST_CASE("a host closed to the Scheduler is never chosen, and its units leave the offers and the SOSM sums",
          "[cloud][scheduler]") {
  using namespace cansim::cloud;
  HostClass c;
  c.name = "cpu";
  c.hypervisor = Hypervisor::Container;
  c.cores = 4;
  c.memory_mb = 1000;
  Hosts hosts({c});
  for (int i = 0; i < 4; ++i) hosts.add(0, 0, 0);
  for (Policy policy : {Policy::FirstFit, Policy::BestFit, Policy::Sosm}) {
    Scheduler s(hosts, 0, policy, {}, Rng(2));
    const ServiceRequest r{Hardware::Cpu, Hypervisor::Container, {4, 0, 0}};
    s.set_available(0, false);
    s.set_available(1, false);
    s.set_available(2, false);
    auto a = s.reserve({r}, SimTime{}, seconds(1));
    REQUIRE(a);
    CHECK(a->hosts == std::vector<HostId>{3});
    CHECK_FALSE(s.offer(r));  // nothing open is free
    CHECK_FALSE(s.reserve({r}, SimTime{}, seconds(1)));
    s.set_available(1, true);
    CHECK(s.offer(r));
    auto b = s.reserve({r}, SimTime{}, seconds(1));
    REQUIRE(b);
    CHECK(b->hosts == std::vector<HostId>{1});
    s.release(a->id, SimTime{});
    s.release(b->id, SimTime{});
  }
  // SOSM: with hosts 0 and 1 closed, the manager's SI is that of a manager of two hosts.
  Scheduler s(hosts, 0, Policy::Sosm, {}, Rng(2));
  Hosts two({c});
  two.add(0, 0, 0);
  two.add(0, 0, 0);
  Scheduler ref(two, 0, Policy::Sosm, {}, Rng(2));
  s.set_available(0, false);
  s.set_available(1, false);
  // F4 counts the manager's hosts, which stay 4: compare without it.
  const double f4_4 = 2 / (1 + std::exp(-6 + 6 * 4.0 / 100)), f4_2 = 2 / (1 + std::exp(-6 + 6 * 2.0 / 100));
  CHECK(s.manager_si(2) - f4_4 == Approx(ref.manager_si(0) - f4_2));
}

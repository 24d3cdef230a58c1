// The Figure 4.2/4.3 experiment over the message-level CAN (kind churn_protocol).
#include <catch2/catch.hpp>

#include "cansim/scenario/churn/churn_workload.hpp"
#include "cansim/scenario/runner.hpp"
#include "scenario_fixture.hpp"

using namespace cansim;
using namespace cansim::scenario;
using scenario::testing::metric;
using scenario::testing::validation_error;

namespace {

std::vector<RunResult> run_text(const std::string& params, int reps, Scenario* out) {
  *out = scenario::testing::load_text(
      fmt::format(R"({{"experiment": "churn_protocol", "seed": 5, "repetitions": {}, "params": {}}})", reps, params));
  return run_runs(*out, out->all_runs(), {2, false});
}

}  // namespace

TEST_CASE("churn_protocol: a step's timing is validated", "[churn_protocol][scenario]") {
  CHECK(validation_error(R"({"experiment": "churn_protocol", "seed": 1, "params": {"f": 0.5, "j": 0.1, "join_window_s": 6}})") ==
        ":/params/join_window_s: expected at most crash_at_s (5), found 6");
  CHECK(validation_error(R"({"experiment": "churn_protocol", "seed": 1, "params": {"f": 0.5, "j": 0.1, "crash_at_s": 10}})") ==
        ":/params/crash_at_s: expected less than step_s (10), found 10");
  CHECK(validation_error(R"({"experiment": "churn_protocol", "seed": 1, "params": {"f": 0.5, "j": 0.1, "at_zero": "revive"}})")
            .find("/params/at_zero: expected one of") != std::string::npos);
}

TEST_CASE("churn_protocol: under mild churn the CAN grows past Nmin and removes its crashed members", "[churn_protocol]") {
  Scenario sc;
  const auto runs = run_text(R"({"f": 0.05, "j": 0.2, "steps": 30})", 4, &sc);
  for (const auto& r : runs) {
    CHECK(metric(sc, r, "max_size") >= 5);           // Nmin = 4 reached and passed
    CHECK(metric(sc, r, "share_below_nmin") < 0.3);  // only the first steps, while it grows
    CHECK(metric(sc, r, "joins") >= 4);
    CHECK(metric(sc, r, "removals") == metric(sc, r, "crashes"));  // every crash voted out
    CHECK(metric(sc, r, "reached_zero") == 0);
  }
}

TEST_CASE("churn_protocol: when half the members crash at once the vote cannot remove them", "[churn_protocol]") {
  // f = .5 from the start: the Registry keeps crashed members that no majority can vote out, so
  // it lists more members than are up, and every run dies (the literal reading, at_zero = dead).
  Scenario sc;
  const auto runs = run_text(R"({"f": 0.5, "j": 0.2, "steps": 30})", 8, &sc);
  for (const auto& r : runs) {
    CHECK(metric(sc, r, "reached_zero") == 1);
    CHECK(metric(sc, r, "dead_at_end") == 1);
    CHECK(metric(sc, r, "mean_registry_members") > metric(sc, r, "mean_size"));
    CHECK(metric(sc, r, "removals") < metric(sc, r, "crashes"));
    CHECK(metric(sc, r, "bootstraps") == 0);
  }
}

TEST_CASE("churn_protocol: a bootstrap brings a dead CAN back", "[churn_protocol]") {
  Scenario sc;
  const auto runs = run_text(R"({"f": 0.5, "j": 0.2, "steps": 30, "at_zero": "bootstrap"})", 8, &sc);
  double alive_at_end = 0;
  for (const auto& r : runs) {
    CHECK(metric(sc, r, "reached_zero") == 1);
    CHECK(metric(sc, r, "bootstraps") >= 1);
    CHECK(metric(sc, r, "max_size") >= 2);  // it grows again after a bootstrap
    alive_at_end += 1 - metric(sc, r, "dead_at_end");
  }
  CHECK(alive_at_end >= 1);
}

// The workload itself (protocols/can/churn_workload.hpp), on a CAN world built as the kind builds it.
namespace {

churn::ChurnObservations run_workload(std::size_t nodes, std::uint64_t nmax, const churn::ChurnWorkloadConfig& w) {
  can::CanWorldConfig cfg;
  cfg.nodes = nodes;
  cfg.members = 1;
  cfg.nmin = nmax;
  cfg.nmax = nmax;
  cfg.chain.block_interval = seconds(1);
  can::CanWorld world(cfg, Rng(9));
  churn::ChurnWorkload workload(world, w, Rng(9).stream("churn"));
  workload.start();
  world.can->start();
  world.sim.run_until(w.step * w.steps);
  return workload.observed();
}

}  // namespace

TEST_CASE("churn workload: with j = 0 and f = 0 nothing changes, with j = 1 the CAN fills up to Nmax exactly",
          "[churn_protocol]") {
  churn::ChurnWorkloadConfig w;
  w.steps = 4;
  const churn::ChurnObservations still = run_workload(6, 4, w);
  CHECK(still.size == std::vector<std::int64_t>{1, 1, 1, 1});
  CHECK(still.listed == still.size);
  CHECK(still.crashes == 0);
  CHECK(still.first_zero == -1);
  w.j = 1;
  const churn::ChurnObservations full = run_workload(6, 4, w);
  REQUIRE(full.size.size() == 4);
  CHECK(full.size.back() == 4);  // every candidate asks every step; Algorithm 1 stops at Nmax
  for (std::int64_t s : full.size) CHECK(s <= 4);
}

TEST_CASE("churn workload: with f = 1 the only member crashes at crash_at, seen before or after as the sample point says",
          "[churn_protocol]") {
  churn::ChurnWorkloadConfig w;
  w.steps = 3;
  w.f = 1;
  const churn::ChurnObservations end = run_workload(3, 4, w);
  CHECK(end.size == std::vector<std::int64_t>{0, 0, 0});
  CHECK(end.listed == std::vector<std::int64_t>{1, 1, 1});  // a lone crashed leader cannot be voted out
  CHECK(end.crashes == 1);
  CHECK(end.leader_crashes == 1);
  CHECK(end.first_zero == 1);
  CHECK(end.bootstraps == 0);  // at_zero = dead
  w.sample = churn::SamplePoint::AfterJoins;
  const churn::ChurnObservations before = run_workload(3, 4, w);
  CHECK(before.size == std::vector<std::int64_t>{1, 0, 0});  // sampled right before the crashes
  CHECK(before.first_zero == 1);                             // the size at the end of the step still decides
}

TEST_CASE("churn workload: a bootstrap comes after bootstrap_delay whole steps at size 0", "[churn_protocol]") {
  churn::ChurnWorkloadConfig w;
  w.steps = 3;
  w.f = 1;
  w.at_zero = churn::AtZero::Bootstrap;
  w.bootstrap_delay = 1;
  const churn::ChurnObservations late = run_workload(3, 4, w);
  CHECK(late.first_zero == 1);
  CHECK(late.bootstraps == 1);  // after step 2, the second at size 0 (step 3's leader crashes again: one step at 0)
  w.bootstrap_delay = 2;        // after step 3, the run's last
  CHECK(run_workload(3, 4, w).bootstraps == 1);
  w.bootstrap_delay = 3;  // as many steps as the run has: never
  CHECK(run_workload(3, 4, w).bootstraps == 0);
}

// The Figure 4.2/4.3 experiment over the message-level CAN (kind churn_protocol).
#include <catch2/catch.hpp>

#include "cansim/scenario/runner.hpp"
#include "scenario_fixture.hpp"

using namespace cansim;
using namespace cansim::scenario;
using scenario::testing::metric;
using scenario::testing::validation_error;

namespace {

std::vector<RunResult> run_text(const std::string& params, int reps, Scenario* out) {
  *out = scenario::testing::load_text(R"({"experiment": "churn_protocol", "seed": 5, "repetitions": )" + std::to_string(reps) +
                                      R"(, "params": )" + params + "}");
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

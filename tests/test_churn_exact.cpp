// The step model of §4.1.1 solved exactly (kind "churn_exact") against its Monte Carlo twin
// (kind "churn"): point masses where the model has no randomness, closed forms where one is
// known, and the Monte Carlo figures of both figures' scenarios within their confidence intervals
// of the exact values.
#include <catch2/catch.hpp>

#include <cmath>
#include <map>

#include <boost/math/distributions/normal.hpp>

#include "cansim/scenario/churn/churn_exact.hpp"
#include "cansim/scenario/churn/churn_model.hpp"
#include "cansim/scenario/runner.hpp"
#include "cansim/sim/rng.hpp"
#include "cansim/sim/stats.hpp"
#include "scenario_fixture.hpp"

using namespace cansim;
using namespace cansim::churn;
using namespace cansim::can;
using scenario::testing::load_bundled;
using scenario::testing::metric;
using scenario::testing::validation_error;

namespace {

ChurnConfig small() {
  ChurnConfig c;
  c.ntotal = 20;
  c.nmin = 3;
  c.nmax = 8;
  c.steps = 30;
  return c;
}

}  // namespace

TEST_CASE("with f and j at 0 or 1 the exact distribution is the one trace's point mass", "[churn][exact]") {
  // No randomness is left, so every step's distribution must sit wholly on run_churn's size.
  for (double f : {0.0, 1.0}) {
    for (double j : {0.0, 1.0}) {
      for (auto churn : {ChurnMeasure::Cumulative, ChurnMeasure::LastStep}) {
        for (auto at_zero : {AtZero::Dead, AtZero::Bootstrap}) {
          for (auto sample : {SamplePoint::EndOfStep, SamplePoint::AfterJoins}) {
            for (bool ret : {true, false}) {
              ChurnConfig c = small();
              c.f = f;
              c.j = j;
              c.churn = churn;
              c.at_zero = at_zero;
              c.bootstrap_delay = 1;
              c.election_delay = 2;
              c.sample = sample;
              c.crashed_return = ret;
              c.initial_size = 2;
              Rng rng(1);
              const ChurnTrace t = run_churn(c, rng);
              const ChurnExact x = solve_churn(c);
              INFO("f=" << f << " j=" << j << " churn=" << static_cast<int>(churn) << " at_zero=" << static_cast<int>(at_zero)
                        << " sample=" << static_cast<int>(sample) << " return=" << ret);
              REQUIRE(x.size_pmf.size() == t.size.size());
              for (std::size_t s = 0; s < t.size.size(); ++s) {
                INFO("step " << s + 1);
                CHECK(x.size_pmf[s][static_cast<std::size_t>(t.size[s])] == Approx(1.0).margin(1e-12));
              }
              CHECK(x.zero_by.back() == (t.first_zero_step > 0 ? 1.0 : 0.0));
            }
          }
        }
      }
    }
  }
}

TEST_CASE("a leader alone that nobody joins survives t steps with probability (1-f)^t", "[churn][exact]") {
  ChurnConfig c = small();
  c.j = 0;
  c.f = 0.3;
  c.steps = 25;
  const ChurnExact x = solve_churn(c);
  double mean = 0;
  for (int t = 1; t <= c.steps; ++t) {
    const double alive = std::pow(0.7, t);
    CHECK(x.size_pmf[static_cast<std::size_t>(t - 1)][1] == Approx(alive).epsilon(1e-12));
    CHECK(x.zero_by[static_cast<std::size_t>(t - 1)] == Approx(1 - alive).epsilon(1e-12));
    mean += alive / c.steps;
  }
  const PmfSummary s = summarize_pmf(x.pooled);
  CHECK(s.mean == Approx(mean).epsilon(1e-12));
  CHECK(x.states == 2);  // size 1 and size 0
}

TEST_CASE("the exact solution of every variant agrees with 20000 Monte Carlo runs", "[churn][exact]") {
  // One configuration that uses every dimension of the chain at once, and the literal reading.
  ChurnConfig all = small();
  all.j = 0.15;
  all.f = 0.35;
  all.churn = ChurnMeasure::LastStep;
  all.at_zero = AtZero::Bootstrap;
  all.bootstrap_delay = 2;
  all.election_delay = 1;
  all.crashed_return = false;
  all.admission = Admission::Prose;
  ChurnConfig boot = small();
  boot.j = 0.1;
  boot.f = 0.5;
  boot.at_zero = AtZero::Bootstrap;
  boot.sample = SamplePoint::AfterJoins;
  boot.initial_size = 3;
  ChurnConfig literal = small();
  literal.j = 0.2;
  literal.f = 0.25;
  const int runs = 20000;
  // Family-wise 95%: Bonferroni over the 3 configurations x (steps + 1) figures each.
  const double z = boost::math::quantile(boost::math::normal(), 1 - 0.025 / (3.0 * (small().steps + 1)));
  for (const ChurnConfig& c : {all, boot, literal}) {
    const ChurnExact x = solve_churn(c);
    std::vector<std::vector<double>> count(static_cast<std::size_t>(c.steps),
                                           std::vector<double>(static_cast<std::size_t>(c.nmax) + 1, 0));
    double reached = 0;
    Rng root(11);
    for (int r = 0; r < runs; ++r) {
      Rng rng = root.stream(static_cast<std::uint64_t>(r));
      const ChurnTrace t = run_churn(c, rng);
      for (std::size_t s = 0; s < t.size.size(); ++s) count[s][static_cast<std::size_t>(t.size[s])] += 1;
      reached += t.first_zero_step > 0 ? 1 : 0;
    }
    // Each step's mean size, and the share of runs that reached 0: within z standard errors.
    for (std::size_t s = 0; s < count.size(); ++s) {
      double m = 0, exact = 0, exact2 = 0;
      for (std::size_t v = 0; v < count[s].size(); ++v) {
        m += static_cast<double>(v) * count[s][v] / runs;
        exact += static_cast<double>(v) * x.size_pmf[s][v];
        exact2 += static_cast<double>(v * v) * x.size_pmf[s][v];
      }
      const double se = std::sqrt((exact2 - exact * exact) / runs);
      INFO("step " << s + 1 << ": Monte Carlo mean " << m << ", exact " << exact);
      CHECK(std::abs(m - exact) <= z * se + 1e-12);
    }
    const double p = x.zero_by.back();
    CHECK(std::abs(reached / runs - p) <= z * std::sqrt(p * (1 - p) / runs) + 1e-12);
  }
}

TEST_CASE("the scenarios of Figures 4.2 and 4.3 at 1000 repetitions lie within their intervals of the exact values",
          "[churn][exact][scenario]") {
  // Per configuration: the mean size (the runs' means, with their sample sd), the share of samples
  // below Nmin, and the shares of runs that reached 0 and that ended at 0 (values in [0, 1] with
  // mean p, so of variance at most p(1 - p): a conservative interval that is never empty).
  // 20 configurations x 4 figures: Bonferroni for a family-wise 95%.
  const double z = boost::math::quantile(boost::math::normal(), 1 - 0.025 / 80);
  int checked = 0;
  for (const std::string fig : {"fig4_2", "fig4_3"}) {
    const scenario::Scenario mc = load_bundled(fig + ".json");
    const scenario::Scenario ex = load_bundled(fig + "_exact.json");
    REQUIRE(mc.configs.size() == ex.configs.size());
    const auto exact = scenario::run_runs(ex, ex.all_runs(), {1, false});
    const auto runs = scenario::run_runs(mc, mc.all_runs(), {2, false});
    for (std::size_t k = 0; k < mc.configs.size(); ++k) {
      REQUIRE(mc.configs[k].params.real("f") == ex.configs[k].params.real("f"));
      REQUIRE(mc.configs[k].params.real("j") == ex.configs[k].params.real("j"));
      RunningStats mean, below, reached, dead;
      for (std::uint64_t r = 0; r < mc.repetitions; ++r) {
        const auto& res = runs[k * mc.repetitions + r];
        mean.add(metric(mc, res, "mean_size"));
        below.add(metric(mc, res, "share_below_nmin"));
        reached.add(metric(mc, res, "reached_zero"));
        dead.add(metric(mc, res, "dead_at_end"));
      }
      const auto& e = exact[k];
      const double n = static_cast<double>(mc.repetitions);
      INFO(fig << " f=" << mc.configs[k].params.real("f") << " j=" << mc.configs[k].params.real("j"));
      CHECK(std::abs(mean.mean() - metric(ex, e, "mean_size")) <= z * mean.stddev() / std::sqrt(n));
      for (auto [mcv, name] : {std::pair{&below, "share_below_nmin"}, {&reached, "reached_zero"}, {&dead, "dead_at_end"}}) {
        const double p = metric(ex, e, name);
        INFO(name << ": Monte Carlo " << mcv->mean() << ", exact " << p);
        CHECK(std::abs(mcv->mean() - p) <= z * std::sqrt(p * (1 - p) / n) + 1e-12);
      }
      ++checked;
    }
  }
  CHECK(checked == 20);
}

TEST_CASE("the exact kind refuses what it does not cover, naming the parameter", "[churn][exact][scenario]") {
  const std::string head = R"({"experiment": "churn_exact", "seed": 1, "params": {"f": 0.5, "j": 0.1)";
  CHECK(validation_error(head + R"(, "churn": "window"}})").find("/params/churn") != std::string::npos);
  CHECK(validation_error(head + R"(, "churn": "window"}})").find("window") != std::string::npos);
  CHECK(validation_error(head + R"(, "nmax": 2001, "ntotal": 3000}})").find("/params/nmax") != std::string::npos);
  CHECK(validation_error(head + R"(, "nmax": 2000, "ntotal": 3000}})").empty());
  CHECK(validation_error(head + R"(, "crashed_return": false, "ntotal": 1000000}})").find("/params/crashed_return") !=
        std::string::npos);
  CHECK(validation_error(head + R"(}, "repetitions": 2})").find("/repetitions") != std::string::npos);
  CHECK(validation_error(head + R"(}, "repetitions": 1})").empty());
  CHECK(validation_error(head + R"(, "churn": "last_step", "at_zero": "bootstrap", "election_delay": 3}})").empty());
}

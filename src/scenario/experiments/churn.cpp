// Experiment kind "churn": the join/churn experiment of §4.1.1 (Figures 4.2 and 4.3) on the
// abstract step model (scenario/churn/churn_model.hpp).
#include <algorithm>
#include <cmath>
#include <memory>
#include <limits>
#include <map>

#include <fmt/format.h>

#include "cansim/scenario/churn/churn_model.hpp"
#include "cansim/scenario/results.hpp"
#include "cansim/sim/stats.hpp"
#include "experiments.hpp"

namespace cansim::scenario {

namespace {

using churn::AtZero;
using churn::ChurnConfig;
using churn::ChurnMeasure;
using churn::SamplePoint;

}  // namespace

ChurnConfig churn_config(const ParamValues& p) {
  ChurnConfig c;
  c.ntotal = p.integer("ntotal");
  c.nmin = p.integer("nmin");
  c.nmax = p.integer("nmax");
  c.steps = p.integer("steps");
  c.f = p.real("f");
  c.j = p.real("j");
  c.initial_size = p.integer("initial_size");
  const std::string& churn = p.choice("churn");
  c.churn = churn == "cumulative"  ? ChurnMeasure::Cumulative
            : churn == "last_step" ? ChurnMeasure::LastStep
                                   : ChurnMeasure::Window;
  c.window = p.integer("window");
  c.crashed_return = p.boolean("crashed_return");
  c.at_zero = p.choice("at_zero") == "dead" ? AtZero::Dead : AtZero::Bootstrap;
  c.bootstrap_delay = p.integer("bootstrap_delay");
  c.election_delay = p.integer("election_delay");
  c.sample = p.choice("sample") == "end_of_step" ? SamplePoint::EndOfStep : SamplePoint::AfterJoins;
  c.admission = p.choice("admission") == "pseudocode" ? can::Admission::Pseudocode : can::Admission::Prose;
  return c;
}

namespace {

RunResult run(const RunContext& ctx, const ExperimentKind& kind) {
  const ChurnConfig c = churn_config(ctx.params);
  Rng rng(ctx.seed);
  churn::ChurnTrace t = churn::run_churn(c, rng);

  RunResult r;
  std::map<std::string, double> m = churn_size_metrics(t.size, c.nmin, t.first_zero_step);
  m["joins"] = static_cast<double>(t.joins);
  m["crashes"] = static_cast<double>(t.crashes);
  m["leader_crashes"] = static_cast<double>(t.leader_crashes);
  r.metrics = metrics_by_name(kind, m);
  const std::size_t n = t.size.size();
  r.tables.push_back(Table{"sizes", {"step", "size"}, {Sequence{1, n}, std::move(t.size)}, ctx.output.boolean("per_step")});
  // The step model has no event engine; its fingerprint is a hash of the sequence of sizes.
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (std::int64_t x : std::get<std::vector<std::int64_t>>(r.tables[0].data[1])) {
    h = (h ^ static_cast<std::uint64_t>(x)) * 0x100000001b3ULL;
  }
  r.fingerprint = h;
  return r;
}

}  // namespace

std::optional<ParamError> check_churn_sizes(const ParamValues& p) {
  if (p.integer("nmin") > p.integer("nmax")) {
    return ParamError{"nmin", fmt::format("expected at most nmax ({}), found {}", p.integer("nmax"), p.integer("nmin"))};
  }
  if (p.integer("nmax") > p.integer("ntotal")) {
    return ParamError{"nmax", fmt::format("expected at most ntotal ({}), found {}", p.integer("ntotal"), p.integer("nmax"))};
  }
  return std::nullopt;
}

std::vector<MetricSpec> churn_size_metric_specs() {
  return {
      {"mean_size", "mean of the sampled sizes of the run"},
      {"min_size", "smallest sampled size"},
      {"max_size", "largest sampled size"},
      {"share_below_nmin", "share of the run's samples below Nmin"},
      {"reached_zero", "1 if the CAN reached size 0 in the run, else 0"},
      {"dead_at_end", "1 if the last sample is 0, else 0"},
      {"death_step", "the first step that ended at size 0; NaN if none"},
  };
}

std::map<std::string, double> churn_size_metrics(const std::vector<std::int64_t>& size, std::int64_t nmin,
                                                 std::int64_t first_zero) {
  std::int64_t below = 0, sum = 0, lo = size.front(), hi = size.front();
  for (std::int64_t x : size) {
    below += x < nmin ? 1 : 0;
    sum += x;
    lo = std::min(lo, x);
    hi = std::max(hi, x);
  }
  const double steps = static_cast<double>(size.size());
  return {
      {"mean_size", static_cast<double>(sum) / steps},
      {"min_size", static_cast<double>(lo)},
      {"max_size", static_cast<double>(hi)},
      {"share_below_nmin", static_cast<double>(below) / steps},
      {"reached_zero", first_zero > 0 ? 1.0 : 0.0},
      {"dead_at_end", size.back() == 0 ? 1.0 : 0.0},
      {"death_step", first_zero > 0 ? static_cast<double>(first_zero) : std::numeric_limits<double>::quiet_NaN()},
  };
}

ConfigSummary churn_size_summary(const ParamValues& p) {
  // The sizes of every step of every run, as counts of each size: as exact as the sorted list of
  // samples, in memory that does not grow with the runs.
  struct State {
    CountedSample samples;
    RunningStats run_means, death;
    std::int64_t reached = 0, dead = 0, runs = 0;
  };
  auto st = std::make_shared<State>();
  ConfigSummary out;
  out.add = [st](const RunResult& r) {
    for (std::int64_t x : r.integer_column(0, "size")) st->samples.add(static_cast<double>(x));
    st->run_means.add(r.metrics.at(kMeanSize));
    st->reached += r.metrics.at(kReachedZero) > 0 ? 1 : 0;
    st->dead += r.metrics.at(kDeadAtEnd) > 0 ? 1 : 0;
    if (const double d = r.metrics.at(kDeathStep); !std::isnan(d)) st->death.add(d);
    ++st->runs;
  };
  const std::int64_t nmin = p.integer("nmin");
  out.fields = [st, nmin] {
    const CountedSample& samples = st->samples;
    const std::uint64_t below = samples.count_below(static_cast<double>(nmin));
    const RunningStats all = samples.stats();
    std::vector<std::pair<double, std::uint64_t>> outliers;
    const BoxPlot b = samples.box_plot(outliers);
    const auto ci = ci95_of_mean(st->run_means);
    nlohmann::ordered_json out;
    nlohmann::ordered_json size;
    size["samples"] = samples.size();
    size["mean"] = all.mean();
    size["sd"] = all.stddev();
    size["ci95_low"] = ci.low;  // from the run means: samples within a run are correlated
    size["ci95_high"] = ci.high;
    size["min"] = all.min();
    size["q1"] = b.q1;
    size["median"] = b.median;
    size["q3"] = b.q3;
    size["max"] = all.max();
    size["whisker_low"] = b.whisker_low;
    size["whisker_high"] = b.whisker_high;
    // Outliers as (value, count): sizes are integers, so a few distinct values.
    nlohmann::ordered_json outl = nlohmann::ordered_json::array();
    for (const auto& [v, n] : outliers) outl.push_back({v, static_cast<std::int64_t>(n)});
    size["outliers"] = outl;
    out["size"] = size;
    const double n = static_cast<double>(st->runs);
    out["share_below_nmin"] = samples.size() == 0 ? 0.0 : static_cast<double>(below) / static_cast<double>(samples.size());
    out["share_runs_reached_zero"] = static_cast<double>(st->reached) / n;
    out["share_dead_at_end"] = static_cast<double>(st->dead) / n;
    out["mean_death_step"] = st->death.count() ? st->death.mean() : std::numeric_limits<double>::quiet_NaN();
    return out;
  };
  return out;
}

std::optional<ParamError> check_churn_params(const ParamValues& p) {
  if (auto e = check_churn_sizes(p)) return e;
  if (p.integer("initial_size") > p.integer("nmax")) {
    return ParamError{"initial_size",
                      fmt::format("expected at most nmax ({}), found {}", p.integer("nmax"), p.integer("initial_size"))};
  }
  return std::nullopt;
}

std::vector<ParamSpec> churn_params() {
  const ChurnConfig d;  // the defaults are the model's, declared once there
  return {
      ParamSpec::integer("ntotal", "Ntotal: nodes in the system; the candidates are those outside the CAN")
          .at_least(1)
          .at_most(1e12)
          .def(d.ntotal),
      ParamSpec::integer("nmin", "Nmin: the minimum number of replicas the leader aims for (Algorithm 1)")
          .at_least(0)
          .at_most(1e12)
          .def(d.nmin),
      ParamSpec::integer("nmax", "Nmax: the CAN never grows beyond this (Algorithm 1)").at_least(1).at_most(1e12).def(d.nmax),
      ParamSpec::integer("steps", "steps per run").at_least(1).at_most(1e9).def(d.steps),
      ParamSpec::probability("f", "probability that a CAN node crashes in a step (this step's joiners included)"),
      ParamSpec::probability("j", "probability that a candidate asks to join in a step"),
      ParamSpec::integer("initial_size", "CAN size at step 0; 1 is the appointed leader alone")
          .at_least(1)
          .at_most(1e12)
          .def(d.initial_size),
      ParamSpec::choice("churn", {"cumulative", "last_step", "window"},
                        "Algorithm 1's churn, left minus joined: since the start (this step's joins included), over the last "
                        "step, or over the last `window` steps")
          .def(std::string("cumulative")),
      ParamSpec::integer("window", "steps in the churn window, for churn = \"window\"").at_least(1).at_most(1e6).def(d.window),
      ParamSpec::boolean("crashed_return", "crashed nodes become candidates again (C = Ntotal - Ncurrent); false: they are gone")
          .def(d.crashed_return),
      ParamSpec::choice("at_zero", {"dead", "bootstrap"},
                        "at size 0: dead for good (no leader to accept anyone), or the Registry owner appoints a new leader "
                        "after bootstrap_delay steps")
          .def(std::string("dead")),
      ParamSpec::integer("bootstrap_delay", "whole steps at size 0 before a new leader is appointed, for at_zero = \"bootstrap\"")
          .at_least(0)
          .at_most(1e9)
          .def(d.bootstrap_delay),
      ParamSpec::integer("election_delay",
                         "steps without joins after a leader crash while others survive; 0: an instant election")
          .at_least(0)
          .at_most(1e9)
          .def(d.election_delay),
      ParamSpec::choice("sample", {"end_of_step", "after_joins"}, "when the size is observed for the box plots")
          .def(std::string("end_of_step")),
      ParamSpec::choice("admission", {"pseudocode", "prose"},
                        "Algorithm 1 as its pseudocode (reject if current > Nmin and current - Nmin > churn) or as the text "
                        "(accept below Nmin, then only if churn > current - Nmin)")
          .def(std::string("pseudocode")),
  };
}

ExperimentKind churn_kind() {
  ExperimentKind k;
  k.name = "churn";
  k.description =
      "The join/churn experiment of §4.1.1 (Figures 4.2, 4.3): each step candidates ask to join with "
      "probability j, the leader answers by Algorithm 1, then every CAN node crashes with probability f.";
  k.params = churn_params();

  k.metrics = churn_size_metric_specs();
  for (MetricSpec m : std::vector<MetricSpec>{
           {"joins", "join requests accepted"},
           {"crashes", "nodes crashed"},
           {"leader_crashes", "crashes of the leader"},
       })
    k.metrics.push_back(m);
  k.outputs = {
      ParamSpec::boolean("per_step", "write sizes.csv: the size at every step of every run").def(false),
  };
  k.check = check_churn_params;

  k.run = [](const RunContext& ctx) { return run(ctx, *find_kind("churn")); };
  k.summarize = churn_size_summary;
  k.headline = {"mean_size", "min_size", "max_size", "share_below_nmin", "reached_zero", "dead_at_end"};
  return k;
}

}  // namespace cansim::scenario

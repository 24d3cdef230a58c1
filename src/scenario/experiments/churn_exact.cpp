// Experiment kind "churn_exact": the step model of "churn" (§4.1.1, Figures 4.2 and 4.3) solved
// exactly as a Markov chain (scenario/churn/churn_exact.hpp): the figures that "churn" estimates
// from samples, without sampling noise.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>

#include <fmt/format.h>

#include "cansim/scenario/churn/churn_exact.hpp"
#include "cansim/sim/stats.hpp"
#include "experiments.hpp"

namespace cansim::scenario {

namespace {

enum Metric {
  kMean,
  kSd,
  kMin,
  kQ1,
  kMedian,
  kQ3,
  kMax,
  kWhiskerLow,
  kWhiskerHigh,
  kBelow,
  kReached,
  kDead,
  kDeath,
  kStates,
  kTransitions
};

RunResult run(const RunContext& ctx, const ExperimentKind& kind) {
  const churn::ChurnConfig c = churn_config(ctx.params);
  const churn::ChurnExact x = churn::solve_churn(c);
  const PmfSummary s = summarize_pmf(x.pooled);
  double below = 0;
  for (std::int64_t v = 0; v < std::min<std::int64_t>(c.nmin, c.nmax + 1); ++v) below += x.pooled[static_cast<std::size_t>(v)];
  // The first step that ended at 0, given that one did: from the probabilities of having done so by each step.
  // Sums of products round: a probability may leave [0, 1] by an ulp.
  auto prob = [](double p) { return std::clamp(p, 0.0, 1.0); };
  const double reached = prob(x.zero_by.back());
  double death = 0, before = 0;
  for (std::size_t t = 0; t < x.zero_by.size(); ++t) {
    death += static_cast<double>(t + 1) * (x.zero_by[t] - before);
    before = x.zero_by[t];
  }
  RunResult r;
  r.metrics = metrics_by_name(kind, {
                                        {"mean_size", s.mean},
                                        {"sd_size", s.sd},
                                        {"min_size", s.min},
                                        {"q1_size", s.box.q1},
                                        {"median_size", s.box.median},
                                        {"q3_size", s.box.q3},
                                        {"max_size", s.max},
                                        {"whisker_low", s.box.whisker_low},
                                        {"whisker_high", s.box.whisker_high},
                                        {"share_below_nmin", prob(below)},
                                        {"reached_zero", reached},
                                        {"dead_at_end", prob(x.size_pmf.back().front())},
                                        {"death_step", reached > 0 ? death / reached : std::numeric_limits<double>::quiet_NaN()},
                                        {"states", static_cast<double>(x.states)},
                                        {"transitions", static_cast<double>(x.transitions)},
                                    });

  std::vector<std::int64_t> sizes;
  for (std::size_t v = 0; v < x.pooled.size(); ++v) sizes.push_back(static_cast<std::int64_t>(v));
  r.tables.push_back(Table{"size_distribution", {"size", "probability"}, {sizes, x.pooled}, true});
  std::vector<std::int64_t> steps, step_sizes;
  std::vector<double> probs;
  for (std::size_t t = 0; t < x.size_pmf.size(); ++t) {
    for (std::size_t v = 0; v < x.size_pmf[t].size(); ++v) {
      if (x.size_pmf[t][v] <= 0) continue;
      steps.push_back(static_cast<std::int64_t>(t + 1));
      step_sizes.push_back(static_cast<std::int64_t>(v));
      probs.push_back(x.size_pmf[t][v]);
    }
  }
  r.tables.push_back(Table{"step_distribution",
                           {"step", "size", "probability"},
                           {std::move(steps), std::move(step_sizes), std::move(probs)},
                           ctx.output.boolean("per_step")});
  std::uint64_t h = 0xcbf29ce484222325ULL;  // no events: the hash of the pooled distribution's bits
  for (double p : x.pooled) {
    std::uint64_t bits = 0;
    static_assert(sizeof bits == sizeof p);
    std::memcpy(&bits, &p, sizeof p);
    h = (h ^ bits) * 0x100000001b3ULL;
  }
  r.fingerprint = h;
  return r;
}

// The same summary.json fields as "churn", so that `cansim claims` and the plots read either;
// outliers are (size, probability) rather than (size, count).
ConfigSummary summary(const ParamValues&) {
  auto last = std::make_shared<RunResult>();
  ConfigSummary out;
  out.add = [last](const RunResult& r) { *last = r; };
  out.fields = [last] {
    const std::vector<double>& m = last->metrics;
    const PmfSummary s = summarize_pmf(last->real_column(0, "probability"));
    nlohmann::ordered_json size;
    size["mean"] = m[kMean];
    size["sd"] = m[kSd];
    size["min"] = m[kMin];
    size["q1"] = m[kQ1];
    size["median"] = m[kMedian];
    size["q3"] = m[kQ3];
    size["max"] = m[kMax];
    size["whisker_low"] = m[kWhiskerLow];
    size["whisker_high"] = m[kWhiskerHigh];
    nlohmann::ordered_json outl = nlohmann::ordered_json::array();
    for (const auto& [v, p] : s.outliers) outl.push_back({v, p});
    size["outliers"] = outl;
    nlohmann::ordered_json out;
    out["size"] = size;
    out["share_below_nmin"] = m[kBelow];
    out["share_runs_reached_zero"] = m[kReached];
    out["share_dead_at_end"] = m[kDead];
    out["mean_death_step"] = m[kDeath];
    return out;
  };
  return out;
}

}  // namespace

ExperimentKind churn_exact_kind() {
  ExperimentKind k;
  k.name = "churn_exact";
  k.description =
      "The join/churn experiment of §4.1.1 (Figures 4.2, 4.3) on the step model of \"churn\", solved exactly as a "
      "Markov chain: the distribution of the size after every step, and the box-plot figures of the pooled sizes "
      "as the number of runs goes to infinity. Same parameters as \"churn\"; churn = \"window\" is refused. One "
      "repetition: the result does not depend on the seed.";
  k.params = churn_params();
  k.metrics = {
      {"mean_size", "mean of the sizes sampled over a run's steps"},
      {"sd_size", "their standard deviation"},
      {"min_size", "smallest size with a positive probability"},
      {"q1_size", "first quartile (the limit of definition 7's sample quartile; see docs/reproduction.md)"},
      {"median_size", "median (idem)"},
      {"q3_size", "third quartile (idem)"},
      {"max_size", "largest size with a positive probability"},
      {"whisker_low", "lower whisker: the smallest size with positive probability within 1.5 IQR of the box"},
      {"whisker_high", "upper whisker: the largest such size"},
      {"share_below_nmin", "probability that a sampled size is below Nmin"},
      {"reached_zero", "probability that some step ends at size 0"},
      {"dead_at_end", "probability that the last sample is 0"},
      {"death_step", "expected first step that ends at 0, given that one does; NaN if none can"},
      {"states", "states of the Markov chain reachable from the start"},
      {"transitions", "non-zero entries of its transition matrix"},
  };
  k.outputs = {
      ParamSpec::boolean("per_step", "write step_distribution.csv: P(size) after every step").def(false),
  };
  k.check = [](const ParamValues& p) -> std::optional<ParamError> {
    if (auto e = check_churn_params(p)) return e;
    const churn::ChurnConfig c = churn_config(p);
    if (auto why = churn::churn_exact_unsupported(c)) {
      // The parameter that put the method out of reach: the state space's largest factor.
      const char* param = c.churn == churn::ChurnMeasure::Window ? "churn"
                          : c.nmax > churn::kMaxExactNmax        ? "nmax"
                          : !c.crashed_return                  ? "crashed_return"
                          : c.election_delay > 0               ? "election_delay"
                          : c.bootstrap_delay > 0              ? "bootstrap_delay"
                                                               : "nmax";
      return ParamError{param, *why};
    }
    return std::nullopt;
  };
  k.run = [](const RunContext& ctx) { return run(ctx, *find_kind("churn_exact")); };
  k.seedless = true;
  k.summarize = summary;
  k.headline = {"mean_size", "median_size", "whisker_low", "share_below_nmin", "reached_zero", "states"};
  return k;
}

}  // namespace cansim::scenario

#include "cansim/scenario/churn_claims.hpp"

#include <cmath>
#include <functional>
#include <map>
#include <optional>

#include <fmt/format.h>

namespace cansim::scenario {

using json = nlohmann::ordered_json;

std::string_view verdict_name(Verdict v) {
  switch (v) {
    case Verdict::Holds: return "holds";
    case Verdict::DoesNotHold: return "does not hold";
    case Verdict::NotEvaluated: return "not evaluated";
  }
  return "?";
}

namespace {

// The figures of one configuration that the statements use.
struct Cfg {
  double nmin, mean, max, whisker_low, below, reached_zero;
};

class Figures {
 public:
  explicit Figures(const std::vector<json>& summaries) {
    for (const auto& s : summaries) {
      if (s.value("experiment", "") != "churn") continue;
      for (const auto& c : s.at("configurations")) {
        const auto& p = c.at("params");
        const auto key = std::make_tuple(p.at("nmax").get<std::int64_t>(), p.at("f").get<double>(), p.at("j").get<double>());
        const auto& z = c.at("size");
        auto num = [](const json& v) { return v.is_null() ? std::nan("") : v.get<double>(); };
        cfgs_.emplace(key, Cfg{num(p.at("nmin")), num(z.at("mean")), num(z.at("max")), num(z.at("whisker_low")),
                               num(c.at("share_below_nmin")), num(c.at("share_runs_reached_zero"))});
      }
    }
  }
  const Cfg* get(std::int64_t nmax, double f, double j) const {
    auto it = cfgs_.find(std::make_tuple(nmax, f, j));
    return it == cfgs_.end() ? nullptr : &it->second;
  }

 private:
  std::map<std::tuple<std::int64_t, double, double>, Cfg> cfgs_;
};

constexpr double kJ[] = {0.2, 0.1, 0.05, 0.025, 0.01};
constexpr double kF[] = {0.5, 0.75};

// Gathers the configurations a statement needs; a missing one makes it "not evaluated".
struct Need {
  const Figures& fig;
  std::string missing;
  const Cfg* operator()(std::int64_t nmax, double f, double j) {
    const Cfg* c = fig.get(nmax, f, j);
    if (!c && missing.empty()) missing = fmt::format("no result for Nmax={}, f={}, j={}", nmax, f, j);
    return c;
  }
};

ClaimCheck make(int n, std::string statement, std::string criterion) {
  return {n, std::move(statement), std::move(criterion), "", Verdict::NotEvaluated};
}

}  // namespace

std::vector<ClaimCheck> check_churn_claims(const std::vector<json>& summaries) {
  const Figures fig(summaries);
  std::vector<ClaimCheck> out;

  {  // 1
    auto c = make(1, "Nmax=10, f=.5: j must be at least .025 for the network to have, on average, the minimum size",
                  "mean size >= Nmin for every j >= .025, and < Nmin for j = .01");
    Need need{fig, ""};
    bool ok = true;
    for (double j : kJ) {
      const Cfg* x = need(10, 0.5, j);
      if (!x) break;
      c.figures += fmt::format("{}j={}: mean {:.2f}", c.figures.empty() ? "" : "; ", j, x->mean);
      ok = ok && (j >= 0.025 ? x->mean >= x->nmin : x->mean < x->nmin);
    }
    if (need.missing.empty()) c.verdict = ok ? Verdict::Holds : Verdict::DoesNotHold;
    else c.figures = need.missing;
    out.push_back(c);
  }
  {  // 2
    auto c = make(2, "Nmax=10, f=.5, j=.01: the average size is 2, and runs reach size 0",
                  "mean size in [1.5, 2.5) and a share of runs that reached 0 above 0");
    Need need{fig, ""};
    if (const Cfg* x = need(10, 0.5, 0.01)) {
      c.figures = fmt::format("mean {:.2f}; runs that reached 0: {:.3f}", x->mean, x->reached_zero);
      c.verdict = (x->mean >= 1.5 && x->mean < 2.5 && x->reached_zero > 0) ? Verdict::Holds : Verdict::DoesNotHold;
    } else {
      c.figures = need.missing;
    }
    out.push_back(c);
  }
  {  // 3
    auto c = make(3, "Nmax=10, f=.5: every other j still reaches sizes below Nmin",
                  "for j in {.025, .05, .1, .2}: a share of samples below Nmin above 0");
    Need need{fig, ""};
    bool ok = true;
    for (double j : {0.2, 0.1, 0.05, 0.025}) {
      const Cfg* x = need(10, 0.5, j);
      if (!x) break;
      c.figures += fmt::format("{}j={}: below Nmin {:.3f}", c.figures.empty() ? "" : "; ", j, x->below);
      ok = ok && x->below > 0;
    }
    if (need.missing.empty()) c.verdict = ok ? Verdict::Holds : Verdict::DoesNotHold;
    else c.figures = need.missing;
    out.push_back(c);
  }
  {  // 4
    auto c = make(4, "Nmax=10, f=.75: j in {.01, .025} guarantee the failure of the network",
                  "every run reaches size 0, for both j");
    Need need{fig, ""};
    bool ok = true;
    for (double j : {0.025, 0.01}) {
      const Cfg* x = need(10, 0.75, j);
      if (!x) break;
      c.figures += fmt::format("{}j={}: runs that reached 0: {:.3f}", c.figures.empty() ? "" : "; ", j, x->reached_zero);
      ok = ok && x->reached_zero == 1.0;
    }
    if (need.missing.empty()) c.verdict = ok ? Verdict::Holds : Verdict::DoesNotHold;
    else c.figures = need.missing;
    out.push_back(c);
  }
  {  // 5
    auto c = make(5, "Nmax=10, f=.75: the other j average above Nmin but still reach states below it",
                  "for j in {.05, .1, .2}: mean size > Nmin and a share of samples below Nmin above 0");
    Need need{fig, ""};
    bool ok = true;
    for (double j : {0.2, 0.1, 0.05}) {
      const Cfg* x = need(10, 0.75, j);
      if (!x) break;
      c.figures += fmt::format("{}j={}: mean {:.2f}, below Nmin {:.3f}", c.figures.empty() ? "" : "; ", j, x->mean, x->below);
      ok = ok && x->mean > x->nmin && x->below > 0;
    }
    if (need.missing.empty()) c.verdict = ok ? Verdict::Holds : Verdict::DoesNotHold;
    else c.figures = need.missing;
    out.push_back(c);
  }
  {  // 6
    auto c = make(6, "Nmax=100: size 100 is never reached, and the network tolerates failures better than with Nmax=10",
                  "largest size with Nmax=100 below 100, and the share of samples below Nmin, averaged over the ten "
                  "(f, j), lower by more than 0.005 with Nmax=100 than with Nmax=10");
    Need need{fig, ""};
    double largest = 0, below100 = 0, below10 = 0;
    for (double f : kF) {
      for (double j : kJ) {
        const Cfg* a = need(100, f, j);
        const Cfg* b = need(10, f, j);
        if (!a || !b) continue;
        largest = std::max(largest, a->max);
        below100 += a->below / 10;
        below10 += b->below / 10;
      }
    }
    if (need.missing.empty()) {
      c.figures = fmt::format("largest size {}; mean share below Nmin {:.3f} (Nmax=100) vs {:.3f} (Nmax=10)", largest,
                              below100, below10);
      c.verdict = (largest < 100 && below100 < below10 - 0.005) ? Verdict::Holds : Verdict::DoesNotHold;
    } else {
      c.figures = need.missing;
    }
    out.push_back(c);
  }
  {  // 7
    auto c = make(7, "Nmax=100, f=.5: j > .1 is needed to keep the size above Nmin; f=.75 is similar",
                  "for f in {.5, .75}: the lower whisker is >= Nmin for j = .2 and below Nmin for every j <= .1");
    Need need{fig, ""};
    bool ok = true;
    for (double f : kF) {
      for (double j : kJ) {
        const Cfg* x = need(100, f, j);
        if (!x) break;
        c.figures += fmt::format("{}f={} j={}: whisker {}", c.figures.empty() ? "" : "; ", f, j, x->whisker_low);
        const bool keeps = x->whisker_low >= x->nmin;
        ok = ok && (j > 0.1 ? keeps : !keeps);
      }
    }
    if (need.missing.empty()) c.verdict = ok ? Verdict::Holds : Verdict::DoesNotHold;
    else c.figures = need.missing;
    out.push_back(c);
  }
  {  // 8
    auto c = make(8, "Nmax=100, f=.75, j=.1: the network keeps the minimum desired size",
                  "the lower whisker is >= Nmin");
    Need need{fig, ""};
    if (const Cfg* x = need(100, 0.75, 0.1)) {
      c.figures = fmt::format("whisker {}, mean {:.2f}, below Nmin {:.3f}", x->whisker_low, x->mean, x->below);
      c.verdict = x->whisker_low >= x->nmin ? Verdict::Holds : Verdict::DoesNotHold;
    } else {
      c.figures = need.missing;
    }
    out.push_back(c);
  }
  return out;
}

}  // namespace cansim::scenario

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

// "Above 0" and "every run" on shares: a sample's shares are multiples of 1/runs, far coarser;
// the exact kind's probabilities are computed to about 1e-15, so a probability within 1e-12 of 0
// or 1 cannot be told from it (P(reaching 0) = 1 - 5.6e-16 is "every run").
constexpr double kResolution = 1e-12;

// The figures of one configuration that the statements use.
struct Cfg {
  double nmin, mean, max, whisker_low, below, reached_zero;
};

class Figures {
 public:
  explicit Figures(const std::vector<json>& summaries) {
    for (const auto& s : summaries) {
      const std::string kind = s.value("experiment", "");
      if (kind != "churn" && kind != "churn_protocol" && kind != "churn_exact") continue;
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

struct Key {
  std::int64_t nmax;
  double f, j;
};

std::vector<Key> keys(std::int64_t nmax, std::initializer_list<double> fs, std::initializer_list<double> js) {
  std::vector<Key> out;
  for (double f : fs) {
    for (double j : js) out.push_back({nmax, f, j});
  }
  return out;
}

// A statement that holds when `holds` is true of every listed configuration. The figures are
// each configuration's `describe`; a missing configuration makes the statement "not evaluated".
template <class Describe, class Holds>
ClaimCheck check_each(int n, std::string statement, std::string criterion, const Figures& fig, const std::vector<Key>& ks,
                      Describe describe, Holds holds) {
  ClaimCheck c{n, std::move(statement), std::move(criterion), "", Verdict::Holds};
  for (const Key& k : ks) {
    const Cfg* x = fig.get(k.nmax, k.f, k.j);
    if (!x) {
      c.figures = fmt::format("no result for Nmax={}, f={}, j={}", k.nmax, k.f, k.j);
      c.verdict = Verdict::NotEvaluated;
      return c;
    }
    c.figures += (c.figures.empty() ? "" : "; ") + describe(k, *x);
    if (!holds(k, *x)) c.verdict = Verdict::DoesNotHold;
  }
  return c;
}

}  // namespace

std::vector<ClaimCheck> check_churn_claims(const std::vector<json>& summaries) {
  const Figures fig(summaries);
  const auto all_j = {0.2, 0.1, 0.05, 0.025, 0.01};
  auto mean = [](const Key& k, const Cfg& x) { return fmt::format("j={}: mean {:.2f}", k.j, x.mean); };
  auto below = [](const Key& k, const Cfg& x) { return fmt::format("j={}: below Nmin {:.3f}", k.j, x.below); };
  auto whisker = [](const Key& k, const Cfg& x) { return fmt::format("f={} j={}: whisker {}", k.f, k.j, x.whisker_low); };
  std::vector<ClaimCheck> out;
  out.push_back(check_each(1, "Nmax=10, f=.5: j must be at least .025 for the network to have, on average, the minimum size",
                           "mean size >= Nmin for every j >= .025, and < Nmin for j = .01", fig, keys(10, {0.5}, all_j), mean,
                           [](const Key& k, const Cfg& x) { return k.j >= 0.025 ? x.mean >= x.nmin : x.mean < x.nmin; }));
  out.push_back(check_each(
      2, "Nmax=10, f=.5, j=.01: the average size is 2, and runs reach size 0",
      "mean size in [1.5, 2.5) and a share of runs that reached 0 above 0", fig, keys(10, {0.5}, {0.01}),
      [](const Key&, const Cfg& x) { return fmt::format("mean {:.2f}; runs that reached 0: {:.3f}", x.mean, x.reached_zero); },
      [](const Key&, const Cfg& x) { return x.mean >= 1.5 && x.mean < 2.5 && x.reached_zero > kResolution; }));
  out.push_back(check_each(3, "Nmax=10, f=.5: every other j still reaches sizes below Nmin",
                           "for j in {.025, .05, .1, .2}: a share of samples below Nmin above 0", fig,
                           keys(10, {0.5}, {0.2, 0.1, 0.05, 0.025}), below,
                           [](const Key&, const Cfg& x) { return x.below > kResolution; }));
  out.push_back(check_each(
      4, "Nmax=10, f=.75: j in {.01, .025} guarantee the failure of the network", "every run reaches size 0, for both j", fig,
      keys(10, {0.75}, {0.025, 0.01}),
      [](const Key& k, const Cfg& x) { return fmt::format("j={}: runs that reached 0: {:.3f}", k.j, x.reached_zero); },
      [](const Key&, const Cfg& x) { return x.reached_zero >= 1 - kResolution; }));
  out.push_back(check_each(
      5, "Nmax=10, f=.75: the other j average above Nmin but still reach states below it",
      "for j in {.05, .1, .2}: mean size > Nmin and a share of samples below Nmin above 0", fig,
      keys(10, {0.75}, {0.2, 0.1, 0.05}),
      [](const Key& k, const Cfg& x) { return fmt::format("j={}: mean {:.2f}, below Nmin {:.3f}", k.j, x.mean, x.below); },
      [](const Key&, const Cfg& x) { return x.mean > x.nmin && x.below > kResolution; }));
  {  // 6 compares the two figures, configuration by configuration.
    ClaimCheck c{6, "Nmax=100: size 100 is never reached, and the network tolerates failures better than with Nmax=10",
                 "largest size with Nmax=100 below 100, and the share of samples below Nmin, averaged over the ten "
                 "(f, j), lower by more than 0.005 with Nmax=100 than with Nmax=10",
                 "", Verdict::NotEvaluated};
    double largest = 0, below100 = 0, below10 = 0;
    for (const Key& k : keys(100, {0.5, 0.75}, all_j)) {
      const Cfg* a = fig.get(100, k.f, k.j);
      const Cfg* b = fig.get(10, k.f, k.j);
      if (!a || !b) {
        c.figures = fmt::format("no result for Nmax={}, f={}, j={}", a ? 10 : 100, k.f, k.j);
        break;
      }
      largest = std::max(largest, a->max);
      below100 += a->below / 10;
      below10 += b->below / 10;
    }
    if (c.figures.empty()) {
      c.figures =
          fmt::format("largest size {}; mean share below Nmin {:.3f} (Nmax=100) vs {:.3f} (Nmax=10)", largest, below100, below10);
      c.verdict = (largest < 100 && below100 < below10 - 0.005) ? Verdict::Holds : Verdict::DoesNotHold;
    }
    out.push_back(c);
  }
  out.push_back(check_each(7, "Nmax=100, f=.5: j > .1 is needed to keep the size above Nmin; f=.75 is similar",
                           "for f in {.5, .75}: the lower whisker is >= Nmin for j = .2 and below Nmin for every j <= .1", fig,
                           keys(100, {0.5, 0.75}, all_j), whisker,
                           [](const Key& k, const Cfg& x) { return (x.whisker_low >= x.nmin) == (k.j > 0.1); }));
  out.push_back(check_each(
      8, "Nmax=100, f=.75, j=.1: the network keeps the minimum desired size", "the lower whisker is >= Nmin", fig,
      keys(100, {0.75}, {0.1}),
      [](const Key&, const Cfg& x) {
        return fmt::format("whisker {}, mean {:.2f}, below Nmin {:.3f}", x.whisker_low, x.mean, x.below);
      },
      [](const Key&, const Cfg& x) { return x.whisker_low >= x.nmin; }));
  return out;
}

}  // namespace cansim::scenario

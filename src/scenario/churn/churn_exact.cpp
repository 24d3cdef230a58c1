// The §4.1.1 step model (Figures 4.2, 4.3) as an exact Markov chain; run_churn is its Monte Carlo twin.
#include "cansim/scenario/churn/churn_exact.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <stdexcept>

#include <Eigen/SparseCore>
#include <fmt/format.h>

namespace cansim::churn {

using can::JoinState;
using can::accepted_joins;

namespace {

// P(X = k) for k = 0..kmax of X ~ Binomial(n, p), in log space so that n may be 10^12.
std::vector<double> binomial_pmf(std::int64_t n, double p, std::int64_t kmax) {
  kmax = std::min(kmax, n);
  std::vector<double> out(static_cast<std::size_t>(std::max<std::int64_t>(kmax, 0) + 1), 0.0);
  if (p <= 0) {
    out[0] = 1;
    return out;
  }
  if (p >= 1) {
    if (kmax == n) out.back() = 1;
    return out;
  }
  const double odds = std::log(p) - std::log1p(-p);
  double lp = static_cast<double>(n) * std::log1p(-p);
  for (std::int64_t k = 0; k <= kmax; ++k) {
    if (k > 0) lp += std::log(static_cast<double>(n - k + 1) / static_cast<double>(k)) + odds;
    out[static_cast<std::size_t>(k)] = std::exp(lp);
  }
  return out;
}

// Mixed-radix index of a state. Dimensions that a configuration does not use have radix 1.
struct Layout {
  std::int64_t sizes, churns, elections, empties, gones, reached;
  std::int64_t churn_offset;  // churn dimension value = churn figure - churn_offset
  double bound() const {
    return static_cast<double>(sizes) * static_cast<double>(churns) * static_cast<double>(elections) *
           static_cast<double>(empties) * static_cast<double>(gones) * static_cast<double>(reached);
  }
};

struct State {
  std::int64_t s, churn, d, e, g;
  bool r;
};

Layout layout_of(const ChurnConfig& c) {
  const bool boot = c.at_zero == AtZero::Bootstrap;
  Layout l{};
  l.sizes = c.nmax + 1;
  if (c.churn == ChurnMeasure::Cumulative) {  // churn memory: K = initial_size + bootstraps, up to 2 Nmax
    l.churn_offset = c.initial_size;
    l.churns = boot ? std::max<std::int64_t>(2 * c.nmax - c.initial_size, 0) + 1 : 1;
  } else {  // the last step's left - joined
    l.churn_offset = -c.nmax;
    l.churns = 2 * c.nmax + 1;
  }
  l.elections = c.election_delay + 1;
  l.empties = boot ? c.bootstrap_delay + 1 : 1;
  l.gones = c.crashed_return ? 1 : c.ntotal + 1;
  l.reached = boot ? 2 : 1;
  return l;
}

std::int64_t index_of(const Layout& l, const State& x) {
  std::int64_t i = x.s;
  i = i * l.churns + (x.churn - l.churn_offset);
  i = i * l.elections + x.d;
  i = i * l.empties + x.e;
  i = i * l.gones + x.g;
  return i * l.reached + (l.reached > 1 && x.r ? 1 : 0);
}

State state_of(const Layout& l, std::int64_t i) {
  State x{};
  x.r = l.reached > 1 && i % l.reached == 1;
  i /= l.reached;
  x.g = i % l.gones;
  i /= l.gones;
  x.e = i % l.empties;
  i /= l.empties;
  x.d = i % l.elections;
  i /= l.elections;
  x.churn = i % l.churns + l.churn_offset;
  x.s = i / l.churns;
  return x;
}

// One row of the chain: from a state at the start of a step, the distribution of the state at
// the next step's start and of the sampled size. Mirrors run_churn line by line.
class Rows {
 public:
  Rows(const ChurnConfig& c, const Layout& l) : c_(c), l_(l), acc_(static_cast<std::size_t>(l.bound()), 0.0) {
    crash_.resize(static_cast<std::size_t>(c.nmax) + 1);
  }

  // Adds the row of state `i` to `next` (state, probability) and `sampled` (size, probability).
  void row(std::int64_t i, std::vector<std::pair<std::int64_t, double>>& next,
           std::vector<std::pair<std::int64_t, double>>& sampled) {
    next.clear();
    sampled.clear();
    State x = state_of(l_, i);
    const bool boot = c_.at_zero == AtZero::Bootstrap;
    const bool cumulative = c_.churn == ChurnMeasure::Cumulative;
    if (x.s == 0 && boot && x.e >= c_.bootstrap_delay && c_.ntotal - x.g > 0) {
      x.s = 1;
      x.d = 0;
      if (cumulative) x.churn = std::min(x.churn + 1, l_.churn_offset + l_.churns - 1);
    }
    const bool empty_at_start = x.s == 0;

    // (1) Joins: the accepted count is min(requests, A), A what Algorithm 1 accepts at most.
    std::vector<double> joined(1, 1.0);  // P(joined = k)
    if (x.s > 0 && x.d == 0 && x.s < c_.nmax) {
      const std::int64_t candidates = std::max<std::int64_t>(0, c_.ntotal - x.s - x.g);
      const JoinState js{x.s, c_.nmin, c_.nmax, cumulative ? x.churn - x.s : x.churn};
      const std::int64_t most = accepted_joins(js, candidates, cumulative ? 1 : 0, c_.admission);
      joined = binomial_pmf(candidates, c_.j, most);
      double below = 0;
      for (std::size_t k = 0; k + 1 < joined.size(); ++k) below += joined[k];
      joined.back() = std::max(0.0, 1.0 - below);  // every outcome of `most` requests or more
    }
    const std::int64_t d_after = x.d > 0 ? x.d - 1 : 0;

    // (2) Crashes: the leader with probability f, each other node with probability f.
    for (std::size_t k = 0; k < joined.size(); ++k) {
      const double pj = joined[k];
      if (pj <= 0) continue;
      const auto jn = static_cast<std::int64_t>(k);
      const std::int64_t s1 = x.s + jn;
      if (c_.sample == SamplePoint::AfterJoins) sampled.emplace_back(s1, pj);
      if (s1 == 0) {
        add(next_state(x, empty_at_start, jn, 0, false, d_after), pj);
        continue;
      }
      const std::vector<double>& others = crash_pmf(s1 - 1);
      for (std::int64_t o = 0; o < s1; ++o) {
        const double po = pj * others[static_cast<std::size_t>(o)];
        if (po <= 0) continue;
        if (c_.f < 1) add(next_state(x, empty_at_start, jn, o, false, d_after), po * (1 - c_.f));
        if (c_.f > 0) add(next_state(x, empty_at_start, jn, o + 1, true, d_after), po * c_.f);
      }
    }
    for (std::int64_t t : touched_) {
      next.emplace_back(t, acc_[static_cast<std::size_t>(t)]);
      acc_[static_cast<std::size_t>(t)] = 0;
    }
    touched_.clear();
    std::sort(next.begin(), next.end());
    if (c_.sample == SamplePoint::EndOfStep) {
      for (const auto& [t, p] : next) sampled.emplace_back(state_of(l_, t).s, p);
    }
  }

 private:
  std::int64_t next_state(const State& x, bool empty_at_start, std::int64_t joined, std::int64_t left, bool leader_crashed,
                          std::int64_t d_after) const {
    State y = x;
    y.s = x.s + joined - left;
    y.d = leader_crashed && y.s > 0 ? c_.election_delay : d_after;
    if (!c_.crashed_return) y.g = x.g + left;
    if (c_.churn != ChurnMeasure::Cumulative) y.churn = left - joined;
    if (y.s == 0) {
      y.r = true;
      y.d = 0;  // read again only after a bootstrap, which resets it
      y.e = empty_at_start ? std::min(x.e + 1, l_.empties - 1) : 0;
    } else {
      y.e = 0;  // read again only after the size next reaches 0, which sets it
    }
    return index_of(l_, y);
  }

  void add(std::int64_t t, double p) {
    double& a = acc_[static_cast<std::size_t>(t)];
    if (a == 0) touched_.push_back(t);
    a += p;
  }

  const std::vector<double>& crash_pmf(std::int64_t n) {
    auto& v = crash_[static_cast<std::size_t>(n)];
    if (v.empty()) v = binomial_pmf(n, c_.f, n);
    return v;
  }

  const ChurnConfig& c_;
  const Layout& l_;
  std::vector<double> acc_;
  std::vector<std::int64_t> touched_;
  std::vector<std::vector<double>> crash_;
};

}  // namespace

std::optional<std::string> churn_exact_unsupported(const ChurnConfig& c) {
  if (c.churn == ChurnMeasure::Window) {
    return std::string(
        "churn = \"window\" is not covered: the state would hold the churn of each of the last "
        "`window` steps; use \"cumulative\" or \"last_step\", or the Monte Carlo kind \"churn\"");
  }
  if (c.nmax > kMaxExactNmax) {
    return fmt::format("Nmax = {} is above the exact method's limit of {}", c.nmax, kMaxExactNmax);
  }
  if (c.initial_size > c.nmax || c.nmin > c.nmax || c.nmax > c.ntotal) {
    return std::string("expected initial_size <= Nmax, Nmin <= Nmax <= Ntotal");
  }
  const double bound = layout_of(c).bound();
  if (bound > kMaxExactStates) {
    return fmt::format(
        "the chain would have up to {:.3g} states, above the exact method's limit of {:.3g} "
        "(crashed_return = false multiplies them by Ntotal + 1; election_delay and "
        "bootstrap_delay by themselves + 1)",
        bound, kMaxExactStates);
  }
  return std::nullopt;
}

ChurnExact solve_churn(const ChurnConfig& c) {
  if (auto why = churn_exact_unsupported(c)) throw std::invalid_argument(*why);
  const Layout l = layout_of(c);
  const auto n = static_cast<Eigen::Index>(l.bound());

  // The reachable states, found from the start, and their rows.
  using Triplet = Eigen::Triplet<double, std::int64_t>;
  std::vector<Triplet> p_entries, q_entries;
  std::vector<char> seen(static_cast<std::size_t>(n), 0);
  const std::int64_t start = index_of(l, State{c.initial_size, l.churn_offset, 0, 0, 0, false});
  std::vector<std::int64_t> queue{start};
  seen[static_cast<std::size_t>(start)] = 1;
  Rows rows(c, l);
  std::vector<std::pair<std::int64_t, double>> next, sampled;
  for (std::size_t qi = 0; qi < queue.size(); ++qi) {
    const std::int64_t i = queue[qi];
    rows.row(i, next, sampled);
    for (const auto& [t, p] : next) {
      p_entries.emplace_back(i, t, p);
      if (!seen[static_cast<std::size_t>(t)]) {
        seen[static_cast<std::size_t>(t)] = 1;
        queue.push_back(t);
      }
    }
    for (const auto& [s, p] : sampled) q_entries.emplace_back(i, s, p);
  }

  Eigen::SparseMatrix<double, Eigen::RowMajor, std::int64_t> P(n, n), Q(n, c.nmax + 1);
  P.setFromTriplets(p_entries.begin(), p_entries.end());
  Q.setFromTriplets(q_entries.begin(), q_entries.end());  // duplicates (same size) are summed

  Eigen::VectorXd zero = Eigen::VectorXd::Zero(n);  // states in which size 0 has been reached
  for (std::int64_t i : queue) {
    const State x = state_of(l, i);
    if (x.r || (l.reached == 1 && x.s == 0)) zero[i] = 1;
  }

  ChurnExact out;
  out.states = queue.size();
  out.transitions = static_cast<std::uint64_t>(P.nonZeros());
  out.pooled.assign(static_cast<std::size_t>(c.nmax) + 1, 0.0);
  Eigen::RowVectorXd pi = Eigen::RowVectorXd::Zero(n);
  pi[start] = 1;
  for (std::int64_t step = 1; step <= c.steps; ++step) {
    const Eigen::RowVectorXd size = pi * Q;
    pi = (pi * P).eval();
    out.size_pmf.emplace_back(size.data(), size.data() + size.size());
    for (Eigen::Index s = 0; s < size.size(); ++s) out.pooled[static_cast<std::size_t>(s)] += size[s];
    out.zero_by.push_back(pi.dot(zero.transpose()));
  }
  for (double& p : out.pooled) p /= static_cast<double>(c.steps);
  return out;
}

}  // namespace cansim::churn

#include "cansim/sim/stats.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <stdexcept>

#include <boost/math/distributions/students_t.hpp>

namespace cansim {

void RunningStats::add(double x) {
  ++n_;
  const double delta = x - mean_;
  mean_ += delta / static_cast<double>(n_);
  m2_ += delta * (x - mean_);
  if (n_ == 1) {
    min_ = max_ = x;
  } else {
    min_ = std::min(min_, x);
    max_ = std::max(max_, x);
  }
}

RunningStats RunningStats::of(std::span<const double> xs) {
  RunningStats s;
  if (xs.empty()) return s;
  double sum = 0;
  s.min_ = s.max_ = xs[0];
  for (double x : xs) {
    sum += x;
    s.min_ = std::min(s.min_, x);
    s.max_ = std::max(s.max_, x);
  }
  s.n_ = xs.size();
  s.mean_ = sum / static_cast<double>(s.n_);
  for (double x : xs) s.m2_ += (x - s.mean_) * (x - s.mean_);
  return s;
}

RunningStats RunningStats::of_counted(const std::map<double, std::uint64_t>& counts) {
  RunningStats s;
  if (counts.empty()) return s;
  double sum = 0;
  for (const auto& [x, c] : counts) {
    for (std::uint64_t i = 0; i < c; ++i) sum += x;
    s.n_ += c;
  }
  s.min_ = counts.begin()->first;
  s.max_ = counts.rbegin()->first;
  s.mean_ = sum / static_cast<double>(s.n_);
  for (const auto& [x, c] : counts) {
    for (std::uint64_t i = 0; i < c; ++i) s.m2_ += (x - s.mean_) * (x - s.mean_);
  }
  return s;
}

void RunningStats::merge(const RunningStats& o) {
  if (o.n_ == 0) return;
  if (n_ == 0) {
    *this = o;
    return;
  }
  const double na = static_cast<double>(n_), nb = static_cast<double>(o.n_);
  const double delta = o.mean_ - mean_;
  const double n = na + nb;
  mean_ += delta * nb / n;
  m2_ += o.m2_ + delta * delta * na * nb / n;
  n_ += o.n_;
  min_ = std::min(min_, o.min_);
  max_ = std::max(max_, o.max_);
}

double RunningStats::variance() const {
  return n_ < 2 ? std::numeric_limits<double>::quiet_NaN() : m2_ / static_cast<double>(n_ - 1);
}

double RunningStats::stddev() const { return std::sqrt(variance()); }

double quantile_sorted(std::span<const double> x, double q) {
  if (x.empty()) return std::numeric_limits<double>::quiet_NaN();
  if (!(q >= 0.0 && q <= 1.0)) throw std::invalid_argument("quantile: q outside [0, 1]");
  const double h = static_cast<double>(x.size() - 1) * q;
  const auto lo = static_cast<std::size_t>(std::floor(h));
  const std::size_t hi = std::min(lo + 1, x.size() - 1);
  return x[lo] + (h - static_cast<double>(lo)) * (x[hi] - x[lo]);
}

double quantile(std::span<const double> data, double q) {
  std::vector<double> v(data.begin(), data.end());
  std::sort(v.begin(), v.end());
  return quantile_sorted(v, q);
}

ConfidenceInterval ci95_of_mean(const RunningStats& s) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  if (s.count() < 2) return {nan, nan, nan};
  const boost::math::students_t t(static_cast<double>(s.count() - 1));
  const double tq = boost::math::quantile(t, 0.975);
  const double half = tq * s.stddev() / std::sqrt(static_cast<double>(s.count()));
  return {s.mean() - half, s.mean() + half, half};
}

BoxPlot box_plot_sorted(std::span<const double> x) {
  BoxPlot b{};
  if (x.empty()) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    b.q1 = b.median = b.q3 = b.iqr = b.whisker_low = b.whisker_high = nan;
    return b;
  }
  b.q1 = quantile_sorted(x, 0.25);
  b.median = quantile_sorted(x, 0.5);
  b.q3 = quantile_sorted(x, 0.75);
  b.iqr = b.q3 - b.q1;
  const double lo_fence = b.q1 - 1.5 * b.iqr, hi_fence = b.q3 + 1.5 * b.iqr;
  const auto first_in = std::lower_bound(x.begin(), x.end(), lo_fence);
  const auto last_in = std::upper_bound(x.begin(), x.end(), hi_fence);
  b.whisker_low = *first_in;
  b.whisker_high = *(last_in - 1);
  b.outliers.assign(x.begin(), first_in);
  b.outliers.insert(b.outliers.end(), last_in, x.end());
  return b;
}

double quantile_of_pmf(std::span<const double> pmf, double q) {
  if (!(q >= 0.0 && q <= 1.0)) throw std::invalid_argument("quantile: q outside [0, 1]");
  constexpr double kTie = 1e-12;
  double cum = 0;
  for (std::size_t x = 0; x < pmf.size(); ++x) {
    if (pmf[x] <= 0) continue;
    cum += pmf[x];
    if (cum < q - kTie) continue;
    if (cum <= q + kTie && q > 0) {  // the sample quantile alternates between x and the next value
      for (std::size_t y = x + 1; y < pmf.size(); ++y) {
        if (pmf[y] > 0) return (static_cast<double>(x) + static_cast<double>(y)) / 2;
      }
    }
    return static_cast<double>(x);
  }
  for (std::size_t x = pmf.size(); x-- > 0;) {  // rounding left cum just below q = 1
    if (pmf[x] > 0) return static_cast<double>(x);
  }
  return std::numeric_limits<double>::quiet_NaN();
}

PmfSummary summarize_pmf(std::span<const double> pmf) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  PmfSummary s{nan, nan, nan, nan, {nan, nan, nan, nan, nan, nan, {}}, {}};
  double mass = 0, m1 = 0;
  for (std::size_t x = 0; x < pmf.size(); ++x) {
    if (pmf[x] <= 0) continue;
    if (std::isnan(s.min)) s.min = static_cast<double>(x);
    s.max = static_cast<double>(x);
    mass += pmf[x];
    m1 += pmf[x] * static_cast<double>(x);
  }
  if (mass <= 0) return s;
  s.mean = m1 / mass;
  double m2 = 0;
  for (std::size_t x = 0; x < pmf.size(); ++x) {
    const double d = static_cast<double>(x) - s.mean;
    if (pmf[x] > 0) m2 += pmf[x] * d * d;
  }
  s.sd = std::sqrt(m2 / mass);
  BoxPlot& b = s.box;
  b.q1 = quantile_of_pmf(pmf, 0.25);
  b.median = quantile_of_pmf(pmf, 0.5);
  b.q3 = quantile_of_pmf(pmf, 0.75);
  b.iqr = b.q3 - b.q1;
  const double lo_fence = b.q1 - 1.5 * b.iqr, hi_fence = b.q3 + 1.5 * b.iqr;
  for (std::size_t x = 0; x < pmf.size(); ++x) {
    if (pmf[x] <= 0) continue;
    const double v = static_cast<double>(x);
    if (v < lo_fence || v > hi_fence) {
      s.outliers.emplace_back(v, pmf[x]);
      continue;
    }
    if (std::isnan(b.whisker_low)) b.whisker_low = v;
    b.whisker_high = v;
  }
  return s;
}

void sort_counts(std::vector<double>& v) {
  constexpr double kLimit = 1 << 20;
  double top = 0;
  for (double x : v) {
    if (!(x >= 0 && x <= kLimit && x == std::floor(x))) {
      std::sort(v.begin(), v.end());
      return;
    }
    top = std::max(top, x);
  }
  std::vector<std::size_t> count(static_cast<std::size_t>(top) + 1, 0);
  for (double x : v) ++count[static_cast<std::size_t>(x)];
  std::size_t i = 0;
  for (std::size_t k = 0; k < count.size(); ++k) {
    for (std::size_t c = 0; c < count[k]; ++c) v[i++] = static_cast<double>(k);
  }
}

BoxPlot box_plot(std::span<const double> data) {
  std::vector<double> v(data.begin(), data.end());
  std::sort(v.begin(), v.end());
  return box_plot_sorted(v);
}

std::uint64_t CountedSample::count_below(double x) const {
  std::uint64_t n = 0;
  for (auto it = counts_.begin(); it != counts_.end() && it->first < x; ++it) n += it->second;
  return n;
}

double CountedSample::at(std::uint64_t k) const {
  for (const auto& [x, c] : counts_) {
    if (k < c) return x;
    k -= c;
  }
  throw std::out_of_range("CountedSample::at: beyond the sample");
}

double CountedSample::quantile(double q) const {
  if (n_ == 0) return std::numeric_limits<double>::quiet_NaN();
  if (!(q >= 0.0 && q <= 1.0)) throw std::invalid_argument("quantile: q outside [0, 1]");
  // quantile_sorted's arithmetic, on the order statistics looked up by rank.
  const double h = static_cast<double>(n_ - 1) * q;
  const auto lo = static_cast<std::uint64_t>(std::floor(h));
  const std::uint64_t hi = std::min(lo + 1, n_ - 1);
  const double xlo = at(lo);
  return xlo + (h - static_cast<double>(lo)) * (at(hi) - xlo);
}

BoxPlot CountedSample::box_plot(std::vector<std::pair<double, std::uint64_t>>& outliers) const {
  BoxPlot b{};
  outliers.clear();
  if (n_ == 0) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    b.q1 = b.median = b.q3 = b.iqr = b.whisker_low = b.whisker_high = nan;
    return b;
  }
  b.q1 = quantile(0.25);
  b.median = quantile(0.5);
  b.q3 = quantile(0.75);
  b.iqr = b.q3 - b.q1;
  const double lo_fence = b.q1 - 1.5 * b.iqr, hi_fence = b.q3 + 1.5 * b.iqr;
  b.whisker_low = counts_.lower_bound(lo_fence)->first;  // the box's data lie within the fences
  b.whisker_high = std::prev(counts_.upper_bound(hi_fence))->first;
  for (const auto& [x, c] : counts_) {
    if (x < lo_fence || x > hi_fence) outliers.emplace_back(x, c);
  }
  return b;
}

}  // namespace cansim

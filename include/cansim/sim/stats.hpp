#pragma once
// Summary statistics for results: streaming moments, exact quantiles, Tukey box plots and
// confidence intervals of the mean.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <span>
#include <vector>

namespace cansim {

// Welford's streaming mean and variance, with min and max.
class RunningStats {
 public:
  void add(double x);
  // The statistics of a whole sample at once: two passes, no division per value.
  static RunningStats of(std::span<const double> xs);
  // The same for the sorted sample that `counts` (value -> how often, ascending) stands for, bit
  // for bit: the same additions in the same order.
  static RunningStats of_counted(const std::map<double, std::uint64_t>& counts);
  void merge(const RunningStats& o);  // Chan et al.'s parallel combination
  std::uint64_t count() const { return n_; }
  double mean() const { return n_ ? mean_ : std::numeric_limits<double>::quiet_NaN(); }
  // Sample variance (divides by n - 1); NaN below two observations.
  double variance() const;
  double stddev() const;
  double min() const { return min_; }
  double max() const { return max_; }

 private:
  std::uint64_t n_ = 0;
  double mean_ = 0, m2_ = 0;
  double min_ = std::numeric_limits<double>::quiet_NaN();
  double max_ = std::numeric_limits<double>::quiet_NaN();
};

// Quantile of already sorted data by Hyndman & Fan's definition 7 (R's and NumPy's default):
// h = (n - 1) q, linear interpolation between the order statistics around h.
double quantile_sorted(std::span<const double> sorted, double q);
// Same, for unsorted data (copied and sorted).
double quantile(std::span<const double> data, double q);

// Two-sided 95% confidence interval of the mean from Student's t with n - 1 degrees of freedom.
struct ConfidenceInterval {
  double low, high, half_width;
};
ConfidenceInterval ci95_of_mean(const RunningStats& s);

// Tukey's box plot: quartiles by definition 7, whiskers at the most extreme data within
// 1.5 IQR of the box, everything beyond them an outlier.
struct BoxPlot {
  double q1, median, q3, iqr;
  double whisker_low, whisker_high;
  std::vector<double> outliers;  // ascending
};
BoxPlot box_plot(std::span<const double> data);

// Sorts small non-negative integers (sizes, counts) by counting, O(n + max); others by std::sort.
void sort_counts(std::vector<double>& v);
BoxPlot box_plot_sorted(std::span<const double> sorted);

// The same figures for a distribution rather than a sample: the values 0, 1, ..., n - 1 with the
// probabilities `pmf` (summing to 1). Each is the limit, as the sample grows, of the sample figure
// above (the exact counterpart of a Monte Carlo box plot). Where the cumulative probability equals
// q exactly at a value x (within 1e-12), definition 7's sample quantile does not converge: it
// keeps alternating between x and the next value with positive probability, and the midpoint of
// the two is returned.
struct PmfSummary {
  double mean, sd;                                  // sd: the distribution's standard deviation
  double min, max;                                  // the smallest and largest values with positive probability
  BoxPlot box;                                      // box.outliers stays empty: see `outliers`
  std::vector<std::pair<double, double>> outliers;  // (value, probability) beyond the whiskers
};
double quantile_of_pmf(std::span<const double> pmf, double q);
PmfSummary summarize_pmf(std::span<const double> pmf);

// A sample of few distinct values (sizes, counts) kept as value -> count: its statistics are those
// of the sorted sample it stands for, bit for bit, in memory that grows with the distinct values
// only (millions of runs of a hundred steps each are a few hundred entries).
class CountedSample {
 public:
  void add(double x) {  // x must not be NaN
    ++counts_[x];
    ++n_;
  }
  std::uint64_t size() const { return n_; }
  std::uint64_t count_below(double x) const;  // values < x
  double at(std::uint64_t k) const;           // the k-th smallest (0-based), k < size()
  double quantile(double q) const;            // as quantile_sorted
  RunningStats stats() const { return RunningStats::of_counted(counts_); }
  // As box_plot_sorted, but the outliers are (value, count) pairs, ascending, in `outliers`.
  BoxPlot box_plot(std::vector<std::pair<double, std::uint64_t>>& outliers) const;

 private:
  std::map<double, std::uint64_t> counts_;
  std::uint64_t n_ = 0;
};

}  // namespace cansim

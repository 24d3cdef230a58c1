#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "cansim/sim/rng.hpp"
#include "cansim/sim/stats.hpp"

using namespace cansim;

TEST_CASE("running mean and variance", "[stats]") {
  RunningStats s;
  for (double x : {2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0}) s.add(x);
  CHECK(s.count() == 8);
  CHECK(s.mean() == 5.0);
  CHECK(s.variance() == Approx(32.0 / 7));
  CHECK(s.min() == 2.0);
  CHECK(s.max() == 9.0);
  RunningStats one;
  one.add(3);
  CHECK(std::isnan(one.variance()));
}

TEST_CASE("merging partial statistics equals one pass", "[stats]") {
  Rng r(3);
  RunningStats all, a, b;
  for (int i = 0; i < 1000; ++i) {
    const double x = r.normal(10, 2);
    all.add(x);
    (i < 300 ? a : b).add(x);
  }
  a.merge(b);
  CHECK(a.count() == all.count());
  CHECK(a.mean() == Approx(all.mean()).epsilon(1e-12));
  CHECK(a.variance() == Approx(all.variance()).epsilon(1e-12));
  CHECK(a.min() == all.min());
  CHECK(a.max() == all.max());
}

TEST_CASE("quantiles follow R's type 7", "[stats]") {
  const std::vector<double> x{1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  // R: quantile(1:10, c(0, .25, .5, .75, .9, 1)) -> 1 3.25 5.5 7.75 9.1 10
  CHECK(quantile_sorted(x, 0.0) == 1.0);
  CHECK(quantile_sorted(x, 0.25) == Approx(3.25));
  CHECK(quantile_sorted(x, 0.5) == Approx(5.5));
  CHECK(quantile_sorted(x, 0.75) == Approx(7.75));
  CHECK(quantile_sorted(x, 0.9) == Approx(9.1));
  CHECK(quantile_sorted(x, 1.0) == 10.0);
  CHECK(quantile(std::vector<double>{10, 1, 5}, 0.5) == 5.0);
  CHECK(std::isnan(quantile(std::vector<double>{}, 0.5)));
  CHECK_THROWS(quantile_sorted(x, 1.5));
}

TEST_CASE("Tukey box plot", "[stats]") {
  // R: boxplot.stats is type-7-like only for odd n; we state type 7 and check it directly.
  const std::vector<double> x{-20, 1, 2, 3, 4, 5, 6, 7, 8, 40};
  const BoxPlot b = box_plot(x);
  CHECK(b.q1 == Approx(2.25));
  CHECK(b.median == Approx(4.5));
  CHECK(b.q3 == Approx(6.75));
  CHECK(b.iqr == Approx(4.5));
  CHECK(b.whisker_low == 1.0);   // fence at -4.5
  CHECK(b.whisker_high == 8.0);  // fence at 13.5
  CHECK(b.outliers == std::vector<double>{-20, 40});
  const BoxPlot flat = box_plot(std::vector<double>{3, 3, 3});
  CHECK(flat.whisker_low == 3);
  CHECK(flat.whisker_high == 3);
  CHECK(flat.outliers.empty());
}

TEST_CASE("95% confidence interval of the mean uses Student's t", "[stats]") {
  RunningStats s;
  for (double x : {1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0}) s.add(x);
  const auto ci = ci95_of_mean(s);
  // t(0.975, 9) = 2.262157; sd = 3.02765
  CHECK(ci.half_width == Approx(2.262157 * 3.0276504 / std::sqrt(10.0)).epsilon(1e-6));
  CHECK(ci.low == Approx(5.5 - ci.half_width));
  CHECK(ci.high == Approx(5.5 + ci.half_width));
}

TEST_CASE("the 95% interval covers the true mean about 95% of the time", "[stats]") {
  Rng r(11);
  int covered = 0;
  const int trials = 4000;
  for (int t = 0; t < trials; ++t) {
    RunningStats s;
    for (int i = 0; i < 8; ++i) s.add(r.exponential(1.0) + r.exponential(1.0));
    const auto ci = ci95_of_mean(s);
    covered += (ci.low <= 2.0 && 2.0 <= ci.high);
  }
  // Skewed data with n = 8 under-covers a little; far from 95% would mean a wrong quantile.
  CHECK(covered > 0.90 * trials);
  CHECK(covered < 0.97 * trials);
}

TEST_CASE("whole-sample statistics equal streaming ones", "[stats]") {
  Rng r(8);
  std::vector<double> xs;
  RunningStats streaming;
  for (int i = 0; i < 1000; ++i) {
    xs.push_back(r.normal(3, 1));
    streaming.add(xs.back());
  }
  const RunningStats batch = RunningStats::of(xs);
  CHECK(batch.count() == streaming.count());
  CHECK(batch.mean() == Approx(streaming.mean()).epsilon(1e-12));
  CHECK(batch.variance() == Approx(streaming.variance()).epsilon(1e-10));
  CHECK(batch.min() == streaming.min());
  CHECK(batch.max() == streaming.max());
  CHECK(RunningStats::of(std::vector<double>{}).count() == 0);
}

TEST_CASE("counting sort sorts counts, and anything else falls back", "[stats]") {
  std::vector<double> v{3, 0, 7, 3, 1, 0, 10};
  sort_counts(v);
  CHECK(v == std::vector<double>{0, 0, 1, 3, 3, 7, 10});
  std::vector<double> w{2.5, -1, 3};
  sort_counts(w);
  CHECK(w == std::vector<double>{-1, 2.5, 3});
}

TEST_CASE("a distribution's box plot is the limit of its samples' box plots", "[stats][exact]") {
  // A sample holding each value in exact proportion has the distribution's figures.
  const std::vector<double> pmf{0.1, 0.2, 0.3, 0.4};
  CountedSample sample;
  for (int v = 0; v < 4; ++v) {
    for (int k = 0; k < 1000 * (v + 1); ++k) sample.add(v);
  }
  const PmfSummary s = summarize_pmf(pmf);
  std::vector<std::pair<double, std::uint64_t>> outliers;
  const BoxPlot b = sample.box_plot(outliers);
  CHECK(s.box.q1 == b.q1);
  CHECK(s.box.median == b.median);
  CHECK(s.box.q3 == b.q3);
  CHECK(s.box.whisker_low == b.whisker_low);
  CHECK(s.mean == Approx(sample.stats().mean()).epsilon(1e-12));
  CHECK(s.sd == Approx(sample.stats().stddev()).epsilon(1e-3));  // n - 1 against n
  CHECK(s.min == 0);
  CHECK(s.max == 3);
}

TEST_CASE("a distribution's quantile at a tie is the midpoint, as its samples' average", "[stats][exact]") {
  // Half at 0, half at 2: definition 7 on an even sample interpolates half way between them.
  const std::vector<double> pmf{0.5, 0.0, 0.5};
  CHECK(quantile_of_pmf(pmf, 0.5) == 1.0);
  CHECK(quantile_of_pmf(pmf, 0.25) == 0.0);
  CHECK(quantile_of_pmf(pmf, 0.75) == 2.0);
  CHECK(quantile_of_pmf(pmf, 0.0) == 0.0);
  CHECK(quantile_of_pmf(pmf, 1.0) == 2.0);
  CHECK(quantile_of_pmf(pmf, 0.5 + 1e-9) == 2.0);  // just past the tie
  CHECK(quantile_of_pmf(pmf, 0.5 - 1e-9) == 0.0);
  CHECK_THROWS(quantile_of_pmf(pmf, 1.5));
  const PmfSummary s = summarize_pmf(pmf);
  CHECK(s.mean == 1.0);
  CHECK(s.sd == 1.0);
}

TEST_CASE("a distribution's whiskers stop at the last value within 1.5 IQR", "[stats][exact]") {
  std::vector<double> pmf(21, 0.0);
  pmf[0] = 0.01;
  pmf[5] = 0.49;
  pmf[6] = 0.49;
  pmf[20] = 0.01;
  const PmfSummary s = summarize_pmf(pmf);
  CHECK(s.box.q1 == 5);
  CHECK(s.box.q3 == 6);
  CHECK(s.box.whisker_low == 5);   // the fence is at 3.5
  CHECK(s.box.whisker_high == 6);  // and 7.5
  REQUIRE(s.outliers.size() == 2);
  CHECK(s.outliers[0] == std::pair{0.0, 0.01});
  CHECK(s.outliers[1] == std::pair{20.0, 0.01});
  pmf[7] = 1e-300;  // tiny but possible: within the fence, so the whisker
  CHECK(summarize_pmf(pmf).box.whisker_high == 7);
}

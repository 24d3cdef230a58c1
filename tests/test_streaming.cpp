// Results in bounded memory: runs are handed over in run order as they complete, with a bounded
// number waiting; a configuration's summary is exact whether its values stayed in memory or went
// to the temporary file; counted samples give the statistics of the sorted sample, bit for bit.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "cansim/scenario/results.hpp"
#include "cansim/scenario/runner.hpp"
#include "cansim/sim/rng.hpp"
#include "cansim/sim/stats.hpp"
#include "scenario_fixture.hpp"

using namespace cansim;
using namespace cansim::scenario;
using namespace cansim::scenario::testing;
namespace fs = std::filesystem;

namespace {

// The queue kind's parameters and metrics, with a run that is only a few draws from its seed.
struct FastKind {
  Scenario sc;
  ExperimentKind kind;
  std::atomic<std::uint64_t> started{0};
  explicit FastKind(std::uint64_t repetitions, std::size_t configs = 1) {
    sc = load_text(fmt::format(R"({{"experiment": "queue", "seed": 4, "repetitions": {}{}}})", repetitions,
                               configs > 1 ? R"(, "sweep": {"arrival_rate": [0.1, 0.2, 0.3]})" : ""));
    kind = *sc.kind;
    kind.run = [this](const RunContext& ctx) {
      started.fetch_add(1);
      Rng rng(ctx.seed);
      RunResult r;
      for (std::size_t k = 0; k < kind.metrics.size(); ++k)
        r.metrics.push_back(k == 0 ? static_cast<double>(ctx.run) : rng.uniform01());
      r.fingerprint = ctx.seed;
      return r;
    };
    sc.kind = &kind;
  }
};

std::string read(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

fs::path temp_dir(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / fmt::format("cansim-stream-{}-{}", name, ::getpid());
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

}  // namespace

TEST_CASE("runs are handed over in run order with at most a window of results waiting", "[runner][streaming]") {
  FastKind f(20000);
  const std::vector<std::uint64_t> runs = f.sc.all_runs();
  std::size_t expect = 0;
  std::uint64_t most_waiting = 0;
  run_runs(f.sc, runs, {2, false}, [&](std::size_t i, RunResult&& r) {
    REQUIRE(i == expect);
    CHECK(r.metrics[0] == static_cast<double>(runs[i]));
    ++expect;
    most_waiting = std::max(most_waiting, f.started.load() - expect);
    // A slow consumer at first: the workers run ahead until the window stops them.
    if (i < 20) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  });
  CHECK(expect == runs.size());
  CHECK(most_waiting <= 1024);  // the window (1024 for two threads' blocks of 64)
}

TEST_CASE("a consumer that throws stops the runs", "[runner][streaming]") {
  FastKind f(100000);
  const std::vector<std::uint64_t> runs = f.sc.all_runs();
  CHECK_THROWS_WITH(run_runs(f.sc, runs, {2, false},
                             [&](std::size_t i, RunResult&&) {
                               if (i == 10) throw std::runtime_error("disk full");
                             }),
                    "disk full");
  CHECK(f.started.load() < 2000);  // not the 100000 runs
}

TEST_CASE("a failing run is reported once the runs before it are consumed", "[runner][streaming]") {
  FastKind f(50);
  auto good = f.kind.run;
  f.kind.run = [good](const RunContext& ctx) {
    if (ctx.run == 17 || ctx.run == 30) throw std::runtime_error("broken");
    return good(ctx);
  };
  std::vector<std::size_t> consumed;
  for (unsigned threads : {1u, 2u}) {
    consumed.clear();
    try {
      run_runs(f.sc, f.sc.all_runs(), {threads, false}, [&](std::size_t i, RunResult&&) { consumed.push_back(i); });
      FAIL("expected RunFailed");
    } catch (const RunFailed& e) {
      CHECK(e.run() == 17);
    }
    CHECK(consumed.size() == 17);
  }
}

TEST_CASE("summaries of configurations larger than the memory chunk are exact", "[results][streaming]") {
  // A column keeps 65536 values in memory, then writes them to the temporary file as a chunk:
  // 65536 runs per configuration are one chunk in the file and nothing in memory; 65537 are one
  // chunk and one value in memory. Three configurations: the file is reused from its start.
  for (const std::uint64_t reps : {std::uint64_t{65536}, std::uint64_t{65537}}) {
    FastKind f(reps, 3);
    const std::vector<std::uint64_t> runs = f.sc.all_runs();
    const fs::path d = temp_dir("chunks");
    std::vector<std::vector<double>> col(3);
    {
      ResultWriter w(f.sc, {(d / "out").string(), false, {"test"}}, runs.size());
      run_runs(f.sc, runs, {2, false}, [&](std::size_t i, RunResult&& r) {
        col[runs[i] / reps].push_back(r.metrics[1]);
        w.add(runs[i], r);
      });
      w.finish();
    }
    const auto summary = nlohmann::ordered_json::parse(read(d / "out" / "summary.json"));
    const std::string metric = f.kind.metrics[1].name;
    for (std::size_t c = 0; c < 3; ++c) {
      INFO("repetitions " << reps << ", configuration " << c);
      CHECK(summary["configurations"][c]["runs"] == reps);
      CHECK(summary["configurations"][c]["metrics"][metric] == metric_stats(col[c]));
    }
    fs::remove_all(d);
  }
}

TEST_CASE("an unfinished writer leaves nothing behind", "[results][streaming]") {
  FastKind f(10);
  const fs::path d = temp_dir("unfinished");
  {
    ResultWriter w(f.sc, {(d / "out").string(), false, {"test"}}, 10);
    w.add(0, f.kind.run(RunContext{0, f.sc.run(0).seed, f.sc.configs[0].params, f.sc.output, f.sc.faults, f.sc.applications, f.sc.power_curves}));
  }
  CHECK(fs::is_empty(d));  // neither the result nor its temporary directory
  fs::remove_all(d);
}

TEST_CASE("a counted sample has the statistics of the sorted sample, bit for bit", "[stats]") {
  Rng rng(5);
  for (const std::size_t n : {std::size_t{1}, std::size_t{2}, std::size_t{7}, std::size_t{8}, std::size_t{1001}}) {
    std::vector<double> v;
    CountedSample c;
    for (std::size_t i = 0; i < n; ++i) {
      // Small integers, with a far tail for outliers on both sides.
      double x = static_cast<double>(rng.below(12));
      if (rng.below(50) == 0) x = rng.below(2) ? 100 : -40;
      v.push_back(x);
      c.add(x);
    }
    std::sort(v.begin(), v.end());
    INFO("n = " << n);
    const RunningStats a = RunningStats::of(v), b = c.stats();
    CHECK(std::memcmp(&a, &b, sizeof a) == 0);
    for (double q : {0.0, 0.25, 0.5, 0.75, 1.0}) CHECK(c.quantile(q) == quantile_sorted(v, q));
    const BoxPlot want = box_plot_sorted(v);
    std::vector<std::pair<double, std::uint64_t>> outliers;
    const BoxPlot got = c.box_plot(outliers);
    CHECK(got.q1 == want.q1);
    CHECK(got.median == want.median);
    CHECK(got.q3 == want.q3);
    CHECK(got.whisker_low == want.whisker_low);
    CHECK(got.whisker_high == want.whisker_high);
    std::vector<double> expanded;
    for (const auto& [x, k] : outliers) expanded.insert(expanded.end(), k, x);
    CHECK(expanded == want.outliers);
    CHECK(c.count_below(4) == static_cast<std::uint64_t>(std::lower_bound(v.begin(), v.end(), 4.0) - v.begin()));
  }
}

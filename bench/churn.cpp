// Times the Figure 4.2 and 4.3 reproductions (1000 repetitions, 20 configurations, 100 steps)
// with 1 and with 2 threads, checks that both thread counts write identical files, times the
// step model at Ntotal = 10^6 over 10^4 steps, and times the protocol-level figures
// (fig4_2_protocol, fig4_3_protocol: the message-level CAN) with 2 threads.
//
//   build/bench/churn_bench [repeats]   (the protocol-level figures: best of min(repeats, 3))
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "cansim/scenario/churn/churn_model.hpp"
#include "cansim/scenario/results.hpp"
#include "cansim/scenario/runner.hpp"
#include "cansim/scenario/scenario.hpp"

using namespace cansim;
using namespace cansim::scenario;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

std::string read(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// Both figures, run and written, as `cansim run` does; returns the seconds taken.
double both_figures(unsigned threads, const fs::path& out, const std::string& suffix = "") {
  const auto t0 = Clock::now();
  for (const char* fig : {"fig4_2", "fig4_3"}) {
    const Scenario sc = load_scenario((fs::path(CANSIM_SOURCE_DIR) / "scenarios" / (fig + suffix + ".json")).string());
    const std::vector<std::uint64_t> runs = sc.all_runs();
    ResultWriter writer(sc, {(out / fig).string(), true, {"bench"}}, runs.size());  // as `cansim run` writes
    run_runs(sc, runs, {threads, false}, [&](std::size_t i, RunResult&& r) { writer.add(runs[i], r); });
    writer.finish();
  }
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  const int repeats = argc > 1 ? std::atoi(argv[1]) : 30;  // best of many: this machine is noisy
  const fs::path tmp = fs::temp_directory_path() / ("cansim-churn-bench-" + std::to_string(::getpid()));

  double best[3] = {1e300, 1e300, 1e300};
  for (int r = 0; r < repeats; ++r) {
    for (unsigned threads : {1u, 2u}) {
      best[threads] = std::min(best[threads], both_figures(threads, tmp / fmt::format("t{}", threads)));
    }
  }
  bool same = true;
  for (const char* fig : {"fig4_2", "fig4_3"}) {
    for (const char* file : {"runs.csv", "summary.json", "summary.csv"}) {
      same = same && read(tmp / "t1" / fig / file) == read(tmp / "t2" / fig / file);
    }
  }
  std::printf("Figures 4.2 + 4.3 (2 x 10 configurations x 1000 repetitions x 100 steps), run and written, best of %d:\n",
              repeats);
  std::printf("  1 thread : %.3f s\n  2 threads: %.3f s\n  speed-up : %.2f\n  identical output for 1 and 2 threads: %s\n",
              best[1], best[2], best[1] / best[2], same ? "yes" : "NO");

  // Ntotal = 10^6 over 10^4 steps: the cost of a step follows the joins and crashes, not Ntotal.
  for (std::int64_t ntotal : {std::int64_t{100}, std::int64_t{1000000}}) {
    churn::ChurnConfig c;
    c.ntotal = ntotal;
    c.nmax = ntotal;
    c.steps = 10000;
    c.j = 0.1;
    c.f = 0.5;
    c.churn = churn::ChurnMeasure::LastStep;
    c.at_zero = churn::AtZero::Bootstrap;
    const int runs = 20;
    double mean_size = 0;
    const auto t0 = Clock::now();
    for (int i = 0; i < runs; ++i) {
      Rng rng(static_cast<std::uint64_t>(i));
      const auto t = churn::run_churn(c, rng);
      for (auto x : t.size) mean_size += static_cast<double>(x) / (runs * 10000.0);
    }
    const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
    std::printf("Ntotal = %-8lld 10^4 steps: %.2f ms per run (mean CAN size %.1f)\n", static_cast<long long>(ntotal),
                1e3 * secs / runs, mean_size);
  }
  // The protocol model: every run a message-level CAN over 1000 s of simulated time.
  double protocol = 1e300;
  for (int r = 0; r < std::min(repeats, 3); ++r) protocol = std::min(protocol, both_figures(2, tmp / "protocol", "_protocol"));
  std::printf("Figures 4.2 + 4.3 over the protocols (fig4_2_protocol, fig4_3_protocol), 2 threads, best of %d: %.3f s\n",
              std::min(repeats, 3), protocol);
  fs::remove_all(tmp);
  return same ? 0 : 1;
}

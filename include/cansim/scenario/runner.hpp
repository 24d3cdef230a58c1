#pragma once
// Runs a scenario's runs on worker threads. Each run depends only on its own seed, and results
// are kept by run number, so the output is the same for any thread count.
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "cansim/scenario/experiment.hpp"
#include "cansim/scenario/scenario.hpp"

namespace cansim::scenario {

// A run failed (an invariant broke, or the model threw). what() names run, seed, time and event.
class RunFailed : public std::runtime_error {
 public:
  RunFailed(std::uint64_t run, const std::string& what) : std::runtime_error(what), run_(run) {}
  std::uint64_t run() const { return run_; }

 private:
  std::uint64_t run_;
};

struct RunOptions {
  unsigned threads = 0;   // 0: all cores
  bool progress = false;  // a progress bar on stderr
};

// Runs `runs` (ascending run numbers) on worker threads and hands each result to
// `consume(position, result)` on the calling thread, in run order, as soon as it and every run
// before it are done. A bounded number of results wait for their turn, so memory does not grow
// with the number of runs. If runs fail, throws RunFailed for the lowest-numbered failing run once
// every run below it has been consumed (so which failure is reported does not depend on the
// thread count); an exception from `consume` stops the runs and propagates.
void run_runs(const Scenario& sc, const std::vector<std::uint64_t>& runs, const RunOptions& options,
              const std::function<void(std::size_t, RunResult&&)>& consume);
// The same, collecting every result (for tests and small uses).
std::vector<RunResult> run_runs(const Scenario& sc, const std::vector<std::uint64_t>& runs, const RunOptions& options = {});

// Calls fn(0..n-1) on `threads` threads (0: all cores); fn must not throw.
void parallel_for(std::size_t n, unsigned threads, const std::function<void(std::size_t)>& fn);

// "3,5-9" -> {3, 5, 6, 7, 8, 9}, sorted and without repeats. Throws ValidationError naming
// `label` for malformed text or runs outside [0, total).
std::vector<std::uint64_t> parse_run_list(const std::string& text, std::uint64_t total, const std::string& label = "--runs");
// The K-th (1-based) of N contiguous, nearly equal slices of [0, total).
std::vector<std::uint64_t> shard_runs(std::uint64_t k, std::uint64_t n, std::uint64_t total);
// Parses "K/N" and returns shard_runs; throws ValidationError for a malformed or impossible shard.
std::vector<std::uint64_t> parse_shard(const std::string& text, std::uint64_t total);

// Ascending run numbers as ranges, and their compact form "0-3,7", as in manifests.
struct RunRanges {
  std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges;  // first, last
  void add(std::uint64_t run);                                  // above every run added before
  std::string text() const;
};
std::string format_run_list(const std::vector<std::uint64_t>& runs);

// The progress line for `done` of `total` runs after `elapsed_s` seconds, in at most width - 1
// columns: a bar (when there is room), done/total, the percentage, the time elapsed and the time
// left at the pace so far.
std::string progress_line(std::size_t done, std::size_t total, double elapsed_s, std::size_t width);

}  // namespace cansim::scenario

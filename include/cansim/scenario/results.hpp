#pragma once
// The result directory: manifest.json, runs.csv, one CSV per written table, summary.json and
// summary.csv. A directory is written under a temporary name and renamed into place whole.
// A run of only some runs (--runs, --shard) is partial: it also keeps its raw results in
// partial-runs.jsonl, so that `cansim merge` can rebuild exactly what one full run writes.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cansim/scenario/experiment.hpp"
#include "cansim/scenario/scenario.hpp"

namespace cansim::scenario {

struct OutputRequest {
  std::string dir;
  bool force = false;                     // replace an existing directory
  std::vector<std::string> command_line;  // recorded in the manifest
};

// Thrown when the output cannot be written (exists without force, I/O error, bad merge input).
class OutputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// SIGINT and SIGTERM: stop at once, remove the temporary directory of a result being written, and
// exit with 128 + the signal (130, 143). A result directory is either complete in place or not
// there. Call once, before any other thread starts (the signals are then taken by one thread).
void install_interrupt_cleanup();

// Refuses early (before any run) when the directory exists and force is not set.
void check_output_dir(const OutputRequest& out);

// Writes a result directory as the runs complete: each run's rows go to disk when it is added,
// and a configuration's summary is made as soon as its last run is in, so that memory does not
// grow with the number of runs (a configuration's metric values beyond a few megabytes wait in a
// temporary file). The directory is written under a temporary name and renamed into place by
// finish(); a writer destroyed before that removes what it wrote.
class ResultWriter {
 public:
  // Refuses an existing directory without force (OutputError); `runs` is how many will be added.
  ResultWriter(const Scenario& sc, const OutputRequest& out, std::uint64_t runs);
  ~ResultWriter();
  ResultWriter(const ResultWriter&) = delete;
  ResultWriter& operator=(const ResultWriter&) = delete;
  // Run `run`'s result; runs come in ascending order.
  void add(std::uint64_t run, const RunResult& r);
  void finish();
  // After finish: per configuration, the swept parameters and each headline metric's mean with its
  // 95% CI half-width.
  std::string human_summary() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// All at once: results[i] is run runs[i]'s.
void write_results(const Scenario& sc, const std::vector<std::uint64_t>& runs, const std::vector<RunResult>& results,
                   const OutputRequest& out);

// Joins partial directories of one scenario into the directory one run of all their runs writes,
// a run at a time.
void merge_results(const std::vector<std::string>& dirs, const OutputRequest& out);

// Statistics of one metric over runs: n, mean, sd, ci95_low, ci95_high, min, q1, median, q3, max.
nlohmann::ordered_json metric_stats(std::vector<double> values);

}  // namespace cansim::scenario

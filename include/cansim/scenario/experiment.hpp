#pragma once
// What an experiment kind is to the scenario machinery: its declared parameters and output
// options, a check of the rules between parameters, a function that performs one run, and
// optionally a summary of one configuration's runs.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "cansim/model/app/topology.hpp"
#include "cansim/scenario/params.hpp"
#include "cansim/sim/faults.hpp"

namespace cansim::scenario {

// first, first + 1, ..., first + count - 1 without storing them (a step or index column).
struct Sequence {
  std::int64_t first = 0;
  std::size_t count = 0;
  std::size_t size() const { return count; }
  std::int64_t operator[](std::size_t i) const { return first + static_cast<std::int64_t>(i); }
};

// One column of a table; columnar, so that a run's per-step series costs 8 bytes a value.
using Column = std::variant<std::vector<std::int64_t>, std::vector<double>, std::vector<std::string>, Sequence>;

// A tidy table of one run: one row per observation. Written as <name>.csv (rows of all runs,
// each prefixed with the run's identity) when `written` is set; summaries may read it either way.
struct Table {
  std::string name;
  std::vector<std::string> columns;
  std::vector<Column> data;  // one per column, all of one length
  bool written = true;

  std::size_t rows() const;
  const Column* column(std::string_view name) const;
};

// A per-run result, declared once per kind like the parameters (documented by `describe`).
struct MetricSpec {
  MetricSpec(std::string name_, std::string description_, std::string unit_ = {})
      : name(std::move(name_)), description(std::move(description_)), unit(std::move(unit_)) {}
  std::string name;
  std::string description;
  std::string unit;  // empty: metric_unit reads it from the name's suffix
};

// A metric's unit, for tables and plot axes: the declared one, else by the naming convention
// (_s seconds, _kwh kilowatt-hours, _wei, _minutes, _per_min, gas_per_app_hour_, gas_); empty for
// counts and shares.
std::string metric_unit(const MetricSpec& m);

struct RunResult {
  std::vector<double> metrics;  // the kind's declared metrics, in order: one row of runs.csv
  std::vector<Table> tables;
  // Table `table`'s integer or real column `name`, for a summary that reads it; a run read back
  // from a shard may hold anything, so what is missing or of another type is an
  // std::invalid_argument naming it (merge turns it into one error line).
  const std::vector<std::int64_t>& integer_column(std::size_t table, std::string_view name) const;
  const std::vector<double>& real_column(std::size_t table, std::string_view name) const;
  // The run's fingerprint (Simulator::fingerprint), for determinism checks; written as "trace_hash".
  std::uint64_t fingerprint = 0;
  // The run's events as Chrome trace-event JSON (opens in Perfetto or chrome://tracing), written
  // to traces/run-N.json when not empty; kinds fill it when their output option asks for it.
  std::string chrome_trace;
};

// One kind of application a scenario submits: its TOSCA file and its share of the submissions.
struct ApplicationSpec {
  std::string file;  // as the scenario names it (relative to the scenario file's folder)
  double weight = 1;
  app::Topology topology;
  std::string sha256;  // of the file as read: the manifest pins it, so shards of other versions do not merge
};

// The scenario's "power_curves": per host class, watts at 0%, 10%, ..., 100% utilization.
using PowerCurves = std::map<std::string, std::vector<double>>;

struct RunContext {
  std::uint64_t run;   // run number in the scenario
  std::uint64_t seed;  // this run's seed, derived from the scenario seed and `run`
  const ParamValues& params;
  const ParamValues& output;
  const FaultPlan& faults;                           // the scenario's "faults" (empty unless the kind takes them)
  const std::vector<ApplicationSpec>& applications;  // the scenario's "applications" (idem)
  const PowerCurves& power_curves;                   // the scenario's "power_curves" (idem)
};

// A configuration's extra summary fields, built from its runs as they come.
struct ConfigSummary {
  std::function<void(const RunResult&)> add;
  std::function<nlohmann::ordered_json()> fields;
};

struct ExperimentKind {
  std::string name;
  std::string description;
  std::vector<ParamSpec> params;
  std::vector<ParamSpec> outputs;   // options of the scenario's "output" object
  std::vector<MetricSpec> metrics;  // what every run reports, in RunResult::metrics order
  // Kinds that take a "faults" object say how many nodes a configuration has (node ids in the
  // fault schedule must be below it) and what the nodes are, for messages. Empty: no faults.
  std::function<std::uint64_t(const ParamValues&)> fault_nodes;
  std::string fault_nodes_description;
  // How long a configuration's run lasts in simulated seconds, when the kind knows in advance:
  // a scheduled fault after the end is refused. Empty: not checked.
  std::function<double(const ParamValues&)> run_seconds;
  std::function<std::optional<ParamError>(const ParamValues&)> check;  // may be empty
  // Kinds that deploy applications take a scenario's "applications" (TOSCA files with weights;
  // at least one). `check_application` refuses one that no configuration could ever run: it
  // returns what is wrong, naming the service.
  bool takes_applications = false;
  // The host classes a "power_curves" object may give curves for (empty: the kind takes none).
  std::vector<std::string> power_curve_classes;
  std::function<std::optional<std::string>(const ParamValues&, const app::Topology&)> check_application;
  std::function<RunResult(const RunContext&)> run;
  // A run that does not depend on its seed (an exact method): a scenario of such a kind has one
  // repetition, since more would compute the same numbers again.
  bool seedless = false;
  // Names of the metrics shown in the short summary printed after a run (all when empty).
  std::vector<std::string> headline;
  // Extra per-configuration summary fields; the generic metric statistics are always there.
  // Made per configuration, given its runs one at a time in run order, asked for the fields once:
  // what it keeps must not grow with the number of runs (results are written as they come).
  std::function<ConfigSummary(const ParamValues&)> summarize;
};

const std::vector<ExperimentKind>& experiment_kinds();
// A run's metrics in the kind's declared order, from values given by name: a metric cannot land
// in another's column, and a declared metric without a value (or a value without a declaration)
// is an error, not a shifted row.
std::vector<double> metrics_by_name(const ExperimentKind& kind, const std::map<std::string, double>& values);
const ExperimentKind* find_kind(std::string_view name);

}  // namespace cansim::scenario

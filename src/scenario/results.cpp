#include "cansim/scenario/results.hpp"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <chrono>
#include <cstdlib>
#include <csignal>
#include <mutex>
#include <thread>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <iterator>
#include <fstream>
#include <map>
#include <sstream>

#include <fmt/format.h>

#include "cansim/scenario/runner.hpp"
#include "cansim/sim/stats.hpp"
#include "cansim/version.hpp"

namespace cansim::scenario {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

namespace {

constexpr const char* kPartialFile = "partial-runs.jsonl";

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// Appends ",field" (GCC 12 warns falsely about `"," + std::string`).
void add_field(std::string& out, const std::string& field) {
  out += ',';
  out += field;
}

void append_cell(std::string& out, const Column& c, std::size_t row) {
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v[row])>;
        if constexpr (std::is_same_v<T, std::string>)
          out += csv_field(v[row]);
        else
          fmt::format_to(std::back_inserter(out), "{}", v[row]);
      },
      c);
}

std::string value_text(const Value& v) {
  if (const auto* s = std::get_if<std::string>(&v)) return csv_field(*s);
  return to_string(v);
}

json value_json(const Value& v) {
  return std::visit([](const auto& x) { return json(x); }, v);
}

json params_json(const ParamValues& p) {
  json o = json::object();
  for (std::size_t i = 0; i < p.specs().size(); ++i) o[p.specs()[i].name] = value_json(p.values()[i]);
  return o;
}

// The swept parameters' columns for a configuration.
std::string swept_cells(const Scenario& sc, std::size_t config) {
  std::string out;
  for (const auto& name : sc.swept) add_field(out, value_text(sc.configs[config].params.get(name)));
  return out;
}

std::string swept_header(const Scenario& sc) {
  std::string out;
  for (const auto& name : sc.swept) add_field(out, csv_field(name));
  return out;
}

std::vector<std::string> metric_names(const ExperimentKind& kind) {
  std::vector<std::string> names;
  for (const auto& m : kind.metrics) names.push_back(m.name);
  return names;
}

// A run's value of metric k, or null when the run did not report it (a failed run).
const double* metric_value(const RunResult& r, std::size_t k) { return k < r.metrics.size() ? &r.metrics[k] : nullptr; }

// The directory -o names, without a trailing separator: "out/" is "out".
fs::path output_path(const std::string& dir) {
  fs::path p = fs::path(dir).lexically_normal();
  if (!p.has_filename() && p.has_parent_path() && p != p.root_path()) p = p.parent_path();
  return p;
}

// What a cansim result directory may hold: the files its manifest lists, or, for a manifest of a
// cansim that did not list them, the names cansim writes (top-level CSV/JSON, traces/run-N.json).
bool written_by_cansim(const fs::path& rel, const json& manifest) {
  if (rel == "manifest.json") return true;
  if (const auto it = manifest.find("files"); it != manifest.end() && it->is_array()) {
    for (const auto& f : *it) {
      if (f.is_string() && f.get<std::string>() == rel.generic_string()) return true;
    }
    return false;
  }
  const std::string ext = rel.extension().string();
  if (rel.parent_path().empty()) return ext == ".csv" || ext == ".json" || ext == ".jsonl";
  return rel.parent_path() == "traces" && ext == ".json" && rel.filename().string().rfind("run-", 0) == 0;
}

// --force may replace only a directory that holds a cansim result and nothing else: a user's
// files never disappear because -o named the wrong place.
void check_replaceable(const fs::path& dir, const OutputRequest& out) {
  std::error_code ec;
  const fs::file_status st = fs::symlink_status(dir, ec);
  if (!fs::exists(st)) return;
  if (!out.force) throw OutputError(fmt::format("{}: exists; use --force to replace it", out.dir));
  const std::string only = "--force replaces only a directory holding a cansim result";
  if (fs::is_symlink(st)) throw OutputError(fmt::format("{}: is a symbolic link; {}", out.dir, only));
  if (!fs::is_directory(st)) throw OutputError(fmt::format("{}: not a directory; {}", out.dir, only));
  json manifest;
  {
    std::ifstream f(dir / "manifest.json");
    if (f) manifest = json::parse(f, nullptr, /*allow_exceptions=*/false);
  }
  if (!manifest.is_object() || !manifest.contains("cansim_version") || !manifest.contains("effective_scenario")) {
    throw OutputError(fmt::format("{}: not a cansim result (no manifest.json written by cansim); {}", out.dir, only));
  }
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const fs::path rel = fs::relative(it->path(), dir);
    const bool is_dir = it->is_directory() && !it->is_symlink();
    if (is_dir ? rel == "traces" : written_by_cansim(rel, manifest)) continue;
    throw OutputError(fmt::format("{}: holds {}, which cansim did not write; remove it or choose another directory", out.dir,
                                  rel.generic_string()));
  }
  if (ec) throw OutputError(fmt::format("{}: cannot read: {}", out.dir, ec.message()));
}

// The result being written, for the interrupt handler: its temporary directory while files are
// written; the whole rename sequence happens under the lock, so an interrupt never comes between
// moving the old result aside and putting the new one in place.
std::mutex g_write_mu;
fs::path g_write_tmp;

// `.NAME.tmp-PID` and `.NAME.old-PID` of processes that no longer exist (killed before they could
// clean up): a temporary goes, an old result comes back if nothing took its place.
void remove_stale(const fs::path& parent, const std::string& base, const fs::path& dir) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(parent, ec)) {
    const std::string name = e.path().filename().string();
    for (const char* kind : {".tmp-", ".old-"}) {
      const std::string prefix = "." + base + kind;
      if (name.rfind(prefix, 0) != 0) continue;
      const std::string pid_text = name.substr(prefix.size());
      if (pid_text.empty() || pid_text.find_first_not_of("0123456789") != std::string::npos || pid_text.size() > 9) continue;
      const auto pid = static_cast<pid_t>(std::stol(pid_text));
      if (pid == ::getpid() || ::kill(pid, 0) == 0 || errno != ESRCH) continue;  // alive, or not ours to judge
      std::error_code ec2;
      if (std::string(kind) == ".old-" && !fs::exists(fs::symlink_status(dir, ec2))) {
        fs::rename(e.path(), dir, ec2);
      } else {
        fs::remove_all(e.path(), ec2);
      }
    }
  }
}

}  // namespace

void install_interrupt_cleanup() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);  // a closed terminal: it left the temporary directory (issue 29)
  pthread_sigmask(SIG_BLOCK, &set, nullptr);  // every thread started later inherits the mask
  std::thread([set] {
    int sig = 0;
    if (sigwait(&set, &sig) != 0) return;
    {
      std::lock_guard lock(g_write_mu);
      std::error_code ec;
      if (!g_write_tmp.empty()) fs::remove_all(g_write_tmp, ec);
      std::fprintf(stderr, "cansim: interrupted (%s)%s\n", sig == SIGINT ? "SIGINT" : sig == SIGHUP ? "SIGHUP" : "SIGTERM",
                   g_write_tmp.empty() ? "" : ": the result being written was removed");
      std::_Exit(128 + sig);  // under the lock: no rename can start after the cleanup
    }
  }).detach();
}

namespace {

// The temporary directory a result is written into, next to where it goes: `.NAME.tmp-PID`.
// Stale temporaries of dead processes are removed first; the interrupt handler knows this one.
fs::path open_temp(const OutputRequest& out) {
  const fs::path dir = output_path(out.dir);
  const fs::path parent = dir.has_parent_path() ? dir.parent_path() : fs::path(".");
  const std::string base = dir.filename().string();
  const fs::path tmp = parent / fmt::format(".{}.tmp-{}", base, ::getpid());
  std::error_code ec;
  fs::create_directories(parent, ec);
  remove_stale(parent, base, dir);
  fs::remove_all(tmp, ec);
  {
    std::lock_guard lock(g_write_mu);
    g_write_tmp = tmp;
  }
  if (!fs::create_directory(tmp, ec)) {
    throw OutputError(fmt::format("{}: cannot create a temporary directory: {}", tmp.string(), ec.message()));
  }
  return tmp;
}

// Removes a temporary directory that will not be published.
void discard_temp(const fs::path& tmp) {
  std::lock_guard lock(g_write_mu);
  std::error_code ec;
  fs::remove_all(tmp, ec);
  if (g_write_tmp == tmp) g_write_tmp.clear();
}

// Puts the complete temporary directory in place of the result (and of an old one).
void publish(const fs::path& tmp, const OutputRequest& out) {
  const fs::path dir = output_path(out.dir);
  const fs::path parent = dir.has_parent_path() ? dir.parent_path() : fs::path(".");
  const std::string base = dir.filename().string();
  std::error_code ec;
  // For the interrupt test only: hold the write phase open (milliseconds).
  if (const char* delay = std::getenv("CANSIM_TEST_WRITE_DELAY_MS")) {
    std::this_thread::sleep_for(std::chrono::milliseconds(std::atol(delay)));
  }
  std::lock_guard lock(g_write_mu);
  g_write_tmp.clear();  // from here on, the lock keeps an interrupt out until the result is in place
  // Checked again here: the directory may have appeared or changed while the runs ran.
  try {
    check_replaceable(dir, out);
  } catch (const OutputError&) {
    fs::remove_all(tmp, ec);
    throw;
  }
  if (fs::exists(fs::symlink_status(dir, ec))) {
    const fs::path old = parent / fmt::format(".{}.old-{}", base, ::getpid());
    fs::rename(dir, old, ec);
    if (ec) {
      const std::string why = ec.message();  // before remove_all overwrites ec
      fs::remove_all(tmp, ec);
      throw OutputError(fmt::format("{}: cannot move the old directory aside: {}", out.dir, why));
    }
    fs::rename(tmp, dir, ec);
    if (ec) {
      const std::string why = ec.message();
      fs::rename(old, dir, ec);  // put the old result back
      throw OutputError(fmt::format("{}: cannot rename into place: {}", out.dir, why));
    }
    fs::remove_all(old, ec);
  } else {
    fs::rename(tmp, dir, ec);
    if (ec) throw OutputError(fmt::format("{}: cannot rename into place: {}", out.dir, ec.message()));
  }
}

json run_to_json(std::uint64_t run, const RunResult& r) {
  json j;
  j["run"] = run;
  j["metrics"] = r.metrics;
  json tables = json::array();
  for (const auto& t : r.tables) {
    json data = json::array();
    for (const auto& c : t.data) {
      std::visit(
          [&](const auto& v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, Sequence>) {
              data.push_back({{"type", "sequence"}, {"first", v.first}, {"count", v.count}});
            } else {
              const char* type = std::is_same_v<T, std::vector<std::int64_t>> ? "int"
                                 : std::is_same_v<T, std::vector<double>>     ? "real"
                                                                              : "text";
              data.push_back({{"type", type}, {"values", v}});
            }
          },
          c);
    }
    tables.push_back({{"name", t.name}, {"columns", t.columns}, {"written", t.written}, {"data", data}});
  }
  j["tables"] = tables;
  j["trace_hash"] = r.fingerprint;
  if (!r.chrome_trace.empty()) j["trace"] = r.chrome_trace;
  return j;
}

double json_double(const json& v) { return v.is_null() ? std::numeric_limits<double>::quiet_NaN() : v.get<double>(); }

RunResult run_from_json(const json& j) {
  RunResult r;
  for (const auto& m : j.at("metrics")) r.metrics.push_back(json_double(m));
  for (const auto& t : j.at("tables")) {
    Table table{
        t.at("name").get<std::string>(), t.at("columns").get<std::vector<std::string>>(), {}, t.at("written").get<bool>()};
    for (const auto& c : t.at("data")) {
      const auto type = c.at("type").get<std::string>();
      if (type == "sequence") {
        table.data.emplace_back(Sequence{c.at("first").get<std::int64_t>(), c.at("count").get<std::size_t>()});
        continue;
      }
      const json& values = c.at("values");
      if (type == "int") {
        table.data.emplace_back(values.get<std::vector<std::int64_t>>());
      } else if (type == "text") {
        table.data.emplace_back(values.get<std::vector<std::string>>());
      } else {
        std::vector<double> v;
        for (const auto& x : values) v.push_back(json_double(x));
        table.data.emplace_back(std::move(v));
      }
    }
    r.tables.push_back(std::move(table));
  }
  r.fingerprint = j.at("trace_hash").get<std::uint64_t>();
  r.chrome_trace = j.value("trace", std::string());
  return r;
}

}  // namespace

json metric_stats(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  RunningStats s;
  for (double x : v) s.add(x);
  const auto ci = ci95_of_mean(s);
  json j;
  j["n"] = s.count();
  j["mean"] = s.mean();
  j["sd"] = s.stddev();
  j["ci95_low"] = ci.low;
  j["ci95_high"] = ci.high;
  j["min"] = s.min();
  j["q1"] = quantile_sorted(v, 0.25);
  j["median"] = quantile_sorted(v, 0.5);
  j["q3"] = quantile_sorted(v, 0.75);
  j["max"] = s.max();
  return j;
}

void check_output_dir(const OutputRequest& out) { check_replaceable(output_path(out.dir), out); }

namespace {

// A configuration's metric values, one column per metric, for its summary. Columns longer than a
// chunk go to an unnamed temporary file a chunk at a time, so memory holds a chunk per metric and,
// while a summary is computed, one column.
class MetricColumns {
 public:
  explicit MetricColumns(std::size_t metrics) : buffer_(metrics), chunks_(metrics) {}
  MetricColumns(const MetricColumns&) = delete;
  MetricColumns& operator=(const MetricColumns&) = delete;
  ~MetricColumns() {
    if (spill_ != nullptr) std::fclose(spill_);
  }
  void add(std::size_t k, double v) {
    buffer_[k].push_back(v);
    if (buffer_[k].size() < kChunk) return;
    if (spill_ == nullptr && (spill_ = std::tmpfile()) == nullptr) {
      throw OutputError(fmt::format("cannot create a temporary file for the summaries: {}", std::strerror(errno)));
    }
    if (std::fseek(spill_, end_, SEEK_SET) != 0 || std::fwrite(buffer_[k].data(), sizeof(double), kChunk, spill_) != kChunk) {
      throw OutputError(fmt::format("cannot write the temporary file of the summaries: {}", std::strerror(errno)));
    }
    chunks_[k].push_back(end_);
    end_ += static_cast<long>(kChunk * sizeof(double));
    buffer_[k].clear();
  }
  // Metric k's values in the order they came; empties the column.
  std::vector<double> take(std::size_t k) {
    std::vector<double> out;
    out.reserve(chunks_[k].size() * kChunk + buffer_[k].size());
    for (const long at : chunks_[k]) {
      const std::size_t n = out.size();
      out.resize(n + kChunk);
      if (std::fseek(spill_, at, SEEK_SET) != 0 || std::fread(out.data() + n, sizeof(double), kChunk, spill_) != kChunk) {
        throw OutputError("cannot read back the temporary file of the summaries");
      }
    }
    out.insert(out.end(), buffer_[k].begin(), buffer_[k].end());
    chunks_[k].clear();
    buffer_[k].clear();
    return out;
  }
  // Once every column was taken: the file is reused from its start.
  void reset() { end_ = 0; }

 private:
  static constexpr std::size_t kChunk = std::size_t{1} << 16;
  std::vector<std::vector<double>> buffer_;
  std::vector<std::vector<long>> chunks_;  // per metric: where its full chunks are in the file
  std::FILE* spill_ = nullptr;
  long end_ = 0;
};

// "    " before every line: an element of summary.json's "configurations", as dump(2) nests it.
std::string indented(const std::string& text) {
  std::string out = "    ";
  for (char c : text) {
    out += c;
    if (c == '\n') out += "    ";
  }
  return out;
}

}  // namespace

struct ResultWriter::Impl {
  Impl(const Scenario& s, const OutputRequest& o, std::uint64_t expected)
      : sc(s), out(o), complete(expected == s.run_count()), metrics(metric_names(*s.kind)), columns(metrics.size()) {
    const auto headline_names = sc.kind->headline.empty() ? metrics : sc.kind->headline;
    for (const auto& h : headline_names) {
      headline.push_back(static_cast<std::size_t>(std::find(metrics.begin(), metrics.end(), h) - metrics.begin()));
    }
    check_output_dir(out);
    tmp = open_temp(out);
    open(runs_csv, "runs.csv");
    runs_csv << "run,config,repetition,seed" << swept_header(sc);
    for (const auto& m : metrics) runs_csv << ',' << csv_field(m);
    runs_csv << ",trace_hash\n";
    open(summary_json, "summary.json");
    summary_json << "{\n  \"experiment\": " << json(sc.kind->name).dump()
                 << ",\n  \"complete\": " << (complete ? "true" : "false");
    // Paired differences need the first configuration's values per repetition: kept up to 10^6.
    paired = sc.common_random_numbers && sc.configs.size() > 1 && sc.repetitions <= 1000000;
    if (sc.common_random_numbers) summary_json << ",\n  \"common_random_numbers\": true";
    summary_json << ",\n  \"configurations\": [";
    open(summary_csv, "summary.csv");
    summary_csv << "config" << swept_header(sc) << ",metric,n,mean,sd,ci95_low,ci95_high,min,q1,median,q3,max\n";
    if (!complete) open(partial, kPartialFile);
  }

  void open(std::ofstream& f, const std::string& name) {
    f.open(tmp / name, std::ios::binary);
    if (!f) throw OutputError(fmt::format("{}: cannot write {}", out.dir, name));
  }

  void add(std::uint64_t run, const RunResult& r) {
    if (run_count > 0 && run <= last_run)
      throw OutputError(fmt::format("{}: run {} after run {}: runs must ascend", out.dir, run, last_run));
    last_run = run;
    ++run_count;
    included.add(run);
    const RunSpec spec = sc.run(run);
    if (config_runs > 0 && spec.config != config) close_config();
    if (config_runs == 0) {
      config = spec.config;
      swept = swept_cells(sc, config);  // every row of the configuration starts with these
      if (sc.kind->summarize) extra = sc.kind->summarize(sc.configs[config].params);
      head_stats.assign(headline.size(), RunningStats{});
      differences.assign(headline.size(), RunningStats{});
    }
    ++config_runs;

    // runs.csv: one row per run.
    row.clear();
    auto it = std::back_inserter(row);
    fmt::format_to(it, "{},{},{},{}", spec.run, spec.config, spec.repetition, spec.seed);
    row += swept;
    for (std::size_t k = 0; k < metrics.size(); ++k) {
      if (const double* v = metric_value(r, k)) {
        fmt::format_to(it, ",{}", *v);
        columns.add(k, *v);
      } else {
        row += ',';
      }
    }
    fmt::format_to(it, ",{:016x}\n", r.fingerprint);
    runs_csv << row;
    if (!runs_csv) throw OutputError(fmt::format("{}: cannot write runs.csv", out.dir));
    for (std::size_t h = 0; h < headline.size(); ++h) {
      const double* v = metric_value(r, headline[h]);
      const double x = v ? *v : std::nan("");
      if (!std::isnan(x)) head_stats[h].add(x);
      if (!paired) continue;
      // Common random numbers: the first configuration's value of this repetition, and each
      // later configuration's difference from it.
      if (spec.config == 0) {
        baseline.resize(headline.size());
        baseline[h].resize(sc.repetitions, std::nan(""));
        baseline[h][spec.repetition] = x;
      } else if (h < baseline.size() && !std::isnan(x) && !std::isnan(baseline[h][spec.repetition])) {
        differences[h].add(x - baseline[h][spec.repetition]);
      }
    }
    if (extra) extra->add(r);

    // One tidy CSV per written table, rows of all runs in run order; the header is the first
    // table of that name.
    for (const auto& t : r.tables) {
      if (!t.written) continue;
      auto f = std::find_if(tables.begin(), tables.end(), [&](const auto& x) { return x->name == t.name; });
      if (f == tables.end()) {
        tables.push_back(std::make_unique<TableFile>(TableFile{t.name, {}}));
        f = std::prev(tables.end());
        open((*f)->file, t.name + ".csv");
        (*f)->file << "run,config,repetition" << swept_header(sc);
        for (const auto& c : t.columns) (*f)->file << ',' << csv_field(c);
        (*f)->file << '\n';
      }
      row = fmt::format("{},{},{}", spec.run, spec.config, spec.repetition) + swept;
      const std::size_t prefix = row.size();
      for (std::size_t k = 0; k < t.rows(); ++k) {
        row.resize(prefix);
        for (const auto& c : t.data) {
          row += ',';
          append_cell(row, c, k);
        }
        row += '\n';
        (*f)->file << row;
      }
    }
    if (!r.chrome_trace.empty()) {
      const std::string name = fmt::format("traces/run-{}.json", run);
      std::error_code ec;
      fs::create_directories(tmp / "traces", ec);
      std::ofstream f;
      open(f, name);
      f.write(r.chrome_trace.data(), static_cast<std::streamsize>(r.chrome_trace.size()));
      if (!f) throw OutputError(fmt::format("{}: cannot write {}", out.dir, name));
      traces.push_back(name);
    }
    if (!complete) partial << run_to_json(run, r).dump() << '\n';
  }

  // The configuration's summary: summary.json's element, summary.csv's lines, the printed row.
  void close_config() {
    json c;
    c["config"] = config;
    c["params"] = params_json(sc.configs[config].params);
    c["runs"] = config_runs;
    json ms = json::object();
    std::string csv;
    for (std::size_t k = 0; k < metrics.size(); ++k) {
      json st = metric_stats(columns.take(k));
      csv += fmt::format("{}", config) + swept;
      add_field(csv, csv_field(metrics[k]));
      for (const auto& [key, v] : st.items()) {
        add_field(csv, v.is_null() ? std::string("nan") : v.is_number_float() ? fmt::format("{}", v.get<double>()) : v.dump());
      }
      csv += '\n';
      ms[metrics[k]] = std::move(st);
    }
    columns.reset();
    c["metrics"] = std::move(ms);
    if (extra) {
      const json fields = extra->fields();
      for (const auto& [key, v] : fields.items()) c[key] = v;
      extra.reset();
    }
    if (paired && config > 0 && !baseline.empty()) {
      json d = json::object();
      for (std::size_t h = 0; h < headline.size(); ++h) {
        const RunningStats& st = differences[h];
        const auto ci = ci95_of_mean(st);
        json one;
        one["n"] = st.count();
        one["mean"] = st.count() ? json(st.mean()) : json();
        one["ci95_low"] = st.count() > 1 ? json(ci.low) : json();
        one["ci95_high"] = st.count() > 1 ? json(ci.high) : json();
        d[metrics[headline[h]]] = std::move(one);
      }
      c["paired_difference"] = std::move(d);  // this configuration minus configuration 0, repetition by repetition
    }
    summary_json << (configs == 0 ? "\n" : ",\n") << indented(c.dump(2));
    summary_csv << csv;

    std::vector<std::string> printed{fmt::format("{}", config)};
    for (const auto& name : sc.swept) printed.push_back(to_string(sc.configs[config].params.get(name)));
    for (const RunningStats& s : head_stats) {
      const auto ci = ci95_of_mean(s);
      printed.push_back(s.count() == 0              ? std::string("-")
                        : std::isnan(ci.half_width) ? fmt::format("{:.4g}", s.mean())
                                                    : fmt::format("{:.4g} ±{:.2g}", s.mean(), ci.half_width));
    }
    human_rows.push_back(std::move(printed));
    ++configs;
    config_runs = 0;
  }

  void finish() {
    if (config_runs > 0) close_config();
    summary_json << (configs == 0 ? "]\n}\n" : "\n  ]\n}\n");
    // The files this directory holds, so that --force can tell a result from a user's directory.
    json names = json::array();
    std::vector<std::pair<std::string, std::ofstream*>> files{{"runs.csv", &runs_csv}};
    for (auto& t : tables) files.emplace_back(t->name + ".csv", &t->file);
    for (const auto& [name, f] : files) names.push_back(name);
    for (const auto& t : traces) names.push_back(t);
    files.emplace_back("summary.json", &summary_json);
    files.emplace_back("summary.csv", &summary_csv);
    names.push_back("summary.json");
    names.push_back("summary.csv");
    if (!complete) {
      files.emplace_back(kPartialFile, &partial);
      names.push_back(kPartialFile);
    }
    names.push_back("manifest.json");
    for (const auto& [name, f] : files) {
      f->close();
      if (!*f) throw OutputError(fmt::format("{}: cannot write {}", out.dir, name));
    }

    json manifest;
    manifest["cansim_version"] = kVersion;
    manifest["git_commit"] = kGitCommit;
    manifest["command_line"] = out.command_line;
    manifest["scenario"] = {{"file", sc.file}, {"sha256", sc.file_sha256}, {"overrides", sc.overrides}};
    // Every input file is pinned: shards run with another version of an application do not merge.
    if (!sc.applications.empty()) {
      json apps = json::array();
      for (const ApplicationSpec& a : sc.applications) apps.push_back({{"file", a.file}, {"sha256", a.sha256}});
      manifest["scenario"]["applications"] = apps;
    }
    manifest["experiment"] = sc.kind->name;
    manifest["seed"] = sc.seed;
    manifest["run_seeds"] = "run r uses seed mix64(seed ^ mix64(r + 0x6a09e667f3bcc909)), listed in runs.csv";
    manifest["repetitions"] = sc.repetitions;
    manifest["runs"] = {{"total", sc.run_count()}, {"included", included.text()}, {"complete", complete}};
    json cfgs = json::array();
    for (const auto& c : sc.configs) cfgs.push_back({{"config", c.index}, {"params", params_json(c.params)}});
    manifest["configurations"] = cfgs;
    manifest["output"] = params_json(sc.output);
    manifest["effective_scenario"] = sc.document;
    // What each column of runs.csv is, for whoever plots it (axis labels with units).
    json metrics = json::array();
    for (const MetricSpec& m : sc.kind->metrics) metrics.push_back({{"name", m.name}, {"unit", metric_unit(m)}, {"description", m.description}});
    manifest["metrics"] = std::move(metrics);
    manifest["files"] = std::move(names);
    std::ofstream mf;
    open(mf, "manifest.json");
    mf << manifest.dump(2) << '\n';
    mf.close();
    if (!mf) throw OutputError(fmt::format("{}: cannot write manifest.json", out.dir));
    publish(tmp, out);
    published = true;
  }

  std::string human_summary() const {
    std::vector<std::string> header{"config"};
    header.insert(header.end(), sc.swept.begin(), sc.swept.end());
    for (std::size_t h : headline) header.push_back(metrics[h]);
    // An aligned table: one row per configuration, each metric as mean ± 95% CI half-width.
    std::vector<std::size_t> width(header.size(), 0);
    for (std::size_t c = 0; c < header.size(); ++c) width[c] = header[c].size();
    for (const auto& r : human_rows) {
      for (std::size_t c = 0; c < r.size(); ++c) width[c] = std::max(width[c], r[c].size());
    }
    std::string text = fmt::format("{}: {} runs of {} configuration(s); each metric as mean ±95% CI half-width over runs\n",
                                   sc.kind->name, run_count, configs);
    auto line = [&](const std::vector<std::string>& r) {
      std::string l;
      for (std::size_t c = 0; c < r.size(); ++c) l += fmt::format("{:<{}}  ", r[c], width[c]);
      while (!l.empty() && l.back() == ' ') l.pop_back();
      text += l + "\n";
    };
    line(header);
    for (const auto& r : human_rows) line(r);
    return text;
  }

  const Scenario& sc;
  const OutputRequest out;
  const bool complete;
  const std::vector<std::string> metrics;
  std::vector<std::size_t> headline;  // indices into metrics
  fs::path tmp;
  bool published = false;
  std::ofstream runs_csv, summary_json, summary_csv, partial;
  struct TableFile {
    std::string name;
    std::ofstream file;
  };
  std::vector<std::unique_ptr<TableFile>> tables;  // in the order they first appear
  std::vector<std::string> traces;
  RunRanges included;
  std::uint64_t run_count = 0, last_run = 0;
  std::size_t config = 0, configs = 0;
  std::string swept;  // the current configuration's swept-parameter cells
  std::uint64_t config_runs = 0;
  MetricColumns columns;
  std::optional<ConfigSummary> extra;
  std::vector<RunningStats> head_stats;
  bool paired = false;                          // common random numbers: paired differences in the summary
  std::vector<std::vector<double>> baseline;    // per headline metric, configuration 0's value by repetition
  std::vector<RunningStats> differences;        // per headline metric, this configuration's minus configuration 0's
  std::vector<std::vector<std::string>> human_rows;
  std::string row;  // reused for every row
};

ResultWriter::ResultWriter(const Scenario& sc, const OutputRequest& out, std::uint64_t runs)
    : impl_(std::make_unique<Impl>(sc, out, runs)) {}

ResultWriter::~ResultWriter() {
  if (impl_ && !impl_->published) discard_temp(impl_->tmp);
}

void ResultWriter::add(std::uint64_t run, const RunResult& r) { impl_->add(run, r); }
void ResultWriter::finish() { impl_->finish(); }
std::string ResultWriter::human_summary() const { return impl_->human_summary(); }

void write_results(const Scenario& sc, const std::vector<std::uint64_t>& runs, const std::vector<RunResult>& results,
                   const OutputRequest& out) {
  ResultWriter w(sc, out, runs.size());
  for (std::size_t i = 0; i < runs.size(); ++i) w.add(runs[i], results[i]);
  w.finish();
}

namespace {

// A shard's manifest has what merge reads, of the types it reads (issue 29: {} or [] aborted).
void check_manifest(const json& m, const std::string& path) {
  if (!m.is_object() || !m.contains("scenario") || !m.contains("effective_scenario") || !m.contains("runs")) {
    throw OutputError(fmt::format("{}: expected a cansim manifest: an object with \"scenario\", \"effective_scenario\" and "
                                  "\"runs\", found {}",
                                  path, m.is_object() ? "an object without them" : std::string(m.type_name())));
  }
  const auto need = [&](const json& j, const std::string& pointer, bool ok, const char* expected) {
    if (!ok) throw OutputError(fmt::format("{}: {}: expected {}, found {}", path, pointer, expected, j.type_name()));
  };
  const json& s = m.at("scenario");
  need(s, "/scenario", s.is_object(), "an object");
  need(s.contains("file") ? s.at("file") : json(), "/scenario/file", s.contains("file") && s.at("file").is_string(), "a string");
  need(m.at("effective_scenario"), "/effective_scenario", m.at("effective_scenario").is_object(), "an object");
  const json& r = m.at("runs");
  need(r, "/runs", r.is_object(), "an object");
  need(r.contains("complete") ? r.at("complete") : json(), "/runs/complete", r.contains("complete") && r.at("complete").is_boolean(),
       "true or false");
}

// What a run read from a shard must be to be one this scenario produces: its number within the
// scenario, one value per metric, and tables whose columns all have the header's length (issue
// 29: a run number beyond the scenario and a sequence of 10^18 rows crashed). Empty: it is.
std::string check_merged_run(const Scenario& sc, std::uint64_t run, const RunResult& r) {
  if (run >= sc.run_count()) return fmt::format("run {} is beyond the scenario's {} runs", run, sc.run_count());
  if (r.metrics.size() != sc.kind->metrics.size()) {
    return fmt::format("expected {} metrics, found {}", sc.kind->metrics.size(), r.metrics.size());
  }
  for (const Table& t : r.tables) {
    if (t.columns.size() != t.data.size()) {
      return fmt::format("table {}: {} column names for {} columns", t.name, t.columns.size(), t.data.size());
    }
    const auto rows = [&](std::size_t i) { return std::visit([](const auto& col) { return col.size(); }, t.data[i]); };
    // A sequence column is two numbers: alone in its table, nothing else bounds its length.
    constexpr std::size_t kMaxRows = std::size_t{1} << 32;
    if (!t.data.empty() && rows(0) > kMaxRows) {
      return fmt::format("table {}: {} rows, more than a run writes (at most {})", t.name, rows(0), kMaxRows);
    }
    for (std::size_t c = 1; c < t.data.size(); ++c) {
      if (rows(c) != rows(0)) {
        return fmt::format("table {}: column {} has {} rows, column {} {}", t.name, t.columns[0], rows(0), t.columns[c], rows(c));
      }
    }
  }
  return {};
}

}  // namespace

void merge_results(const std::vector<std::string>& dirs, const OutputRequest& out) {
  if (dirs.empty()) throw OutputError("merge: expected at least one directory");
  check_output_dir(out);  // refuse before reading the shards
  std::optional<Scenario> sc;
  json first;
  // Each shard's partial-runs.jsonl is in run order: the shards are merged a run at a time.
  struct Shard {
    std::string dir;
    std::ifstream file;
    std::uint64_t line = 0;
    std::optional<std::pair<std::uint64_t, RunResult>> head;
    void next() {
      head.reset();
      std::string text;
      while (std::getline(file, text)) {
        ++line;
        if (text.empty()) continue;
        try {
          const json j = json::parse(text);
          const auto run = j.at("run").get<std::uint64_t>();
          head.emplace(run, run_from_json(j));
          return;
        } catch (const json::exception& e) {
          throw OutputError(fmt::format("{}: {} line {}: unreadable: {}", dir, kPartialFile, line, e.what()));
        }
      }
    }
  };
  std::vector<std::unique_ptr<Shard>> shards;
  std::uint64_t total = 0;
  for (const auto& dir : dirs) {
    const fs::path mpath = fs::path(dir) / "manifest.json";
    std::ifstream mf(mpath);
    if (!mf) throw OutputError(fmt::format("{}: no manifest.json; is it a cansim result directory?", dir));
    json manifest;
    try {
      manifest = json::parse(mf);
    } catch (const json::exception& e) {
      throw OutputError(fmt::format("{}: unreadable: {}", mpath.string(), e.what()));
    }
    check_manifest(manifest, mpath.string());
    // Shards must come from one scenario and one build of cansim.
    json key = {manifest.value("cansim_version", json()), manifest.value("git_commit", json()),
                manifest.value("scenario", json()), manifest.value("effective_scenario", json())};
    if (!sc) {
      first = key;
      // Application files are found where the scenario file was.
      const json& scenario = manifest.at("scenario");
      const std::string scenario_file = scenario.at("file").get<std::string>();
      sc = parse_scenario(manifest.at("effective_scenario"), mpath.string() + " (effective_scenario)",
                          fs::path(scenario_file).parent_path().string());
      sc->file = scenario_file;
      sc->file_sha256 = scenario.value("sha256", "");
      // The application files read again must be those the shards ran.
      if (const auto pinned = scenario.find("applications"); pinned != scenario.end() && pinned->is_array()) {
        for (std::size_t i = 0; i < sc->applications.size() && i < pinned->size(); ++i) {
          if ((*pinned)[i].value("sha256", "") != sc->applications[i].sha256) {
            throw OutputError(fmt::format("{}: application file {} is not the one the shards ran (its SHA-256 differs)", dir,
                                          sc->applications[i].file));
          }
        }
      }
      sc->overrides = scenario.value("overrides", std::vector<std::string>{});
    } else if (key != first) {
      throw OutputError(fmt::format("{}: from another scenario, seed or cansim build than {}", dir, dirs[0]));
    }
    const bool complete = manifest.at("runs").at("complete").get<bool>();
    if (complete) {
      throw OutputError(fmt::format("{}: a complete result, not a shard; nothing to merge", dir));
    }
    auto shard = std::make_unique<Shard>();
    shard->dir = dir;
    shard->file.open(fs::path(dir) / kPartialFile);
    if (!shard->file) throw OutputError(fmt::format("{}: no {}", dir, kPartialFile));
    // The runs it holds, counted first: the merged result must know whether it is complete.
    std::string text;
    while (std::getline(shard->file, text)) total += text.empty() ? 0 : 1;
    shard->file.clear();
    shard->file.seekg(0);
    shard->next();
    shards.push_back(std::move(shard));
  }
  ResultWriter w(*sc, out, total);
  for (;;) {
    Shard* low = nullptr;
    for (auto& s : shards) {
      if (!s->head) continue;
      if (low != nullptr && s->head->first == low->head->first) {
        throw OutputError(fmt::format("{}: run {} is also in another shard", s->dir, s->head->first));
      }
      if (low == nullptr || s->head->first < low->head->first) low = s.get();
    }
    if (low == nullptr) break;
    const std::uint64_t run = low->head->first;
    if (const std::string why = check_merged_run(*sc, run, low->head->second); !why.empty()) {
      throw OutputError(fmt::format("{}: {} line {}: {}", low->dir, kPartialFile, low->line, why));
    }
    try {
      w.add(run, low->head->second);
    } catch (const std::invalid_argument& e) {  // a table the kind's summary needs is not as it writes it
      throw OutputError(fmt::format("{}: {} line {}: {}", low->dir, kPartialFile, low->line, e.what()));
    }
    low->next();
    if (low->head && low->head->first <= run) {
      throw OutputError(
          fmt::format("{}: {} is not in run order (run {} after {})", low->dir, kPartialFile, low->head->first, run));
    }
  }
  try {
    w.finish();
  } catch (const std::invalid_argument& e) {
    throw OutputError(fmt::format("{}: {}", dirs.back(), e.what()));
  }
}

}  // namespace cansim::scenario

#include "cansim/scenario/results.hpp"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
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
        if constexpr (std::is_same_v<T, std::string>) out += csv_field(v[row]);
        else fmt::format_to(std::back_inserter(out), "{}", v[row]);
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
const double* metric_value(const RunResult& r, std::size_t k) {
  return k < r.metrics.size() ? &r.metrics[k] : nullptr;
}

// Files are collected in memory, then written into a fresh temporary directory that is renamed
// into place: a reader never sees a half-written result directory.
struct Files {
  std::vector<std::pair<std::string, std::string>> items;
  void add(std::string name, std::string text) { items.emplace_back(std::move(name), std::move(text)); }
};

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
    throw OutputError(fmt::format("{}: holds {}, which cansim did not write; remove it or choose another directory",
                                  out.dir, rel.generic_string()));
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
  pthread_sigmask(SIG_BLOCK, &set, nullptr);  // every thread started later inherits the mask
  std::thread([set] {
    int sig = 0;
    if (sigwait(&set, &sig) != 0) return;
    {
      std::lock_guard lock(g_write_mu);
      std::error_code ec;
      if (!g_write_tmp.empty()) fs::remove_all(g_write_tmp, ec);
      std::fprintf(stderr, "cansim: interrupted (%s)%s\n", sig == SIGINT ? "SIGINT" : "SIGTERM",
                   g_write_tmp.empty() ? "" : ": the result being written was removed");
      std::_Exit(128 + sig);  // under the lock: no rename can start after the cleanup
    }
  }).detach();
}

namespace {

void commit(const Files& files, const OutputRequest& out) {
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
  for (const auto& item : files.items) {  // subdirectories (traces/)
    const fs::path sub = (tmp / item.first).parent_path();
    if (sub != tmp) fs::create_directories(sub, ec);
  }
  // The files are independent: write them side by side.
  std::vector<char> failed(files.items.size(), 0);
  parallel_for(files.items.size(), out.threads, [&](std::size_t i) {
    const auto& [name, text] = files.items[i];
    std::ofstream f(tmp / name, std::ios::binary);
    f.write(text.data(), static_cast<std::streamsize>(text.size()));
    f.close();
    failed[i] = f ? 0 : 1;
  });
  for (std::size_t i = 0; i < failed.size(); ++i) {
    if (failed[i]) {
      fs::remove_all(tmp, ec);
      throw OutputError(fmt::format("{}: cannot write {}", out.dir, files.items[i].first));
    }
  }
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

// The runs of each configuration present: run numbers ascend and are configuration-major, so a
// configuration's runs are one contiguous span of `runs`.
struct ConfigSpan {
  std::size_t config, first, count;
};
std::vector<ConfigSpan> config_spans(const Scenario& sc, const std::vector<std::uint64_t>& runs) {
  std::vector<ConfigSpan> spans;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const auto config = static_cast<std::size_t>(runs[i] / sc.repetitions);
    if (spans.empty() || spans.back().config != config) spans.push_back({config, i, 0});
    ++spans.back().count;
  }
  return spans;
}

// Formats items 0..n-1 into text on `threads` threads, in chunks, and joins them in item order.
template <class F>
std::string join_chunks(std::size_t n, unsigned threads, F format) {
  constexpr std::size_t kChunk = 256;
  std::vector<std::string> chunks((n + kChunk - 1) / kChunk);
  parallel_for(chunks.size(), threads, [&](std::size_t c) {
    // Into a local string first: neighbouring std::string headers share a cache line, and
    // appending to them from two threads would bounce it between cores on every append.
    std::string text;
    for (std::size_t i = c * kChunk; i < std::min(n, (c + 1) * kChunk); ++i) format(i, text);
    chunks[c] = std::move(text);
  });
  std::size_t total = 0;
  for (const auto& c : chunks) total += c.size();
  std::string out;
  out.reserve(total);
  for (const auto& c : chunks) out += c;
  return out;
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
  j["trace_hash"] = r.trace_hash;
  if (!r.trace.empty()) j["trace"] = r.trace;
  return j;
}

double json_double(const json& v) {
  return v.is_null() ? std::numeric_limits<double>::quiet_NaN() : v.get<double>();
}

RunResult run_from_json(const json& j) {
  RunResult r;
  for (const auto& m : j.at("metrics")) r.metrics.push_back(json_double(m));
  for (const auto& t : j.at("tables")) {
    Table table{t.at("name").get<std::string>(), t.at("columns").get<std::vector<std::string>>(), {},
                t.at("written").get<bool>()};
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
  r.trace_hash = j.at("trace_hash").get<std::uint64_t>();
  r.trace = j.value("trace", std::string());
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

void write_results(const Scenario& sc, const std::vector<std::uint64_t>& runs,
                   const std::vector<RunResult>& results, const OutputRequest& out) {
  const bool complete = runs.size() == sc.run_count();
  Files files;

  json manifest;
  manifest["cansim_version"] = kVersion;
  manifest["git_commit"] = kGitCommit;
  manifest["command_line"] = out.command_line;
  manifest["scenario"] = {{"file", sc.file}, {"sha256", sc.file_sha256}, {"overrides", sc.overrides}};
  manifest["experiment"] = sc.kind->name;
  manifest["seed"] = sc.seed;
  manifest["run_seeds"] = "run r uses seed mix64(seed ^ mix64(r + 0x6a09e667f3bcc909)), listed in runs.csv";
  manifest["repetitions"] = sc.repetitions;
  manifest["runs"] = {{"total", sc.run_count()}, {"included", format_run_list(runs)}, {"complete", complete}};
  json configs = json::array();
  for (const auto& c : sc.configs) configs.push_back({{"config", c.index}, {"params", params_json(c.params)}});
  manifest["configurations"] = configs;
  manifest["output"] = params_json(sc.output);
  manifest["effective_scenario"] = sc.document;

  const unsigned threads = out.threads;
  // runs.csv: one row per run. Rows are formatted in parallel and joined in run order.
  const auto metrics = metric_names(*sc.kind);
  std::string runs_csv = "run,config,repetition,seed" + swept_header(sc);
  for (const auto& m : metrics) add_field(runs_csv, csv_field(m));
  runs_csv += ",trace_hash\n";
  runs_csv += join_chunks(runs.size(), threads, [&](std::size_t i, std::string& row) {
    const RunSpec spec = sc.run(runs[i]);
    auto it = std::back_inserter(row);
    fmt::format_to(it, "{},{},{},{}", spec.run, spec.config, spec.repetition, spec.seed);
    row += swept_cells(sc, spec.config);
    for (std::size_t k = 0; k < metrics.size(); ++k) {
      if (const double* v = metric_value(results[i], k)) {
        fmt::format_to(it, ",{}", *v);
      } else {
        row += ',';
      }
    }
    fmt::format_to(it, ",{:016x}\n", results[i].trace_hash);
  });
  files.add("runs.csv", std::move(runs_csv));

  // One tidy CSV per written table, rows of all runs in run order.
  std::vector<const Table*> first_of;  // the first written table of each name, for its header
  for (const auto& r : results) {
    for (const auto& t : r.tables) {
      if (t.written && std::none_of(first_of.begin(), first_of.end(), [&](const Table* f) { return f->name == t.name; })) {
        first_of.push_back(&t);
      }
    }
  }
  for (const Table* first : first_of) {
    std::string csv = "run,config,repetition" + swept_header(sc);
    for (const auto& c : first->columns) add_field(csv, csv_field(c));
    csv += '\n';
    csv += join_chunks(runs.size(), threads, [&](std::size_t i, std::string& text) {
      const RunSpec spec = sc.run(runs[i]);
      for (const auto& t : results[i].tables) {
        if (t.name != first->name || !t.written) continue;
        const std::string prefix =
            fmt::format("{},{},{}", spec.run, spec.config, spec.repetition) + swept_cells(sc, spec.config);
        for (std::size_t row = 0; row < t.rows(); ++row) {
          text += prefix;
          for (const auto& c : t.data) {
            text += ',';
            append_cell(text, c, row);
          }
          text += '\n';
        }
      }
    });
    files.add(first->name + ".csv", std::move(csv));
  }

  for (std::size_t i = 0; i < runs.size(); ++i) {
    if (!results[i].trace.empty()) files.add(fmt::format("traces/run-{}.json", runs[i]), results[i].trace);
  }

  // Summaries per configuration, over the runs present, computed in parallel.
  const std::vector<ConfigSpan> spans = config_spans(sc, runs);
  std::vector<json> config_json(spans.size());
  std::vector<std::string> config_csv(spans.size());
  parallel_for(spans.size(), threads, [&](std::size_t k) {
    const auto [config, first, count] = spans[k];
    std::string csv_text;  // local, then moved: see join_chunks on false sharing
    json c;
    c["config"] = config;
    c["params"] = params_json(sc.configs[config].params);
    c["runs"] = count;
    json ms = json::object();
    for (std::size_t mk = 0; mk < metrics.size(); ++mk) {
      const std::string& m = metrics[mk];
      std::vector<double> values;
      for (std::size_t i = first; i < first + count; ++i) {
        if (const double* v = metric_value(results[i], mk)) values.push_back(*v);
      }
      json st = metric_stats(values);
      std::string& line = csv_text;
      line += fmt::format("{}", config) + swept_cells(sc, config);
      add_field(line, csv_field(m));
      for (const auto& [key, v] : st.items()) {
        add_field(line, v.is_null() ? std::string("nan") : v.is_number_float() ? fmt::format("{}", v.get<double>()) : v.dump());
      }
      line += '\n';
      ms[m] = std::move(st);
    }
    c["metrics"] = ms;
    if (sc.kind->summarize) {
      const json extra = sc.kind->summarize(sc.configs[config].params, std::span(results).subspan(first, count));
      for (const auto& [key, v] : extra.items()) c[key] = v;
    }
    config_json[k] = std::move(c);
    config_csv[k] = std::move(csv_text);
  });
  json summary;
  summary["experiment"] = sc.kind->name;
  summary["complete"] = complete;
  summary["configurations"] = std::move(config_json);
  files.add("summary.json", summary.dump(2) + "\n");
  std::string summary_csv = "config" + swept_header(sc) + ",metric,n,mean,sd,ci95_low,ci95_high,min,q1,median,q3,max\n";
  for (const auto& text : config_csv) summary_csv += text;
  files.add("summary.csv", std::move(summary_csv));

  if (!complete) {
    std::string jsonl;
    for (std::size_t i = 0; i < runs.size(); ++i) jsonl += run_to_json(runs[i], results[i]).dump() + "\n";
    files.add(kPartialFile, std::move(jsonl));
  }
  // The files this directory holds, so that --force can tell a result from a user's directory.
  json names = json::array();
  for (const auto& item : files.items) names.push_back(item.first);
  manifest["files"] = std::move(names);
  files.add("manifest.json", manifest.dump(2) + "\n");
  commit(files, out);
}

void merge_results(const std::vector<std::string>& dirs, const OutputRequest& out) {
  if (dirs.empty()) throw OutputError("merge: expected at least one directory");
  check_output_dir(out);  // refuse before reading the shards
  std::optional<Scenario> sc;
  json first;
  std::map<std::uint64_t, RunResult> all;
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
    // Shards must come from one scenario and one build of cansim.
    json key = {manifest.value("cansim_version", json()), manifest.value("git_commit", json()),
                manifest.value("scenario", json()), manifest.value("effective_scenario", json())};
    if (!sc) {
      first = key;
      // Application files are found where the scenario file was.
      const std::string scenario_file = manifest.at("scenario").value("file", "");
      sc = parse_scenario(manifest.at("effective_scenario"), mpath.string() + " (effective_scenario)",
                          fs::path(scenario_file).parent_path().string());
      sc->file = manifest["scenario"].value("file", "");
      sc->file_sha256 = manifest["scenario"].value("sha256", "");
      sc->overrides = manifest["scenario"].value("overrides", std::vector<std::string>{});
    } else if (key != first) {
      throw OutputError(fmt::format("{}: from another scenario, seed or cansim build than {}", dir, dirs[0]));
    }
    const bool complete = manifest.at("runs").value("complete", false);
    if (complete) {
      throw OutputError(fmt::format("{}: a complete result, not a shard; nothing to merge", dir));
    }
    std::ifstream rf(fs::path(dir) / kPartialFile);
    if (!rf) throw OutputError(fmt::format("{}: no {}", dir, kPartialFile));
    std::string line;
    while (std::getline(rf, line)) {
      if (line.empty()) continue;
      const json j = json::parse(line);
      const auto run = j.at("run").get<std::uint64_t>();
      if (!all.emplace(run, run_from_json(j)).second) {
        throw OutputError(fmt::format("{}: run {} is also in another shard", dir, run));
      }
    }
  }
  std::vector<std::uint64_t> runs;
  std::vector<RunResult> results;
  for (auto& [run, r] : all) {
    runs.push_back(run);
    results.push_back(std::move(r));
  }
  write_results(*sc, runs, results, out);
}

std::string human_summary(const Scenario& sc, const std::vector<std::uint64_t>& runs,
                          const std::vector<RunResult>& results) {
  const std::vector<ConfigSpan> spans = config_spans(sc, runs);
  const auto all = metric_names(*sc.kind);
  const auto metrics = sc.kind->headline.empty() ? all : sc.kind->headline;
  // An aligned table: one row per configuration, each metric as mean ± 95% CI half-width.
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> header{"config"};
  header.insert(header.end(), sc.swept.begin(), sc.swept.end());
  header.insert(header.end(), metrics.begin(), metrics.end());
  rows.push_back(header);
  for (const auto& [config, first, count] : spans) {
    std::vector<std::string> row{fmt::format("{}", config)};
    for (const auto& name : sc.swept) row.push_back(to_string(sc.configs[config].params.get(name)));
    for (const auto& m : metrics) {
      const auto k = static_cast<std::size_t>(std::find(all.begin(), all.end(), m) - all.begin());
      RunningStats s;
      for (std::size_t i = first; i < first + count; ++i) {
        if (const double* v = metric_value(results[i], k); v && !std::isnan(*v)) s.add(*v);
      }
      const auto ci = ci95_of_mean(s);
      row.push_back(s.count() == 0        ? std::string("-")
                    : std::isnan(ci.half_width) ? fmt::format("{:.4g}", s.mean())
                                                : fmt::format("{:.4g} ±{:.2g}", s.mean(), ci.half_width));
    }
    rows.push_back(std::move(row));
  }
  std::vector<std::size_t> width(header.size(), 0);
  for (const auto& r : rows) {
    for (std::size_t c = 0; c < r.size(); ++c) width[c] = std::max(width[c], r[c].size());
  }
  std::string out = fmt::format("{}: {} runs of {} configuration(s); each metric as mean ±95% CI half-width over runs\n",
                                sc.kind->name, runs.size(), spans.size());
  for (const auto& r : rows) {
    std::string line;
    for (std::size_t c = 0; c < r.size(); ++c) line += fmt::format("{:<{}}  ", r[c], width[c]);
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

}  // namespace cansim::scenario

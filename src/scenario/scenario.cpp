#include "cansim/scenario/scenario.hpp"

#include "cansim/scenario/event_budget.hpp"
#include "cansim/scenario/tosca.hpp"

#include <algorithm>
#include <charconv>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "cansim/sim/rng.hpp"

namespace cansim::scenario {

using json = nlohmann::ordered_json;

ValidationError::ValidationError(const std::string& file, const std::string& pointer, const std::string& message)
    : std::runtime_error(pointer.empty() ? file + ": " + message : file + ":" + pointer + ": " + message), file_(file),
      pointer_(pointer), message_(message) {}

std::uint64_t run_seed(std::uint64_t scenario_seed, std::uint64_t run) { return Rng(scenario_seed).stream(run).seed(); }

RunSpec Scenario::run(std::uint64_t r) const {
  const std::uint64_t rep = r % repetitions;
  return {r, static_cast<std::size_t>(r / repetitions), rep, run_seed(seed, common_random_numbers ? rep : r)};
}

std::vector<std::uint64_t> Scenario::all_runs() const {
  std::vector<std::uint64_t> runs(run_count());
  for (std::uint64_t r = 0; r < runs.size(); ++r) runs[r] = r;
  return runs;
}

namespace {

std::string escape_token(std::string_view key) {
  std::string out;
  for (char c : key) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out += c;
  }
  return out;
}

std::string child(const std::string& pointer, std::string_view key) { return pointer + "/" + escape_token(key); }
std::string child(const std::string& pointer, std::size_t index) { return pointer + "/" + std::to_string(index); }

std::string found(const json& v) {
  switch (v.type()) {
    case json::value_t::null: return "null";
    case json::value_t::object: return "an object";
    case json::value_t::array: return "an array";
    case json::value_t::string: {
      std::string s = v.get<std::string>();
      if (s.size() > 40) s = s.substr(0, 37) + "...";
      return fmt::format("the string \"{}\"", s);
    }
    default: return v.dump();
  }
}

std::string quoted_list(const std::vector<std::string>& names) {
  std::string s;
  for (std::size_t i = 0; i < names.size(); ++i) s += (i ? ", " : "") + names[i];
  return s;
}

// Where errors are reported: the file, or the --set argument that put a value there.
struct Source {
  std::string label;
  std::string base_dir = ".";                                   // where files the scenario names are found
  std::vector<std::pair<std::string, std::string>> overridden;  // pointer -> "--set ..." text

  [[noreturn]] void fail(const std::string& pointer, const std::string& message) const {
    for (const auto& [p, text] : overridden) {
      if (pointer == p || pointer.rfind(p + "/", 0) == 0) {
        throw ValidationError(fmt::format("{} (--set {})", label, text), pointer, message);
      }
    }
    throw ValidationError(label, pointer, message);
  }
};

void unknown_key(const Source& src, const std::string& pointer, const std::string& key, const std::string& what,
                 const std::vector<std::string>& known) {
  std::string msg = fmt::format("expected {} ({}), found unknown key \"{}\"", what, quoted_list(known), key);
  if (auto guess = did_you_mean(key, known)) msg += fmt::format("; did you mean \"{}\"?", *guess);
  src.fail(child(pointer, key), msg);
}

std::optional<std::int64_t> as_integer(const json& v) {
  if (v.is_number_unsigned()) {
    const auto u = v.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
    return static_cast<std::int64_t>(u);
  }
  if (v.is_number_integer()) return v.get<std::int64_t>();
  if (v.is_number_float()) {
    // 1e6 is a common way to write a million; accept floats that are whole numbers.
    const double d = v.get<double>();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.0e15) {
      return static_cast<std::int64_t>(d);
    }
  }
  return std::nullopt;
}

bool in_range(const ParamSpec& spec, double x) {
  if (spec.min && (spec.min_exclusive ? !(x > *spec.min) : !(x >= *spec.min))) return false;
  if (spec.max && !(x <= *spec.max)) return false;
  return true;
}

// What the µs clock can represent: a duration of 0 or from 1 µs to 2^62 µs; a rate of 0 or one
// whose mean interval is in that range. Parameters say which they are by their unit.
std::optional<std::string> clock_problem(const std::string& unit, double x) {
  constexpr double kMaxUs = 4611686018427387904.0;  // 2^62
  if (x == 0) return std::nullopt;
  double us_per_unit = 0;
  if (unit == "s") us_per_unit = 1e6;
  if (unit == "ms") us_per_unit = 1e3;
  if (unit == "min") us_per_unit = 6e7;
  if (us_per_unit > 0) {
    const double us = x * us_per_unit;
    if (us >= 1 && us <= kMaxUs) return std::nullopt;
    return fmt::format("expected a duration the µs clock can represent (0, or from 1 µs to 2^62 µs), found {} {}", x, unit);
  }
  if (unit == "1/s") {
    const double interval_us = 1e6 / x;
    if (interval_us >= 1 && interval_us <= kMaxUs) return std::nullopt;
    return fmt::format(
        "expected a rate whose mean interval the µs clock can represent (at most 1e6 1/s, at least 2^-62 "
        "per µs), found {} 1/s",
        x);
  }
  return std::nullopt;
}

Value convert(const ParamSpec& spec, const json& v, const Source& src, const std::string& pointer) {
  auto wrong = [&]() { src.fail(pointer, fmt::format("expected {}, found {}", spec.expectation(), found(v))); };
  switch (spec.type) {
    case ParamType::Boolean:
      if (!v.is_boolean()) wrong();
      return v.get<bool>();
    case ParamType::Choice: {
      if (!v.is_string()) wrong();
      const auto s = v.get<std::string>();
      for (const auto& c : spec.choices) {
        if (c == s) return s;
      }
      std::string msg = fmt::format("expected {}, found {}", spec.expectation(), found(v));
      if (auto guess = did_you_mean(s, spec.choices)) msg += fmt::format("; did you mean \"{}\"?", *guess);
      src.fail(pointer, msg);
    }
    case ParamType::Integer: {
      const auto i = as_integer(v);
      if (!i || !in_range(spec, static_cast<double>(*i))) wrong();
      if (auto why = clock_problem(spec.unit, static_cast<double>(*i))) src.fail(pointer, *why);
      return *i;
    }
    case ParamType::Real: {
      if (!v.is_number()) wrong();
      const double d = v.get<double>();
      if (!std::isfinite(d) || !in_range(spec, d)) wrong();
      if (auto why = clock_problem(spec.unit, d)) src.fail(pointer, *why);
      return d;
    }
  }
  wrong();
  return {};
}

const json* member(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

const json& require_object(const json& v, const Source& src, const std::string& pointer) {
  if (!v.is_object()) src.fail(pointer, fmt::format("expected an object, found {}", found(v)));
  return v;
}

// Declared parameters from an object of values (params or output), defaults filled in.
std::vector<Value> read_values(const std::vector<ParamSpec>& specs, const json* obj, const Source& src,
                               const std::string& pointer, const std::string& what,
                               const std::set<std::string>& supplied_elsewhere) {
  std::vector<std::string> names;
  for (const auto& s : specs) names.push_back(s.name);
  if (obj) {
    require_object(*obj, src, pointer);
    for (const auto& [key, _] : obj->items()) {
      if (std::find(names.begin(), names.end(), key) == names.end()) {
        unknown_key(src, pointer, key, what, names);
      }
    }
  }
  std::vector<Value> values;
  for (const auto& spec : specs) {
    const json* v = obj ? member(*obj, spec.name.c_str()) : nullptr;
    if (v) {
      values.push_back(convert(spec, *v, src, child(pointer, spec.name)));
    } else if (spec.default_value) {
      values.push_back(*spec.default_value);
    } else if (supplied_elsewhere.count(spec.name)) {
      values.emplace_back(std::int64_t{0});  // placeholder; the sweep fills it in
    } else {
      src.fail(child(pointer, spec.name), fmt::format("expected {} (required, no default), found nothing", spec.expectation()));
    }
  }
  return values;
}

// "applications": [{"file": "apps/ray_tracing.yaml", "weight": 3}, ...]: TOSCA files, relative
// to the scenario's folder, each read and checked here.
std::vector<ApplicationSpec> read_applications(const json& a, const Source& src) {
  if (!a.is_array() || a.empty()) {
    src.fail("/applications", fmt::format("expected a non-empty list of {{\"file\": ..., \"weight\": ...}}, found {}", found(a)));
  }
  std::vector<ApplicationSpec> out;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const std::string at = child("/applications", i);
    const json& e = a[i];
    require_object(e, src, at);
    for (const auto& [key, _] : e.items()) {
      if (key != "file" && key != "weight") unknown_key(src, at, key, "an application key", {"file", "weight"});
    }
    const json* f = member(e, "file");
    if (!f || !f->is_string() || f->get<std::string>().empty()) {
      src.fail(at + "/file", fmt::format("expected the path of a TOSCA YAML file, found {}", f ? found(*f) : "nothing"));
    }
    ApplicationSpec spec;
    spec.file = f->get<std::string>();
    if (const json* w = member(e, "weight")) {
      if (!w->is_number() || !std::isfinite(w->get<double>()) || w->get<double>() <= 0 || w->get<double>() > 1e9) {
        src.fail(at + "/weight", fmt::format("expected a number in (0, 1e9], found {}", found(*w)));
      }
      spec.weight = w->get<double>();
    }
    const std::filesystem::path path = std::filesystem::path(src.base_dir.empty() ? "." : src.base_dir) / spec.file;
    const std::string name = path.lexically_normal().string();
    if (std::ifstream probe(name); !probe || std::filesystem::is_directory(name)) {
      src.fail(at + "/file", fmt::format("expected a readable TOSCA YAML file, found \"{}\" ({})", name,
                                         std::filesystem::is_directory(name) ? "a directory" : std::strerror(errno)));
    }
    const std::string text = read_input_file(name, kMaxToscaBytes, "a TOSCA YAML file");
    spec.topology = parse_tosca(text, name);  // its own errors name the YAML file, line and column
    spec.sha256 = sha256_hex(text);
    out.push_back(std::move(spec));
  }
  return out;
}

const std::vector<std::string> kTopLevel{"experiment", "description", "seed",         "repetitions",
                                         "params",     "sweep",       "output",       "faults",
                                         "applications", "common_random_numbers", "power_curves"};

// "faults": {"schedule": [{"at_s": 5, "crash": [0]}, {"at_s": 9, "partition": [[0, 1], [2]]},
// {"at_s": 12, "heal": true}, ...], "crash_rate_per_s": 0, "recovery_rate_per_s": 0}
// The network faults besides the schedule: "duplicate", "reorder", "reorder_window_ms",
// "latency": {"law": "uniform", "low_ms": 5, "high_ms": 50} or {"law": "lognormal", "median_ms":
// 10, "sigma": 0.5}, "partition_rate_per_s", "partition_mean_s".
void read_network_faults(const json& f, const Source& src, FaultPlan& plan) {
  auto number = [&](const json& obj, const std::string& at, const char* key, double lo, double hi, double def, const char* what) {
    const json* v = member(obj, key);
    if (!v) return def;
    if (!v->is_number() || !std::isfinite(v->get<double>()) || v->get<double>() < lo || v->get<double>() > hi) {
      src.fail(child(at, key), fmt::format("expected {}, found {}", what, found(*v)));
    }
    return v->get<double>();
  };
  plan.duplicate = number(f, "/faults", "duplicate", 0, 1, 0, "a probability in [0, 1]");
  plan.reorder = number(f, "/faults", "reorder", 0, 1, 0, "a probability in [0, 1]");
  plan.reorder_window = SimTime{static_cast<std::int64_t>(
      std::llround(number(f, "/faults", "reorder_window_ms", 0, 1e7, 50, "a time in ms in [0, 1e7]") * 1000))};
  plan.partition_rate_per_s = number(f, "/faults", "partition_rate_per_s", 0, 1e6, 0, "a finite number >= 0");
  if (auto why = clock_problem("1/s", plan.partition_rate_per_s)) src.fail("/faults/partition_rate_per_s", *why);
  plan.partition_mean_s = number(f, "/faults", "partition_mean_s", 1e-6, 1e9, 10, "a time in s in [1e-6, 1e9]");
  if (const json* p = member(f, "partition_mean_s"); p && !member(f, "partition_rate_per_s")) {
    src.fail("/faults/partition_mean_s", "expected partition_rate_per_s with it (random partitions are off without a rate)");
  }
  const json* l = member(f, "latency");
  if (!l) return;
  require_object(*l, src, "/faults/latency");
  const json* law = member(*l, "law");
  if (!law || !law->is_string() || (law->get<std::string>() != "uniform" && law->get<std::string>() != "lognormal")) {
    src.fail("/faults/latency/law",
             fmt::format("expected \"uniform\" or \"lognormal\", found {}", law ? found(*law) : "nothing"));
  }
  const bool uniform = law->get<std::string>() == "uniform";
  const std::vector<std::string> keys =
      uniform ? std::vector<std::string>{"law", "low_ms", "high_ms"} : std::vector<std::string>{"law", "median_ms", "sigma"};
  for (const auto& [key, _] : l->items()) {
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
      unknown_key(src, "/faults/latency", key, fmt::format("a key of the {} law", law->get<std::string>()), keys);
    }
  }
  LatencyFault lf;
  auto ms_time = [](double ms) { return SimTime{static_cast<std::int64_t>(std::llround(ms * 1000))}; };
  if (uniform) {
    lf.law = LinkModel::Latency::Uniform;
    for (const char* key : {"low_ms", "high_ms"}) {
      if (!member(*l, key)) src.fail(child("/faults/latency", key), "expected a time in ms in [0, 1e7], found nothing");
    }
    const double low = number(*l, "/faults/latency", "low_ms", 0, 1e7, 0, "a time in ms in [0, 1e7]");
    const double high = number(*l, "/faults/latency", "high_ms", 0, 1e7, 0, "a time in ms in [0, 1e7]");
    if (high < low) src.fail("/faults/latency/high_ms", fmt::format("expected at least low_ms ({}), found {}", low, high));
    lf.low = ms_time(low);
    lf.high = ms_time(high);
  } else {
    lf.law = LinkModel::Latency::LogNormal;
    if (!member(*l, "median_ms")) src.fail("/faults/latency/median_ms", "expected a time in ms in [0.001, 1e7], found nothing");
    const double median = number(*l, "/faults/latency", "median_ms", 1e-3, 1e7, 10, "a time in ms in [0.001, 1e7]");
    lf.log_mu = std::log(median / 1000);
    lf.log_sigma = number(*l, "/faults/latency", "sigma", 0, 5, 0.5, "a number in [0, 5]");
    // The law's one-in-a-billion delay bounds every draw; it must fit the clock with room to
    // spare (issue 29: median 1e7 ms with sigma 5 overflowed it).
    const double tail_ms = median * std::exp(6 * lf.log_sigma);
    if (tail_ms > 1e12) {
      src.fail("/faults/latency",
               fmt::format("expected a law whose one-in-a-billion delay, median_ms x e^(6 sigma), is at most 1e12 ms "
                           "(about 31 years), found {:g} ms",
                           tail_ms));
    }
    lf.log_max = SimTime{static_cast<std::int64_t>(std::llround(tail_ms * 1000))};
  }
  plan.latency = lf;
}

FaultPlan read_faults(const json& f, const Source& src, std::uint64_t node_limit, const std::string& limit_name, double run_s) {
  require_object(f, src, "/faults");
  const std::vector<std::string> keys{
      "schedule",          "crash_rate_per_s", "recovery_rate_per_s",  "duplicate",       "reorder",
      "reorder_window_ms", "latency",          "partition_rate_per_s", "partition_mean_s"};
  for (const auto& [key, _] : f.items()) {
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) unknown_key(src, "/faults", key, "a faults key", keys);
  }
  FaultPlan plan;
  auto rate = [&](const char* key) {
    const json* v = member(f, key);
    if (!v) return 0.0;
    if (!v->is_number() || !std::isfinite(v->get<double>()) || v->get<double>() < 0) {
      src.fail(child("/faults", key), fmt::format("expected a finite number >= 0, found {}", found(*v)));
    }
    if (auto why = clock_problem("1/s", v->get<double>())) src.fail(child("/faults", key), *why);
    return v->get<double>();
  };
  plan.crash_rate_per_s = rate("crash_rate_per_s");
  plan.recovery_rate_per_s = rate("recovery_rate_per_s");
  read_network_faults(f, src, plan);
  const json* schedule = member(f, "schedule");
  if (!schedule) return plan;
  if (!schedule->is_array()) src.fail("/faults/schedule", fmt::format("expected an array, found {}", found(*schedule)));
  const std::vector<std::string> actions{"crash", "recover", "isolate", "partition", "cut", "uncut", "heal"};
  for (std::size_t i = 0; i < schedule->size(); ++i) {
    const json& e = (*schedule)[i];
    const std::string at = child("/faults/schedule", i);
    require_object(e, src, at);
    ScheduledFault sf;
    const json* t = member(e, "at_s");
    if (!t || !t->is_number() || !std::isfinite(t->get<double>()) || t->get<double>() < 0 || t->get<double>() > 1e9) {
      src.fail(child(at, "at_s"), fmt::format("expected a time in seconds in [0, 1e9], found {}", t ? found(*t) : "nothing"));
    }
    if (t->get<double>() > run_s) {
      src.fail(child(at, "at_s"),
               fmt::format("expected a time within the run ({} s in the shortest configuration), found {}", run_s, found(*t)));
    }
    sf.at = SimTime{static_cast<std::int64_t>(std::llround(t->get<double>() * 1e6))};
    std::string action;
    for (const auto& [key, _] : e.items()) {
      if (key == "at_s") continue;
      if (std::find(actions.begin(), actions.end(), key) == actions.end()) {
        std::vector<std::string> all = actions;
        all.push_back("at_s");
        unknown_key(src, at, key, "a fault", all);
      }
      if (!action.empty())
        src.fail(child(at, key), fmt::format("expected one action per entry, found \"{}\" and \"{}\"", action, key));
      action = key;
    }
    if (action.empty()) src.fail(at, "expected one action (crash, recover, isolate, partition, cut, uncut, heal), found none");
    const std::string ptr = child(at, action);
    const json& v = e.at(action);
    auto node = [&](const json& x, const std::string& p) -> NodeId {
      const auto n = as_integer(x);
      if (!n || *n < 0 || static_cast<std::uint64_t>(*n) >= node_limit) {
        src.fail(p, fmt::format("expected a node in [0, {}) ({}), found {}", node_limit, limit_name, found(x)));
      }
      return static_cast<NodeId>(*n);
    };
    auto nodes = [&](const json& x, const std::string& p) {
      if (!x.is_array() || x.empty()) src.fail(p, fmt::format("expected a non-empty array of nodes, found {}", found(x)));
      std::vector<NodeId> out;
      for (std::size_t k = 0; k < x.size(); ++k) out.push_back(node(x[k], child(p, k)));
      return out;
    };
    using K = ScheduledFault::Kind;
    if (action == "heal") {
      if (!v.is_boolean() || !v.get<bool>()) src.fail(ptr, fmt::format("expected true, found {}", found(v)));
      sf.kind = K::Heal;
    } else if (action == "partition") {
      if (!v.is_array() || v.empty()) src.fail(ptr, fmt::format("expected an array of node groups, found {}", found(v)));
      std::map<NodeId, std::size_t> group_of;
      for (std::size_t g = 0; g < v.size(); ++g) {
        sf.groups.push_back(nodes(v[g], child(ptr, g)));
        for (std::size_t k = 0; k < sf.groups.back().size(); ++k) {
          const NodeId n = sf.groups.back()[k];
          if (auto [it, fresh] = group_of.emplace(n, g); !fresh) {
            src.fail(child(child(ptr, g), k),
                     fmt::format("expected each node in one group, found node {} in groups {} and {}", n, it->second, g));
          }
        }
      }
      sf.kind = K::Partition;
    } else if (action == "cut" || action == "uncut") {
      sf.nodes = nodes(v, ptr);
      if (sf.nodes.size() != 2) src.fail(ptr, fmt::format("expected [from, to], found {} nodes", sf.nodes.size()));
      if (sf.nodes[0] == sf.nodes[1]) src.fail(ptr, fmt::format("expected two different nodes, found {} twice", sf.nodes[0]));
      sf.kind = action == "cut" ? K::Cut : K::Uncut;
    } else {
      sf.nodes = nodes(v, ptr);
      sf.kind = action == "crash" ? K::Crash : action == "recover" ? K::Recover : K::Isolate;
    }
    plan.schedule.push_back(std::move(sf));
  }
  return plan;
}

// /experiment: one of the registered kinds.
const ExperimentKind* read_kind(const json& doc, const Source& src) {
  std::vector<std::string> kind_names;
  for (const auto& k : experiment_kinds()) kind_names.push_back(k.name);
  const json* exp = member(doc, "experiment");
  if (!exp) {
    src.fail("/experiment", fmt::format("expected an experiment kind ({}), found nothing", quoted_list(kind_names)));
  }
  if (!exp->is_string()) {
    src.fail("/experiment", fmt::format("expected an experiment kind ({}), found {}", quoted_list(kind_names), found(*exp)));
  }
  const ExperimentKind* kind = find_kind(exp->get<std::string>());
  if (!kind) {
    std::string msg = fmt::format("expected an experiment kind ({}), found {}", quoted_list(kind_names), found(*exp));
    if (auto guess = did_you_mean(exp->get<std::string>(), kind_names)) {
      msg += fmt::format("; did you mean \"{}\"?", *guess);
    }
    src.fail("/experiment", msg);
  }
  return kind;
}

// /seed (required) and /repetitions.
void read_seed_and_repetitions(const json& doc, const Source& src, Scenario& sc) {
  const json* seed = member(doc, "seed");
  if (!seed) src.fail("/seed", "expected an integer in [0, 2^64 - 1] (required), found nothing");
  if (seed->is_number_unsigned()) {
    sc.seed = seed->get<std::uint64_t>();
  } else if (auto i = as_integer(*seed); i && *i >= 0) {
    sc.seed = static_cast<std::uint64_t>(*i);
  } else {
    src.fail("/seed", fmt::format("expected an integer in [0, 2^64 - 1], found {}", found(*seed)));
  }
  if (const json* reps = member(doc, "repetitions")) {
    const auto i = as_integer(*reps);
    if (!i || *i < 1 || *i > 1000000000) {
      src.fail("/repetitions", fmt::format("expected an integer in [1, 1e9], found {}", found(*reps)));
    }
    sc.repetitions = static_cast<std::uint64_t>(*i);
    if (sc.kind->seedless && sc.repetitions != 1) {
      src.fail("/repetitions", fmt::format("expected 1: \"{}\" computes the same numbers whatever the seed, found {}",
                                           sc.kind->name, sc.repetitions));
    }
  }
}

// /sweep: which parameters vary, and their values (per parameter, in declaration order; empty
// for a parameter that does not vary), each validated like a parameter. Adds the swept names to
// `swept`.
std::vector<std::vector<Value>> read_sweep(const json& doc, const Source& src, const ExperimentKind& kind,
                                           std::set<std::string>& swept) {
  const json* sweep = member(doc, "sweep");
  const json* params = member(doc, "params");
  std::vector<std::vector<Value>> sweep_values(kind.params.size());
  if (!sweep) return sweep_values;
  require_object(*sweep, src, "/sweep");
  std::vector<std::string> names;
  for (const auto& s : kind.params) names.push_back(s.name);
  for (const auto& [key, values] : sweep->items()) {
    const auto it = std::find(names.begin(), names.end(), key);
    if (it == names.end()) {
      unknown_key(src, "/sweep", key, fmt::format("a parameter of \"{}\"", kind.name), names);
    }
    const std::string ptr = child("/sweep", key);
    if (params && params->is_object() && params->contains(key)) {
      src.fail(ptr, fmt::format("expected a parameter not also set in /params, found \"{}\" in both", key));
    }
    if (!values.is_array() || values.empty()) {
      src.fail(ptr, fmt::format("expected a non-empty array of values, found {}",
                                values.is_array() ? "an empty array" : found(values)));
    }
    const auto idx = static_cast<std::size_t>(it - names.begin());
    for (std::size_t i = 0; i < values.size(); ++i) {
      sweep_values[idx].push_back(convert(kind.params[idx], values[i], src, child(ptr, i)));
    }
    swept.insert(key);
  }
  return sweep_values;
}

// The configurations: the cartesian product of the sweep over the base values, first declared
// parameter slowest, each checked by the kind.
void build_configurations(const Source& src, const std::vector<Value>& base, const std::vector<std::vector<Value>>& sweep_values,
                          const std::set<std::string>& swept, Scenario& sc) {
  const ExperimentKind& kind = *sc.kind;
  std::vector<std::size_t> dims;
  for (std::size_t p = 0; p < kind.params.size(); ++p) {
    if (!sweep_values[p].empty()) {
      dims.push_back(p);
      sc.swept.push_back(kind.params[p].name);
    }
  }
  // Counted before anything is built: a sweep too large is refused at once, in little memory.
  std::size_t total = 1;
  for (std::size_t p : dims) {
    total *= sweep_values[p].size();
    if (total > kMaxConfigurations) {
      src.fail("/sweep", fmt::format("expected at most {} configurations (the product of the sweep's list sizes), found more",
                                     kMaxConfigurations));
    }
  }
  if (static_cast<double>(total) * static_cast<double>(sc.repetitions) > 1e12) {
    src.fail("/repetitions", "expected at most 1e12 runs in all (configurations x repetitions), found more");
  }
  for (std::size_t c = 0; c < total; ++c) {
    std::vector<Value> values = base;
    std::size_t rest = c;
    for (std::size_t d = dims.size(); d-- > 0;) {
      const auto& vs = sweep_values[dims[d]];
      values[dims[d]] = vs[rest % vs.size()];
      rest /= vs.size();
    }
    Configuration cfg{c, ParamValues(&kind.params, std::move(values))};
    if (kind.check) {
      if (auto err = kind.check(cfg.params)) {
        const bool is_swept = swept.count(err->param) != 0;
        std::string msg = err->message;
        if (!dims.empty()) {
          std::string desc;
          for (std::size_t p : dims) {
            desc += fmt::format("{}{}={}", desc.empty() ? "" : ", ", kind.params[p].name, to_string(cfg.params.values()[p]));
          }
          msg += fmt::format(" (in configuration {}: {})", c, desc);
        }
        src.fail(child(is_swept ? "/sweep" : "/params", err->param), msg);
      }
    }
    sc.configs.push_back(std::move(cfg));
  }
}

// /faults and /applications, checked against every configuration.
void read_faults_and_applications(const json& doc, const Source& src, Scenario& sc) {
  const ExperimentKind& kind = *sc.kind;
  if (const json* f = member(doc, "faults")) {
    if (!kind.fault_nodes) {
      src.fail("/faults", fmt::format("expected no faults: experiment \"{}\" takes none", kind.name));
    }
    // Node ids must exist in every configuration: the smallest node count bounds them.
    std::uint64_t limit = UINT64_MAX;
    double run_s = std::numeric_limits<double>::infinity();  // and times must fall within every run
    for (const auto& c : sc.configs) {
      limit = std::min(limit, kind.fault_nodes(c.params));
      if (kind.run_seconds) run_s = std::min(run_s, kind.run_seconds(c.params));
    }
    sc.faults = read_faults(*f, src, limit, kind.fault_nodes_description, run_s);
    // The event budget, in every configuration (its own nodes and length).
    for (const auto& c : sc.configs) {
      if (!kind.run_seconds) break;
      const double nodes = static_cast<double>(kind.fault_nodes(c.params)), seconds = kind.run_seconds(c.params);
      const double events = renewal_events(nodes, sc.faults.crash_rate_per_s, sc.faults.recovery_rate_per_s, seconds) +
                            2 * sc.faults.partition_rate_per_s * seconds;
      if (events > kFaultEventBudget) {
        src.fail("/faults", fmt::format("expected at most {:g} random fault events per run (the event budget), found about "
                                        "{:g} ({:g} nodes for {:g} s in configuration {})",
                                        kFaultEventBudget, events, nodes, seconds, c.index));
      }
    }
  }
  if (const json* a = member(doc, "applications")) {
    if (!kind.takes_applications) {
      src.fail("/applications", fmt::format("expected no applications: experiment \"{}\" deploys none", kind.name));
    }
    sc.applications = read_applications(*a, src);
    for (const auto& c : sc.configs) {
      for (std::size_t i = 0; i < sc.applications.size(); ++i) {
        if (!kind.check_application) break;
        if (auto why = kind.check_application(c.params, sc.applications[i].topology)) {
          src.fail(child("/applications", i) + "/file",
                   fmt::format("{}: {} (in configuration {})", sc.applications[i].file, *why, c.index));
        }
      }
    }
  } else if (kind.takes_applications) {
    src.fail("/applications", fmt::format("expected a list of applications ({{\"file\": TOSCA YAML, \"weight\": share}}): "
                                          "experiment \"{}\" deploys them, found nothing",
                                          kind.name));
  }
}

// "power_curves": {"cpu": [w0, w10, ..., w100], ...}: a host class's measured power at 0%, 10%,
// ..., 100% utilization, as SPECpower reports it.
PowerCurves read_power_curves(const json& doc, const Source& src, const ExperimentKind& kind) {
  PowerCurves out;
  const json* pc = member(doc, "power_curves");
  if (!pc) return out;
  if (kind.power_curve_classes.empty()) {
    src.fail("/power_curves", fmt::format("expected no power curves: experiment \"{}\" measures no energy", kind.name));
  }
  require_object(*pc, src, "/power_curves");
  for (const auto& [cls, curve] : pc->items()) {
    if (std::find(kind.power_curve_classes.begin(), kind.power_curve_classes.end(), cls) == kind.power_curve_classes.end()) {
      unknown_key(src, "/power_curves", cls, "a host class", kind.power_curve_classes);
    }
    const std::string at = child("/power_curves", cls);
    if (!curve.is_array() || curve.size() != 11) {
      src.fail(at, fmt::format("expected a list of 11 powers in W (at 0%, 10%, ..., 100% utilization), found {}", found(curve)));
    }
    std::vector<double> w;
    for (std::size_t i = 0; i < curve.size(); ++i) {
      const json& v = curve[i];
      if (!v.is_number() || !std::isfinite(v.get<double>()) || v.get<double>() < 0 || v.get<double>() > 1e6) {
        src.fail(child(at, i), fmt::format("expected a power in W in [0, 1e6], found {}", found(v)));
      }
      if (!w.empty() && v.get<double>() < w.back()) {
        src.fail(child(at, i), fmt::format("expected at least the power at {}% ({:g} W): a host draws no less loaded, found {}",
                                           10 * (i - 1), w.back(), found(v)));
      }
      w.push_back(v.get<double>());
    }
    if (!(w.back() > 0)) src.fail(child(at, 10), "expected a power above 0 W at 100% utilization, found 0");
    out[cls] = std::move(w);
  }
  return out;
}

Scenario validate(const json& doc, const Source& src) {
  require_object(doc, src, "");
  for (const auto& [key, _] : doc.items()) {
    if (std::find(kTopLevel.begin(), kTopLevel.end(), key) == kTopLevel.end()) {
      unknown_key(src, "", key, "a scenario key", kTopLevel);
    }
  }
  Scenario sc;
  sc.document = doc;
  sc.kind = read_kind(doc, src);
  const ExperimentKind& kind = *sc.kind;
  if (const json* d = member(doc, "description"); d && !d->is_string()) {
    src.fail("/description", fmt::format("expected a string, found {}", found(*d)));
  }
  read_seed_and_repetitions(doc, src, sc);
  std::set<std::string> swept;
  const std::vector<std::vector<Value>> sweep_values = read_sweep(doc, src, kind, swept);
  const std::vector<Value> base =
      read_values(kind.params, member(doc, "params"), src, "/params", fmt::format("a parameter of \"{}\"", kind.name), swept);
  sc.output = ParamValues(&kind.outputs, read_values(kind.outputs, member(doc, "output"), src, "/output",
                                                     fmt::format("an output option of \"{}\"", kind.name), {}));
  build_configurations(src, base, sweep_values, swept, sc);
  read_faults_and_applications(doc, src, sc);
  sc.power_curves = read_power_curves(doc, src, kind);
  if (const json* crn = member(doc, "common_random_numbers")) {
    if (!crn->is_boolean()) src.fail("/common_random_numbers", fmt::format("expected true or false, found {}", found(*crn)));
    sc.common_random_numbers = crn->get<bool>();
  } else {
    sc.common_random_numbers = !sc.swept.empty() && std::all_of(sc.swept.begin(), sc.swept.end(), [&](const std::string& n) {
      return std::any_of(kind.params.begin(), kind.params.end(), [&](const ParamSpec& p) { return p.name == n && p.control; });
    });
  }
  return sc;
}

// Parses JSON, rejecting duplicate keys (which the JSON grammar allows and would hide a typo).
namespace {

// nlohmann's DOM builder behind a SAX handler that also sees every key: a duplicate is found in
// one pass. (The callback parser it replaces walked the parent array at the end of each object:
// quadratic, 10^5 scheduled faults took seconds and 10^6 never ended; issue 29.)
struct Frame {
  explicit Frame(bool is_array) : array(is_array) {}
  bool array;
  std::size_t index = 0;
  std::string key;
  std::set<std::string> keys;
};
struct Sax {
  nlohmann::detail::json_sax_dom_parser<json> dom;
  std::vector<Frame> stack;
  std::string duplicate_at;
  explicit Sax(json& doc) : dom(doc, true) {}
  std::string pointer() const {
    std::string p;
    for (const Frame& f : stack) p = f.array ? child(p, f.index) : child(p, f.key);
    return p;
  }
  bool value_done(bool ok) {
    if (!stack.empty() && stack.back().array) ++stack.back().index;
    return ok;
  }
  bool null() { return value_done(dom.null()); }
  bool boolean(bool v) { return value_done(dom.boolean(v)); }
  bool number_integer(json::number_integer_t v) { return value_done(dom.number_integer(v)); }
  bool number_unsigned(json::number_unsigned_t v) { return value_done(dom.number_unsigned(v)); }
  bool number_float(json::number_float_t v, const json::string_t& s) { return value_done(dom.number_float(v, s)); }
  bool string(json::string_t& v) { return value_done(dom.string(v)); }
  bool binary(json::binary_t& v) { return value_done(dom.binary(v)); }
  bool start_object(std::size_t n) {
    stack.emplace_back(false);
    return dom.start_object(n);
  }
  bool key(json::string_t& k) {
    Frame& f = stack.back();
    f.key = k;
    if (!f.keys.insert(k).second && duplicate_at.empty()) duplicate_at = pointer();
    return dom.key(k);
  }
  bool end_object() {
    stack.pop_back();
    return value_done(dom.end_object());
  }
  bool start_array(std::size_t n) {
    stack.emplace_back(true);
    return dom.start_array(n);
  }
  bool end_array() {
    stack.pop_back();
    return value_done(dom.end_array());
  }
  template <class Error>  // its own type: the DOM builder throws it as it is (a parse_error)
  bool parse_error(std::size_t position, const std::string& token, const Error& e) {
    return dom.parse_error(position, token, e);
  }
};
}  // namespace

json parse_json(const std::string& text, const std::string& label) {
  json doc;
  Sax sax(doc);
  const std::string& duplicate_at = sax.duplicate_at;
  try {
    json::sax_parse(text, &sax);
  } catch (const json::parse_error& e) {
    // Turn the byte offset into line and column.
    std::size_t line = 1, col = 1;
    for (std::size_t i = 0; i + 1 < e.byte && i < text.size(); ++i) {
      if (text[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    std::string why = e.what();
    if (auto pos = why.find("syntax error "); pos != std::string::npos) why = why.substr(pos);
    throw ValidationError(label, fmt::format("line {}, column {}", line, col),
                          "expected valid JSON, found malformed JSON: " + why);
  } catch (const json::exception& e) {
    // Number overflow (1e999): JSON has no infinity, and neither do our parameters.
    std::string why = e.what();
    if (auto pos = why.find("] "); pos != std::string::npos) why = why.substr(pos + 2);
    throw ValidationError(label, "", "expected finite numbers, found " + why);
  }
  if (!duplicate_at.empty()) {
    throw ValidationError(label, duplicate_at, "expected each key once in its object, found it twice");
  }
  return doc;
}

std::string to_pointer(const std::string& path) {
  if (!path.empty() && path[0] == '/') return path;
  std::string p;
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t dot = path.find('.', start);
    const std::string token = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    p = child(p, token);
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return p;
}

}  // namespace

Scenario parse_scenario(const json& doc, const std::string& label, const std::string& base_dir) {
  return validate(doc, Source{label, base_dir, {}});
}

std::uint64_t parse_seed(const std::string& text, const std::string& label) {
  std::uint64_t v = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || text[0] == '-' || text[0] == '+' || ec != std::errc() || ptr != end) {
    throw ValidationError(label, "", fmt::format("expected an integer in [0, 2^64 - 1], found \"{}\"", text));
  }
  return v;
}

std::string read_input_file(const std::string& file, std::size_t limit, const std::string& what) {
  if (file.empty()) throw ValidationError("''", "", fmt::format("expected the name of {}, found an empty one", what));
  if (std::error_code ec; std::filesystem::is_directory(file, ec)) {
    throw ValidationError(file, "", fmt::format("expected {}, found a directory", what));
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) throw ValidationError(file, "", fmt::format("expected a readable file, found: {}", std::strerror(errno)));
  // Read in blocks up to one byte past the limit: a device or a pipe has no size to ask for.
  std::string text;
  char block[65536];
  while (in && text.size() <= limit) {
    in.read(block, sizeof block);
    text.append(block, static_cast<std::size_t>(in.gcount()));
  }
  if (text.size() > limit) {
    throw ValidationError(file, "", fmt::format("expected {} of at most {} MiB, found more", what, limit >> 20));
  }
  return text;
}

Scenario load_scenario(const std::string& file, const std::vector<std::string>& sets, std::optional<std::uint64_t> seed) {
  return scenario_from_text(read_input_file(file, kMaxScenarioBytes, "a scenario file"), file,
                            std::filesystem::path(file).parent_path().string(), sets, seed);
}

Scenario scenario_from_text(const std::string& text, const std::string& file, const std::string& base_dir,
                            const std::vector<std::string>& sets, std::optional<std::uint64_t> seed) {
  json doc = parse_json(text, file);

  Source src{file, base_dir, {}};
  if (seed) {
    if (doc.is_object()) doc["seed"] = *seed;
    src.overridden.emplace_back("/seed", fmt::format("--seed {}", *seed));
  }
  for (const auto& set : sets) {
    const auto eq = set.find('=');
    if (eq == std::string::npos) {
      throw ValidationError("--set " + set, "", "expected PATH=VALUE (e.g. params.j=0.1), found no '='");
    }
    if (eq == 0) throw ValidationError("--set " + set, "", "expected PATH=VALUE (e.g. params.j=0.1), found an empty path");
    const std::string pointer = to_pointer(set.substr(0, eq));
    const std::string value_text = set.substr(eq + 1);
    json value;
    try {
      value = json::parse(value_text);
    } catch (const json::exception&) {
      value = value_text;  // not JSON: take it as a string (e.g. a variant name)
    }
    if (!doc.is_object()) break;  // reported by validation below
    try {
      doc[json::json_pointer(pointer)] = value;
    } catch (const json::exception&) {
      throw ValidationError("--set " + set, pointer, "expected a path into the scenario's objects, found one that cannot be set");
    }
    src.overridden.emplace_back(pointer, set);
  }
  Scenario sc = validate(doc, src);
  sc.file = file;
  sc.file_sha256 = sha256_hex(text);
  sc.overrides = sets;
  return sc;
}

}  // namespace cansim::scenario

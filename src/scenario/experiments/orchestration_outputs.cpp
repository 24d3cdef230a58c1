// The tables and trace an orchestration run can write (orchestration_params.hpp): the sequence of
// interactions, every failure, gas by function and role, and the Chrome trace.
#include "orchestration_params.hpp"  // declares them

#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace cansim::scenario {

void write_orchestration_outputs(RunResult& r, const ParamValues& output, const orchestration::OrchestrationWorld& w) {
  if (output.boolean("faults")) r.tables.push_back(orchestration_fault_table(w));
  if (output.boolean("gas")) r.tables.push_back(gas_table(w));
  if (output.boolean("sequence")) r.tables.push_back(sequence_table(w));
  if (output.boolean("trace")) r.chrome_trace = orchestration_trace(w);
  r.fingerprint = w.cloud.sim.fingerprint();
}

Table sequence_table(const orchestration::OrchestrationWorld& w) {
  std::vector<double> time;
  std::vector<std::string> from, to, what;
  for (const auto& e : w.sequence) {
    time.push_back(e.at.to_seconds());
    from.push_back(e.from);
    to.push_back(e.to);
    what.push_back(e.what);
  }
  return Table{
      "sequence", {"time_s", "from", "to", "what"}, {std::move(time), std::move(from), std::move(to), std::move(what)}, true};
}

Table orchestration_fault_table(const orchestration::OrchestrationWorld& w) {
  std::vector<double> time;
  std::vector<std::string> kind, who;
  for (std::size_t i = 0; i < w.faults.size(); ++i) {
    time.push_back(w.faults[i].time.to_seconds());
    kind.push_back(w.faults[i].kind);
    who.push_back(w.fault_names[i]);
  }
  return Table{"faults", {"time_s", "kind", "who"}, {std::move(time), std::move(kind), std::move(who)}, true};
}

Table gas_table(const orchestration::OrchestrationWorld& w) {
  std::vector<std::string> what, name;
  std::vector<std::int64_t> gas;
  for (const auto& [fn, g] : w.gas_by_function) {
    what.push_back("function");
    name.push_back(fn);
    gas.push_back(static_cast<std::int64_t>(g));
  }
  for (const auto& [role, g] : w.gas_by_role) {
    what.push_back("role");
    name.push_back(role);
    gas.push_back(static_cast<std::int64_t>(g));
  }
  return Table{"gas", {"by", "name", "gas"}, {std::move(what), std::move(name), std::move(gas)}, true};
}

std::string orchestration_trace(const orchestration::OrchestrationWorld& w) {
  using json = nlohmann::ordered_json;
  // One thread per participant, numbered in order of first appearance.
  std::map<std::string, int> tid;
  json events = json::array();
  auto thread = [&](const std::string& who) {
    auto [it, fresh] = tid.emplace(who, static_cast<int>(tid.size()) + 1);
    return it->second;
  };
  for (const auto& e : w.sequence) {
    events.push_back({{"name", e.what},
                      {"cat", "orchestration"},
                      {"ph", "i"},
                      {"s", "t"},
                      {"ts", e.at.us},
                      {"pid", 1},
                      {"tid", thread(e.from)},
                      {"args", {{"to", e.to}}}});
  }
  // Each application's stretches on its Orchestrators: from its (re)assignment to the next one
  // or to its Shutdown.
  std::map<std::int64_t, std::pair<std::string, std::int64_t>> running;  // app -> (Orchestrator, since)
  const auto close = [&](std::int64_t app, std::int64_t until) {
    auto it = running.find(app);
    if (it == running.end()) return;
    events.push_back({{"name", fmt::format("application {}", app)},
                      {"cat", "work"},
                      {"ph", "X"},
                      {"ts", it->second.second},
                      {"dur", until - it->second.second},
                      {"pid", 1},
                      {"tid", thread(it->second.first)}});
    running.erase(it);
  };
  std::int64_t end = 0;
  for (const auto& e : w.sequence) {
    end = std::max(end, e.at.us);
    if (e.app < 0) continue;
    const bool assigned = e.what.rfind("AssignWork", 0) == 0 || e.what.rfind("ReassignWork", 0) == 0;
    if (assigned || e.what == "Shutdown") close(e.app, e.at.us);
    if (assigned) running[e.app] = {e.to, e.at.us};
  }
  while (!running.empty()) close(running.begin()->first, end);
  json meta = json::array();
  meta.push_back({{"name", "process_name"}, {"ph", "M"}, {"pid", 1}, {"args", {{"name", "orchestration"}}}});
  for (const auto& [who, id] : tid) {
    meta.push_back({{"name", "thread_name"}, {"ph", "M"}, {"pid", 1}, {"tid", id}, {"args", {{"name", who}}}});
  }
  for (auto& e : events) meta.push_back(std::move(e));
  return json{{"traceEvents", std::move(meta)}, {"displayTimeUnit", "ms"}}.dump() + "\n";
}

}  // namespace cansim::scenario

#include "can_params.hpp"

#include <cmath>
#include <map>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace cansim::scenario {

namespace {

SimTime ms(const ParamValues& p, const char* name) { return millis(p.integer(name)); }

chain::ChainConfig chain_config(const ParamValues& p) {
  chain::ChainConfig cc;
  cc.block_interval = SimTime{static_cast<std::int64_t>(std::llround(p.real("block_interval_s") * 1e6))};
  return cc;
}

LinkModel link_model(const ParamValues& p) {
  LinkModel link;
  link.base = ms(p, "latency_ms");
  link.loss = p.real("loss");
  return link;
}

}  // namespace

std::vector<ParamSpec> can_timing_params(const std::string& check_interval_note) {
  const can::CanConfig d;  // the defaults are the protocol's, declared once there
  return {
      ParamSpec::integer("check_interval_ms", "each member's checkState period" + check_interval_note)
          .at_least(1)
          .at_most(1e9)
          .def(whole_ms(d.check_interval))
          .in_unit("ms"),
      ParamSpec::integer("ping_timeout_ms", "a ping unanswered this long finds its target silent")
          .at_least(1)
          .at_most(1e9)
          .def(whole_ms(d.ping_timeout))
          .in_unit("ms"),
      ParamSpec::integer("ping_attempts", "pings before a peer counts as silent; 1 is Algorithm 2 as written")
          .at_least(1)
          .at_most(100)
          .def(std::int64_t{d.ping_attempts}),
      ParamSpec::integer("vote_timeout_ms", "how long a proposer or a removal vote waits for answers")
          .at_least(1)
          .at_most(1e9)
          .def(whole_ms(d.vote_timeout))
          .in_unit("ms"),
      ParamSpec::integer("promise_ttl_ms", "a promise no proposer followed up lapses after this")
          .at_least(1)
          .at_most(1e9)
          .def(whole_ms(d.promise_ttl))
          .in_unit("ms"),
  };
}

std::vector<ParamSpec> can_protocol_params() {
  std::vector<ParamSpec> out = can_timing_params();
  out.push_back(ParamSpec::integer("latency_ms", "one-way message latency").at_least(0).at_most(1e7).def(10).in_unit("ms"));
  out.push_back(ParamSpec::probability("loss", "probability that a message is lost").def(0.0));
  out.push_back(ParamSpec::real("block_interval_s", "time between blocks").above(0).at_most(1e6).def(1.0).in_unit("s"));
  return out;
}

ParamSpec fault_output() {
  return ParamSpec::boolean("faults", "write faults.csv: every fault injected in the run (time, kind, nodes)").def(false);
}

Table fault_table(const std::vector<FaultRecord>& faults, bool write) {
  std::vector<double> time;
  std::vector<std::string> kind, nodes;
  for (const FaultRecord& f : faults) {
    time.push_back(f.time.to_seconds());
    kind.push_back(f.kind);
    std::string list;
    for (NodeId n : f.nodes) {
      if (!list.empty()) list += ' ';
      list += std::to_string(n);
    }
    nodes.push_back(std::move(list));
  }
  return Table{"faults", {"time_s", "kind", "nodes"}, {std::move(time), std::move(kind), std::move(nodes)}, write};
}

ParamSpec trace_output() {
  return ParamSpec::boolean("trace",
                            "write traces/run-N.json: the run's protocol events, faults and work as Chrome "
                            "trace-event JSON (open it in Perfetto or chrome://tracing)")
      .def(false);
}

std::string chrome_trace(const can::Can& can, const Network<can::CanMsg>& net, std::size_t members) {
  using json = nlohmann::ordered_json;
  json events = json::array();
  const auto pid = [members](NodeId n) { return n < members ? 0 : 1; };
  std::set<NodeId> seen;
  const auto instant = [&](std::int64_t ts, NodeId n, const std::string& name, const char* cat, json args) {
    seen.insert(n);
    events.push_back({{"name", name},
                      {"cat", cat},
                      {"ph", "i"},
                      {"s", "t"},
                      {"ts", ts},
                      {"pid", pid(n)},
                      {"tid", n},
                      {"args", std::move(args)}});
  };
  for (const FaultRecord& f : net.faults()) {
    if (f.nodes.empty()) {  // heal: the whole system
      events.push_back({{"name", f.kind}, {"cat", "fault"}, {"ph", "i"}, {"s", "g"}, {"ts", f.time.us}, {"pid", 0}, {"tid", 0}});
    }
    for (NodeId n : f.nodes) instant(f.time.us, n, f.kind, "fault", json::object());
  }
  // Each Work Entry's stretches: from its (re)assignment to the next one or to FinishWork.
  std::map<std::uint64_t, std::pair<NodeId, std::int64_t>> running;  // work -> (component, since)
  const auto close = [&](std::uint64_t w, std::int64_t until) {
    auto it = running.find(w);
    if (it == running.end()) return;
    const auto [comp, since] = it->second;
    events.push_back({{"name", fmt::format("work {}", w)},
                      {"cat", "work"},
                      {"ph", "X"},
                      {"ts", since},
                      {"dur", until - since},
                      {"pid", pid(comp)},
                      {"tid", comp}});
    running.erase(it);
  };
  for (const can::ProtocolEvent& e : can.events()) {
    const std::string what = e.what;
    instant(e.at.us, e.node, what, "can", {{"a", e.a}, {"b", e.b}});
    if (what == "AssignWork" || what == "ReassignWork") {
      close(e.a, e.at.us);
      running[e.a] = {e.node, e.at.us};
    } else if (what == "FinishWork") {
      close(e.a, e.at.us);
    }
  }
  std::int64_t end = 0;
  for (const auto& e : events) end = std::max(end, e["ts"].get<std::int64_t>());
  while (!running.empty()) close(running.begin()->first, end);
  json meta = json::array();
  meta.push_back({{"name", "process_name"}, {"ph", "M"}, {"pid", 0}, {"args", {{"name", "CAN members"}}}});
  meta.push_back({{"name", "process_name"}, {"ph", "M"}, {"pid", 1}, {"args", {{"name", "components"}}}});
  for (NodeId n : seen) {
    meta.push_back({{"name", "thread_name"},
                    {"ph", "M"},
                    {"pid", pid(n)},
                    {"tid", n},
                    {"args", {{"name", fmt::format("{} {}", n < members ? "member" : "component", n)}}}});
  }
  for (auto& e : events) meta.push_back(std::move(e));
  return json{{"traceEvents", std::move(meta)}, {"displayTimeUnit", "ms"}}.dump() + "\n";
}

can::CanConfig can_config(const ParamValues& p) {
  can::CanConfig cfg;
  cfg.check_interval = ms(p, "check_interval_ms");
  cfg.ping_timeout = ms(p, "ping_timeout_ms");
  cfg.vote_timeout = ms(p, "vote_timeout_ms");
  cfg.promise_ttl = ms(p, "promise_ttl_ms");
  cfg.ping_attempts = static_cast<std::uint32_t>(p.integer("ping_attempts"));
  return cfg;
}

can::CanWorldConfig can_world_config(const ParamValues& p, std::size_t nodes, std::size_t members, std::size_t components,
                                     std::uint64_t nmin, std::uint64_t nmax, const can::CanConfig& cfg, const FaultPlan& faults) {
  can::CanWorldConfig w;
  w.nodes = nodes;
  w.members = members;
  w.components = components;
  w.nmin = nmin;
  w.nmax = nmax;
  w.chain = chain_config(p);
  w.link = link_model(p);
  w.can = cfg;
  w.faults = faults;
  return w;
}

}  // namespace cansim::scenario

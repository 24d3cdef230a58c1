// Experiment kind "churn_protocol": the join/churn experiment of §4.1.1 (Figures 4.2 and 4.3)
// over the message-level CAN (protocols/can/can.hpp) instead of the abstract step model.
//
// A step is a stretch of simulated time. At its start every node outside the CAN that is up asks
// to join with probability j, at a random moment within the join window (askJoin; the leader
// answers by Algorithm 1, checks the endpoint and registers the member in the Registry); at
// crash_at_s into the step every member that is up crashes with probability f. Nobody tells the
// CAN: checkState finds the crashes, RemoveNode votes them out (only while more than half of the
// Registry's members answer), LeadElect replaces a lost leader (same majority). A crashed node
// comes back as a candidate at the start of the first step after the CAN removed it; while the
// Registry still lists it, it stays down (it would otherwise come back as a member). The size
// sampled (at the end of each step, or right before the crashes) is the number of the Registry's
// members that are up. With at_zero = "bootstrap", a step that ends with no member up (after
// bootstrap_delay such steps) makes the Registry owner send Registry.bootstrap with a random live
// node as the new leader; it lands in the first block of the next step.
#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

#include <fmt/format.h>

#include "can_world.hpp"
#include "cansim/model/chain/contracts/registry.hpp"
#include "cansim/sim/faults.hpp"
#include "cansim/sim/stats.hpp"
#include "experiments.hpp"

namespace cansim::scenario {

namespace {

SimTime secs(const ParamValues& p, const char* name) {
  return SimTime{static_cast<std::int64_t>(std::llround(p.real(name) * 1e6))};
}

RunResult run(const RunContext& ctx, const ExperimentKind& kind) {
  const ParamValues& p = ctx.params;
  const auto ntotal = static_cast<std::size_t>(p.integer("ntotal"));
  const std::int64_t nmin = p.integer("nmin"), steps = p.integer("steps");
  const double f = p.real("f"), j = p.real("j");
  const SimTime step = secs(p, "step_s"), join_window = secs(p, "join_window_s"), crash_at = secs(p, "crash_at_s");
  const bool bootstrap = p.choice("at_zero") == "bootstrap", after_joins = p.choice("sample") == "after_joins";
  const std::int64_t bootstrap_delay = p.integer("bootstrap_delay");
  const Rng root(ctx.seed);
  can::CanConfig cfg = can_config(p);
  cfg.trace = ctx.output.boolean("trace");
  can::CanWorld world(can_world_config(p, ntotal, 1, 0, static_cast<std::uint64_t>(nmin),
                                       static_cast<std::uint64_t>(p.integer("nmax")), cfg, ctx.faults),
                      root);
  can::Can& can = *world.can;
  Rng draws = root.stream("churn");

  std::vector<char> crashed_by_step(ntotal, 0);
  std::vector<NodeId> ascending;  // the Registry's members in node order: the draws go in that order
  std::vector<std::int64_t> size, listed;
  std::int64_t crashes = 0, leader_crashes = 0, first_zero = -1, zero_steps = 0, bootstraps = 0;
  struct Count {
    std::int64_t up = 0, listed = 0;  // the Registry's members that are up, and all of them
  };
  auto count = [&] {
    Count k;
    for (NodeId n : can.members()) {
      ++k.listed;
      k.up += world.net.is_up(n) ? 1 : 0;
    }
    return k;
  };
  auto sample = [&](Count k) {
    size.push_back(k.up);
    listed.push_back(k.listed);
  };
  auto returns_and_joins = [&] {
    for (NodeId n = 0; n < ntotal; ++n) {
      if (crashed_by_step[n] && !can.is_member(n) && !world.net.is_up(n)) {  // removed by the CAN: a candidate again
        crashed_by_step[n] = 0;
        world.net.recover(n);
        can.on_recover(n);
      }
    }
    for (NodeId n = 0; n < ntotal; ++n) {
      if (can.is_member(n) || !world.net.is_up(n) || !draws.bernoulli(j)) continue;
      const SimTime when{draws.uniform_int(0, join_window.us)};
      world.sim.after(when, [&can, n] { can.ask_join(n); });
    }
  };
  auto crashes_now = [&] {
    ascending.assign(can.members().begin(), can.members().end());
    std::sort(ascending.begin(), ascending.end());
    const NodeId leader = can.current_leader();
    for (NodeId n : ascending) {
      if (!world.net.is_up(n) || !draws.bernoulli(f)) continue;
      world.net.crash(n);
      can.on_crash(n);
      crashed_by_step[n] = 1;
      ++crashes;
      leader_crashes += n == leader ? 1 : 0;
    }
  };
  auto end_of_step = [&](std::int64_t s) {
    const Count k = count();
    if (!after_joins) sample(k);
    if (k.up == 0 && first_zero < 0) first_zero = s + 1;
    zero_steps = k.up == 0 ? zero_steps + 1 : 0;
    if (!bootstrap || zero_steps <= bootstrap_delay) return;
    std::vector<NodeId> alive;
    for (NodeId n = 0; n < ntotal; ++n) {
      if (world.net.is_up(n)) alive.push_back(n);
    }
    if (alive.empty()) return;
    ++bootstraps;
    zero_steps = 0;
    world.chain.submit(chain::registry::bootstrap(world.reg, world.owner, can::member_address(alive[draws.below(alive.size())])));
  };
  // Each step schedules its own events and the next step, so the queue holds one step at a time.
  std::function<void(std::int64_t)> begin_step = [&](std::int64_t s) {
    const SimTime t0 = step * s;
    returns_and_joins();
    world.sim.at(t0 + crash_at, crashes_now);
    if (after_joins) world.sim.at(t0 + crash_at - SimTime{1}, [&] { sample(count()); });
    world.sim.at(t0 + step - SimTime{1}, [&end_of_step, s] { end_of_step(s); });
    if (s + 1 < steps) world.sim.at(t0 + step, [&begin_step, s] { begin_step(s + 1); });
  };
  world.sim.at(SimTime{0}, [&begin_step] { begin_step(0); });
  can.start();
  world.sim.run_until(step * steps);

  RunResult r;
  RunningStats listed_mean;
  for (std::int64_t x : listed) listed_mean.add(static_cast<double>(x));
  std::map<std::string, double> m = churn_size_metrics(size, nmin, first_zero);
  m["joins"] = static_cast<double>(can.joins());
  m["crashes"] = static_cast<double>(crashes);
  m["leader_crashes"] = static_cast<double>(leader_crashes);
  m["elections"] = static_cast<double>(can.elections().size());
  m["removals"] = static_cast<double>(can.removals());
  m["mean_registry_members"] = listed_mean.mean();
  m["messages"] = static_cast<double>(can.messages_sent());
  m["gas"] = static_cast<double>(world.gas_used());
  m["bootstraps"] = static_cast<double>(bootstraps);
  r.metrics = metrics_by_name(kind, m);
  const std::size_t n = size.size();
  r.tables.push_back(Table{"sizes",
                           {"step", "size", "registry_members"},
                           {Sequence{1, n}, std::move(size), std::move(listed)},
                           ctx.output.boolean("per_step")});
  if (ctx.output.boolean("faults")) r.tables.push_back(fault_table(world.net.faults(), true));
  if (ctx.output.boolean("trace")) r.trace = chrome_trace(can, world.net, ntotal);
  r.trace_hash = world.sim.trace_hash();
  return r;
}

}  // namespace

ExperimentKind churn_protocol_kind() {
  ExperimentKind k;
  k.name = "churn_protocol";
  k.description =
      "The join/churn experiment of §4.1.1 (Figures 4.2, 4.3) over the message-level CAN: a step is a stretch of "
      "simulated time; joins go through askJoin/listenJoin and the Registry, crashes are found by checkState and "
      "removed by vote, a lost leader is replaced by LeadElect.";
  k.params = {
      ParamSpec::integer("ntotal", "Ntotal: nodes in the system, all Registry candidates; node 0 is the appointed leader")
          .at_least(1)
          .at_most(10000)
          .def(100),
      ParamSpec::integer("nmin", "Nmin: the minimum number of replicas the leader aims for (Algorithm 1)")
          .at_least(0)
          .at_most(10000)
          .def(4),
      ParamSpec::integer("nmax", "Nmax: the CAN never grows beyond this (Algorithm 1)").at_least(1).at_most(10000).def(10),
      ParamSpec::integer("steps", "steps per run").at_least(1).at_most(1e6).def(100),
      ParamSpec::probability("f", "probability that a member that is up crashes in a step"),
      ParamSpec::probability("j", "probability that a node outside the CAN that is up asks to join in a step"),
      ParamSpec::real("step_s", "simulated time of one step").above(0).at_most(1e6).def(10.0).in_unit("s"),
      ParamSpec::real("join_window_s", "join requests go out at random times in [0, join_window_s) of the step")
          .at_least(0)
          .at_most(1e6)
          .def(2.0)
          .in_unit("s"),
      ParamSpec::real("crash_at_s", "when in the step the crashes happen (all at once)")
          .at_least(0)
          .at_most(1e6)
          .def(5.0)
          .in_unit("s"),
      ParamSpec::choice("at_zero", {"dead", "bootstrap"},
                        "when a step ends with no member up: dead for good (nobody can elect or accept anyone), or the Registry "
                        "owner sends Registry.bootstrap with a random live node as leader after bootstrap_delay such steps")
          .def(std::string("dead")),
      ParamSpec::integer("bootstrap_delay", "whole steps at size 0 before the bootstrap, for at_zero = \"bootstrap\"")
          .at_least(0)
          .at_most(1e9)
          .def(0),
      ParamSpec::choice("sample", {"end_of_step", "after_joins"},
                        "when the size is observed: at the end of the step, or right before the crashes")
          .def(std::string("end_of_step")),
  };
  for (ParamSpec& s : can_protocol_params()) k.params.push_back(std::move(s));
  k.metrics = churn_size_metric_specs();
  for (MetricSpec m : std::vector<MetricSpec>{
           {"joins", "members registered through Join"},
           {"crashes", "members crashed"},
           {"leader_crashes", "crashes of the Registry's leader"},
           {"elections", "leader changes in the Registry: LeadElect's, and the owner's bootstraps"},
           {"removals", "members removed by vote"},
           {"mean_registry_members", "mean over steps of the Registry's member count, crashed members not yet removed included"},
           {"messages", "protocol messages sent"},
           {"gas", "gas of all Registry transactions"},
           {"bootstraps", "Registry.bootstrap transactions the owner sent (at_zero = \"bootstrap\")"},
       }) {
    k.metrics.push_back(m);
  }
  k.outputs = {
      ParamSpec::boolean("per_step", "write sizes.csv: the size and the Registry's member count at every step of every run")
          .def(false),
      fault_output(),
      trace_output(),
  };
  k.check = [](const ParamValues& p) -> std::optional<ParamError> {
    if (auto e = check_churn_sizes(p)) return e;
    if (p.real("join_window_s") > p.real("crash_at_s")) {
      return ParamError{"join_window_s",
                        fmt::format("expected at most crash_at_s ({}), found {}", p.real("crash_at_s"), p.real("join_window_s"))};
    }
    if (p.real("crash_at_s") >= p.real("step_s")) {
      return ParamError{"crash_at_s",
                        fmt::format("expected less than step_s ({}), found {}", p.real("step_s"), p.real("crash_at_s"))};
    }
    return std::nullopt;
  };
  k.fault_nodes = [](const ParamValues& p) { return static_cast<std::uint64_t>(p.integer("ntotal")); };
  k.fault_nodes_description = "the Ntotal nodes";
  k.run_seconds = [](const ParamValues& p) { return static_cast<double>(p.integer("steps")) * p.real("step_s"); };
  k.run = [](const RunContext& ctx) { return run(ctx, *find_kind("churn_protocol")); };
  k.summarize = churn_size_summary;
  k.headline = {"mean_size", "min_size", "max_size", "share_below_nmin", "reached_zero", "elections"};
  return k;
}

}  // namespace cansim::scenario

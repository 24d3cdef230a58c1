// Experiment kind "churn_protocol": the join/churn experiment of §4.1.1 (Figures 4.2 and 4.3)
// over the message-level CAN (scenario/churn/churn_workload.hpp) instead of the abstract step model.
#include <cmath>

#include <fmt/format.h>

#include "can_params.hpp"
#include "cansim/scenario/churn/churn_workload.hpp"
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
  const std::int64_t nmin = p.integer("nmin");
  churn::ChurnWorkloadConfig w;
  w.steps = p.integer("steps");
  w.f = p.real("f");
  w.j = p.real("j");
  w.step = secs(p, "step_s");
  w.join_window = secs(p, "join_window_s");
  w.crash_at = secs(p, "crash_at_s");
  w.at_zero = p.choice("at_zero") == "bootstrap" ? churn::AtZero::Bootstrap : churn::AtZero::Dead;
  w.bootstrap_delay = p.integer("bootstrap_delay");
  w.sample = p.choice("sample") == "after_joins" ? churn::SamplePoint::AfterJoins : churn::SamplePoint::EndOfStep;
  const Rng root(ctx.seed);
  can::CanConfig cfg = can_config(p);
  cfg.record_events = ctx.output.boolean("trace");
  cfg.rejoin_interval = SimTime{0};  // Algorithm 1's joins are the churn workload's
  cfg.serial_membership = false;     // as the paper's experiment: several joins at once
  can::CanWorld world(can_world_config(p, ntotal, 1, 0, static_cast<std::uint64_t>(nmin),
                                       static_cast<std::uint64_t>(p.integer("nmax")), cfg, ctx.faults),
                      root);
  can::Can& can = *world.can;
  // A run under millions of faults keeps none it will not write.
  world.net.record_faults(ctx.output.boolean("faults") || ctx.output.boolean("trace"));
  churn::ChurnWorkload workload(world, w, root.stream("churn"));
  workload.start();
  can.start();
  world.sim.run_until(w.step * w.steps);

  churn::ChurnObservations seen = workload.observed();
  RunResult r;
  RunningStats listed_mean;
  for (std::int64_t x : seen.listed) listed_mean.add(static_cast<double>(x));
  std::map<std::string, double> m = churn_size_metrics(seen.size, nmin, seen.first_zero);
  m["joins"] = static_cast<double>(can.joins());
  m["crashes"] = static_cast<double>(seen.crashes);
  m["leader_crashes"] = static_cast<double>(seen.leader_crashes);
  m["elections"] = static_cast<double>(can.elections().size());
  m["removals"] = static_cast<double>(can.removals());
  m["mean_registry_members"] = listed_mean.mean();
  m["messages"] = static_cast<double>(can.messages_sent());
  m["gas"] = static_cast<double>(world.gas_used());
  m["bootstraps"] = static_cast<double>(seen.bootstraps);
  r.metrics = metrics_by_name(kind, m);
  const std::size_t n = seen.size.size();
  r.tables.push_back(Table{"sizes",
                           {"step", "size", "registry_members"},
                           {Sequence{1, n}, std::move(seen.size), std::move(seen.listed)},
                           ctx.output.boolean("per_step")});
  if (ctx.output.boolean("faults")) r.tables.push_back(fault_table(world.net.faults(), true));
  if (ctx.output.boolean("trace")) r.chrome_trace = chrome_trace(can, world.net, ntotal);
  r.fingerprint = world.sim.fingerprint();
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

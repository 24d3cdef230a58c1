// Experiment kind "fig5_1": the failover of Figure 5.1, step by step. A client instantiates the
// Ray Tracing application; the OCAN leader gives it to Orchestrator 1 (AssignWork), which deploys
// the rendering engine and checkpoints SERVICE_UP; it then crashes. An OCAN node finds it silent,
// the leader deregisters it by vote and reassigns the work with its checkpoint to Orchestrator 2,
// which finds the engine up, deploys the web front end (SERVICE_UP) and, all services running,
// checkpoints APP_OK. A service failure later gives SERVICE_DOWN, a redeploy and SERVICE_UP. The
// run's sequence.csv is what scripts/plot/sequence.py draws.
#include <cmath>

#include <fmt/format.h>

#include "cansim/orchestration/orchestration_world.hpp"
#include "cansim/sim/invariant.hpp"
#include "cloud_params.hpp"
#include "experiments.hpp"
#include "orchestration_params.hpp"

namespace cansim::scenario {

namespace {

using orchestration::AppRecord;
using orchestration::CheckpointType;
using orchestration::OrchestrationWorld;

// The CAN's own protocol events about Orchestrators, in the sequence's words.
void merge_can_events(OrchestrationWorld& w) {
  for (const can::ProtocolEvent& e : w.ocan->events()) {
    const std::string what = e.what;
    std::string from, to, label;
    if (what == "RemoveRequest" && e.a >= w.cfg.members) {
      from = fmt::format("OCAN node {}", e.node);
      to = "OCAN leader";
      label = fmt::format("{} is silent (checkState)", w.orchestrator_name(static_cast<NodeId>(e.a)));
    } else if (what == "Deregister" && e.a >= w.cfg.members) {
      from = to = "OCAN leader";
      label = fmt::format("Deregister {} (vote)", w.orchestrator_name(static_cast<NodeId>(e.a)));
    } else if (what == "LeaderChanged") {
      from = to = "OCAN leader";
      label = fmt::format("LeaderChanged (nonce {}, member {})", e.a, e.node);
    } else {
      continue;
    }
    w.sequence.push_back({e.at, from, to, label, -1});
  }
  std::stable_sort(w.sequence.begin(), w.sequence.end(), [](const auto& a, const auto& b) { return a.at < b.at; });
}

RunResult run(const RunContext& ctx, const ExperimentKind& kind) {
  const ParamValues& p = ctx.params;
  const Rng root(ctx.seed);
  orchestration::OrchestrationConfig cfg = orchestration_config(p, ctx.faults);
  cfg.sequence = true;
  cfg.can.record_events = true;
  OrchestrationWorld w(cfg, root);
  w.start();
  const auto crash_after = static_cast<std::size_t>(p.integer("crash_after_checkpoints"));
  const auto failed_service = p.integer("failed_service");
  const SimTime fail_after = SimTime{static_cast<std::int64_t>(std::llround(p.real("service_failure_after_s") * 1e6))};
  NodeId first = can::kNoComponent;
  SimTime crashed_at{-1};
  w.leader.committed_checkpoint.connect([&](std::size_t r) {
    if (r != 0 || crash_after == 0 || first != can::kNoComponent || w.leader.committed_of(r).size() != crash_after) return;
    first = w.leader.orchestrator_of(r);
    crashed_at = w.cloud.sim.now();
    w.crash(first);
  });
  w.first_all_up.connect([&](std::size_t r) {
    if (r != 0 || failed_service < 0) return;
    w.cloud.sim.after(fail_after, [&w, failed_service] { w.fail_service(0, static_cast<std::uint32_t>(failed_service)); });
  });
  bool ended = false;
  w.request(ctx.applications.front().topology, SimTime{static_cast<std::int64_t>(std::llround(p.real("run_s") * 1e6))}, {},
            [&](std::size_t) { ended = true; });
  const SimTime limit = SimTime{static_cast<std::int64_t>(std::llround(p.real("max_duration_s") * 1e6))};
  while (!ended && w.cloud.sim.now() < limit) w.cloud.sim.run_until(std::min(limit, w.cloud.sim.now() + seconds(10)));
  if (w.apps.empty()) throw InvariantViolation(w.cloud.sim.now(), "fig5_1", "the application was never instantiated");
  w.drain_chain();
  w.check_funds();
  merge_can_events(w);
  const AppRecord& rec = w.apps[0];
  const double nan = std::nan("");
  double reassigned_after = nan;
  for (const auto& re : w.ocan->reassignments()) {
    if (crashed_at.us >= 0 && re.at >= crashed_at) {
      reassigned_after = (re.at - crashed_at).to_seconds();
      break;
    }
  }
  std::map<std::string, double> m;
  const auto count = [&](CheckpointType t) {
    return static_cast<double>(
        std::count_if(rec.appended.begin(), rec.appended.end(), [t](const auto& c) { return c.type == t; }));
  };
  const cloud::Instances& inst = w.cloud.hypervisors->instances();
  double first_service_deploys = 0;
  for (cloud::InstanceId i = 0; i < inst.size(); ++i)
    first_service_deploys += inst[i].service == rec.topology->order.front() ? 1 : 0;
  double by_first = 0, by_second = 0;
  for (const auto& c : rec.appended) (c.orchestrator == first ? by_first : by_second) += 1;
  m["reassignments"] = static_cast<double>(w.ocan->reassignments().size());
  m["reassigned_after_s"] = reassigned_after;
  m["first_service_instances"] = first_service_deploys;
  m["service_up"] = count(CheckpointType::ServiceUp);
  m["service_down"] = count(CheckpointType::ServiceDown);
  m["app_ok"] = count(CheckpointType::AppOk);
  m["app_shutdown"] = count(CheckpointType::AppShutdown);
  m["checkpoints_by_first"] = first == can::kNoComponent ? nan : by_first;
  m["checkpoints_by_others"] = by_second;
  m["time_to_deploy_s"] = rec.all_up.us > 0 ? (rec.all_up - rec.instantiated).to_seconds() : nan;
  m["paid_minutes"] = rec.paid_time.to_seconds() / 60;
  m["up_minutes"] = rec.up_time.to_seconds() / 60;
  m["settled"] = rec.settled ? 1 : 0;
  RunResult r;
  r.metrics = metrics_by_name(kind, m);
  write_orchestration_outputs(r, ctx.output, w);
  return r;
}

}  // namespace

ExperimentKind fig5_1_kind() {
  ExperimentKind k;
  k.name = "fig5_1";
  k.description =
      "Figure 5.1: an Orchestrator crashes after the first service is up; the OCAN deregisters it and reassigns the work to "
      "another, which continues from the checkpoint; a service failure is redeployed (§5). The first application file is the "
      "one deployed.";
  k.params = {
      ParamSpec::integer("crash_after_checkpoints",
                         "the first Orchestrator crashes once this many of its checkpoints are committed "
                         "(0: it does not)")
          .at_least(0)
          .at_most(1e6)
          .def(1),
      ParamSpec::integer("failed_service", "the service (topology index) that fails once all are up (-1: none)")
          .at_least(-1)
          .at_most(4095)
          .def(1),
      ParamSpec::real("service_failure_after_s", "how long after all services are up the service fails")
          .at_least(0)
          .at_most(1e9)
          .def(90.0)
          .in_unit("s"),
      ParamSpec::real("run_s", "running time the client asks for").at_least(1).at_most(1e9).def(600.0).in_unit("s"),
      ParamSpec::real("max_duration_s", "the run ends here even if the application still runs")
          .at_least(1)
          .at_most(1e10)
          .def(86400.0)
          .in_unit("s"),
  };
  declare_orchestration_kind(k);
  k.metrics = {
      {"reassignments", "ReassignWork entries the OCAN committed"},
      {"reassigned_after_s", "from the Orchestrator's crash to the ReassignWork of its application"},
      {"first_service_instances", "instances of the first service deployed (1: the new Orchestrator did not deploy it again)"},
      {"service_up", "SERVICE_UP checkpoints on chain"},
      {"service_down", "SERVICE_DOWN checkpoints on chain"},
      {"app_ok", "APP_OK checkpoints on chain"},
      {"app_shutdown", "APP_SHUTDOWN checkpoints on chain"},
      {"checkpoints_by_first", "checkpoints the crashed Orchestrator reported"},
      {"checkpoints_by_others", "checkpoints the other Orchestrators reported"},
      {"time_to_deploy_s", "from instantiation until every service was first up"},
      {"paid_minutes", "service-minutes paid"},
      {"up_minutes", "service-minutes the services really ran"},
      {"settled", "1 if the application was shut down, paid and settled"},
  };
  k.run = [](const RunContext& ctx) { return run(ctx, *find_kind("fig5_1")); };
  k.headline = {"reassignments", "reassigned_after_s", "first_service_instances", "service_up", "service_down", "app_ok"};
  return k;
}

}  // namespace cansim::scenario

// Experiment kind "orchestration": applications arriving over time onto the cloud, each deployed
// by an Orchestrator of the OCAN, recorded in its Application contract, paid by interim payments
// and ended by its client, under failures of every part (§3.2, §5, §5.1). Measures time to deploy,
// availability, completion, redeploys, reassignments, the payment error (paid against the time
// services really ran) and gas per application-hour for every party: the trade-off between
// checkpoint granularity, payment fairness and gas.
#include <cmath>

#include <fmt/format.h>

#include "cansim/model/chain/contracts/application.hpp"
#include "cansim/model/chain/contracts/registry.hpp"
#include "cansim/orchestration/orchestration_world.hpp"
#include "cansim/scenario/event_budget.hpp"
#include "cansim/sim/invariant.hpp"
#include "cansim/sim/stats.hpp"
#include "cloud_params.hpp"
#include "experiments.hpp"
#include "orchestration_params.hpp"

namespace cansim::scenario {

namespace {

// The failure processes' expected events over the run's expected length (the arrivals, then the
// longest running time: the mean times 1 + ln(applications) for exponential ones), within the
// event budget. Service failures are per instance, which validation cannot count; they are left out.
std::optional<ParamError> check_event_budget(const ParamValues& p) {
  const auto apps = static_cast<double>(p.integer("applications"));
  const double mean = p.real("mean_duration_s");
  const double longest = p.choice("duration_law") == "constant" ? mean : mean * (1 + std::log(apps));
  const double seconds = std::min(p.real("max_duration_s"), apps / p.real("arrival_rate_per_s") + longest);
  double hosts = 0;
  for (std::uint32_t n : cloud_config(p).hosts_per_class) hosts += n;
  const auto rate = [&](const char* name) { return p.real(name) / 3600; };
  const double events =
      renewal_events(static_cast<double>(p.integer("orchestrators")), rate("orchestrator_failures_per_h"),
                     rate("orchestrator_recoveries_per_h"), seconds) +
      renewal_events(static_cast<double>(p.integer("members")), rate("member_failures_per_h"), rate("member_recoveries_per_h"),
                     seconds) +
      renewal_events(hosts, rate("host_failures_per_h"), rate("host_recoveries_per_h"), seconds) +
      renewal_events(hosts, rate("hypervisor_failures_per_h"), rate("hypervisor_recoveries_per_h"), seconds);
  if (events <= kFaultEventBudget) return std::nullopt;
  return ParamError{"orchestrator_failures_per_h",
                    fmt::format("expected at most {:g} random fault events per run (the event budget), found about {:g} "
                                "(Orchestrators, OCAN members, hosts and hypervisors over the run's expected {:g} s)",
                                kFaultEventBudget, events, seconds)};
}


using orchestration::AppRecord;
using orchestration::OrchestrationWorld;

struct Requested {
  std::int64_t app = 0;
  bool accepted = false;
  std::int64_t record = -1;
};

// What a run measured, by metric name: `count` applications requested, the run ended at `end`.
std::map<std::string, double> orchestration_metrics(const OrchestrationWorld& w, std::size_t count, SimTime end) {
  std::map<std::string, double> m;
  RunningStats deploy, availability, availability_all, error, lag;
  double max_error = std::nan("");  // NaN: no application settled with time up
  double paid_res = 0, paid_cloud = 0, paid_can = 0, paid_orc = 0;
  double app_hours = 0, accepted = 0, completed = 0, early = 0, unsettled = 0, short_funds = 0, redeploys = 0, paid_min = 0, up_min = 0;
  for (const AppRecord& rec : w.apps) {
    accepted += 1;
    if (rec.all_up.us > 0) deploy.add((rec.all_up - rec.instantiated).to_seconds());
    const SimTime stop = rec.shutdown_checkpoint.us > 0 ? rec.ended_at : (rec.settled ? rec.settled_at : end);
    const double lifetime = (stop - rec.instantiated).to_seconds() * static_cast<double>(rec.topology->services.size());
    // A settled application's up-time was measured at settlement; one still running, up to now.
    SimTime up = rec.up_time;
    if (!rec.settled) {
      for (std::uint32_t sv = 0; sv < rec.topology->services.size(); ++sv) {
        up += w.cloud.hypervisors->instances().up_time(rec.address.id, sv, end);
      }
    }
    if (lifetime > 0) {
      const double share = std::min(1.0, up.to_seconds() / lifetime);
      availability_all.add(share);
      if (rec.settled) availability.add(share);
    }
    if (rec.settled && rec.up_time.us > 0) {
      const double e = (rec.paid_time - rec.up_time).to_seconds() / rec.up_time.to_seconds();
      error.add(e);
      max_error = std::isnan(max_error) ? e : std::max(max_error, e);
    }
    if (rec.failures_seen > 0) lag.add(rec.detection_lag.to_seconds() / rec.failures_seen);
    app_hours += (stop - rec.instantiated).to_seconds() / 3600;
    completed += rec.settled && rec.ended_by_client ? 1 : 0;
    early += rec.settled && !rec.ended_by_client ? 1 : 0;
    unsettled += rec.settled ? 0 : 1;
    short_funds += rec.short_of_funds ? 1 : 0;
    redeploys += rec.redeploys;
    paid_min += rec.paid_time.to_seconds() / 60;
    paid_res += static_cast<double>(rec.paid_resources);
    paid_cloud += static_cast<double>(rec.paid_cloud);
    paid_can += static_cast<double>(rec.paid_can);
    paid_orc += static_cast<double>(rec.paid_orchestration);
    up_min += rec.up_time.to_seconds() / 60;
  }
  const double nan = std::nan("");
  const auto mean = [nan](const RunningStats& s) { return s.count() ? s.mean() : nan; };
  const auto gas_of = [&](const char* role) {
    auto it = w.gas_by_role.find(role);
    return it == w.gas_by_role.end() ? 0.0 : static_cast<double>(it->second);
  };
  const auto counted = w.fault_counts.find("orchestrator-crash");
  const std::uint64_t crashes = counted == w.fault_counts.end() ? 0 : counted->second;
  m["applications"] = static_cast<double>(count);
  m["accepted"] = accepted;
  m["completed"] = completed;
  m["accepted_fraction"] = count > 0 ? accepted / static_cast<double>(count) : nan;
  m["completed_fraction"] = accepted > 0 ? completed / accepted : nan;
  m["shut_down_early"] = early;
  m["unsettled"] = unsettled;
  m["short_of_funds"] = short_funds;
  m["mean_time_to_deploy_s"] = mean(deploy);
  m["mean_availability"] = mean(availability);
  m["mean_availability_all"] = mean(availability_all);
  m["redeploys"] = redeploys;
  m["service_failures"] = static_cast<double>(w.cloud.hypervisors->instances().failures());
  m["orchestrator_crashes"] = static_cast<double>(crashes);
  m["reassignments"] = static_cast<double>(w.ocan->reassignments().size());
  m["mean_detection_lag_s"] = mean(lag);
  m["paid_minutes"] = paid_min;
  m["up_minutes"] = up_min;
  m["mean_payment_error"] = mean(error);
  m["max_payment_error"] = max_error;
  m["paid_resources_wei"] = paid_res;
  m["paid_cloud_wei"] = paid_cloud;
  m["paid_can_wei"] = paid_can;
  m["paid_orchestration_wei"] = paid_orc;
  m["cloud_shares_passed_wei"] = static_cast<double>(w.payments.cloud_shares_passed());
  m["ften_distributed_wei"] = static_cast<double>(chain::registry::ften_held(w.cloud.chain.state(), w.cloud.registry));
  m["interim_payments"] = static_cast<double>(w.payments.payments());
  m["largest_k"] = static_cast<double>(w.payments.largest_k());
  m["checkpoints_on_chain"] = static_cast<double>(w.leader.appends());
  m["gas_per_app_hour_client"] = app_hours > 0 ? gas_of("client") / app_hours : nan;
  m["gas_per_app_hour_ocan_leader"] = app_hours > 0 ? gas_of("ocan_leader") / app_hours : nan;
  m["gas_per_app_hour_payees"] = app_hours > 0 ? gas_of("payee") / app_hours : nan;
  m["transactions"] = static_cast<double>(w.transactions);
  m["ocan_messages"] = static_cast<double>(w.ocan->messages_sent());
  m["duration_s"] = end.to_seconds();
  m["blocks"] = static_cast<double>(w.cloud.chain.block_count());

  return m;
}

// applications.csv: one row per request, what became of it.
Table applications_table(const std::vector<Requested>& req, const OrchestrationWorld& w) {
  const double nan = std::nan("");
  std::vector<std::int64_t> index, app, acc, rec_col, redeploy_col, failures, settled, by_client;
  std::vector<double> deploy_s, avail, paid, up;
  for (std::size_t i = 0; i < req.size(); ++i) {
    index.push_back(static_cast<std::int64_t>(i));
    app.push_back(req[i].app);
    acc.push_back(req[i].accepted ? 1 : 0);
    const AppRecord* rec = req[i].record >= 0 ? &w.apps[static_cast<std::size_t>(req[i].record)] : nullptr;
    redeploy_col.push_back(rec ? rec->redeploys : 0);
    failures.push_back(rec ? rec->failures_seen : 0);
    settled.push_back(rec && rec->settled ? 1 : 0);
    by_client.push_back(rec && rec->ended_by_client ? 1 : 0);
    deploy_s.push_back(rec && rec->all_up.us > 0 ? (rec->all_up - rec->instantiated).to_seconds() : nan);
    paid.push_back(rec ? rec->paid_time.to_seconds() / 60 : nan);
    up.push_back(rec ? rec->up_time.to_seconds() / 60 : nan);
  }
  return Table{"applications",
               {"request", "application", "accepted", "redeploys", "failures_seen", "settled", "ended_by_client",
                "time_to_deploy_s", "paid_min", "up_min"},
               {std::move(index), std::move(app), std::move(acc), std::move(redeploy_col), std::move(failures),
                std::move(settled), std::move(by_client), std::move(deploy_s), std::move(paid), std::move(up)},
               true};
}

RunResult run(const RunContext& ctx, const ExperimentKind& kind) {
  const ParamValues& p = ctx.params;
  const Rng root(ctx.seed);
  orchestration::OrchestrationConfig cfg = orchestration_config(p, ctx.faults);
  cfg.sequence = ctx.output.boolean("sequence") || ctx.output.boolean("trace");
  cfg.fault_log = ctx.output.boolean("faults");
  OrchestrationWorld w(cfg, root);
  w.start();
  const auto count = static_cast<std::size_t>(p.integer("applications"));
  std::vector<Requested> req(count);
  std::size_t resolved = 0, ended = 0;
  Arrivals arrivals(w.cloud.sim, root.stream("workload"), ctx.applications, count, p.real("arrival_rate_per_s"),
                    p.real("mean_duration_s"), p.choice("duration_law") == "constant", [&](const Arrivals::Request& q) {
    const std::size_t i = q.index, a = q.application;
    req[i].app = static_cast<std::int64_t>(a);
    w.request(
        ctx.applications[a].topology, q.duration,
        [&, i](const cloud::Outcome& o) {
          ++resolved;
          req[i].accepted = o.accepted;
          if (o.accepted) req[i].record = w.record_of(o.application);
        },
        [&](std::size_t) { ++ended; });
  });
  // Until every accepted application is released, or the time limit.
  const SimTime limit = SimTime{static_cast<std::int64_t>(std::llround(p.real("max_duration_s") * 1e6))};
  const SimTime step = w.cloud.chain.config().block_interval * 10;
  while (!(arrivals.done() && resolved == count && ended == w.apps.size()) && w.cloud.sim.now() < limit) {
    w.cloud.sim.run_until(std::min(limit, w.cloud.sim.now() + step));
  }
  w.drain_chain();
  w.check_funds();
  const SimTime end = w.cloud.sim.now();

  RunResult r;
  std::map<std::string, double> m = orchestration_metrics(w, count, end);
  if (ctx.output.boolean("applications")) r.tables.push_back(applications_table(req, w));
  write_orchestration_outputs(r, ctx.output, w);
  // What still runs of ended applications once the grace has passed: the world runs on for the
  // grace (nothing above sees that time) and the hosts are looked at.
  const SimTime grace = SimTime{static_cast<std::int64_t>(std::llround(p.real("orphan_grace_s") * 1e6))};
  w.cloud.sim.run_until(w.cloud.sim.now() + grace + SimTime{1});
  m["orphan_instances"] = static_cast<double>(w.orphan_instances(grace));
  m["foreign_actions"] = static_cast<double>(w.foreign_actions());
  m["deploys_after_shutdown"] = static_cast<double>(w.deploys_after_shutdown());
  m["overcommitted_deploys"] = static_cast<double>(w.overcommitted_deploys());
  r.metrics = metrics_by_name(kind, m);
  return r;
}

}  // namespace

std::vector<ParamSpec> orchestration_outputs() {
  return {
      ParamSpec::boolean("applications",
                         "write applications.csv: each request's outcome, deploy time, failures, paid and up minutes")
          .def(false),
      ParamSpec::boolean("faults", "write faults.csv: every failure of every part (time, kind, who)").def(false),
      ParamSpec::boolean("gas", "write gas.csv: gas by contract function and by role").def(false),
      ParamSpec::boolean("sequence",
                         "write sequence.csv: every interaction between the participants (scripts/plot/sequence.py draws it)")
          .def(false),
      ParamSpec::boolean("trace",
                         "write traces/run-N.json: the interactions and each application's stretch on each Orchestrator, "
                         "as Chrome trace-event JSON (Perfetto)")
          .def(false),
  };
}

ExperimentKind orchestration_kind() {
  ExperimentKind k;
  k.name = "orchestration";
  k.description =
      "Applications arriving onto the cloud, deployed by an OCAN of Orchestrators, checkpointed in their Application contracts "
      "and "
      "paid by interim payments, under failures of Orchestrators, OCAN members, hosts, hypervisors, services and the network "
      "(§3.2, §5, §5.1).";
  k.params = {
      ParamSpec::integer("applications", "applications requested").at_least(1).at_most(1e7).def(50),
      ParamSpec::real("arrival_rate_per_s", "Poisson rate of requests").at_least(1e-6).at_most(1e6).def(0.05).in_unit("1/s"),
      ParamSpec::real("mean_duration_s", "mean running time a client asks for (exponential)")
          .at_least(0.001)
          .at_most(1e9)
          .def(1800.0)
          .in_unit("s"),
      ParamSpec::choice("duration_law", {"exponential", "constant"}, "how running times are drawn around mean_duration_s")
          .def(std::string("exponential")),
      ParamSpec::real("max_duration_s", "the run ends here even if applications still run")
          .at_least(1)
          .at_most(1e10)
          .def(30 * 86400.0)
          .in_unit("s"),
      ParamSpec::real("orphan_grace_s",
                      "after the last application settled, the world runs on this long and every instance of an "
                      "application that ended longer ago and still runs is counted (orphan_instances)")
          .at_least(0)
          .at_most(1e7)
          .def(120.0)
          .in_unit("s"),
  };
  declare_orchestration_kind(k);
  k.check = [shared = k.check](const ParamValues& p) -> std::optional<ParamError> {
    if (auto e = shared(p)) return e;
    return check_event_budget(p);
  };
  k.metrics = {
      {"applications", "applications requested"},
      {"accepted", "applications instantiated"},
      {"completed", "applications that ran until their client ended them, and were settled"},
      {"shut_down_early", "applications shut down before their client's end (retries exhausted, or funds ran out)"},
      {"short_of_funds",
       "applications whose APP_SHUTDOWN the funds could not cover: the contract paid what fitted and ended them (§5.1)"},
      {"unsettled", "applications not settled when the run ended (max_duration_s)"},
      {"mean_time_to_deploy_s", "mean time from instantiation until every service was first up"},
      {"mean_availability", "mean over settled applications only of the share of service-time their services were up"},
      {"redeploys", "services redeployed after a failure"},
      {"service_failures", "service instances that failed (on their own, with their host, or with their hypervisor)"},
      {"orchestrator_crashes", "Orchestrator crashes"},
      {"reassignments", "ReassignWork entries the OCAN committed"},
      {"mean_detection_lag_s", "mean time from a service's failure to its SERVICE_DOWN (time the client paid for)"},
      {"paid_minutes", "service-minutes paid, settled applications"},
      {"up_minutes", "service-minutes the services really ran, settled applications"},
      {"mean_payment_error", "mean over settled applications of (paid - up) / up: negative is unpaid running time"},
      {"max_payment_error", "the largest (paid - up) / up of a settled application: above 0, a client paid for time not run"},
      {"paid_resources_wei", "salaries of the resource owners, settled applications"},
      {"paid_cloud_wei", "salaries of the Cloud contracts, settled applications"},
      {"cloud_shares_passed_wei", "what the providers took from their Cloud contracts (the Cloud's share, passed on)"},
      {"paid_can_wei", "salaries of the Registry (the OCAN's FTEN share), settled applications"},
      {"paid_orchestration_wei", "salaries of the Orchestrators, settled applications"},
      {"ften_distributed_wei",
       "the OCAN's share the Registry handed out to its nodes by availability (recordAvailability, distributeFten)"},
      {"interim_payments", "interimPayment transactions"},
      {"largest_k", "the largest k the leader chose by dry run"},
      {"checkpoints_on_chain", "checkpoints appended to Application contracts"},
      {"gas_per_app_hour_client", "gas of the clients (instantiate, release, destroy) per application-hour"},
      {"gas_per_app_hour_ocan_leader", "gas of the OCAN leader (addCheckpoint, interimPayment) per application-hour"},
      {"gas_per_app_hour_payees", "gas of the payees' withdrawals per application-hour"},
      {"transactions", "transactions of every party"},
      {"ocan_messages", "messages the OCAN's members and Orchestrators sent (CAN protocols)"},
      {"duration_s", "simulated time"},
      {"blocks", "blocks sealed"},
      {"orphan_instances",
       "instances still running, orphan_grace_s after the run, of applications that ended (APP_SHUTDOWN committed, or "
       "settled) longer ago: 0 in a correct run"},
      {"foreign_actions",
       "Deploy, Stop and Reconfigure calls the hypervisors accepted from an Orchestrator that was not the Work Entry's "
       "assignee in the committed CAN ledger: 0 in a correct run"},
      {"deploys_after_shutdown", "Deploy calls the hypervisors accepted for an application after it ended: 0 in a correct run"},
      {"overcommitted_deploys",
       "Deploy calls the hypervisors accepted that started an instance beyond its host's units, counting the live "
       "instances there: 0 in a correct run"},
      {"accepted_fraction", "accepted / applications requested; NaN if none was requested"},
      {"completed_fraction", "completed / accepted: of the applications instantiated, the share that ran to their client's end; "
                             "NaN if none was accepted"},
      {"mean_availability_all",
       "mean over every accepted application, settled or not (an unsettled one up to the run's end), of the share of "
       "service-time its services were up"},
  };
  k.run = [](const RunContext& ctx) { return run(ctx, *find_kind("orchestration")); };
  k.headline = {"accepted",          "completed",          "mean_time_to_deploy_s",
                "mean_availability", "mean_payment_error", "gas_per_app_hour_ocan_leader"};
  return k;
}

}  // namespace cansim::scenario

// Experiment kind "cloud_init": the paper's system initialization (§3.1, orchestration/system_init.hpp)
// as transactions and messages, then telemetry for the rest of the run: under the scenario's
// faults (host crashes, lost reports) silent resources are deregistered on chain. Measures how
// long the system takes to be ready and what it costs.
#include <cmath>

#include "cansim/cloud/cloud_world.hpp"
#include "cansim/orchestration/system_init.hpp"
#include "cansim/model/chain/contracts/registry.hpp"
#include "cansim/sim/faults.hpp"
#include "can_params.hpp"
#include "cloud_params.hpp"
#include "experiments.hpp"

namespace cansim::scenario {

namespace {

RunResult run(const RunContext& ctx, const ExperimentKind& kind) {
  const ParamValues& p = ctx.params;
  const Rng root(ctx.seed);
  cloud::CloudConfig cfg = cloud_config(p);
  cfg.prebuilt = false;
  cfg.link.loss = p.real("loss");
  cfg.link = with_faults(cfg.link, ctx.faults);
  cfg.agents.telemetry_interval = SimTime{static_cast<std::int64_t>(std::llround(p.real("telemetry_interval_s") * 1e6))};
  cfg.agents.broken_api_share = p.real("broken_api_share");
  cfg.agents.broken_telemetry_share = p.real("broken_telemetry_share");
  cfg.agents.rejoin_after = SimTime{static_cast<std::int64_t>(std::llround(p.real("rejoin_after_s") * 1e6))};
  cfg.pnp.telemetry_misses = static_cast<std::uint32_t>(p.integer("telemetry_misses"));
  cfg.pnp.probe_timeout = SimTime{static_cast<std::int64_t>(std::llround(p.real("probe_timeout_s") * 1e6))};
  const auto ocan_members = static_cast<std::uint32_t>(p.integer("ocan_members"));
  cfg.ocan_members = ocan_members;
  cfg.ocan_nmin = ocan_members;  // Algorithm 1 admits members up to Nmin without churn
  cfg.ocan_nmax = ocan_members;
  cloud::CloudWorld w(cfg, root);
  // A run under millions of faults keeps none it will not write.
  w.net.record_faults(ctx.output.boolean("faults"));
  orchestration::SystemInitConfig init_cfg;
  init_cfg.ocan_members = ocan_members;
  init_cfg.ocan_join_retry = SimTime{static_cast<std::int64_t>(std::llround(p.real("ocan_join_retry_s") * 1e6))};
  init_cfg.ocan = can_config(p);
  for (const auto& a : ctx.applications) init_cfg.catalogue.push_back(&a.topology);
  orchestration::SystemInit init(w, init_cfg, root);
  FaultInjector<cloud::CloudMsg> faults(
      w.sim, w.net, root.stream("faults"), ctx.faults,
      [&](NodeId h) {
        if (h < w.hosts.size()) w.agents->on_crash(h);
      },
      [&](NodeId h) {
        if (h < w.hosts.size()) w.agents->on_recover(h);
      });
  init.start();
  // Ready: every resource that is up and whose endpoints work is registered (and the catalogue
  // and the contracts are on chain, and the OCAN is complete); looked at every block or second.
  SimTime ready{-1};
  const SimTime end = SimTime{static_cast<std::int64_t>(std::llround(p.real("duration_s") * 1e6))};
  const SimTime step = std::min(w.chain.config().block_interval, seconds(1));
  while (w.sim.now() < end) {
    w.sim.run_until(std::min(end, w.sim.now() + step));
    if (ready.us < 0 && init.ready()) ready = w.sim.now();
  }

  std::vector<cloud::ResourceEvent> events;
  for (const cloud::Provider& pr : w.providers) {
    const auto& e = pr.plug_and_play_actor->events();
    events.insert(events.end(), e.begin(), e.end());
  }
  std::stable_sort(events.begin(), events.end(), [](const auto& a, const auto& b) { return a.at < b.at; });
  double refused = 0, deregistered = 0, first_dereg = std::nan("");
  for (const auto& e : events) {
    if (e.kind == cloud::ResourceEvent::Kind::Refused) refused += 1;
    if (e.kind == cloud::ResourceEvent::Kind::Deregistered) {
      if (deregistered == 0) first_dereg = e.at.to_seconds();
      deregistered += 1;
    }
  }
  chain::Gas gas_pnp = 0;
  for (const cloud::Provider& pr : w.providers) gas_pnp += pr.plug_and_play_actor->gas_used();
  auto setup = [&](const char* name) { return static_cast<double>(w.setup_gas[name]); };
  std::map<std::string, double> m;
  m["time_to_ready_s"] = ready.us >= 0 ? ready.to_seconds() : std::nan("");
  m["resources"] = static_cast<double>(w.hosts.size());
  m["refused"] = refused;
  m["registered_at_end"] = static_cast<double>(init.registered_resources());
  m["deregistrations"] = deregistered;
  m["first_deregistration_s"] = first_dereg;
  m["ocan_ready_s"] = init.ocan_ready().us >= 0 ? init.ocan_ready().to_seconds() : std::nan("");
  m["ocan_members"] = static_cast<double>(chain::registry::member_count(w.chain.state(), w.registry));
  double gas_joins = 0, ocan_messages = 0;
  if (const can::Can* ocan = init.ocan()) {
    for (const auto& [fn, count] : ocan->transactions()) gas_joins += static_cast<double>(count.gas);
    ocan_messages = static_cast<double>(ocan->messages_sent());
  }
  m["ocan_messages"] = ocan_messages;
  m["gas_registry"] = setup("Registry.constructor");
  m["gas_ocan"] = setup("Registry.registerCandidate") + setup("Registry.appointLeader") + gas_joins;
  m["gas_clouds"] = setup("Cloud.constructor") + setup("Registry.registerCloud");
  m["gas_catalogue"] = static_cast<double>(init.catalogue_gas());
  m["gas_plug_and_play"] = static_cast<double>(gas_pnp);
  m["gas_per_resource"] =
      init.registered_resources() > 0 ? static_cast<double>(gas_pnp) / static_cast<double>(w.hosts.size()) : std::nan("");
  m["blocks"] = static_cast<double>(w.chain.block_count());

  RunResult r;
  r.metrics = metrics_by_name(kind, m);
  if (ctx.output.boolean("resource_events")) {
    std::vector<double> at;
    std::vector<std::int64_t> host;
    std::vector<std::string> what;
    for (const auto& e : events) {
      at.push_back(e.at.to_seconds());
      host.push_back(e.host);
      what.push_back(e.kind == cloud::ResourceEvent::Kind::Registered ? "registered"
                     : e.kind == cloud::ResourceEvent::Kind::Refused  ? "refused"
                                                                      : "deregistered");
    }
    r.tables.push_back(
        Table{"resource_events", {"time_s", "host", "event"}, {std::move(at), std::move(host), std::move(what)}, true});
  }
  if (ctx.output.boolean("faults")) r.tables.push_back(fault_table(w.net.faults(), true));
  r.fingerprint = w.sim.fingerprint();
  return r;
}

}  // namespace

ExperimentKind cloud_init_kind() {
  ExperimentKind k;
  k.name = "cloud_init";
  k.description =
      "System initialization (§3.1): Registry, catalogue of services and applications, Cloud contracts, resources joining "
      "through Plug&Play; then telemetry, and deregistration of silent resources under faults.";
  k.params = {
      ParamSpec::real("duration_s", "simulated time of the run").at_least(1).at_most(1e8).def(3600.0).in_unit("s"),
      ParamSpec::real("telemetry_interval_s", "time between a resource's telemetry reports")
          .at_least(0.001)
          .at_most(1e6)
          .def(60.0)
          .in_unit("s"),
      ParamSpec::integer("telemetry_misses", "intervals without a report before Plug&Play deregisters a resource")
          .at_least(1)
          .at_most(1e6)
          .def(3),
      ParamSpec::real("probe_timeout_s", "how long Plug&Play waits for the probes of a joining resource")
          .at_least(0.001)
          .at_most(1e6)
          .def(2.0)
          .in_unit("s"),
      ParamSpec::real("rejoin_after_s", "a refused resource's owner asks to join again after this long")
          .at_least(0.001)
          .at_most(1e8)
          .def(300.0)
          .in_unit("s"),
      ParamSpec::probability("broken_api_share", "share of resources whose hypervisor API never answers").def(0.0),
      ParamSpec::probability("broken_telemetry_share", "share of resources whose telemetry endpoint never answers").def(0.0),
      ParamSpec::probability("loss", "probability that a message is lost").def(0.0),
      ParamSpec::integer("ocan_members", "OCAN candidates; the first is appointed leader, the others join through the CAN's Join")
          .at_least(1)
          .at_most(1000)
          .def(5),
      ParamSpec::real("ocan_join_retry_s", "an OCAN candidate not yet a member asks to join again after this long")
          .at_least(0.001)
          .at_most(1e6)
          .def(30.0)
          .in_unit("s"),
  };
  for (ParamSpec& s : can_timing_params()) k.params.push_back(std::move(s));
  const auto cloud = cloud_params();
  k.params.insert(k.params.end(), cloud.begin(), cloud.end());
  k.outputs = {
      ParamSpec::boolean("resource_events", "write resource_events.csv: every registration, refusal and deregistration")
          .def(false),
      fault_output(),
  };
  k.metrics = {
      {"time_to_ready_s",
       "time until the contracts and the catalogue are sealed, every OCAN candidate is a member and every resource that is up "
       "and has working endpoints is registered (NaN: never)"},
      {"ocan_ready_s", "time until every OCAN candidate is a member, as the Registry shows (NaN: never)"},
      {"ocan_members", "OCAN members in the Registry at the end"},
      {"ocan_messages", "messages of the OCAN's protocols (Join, checkState, ...)"},
      {"resources", "hosts that asked to join"},
      {"refused", "join requests Plug&Play refused (an endpoint did not answer its probe in time)"},
      {"registered_at_end", "resources registered at the end"},
      {"deregistrations", "resources deregistered for missed telemetry"},
      {"first_deregistration_s", "time of the first deregistration (NaN: none)"},
      {"gas_registry", "gas of step 1: the Registry"},
      {"gas_ocan", "gas of step 2: the candidacies, the leader's appointment and the members' registration by Join"},
      {"gas_clouds", "gas of step 4: the Cloud contracts and their registration in the Registry"},
      {"gas_catalogue", "gas of step 3: services and applications registered"},
      {"gas_plug_and_play", "gas Plug&Play spent registering and deregistering resources"},
      {"gas_per_resource", "gas_plug_and_play per resource"},
      {"blocks", "blocks sealed"},
  };
  k.fault_nodes = [](const ParamValues& p) {
    std::uint64_t n = 0;
    for (const char* c : {"cpu", "gpu", "mic", "fpga"}) n += static_cast<std::uint64_t>(p.integer(std::string(c) + "_hosts"));
    return n;
  };
  k.fault_nodes_description = "hosts: the cpu hosts, then gpu, mic and fpga, in that order";
  k.run_seconds = [](const ParamValues& p) { return p.real("duration_s"); };
  k.takes_applications = true;
  k.check_application = check_cloud_application;
  k.check = check_cloud_params;
  k.run = [](const RunContext& ctx) { return run(ctx, *find_kind("cloud_init")); };
  k.headline = {"time_to_ready_s", "refused", "deregistrations", "gas_plug_and_play"};
  return k;
}

}  // namespace cansim::scenario

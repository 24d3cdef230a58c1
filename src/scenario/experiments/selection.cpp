// Experiment kind "selection": §3's trade-off. Who selects the resources of an application:
// the provider's Scheduler (a signed reservation, then Cloud.instantiate: the Scheduler keeps
// users from choosing the same units), the client itself from the Cloud contract's state as its
// confirmation depth shows it (Cloud.instantiateDirect: users who read the same state choose
// the same units, and the later transactions revert), or the contract (Cloud.instantiateSearch:
// no conflicts, but the search's storage reads cost gas). Users work in a closed loop: each
// submits an application, waits for its outcome, thinks, submits the next.
#include <cmath>

#include <fmt/format.h>

#include "cansim/cloud/cloud_world.hpp"
#include "cansim/cloud/gateway.hpp"
#include "cansim/sim/invariant.hpp"
#include "cloud_params.hpp"
#include "experiments.hpp"

namespace cansim::scenario {

namespace {

cloud::Selection selection_of(const std::string& s) {
  if (s == "client") return cloud::Selection::Client;
  if (s == "contract") return cloud::Selection::Contract;
  return cloud::Selection::Scheduler;
}

RunResult run(const RunContext& ctx, const ExperimentKind& kind) {
  const ParamValues& p = ctx.params;
  const Rng root(ctx.seed);
  cloud::CloudWorld w(cloud_config(p), root);
  cloud::GatewayConfig gc = gateway_config(p);
  gc.selection = selection_of(p.choice("selection"));
  gc.client_random = p.choice("client_choice") == "random";
  gc.max_attempts = static_cast<std::uint32_t>(p.integer("max_attempts"));
  gc.view_depth = static_cast<std::uint64_t>(p.integer("confirmations"));
  gc.units_only = true;  // the contract counts units only: every mode alike
  cloud::Gateway gw(w, gc, root.stream("gateway"));
  Rng workload = root.stream("workload");
  const auto users = static_cast<std::size_t>(p.integer("users"));
  const auto per_user = static_cast<std::size_t>(p.integer("requests_per_user"));
  const double think_us = p.real("think_s") * 1e6, duration_us = p.real("mean_duration_s") * 1e6;

  std::size_t submitted = 0, resolved = 0, accepted = 0;
  double latency = 0, reverted = 0, gas = 0, attempts = 0;
  SimTime last_submission;
  std::vector<double> busy_at_last;
  std::function<void(std::size_t, std::size_t)> submit = [&](std::size_t user, std::size_t n) {
    ++submitted;
    const std::size_t a = pick_application(ctx.applications, workload);
    const SimTime duration{1 + static_cast<std::int64_t>(workload.exponential(duration_us))};
    if (submitted == users * per_user) {
      last_submission = w.sim.now();
      busy_at_last = w.hosts.busy_unit_seconds_by_class(last_submission);
    }
    gw.request(ctx.applications[a].topology, duration, [&, user, n](const cloud::Outcome& o) {
      ++resolved;
      reverted += o.reverted;
      gas += static_cast<double>(o.gas);
      attempts += o.reverted + (o.accepted ? 1 : 0);
      if (o.accepted) {
        ++accepted;
        latency += (o.sealed - o.requested).to_seconds();
      }
      if (n + 1 < per_user) {
        w.sim.after(SimTime{1 + static_cast<std::int64_t>(workload.exponential(think_us))},
                    [&, user, n] { submit(user, n + 1); });
      }
    });
  };
  for (std::size_t u = 0; u < users; ++u) {
    w.sim.at(SimTime{1 + static_cast<std::int64_t>(workload.exponential(think_us))}, [&, u] { submit(u, 0); });
  }
  const std::size_t total = users * per_user;
  run_until_settled(
      w, gw, [&] { return submitted == total && resolved == total; }, "selection");
  double units = 0, busy = 0;
  for (std::size_t k = 0; k < w.hosts.classes().size(); ++k) {
    units += static_cast<double>(w.config.hosts_per_class[k]) * w.hosts.classes()[k].units();
    busy += busy_at_last.empty() ? 0 : busy_at_last[k];
  }
  const double n = static_cast<double>(total), acc = static_cast<double>(accepted);
  std::map<std::string, double> m;
  m["requests"] = n;
  m["accepted"] = acc;
  m["acceptance_rate"] = acc / n;
  m["reverted"] = reverted;
  m["conflicts_per_request"] = reverted / n;
  m["mean_latency_s"] = accepted > 0 ? latency / acc : std::nan("");
  m["gas_per_assignment"] = accepted > 0 ? gas / acc : std::nan("");
  m["mean_attempts"] = attempts / n;
  m["utilization"] = units > 0 && last_submission > SimTime{} ? busy / (units * last_submission.to_seconds()) : std::nan("");
  m["blocks"] = static_cast<double>(w.chain.block_count());
  RunResult r;
  r.metrics = metrics_by_name(kind, m);
  r.fingerprint = w.sim.fingerprint();
  return r;
}

}  // namespace

ExperimentKind selection_kind() {
  ExperimentKind k;
  k.name = "selection";
  k.description =
      "§3's trade-off: resources selected by the provider's Scheduler (signed reservations), by each client from the "
      "chain's state (conflicts revert), or by the contract (first fit on chain); conflicts, latency, gas.";
  k.params = {
      ParamSpec::choice("selection", {"scheduler", "client", "contract"}, "who selects the resources")
          .def(std::string("scheduler"))
          .as_control(),
      ParamSpec::choice("client_choice", {"first_fit", "random"}, "client: the first resource with room, or a random one")
          .def(std::string("first_fit"))
          .as_control(),
      ParamSpec::integer("max_attempts", "client: selections per provider before it tries the next")
          .at_least(1)
          .at_most(1000)
          .def(3),
      ParamSpec::integer("requests_per_user", "applications each user submits, one after another")
          .at_least(1)
          .at_most(1e6)
          .def(10),
      ParamSpec::real("think_s", "mean time a user waits before its next submission (exponential)")
          .at_least(0.001)
          .at_most(1e8)
          .def(30.0)
          .in_unit("s"),
      ParamSpec::real("mean_duration_s", "mean running time of an application (exponential)")
          .at_least(0.001)
          .at_most(1e9)
          .def(600.0)
          .in_unit("s"),
  };
  auto cloud = cloud_params();
  for (ParamSpec& s : cloud) {
    if (s.name == "users") {  // here, concurrent users in a closed loop
      s = ParamSpec::integer("users", "concurrent users, each with its own account").at_least(1).at_most(1e6).def(20);
    }
  }
  k.params.insert(k.params.end(), cloud.begin(), cloud.end());
  k.metrics = {
      {"requests", "applications submitted"},
      {"accepted", "applications instantiated"},
      {"acceptance_rate", "accepted / requests"},
      {"reverted", "instantiation transactions that reverted (client: conflicts; contract: nothing with room)"},
      {"conflicts_per_request", "reverted / requests"},
      {"mean_latency_s", "mean time from a submission to its sealed assignment, accepted ones"},
      {"gas_per_assignment", "the clients' gas for instantiation (reverted transactions included) per accepted application"},
      {"mean_attempts", "instantiation transactions per request"},
      {"utilization", "busy share of all units, from the start to the last submission"},
      {"blocks", "blocks sealed"},
  };
  k.takes_applications = true;
  k.check_application = check_cloud_application;
  k.check = check_cloud_params;
  k.run = [](const RunContext& ctx) { return run(ctx, *find_kind("selection")); };
  k.headline = {"acceptance_rate", "conflicts_per_request", "mean_latency_s", "gas_per_assignment"};
  return k;
}

}  // namespace cansim::scenario

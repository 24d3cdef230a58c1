// Experiment kind "placement": a stream of applications over a heterogeneous cloud (§2, §3.2):
// each through Gateway -> Service Optimization Engine -> Scheduler (signed reservation) ->
// Cloud.instantiate, running for its time, then shut down and released on chain. Compares the
// placement policies (first_fit, best_fit, sosm) by acceptance, utilization per hardware kind,
// energy, the performance of the chosen implementations, and the cost to users.
#include <cmath>

#include <fmt/format.h>

#include "cansim/cloud/cloud_world.hpp"
#include "cansim/cloud/gateway.hpp"
#include "cansim/sim/invariant.hpp"
#include "cloud_params.hpp"
#include "experiments.hpp"

namespace cansim::scenario {

namespace {

// Picks an application by the scenario's weights.

struct RequestRow {
  std::int64_t index, app, accepted, provider, tries, reverted;
  double latency_s, performance, price;
};

RunResult run(const RunContext& ctx, const ExperimentKind& kind) {
  const ParamValues& p = ctx.params;
  const Rng root(ctx.seed);
  cloud::CloudWorld w(cloud_config(p, ctx.power_curves), root);
  cloud::Gateway gw(w, gateway_config(p), root.stream("gateway"));
  const auto requests = static_cast<std::size_t>(p.integer("requests"));
  std::vector<RequestRow> rows(requests);
  std::size_t resolved = 0;
  // Utilization while applications arrive (the drain after the last one would dilute it).
  std::vector<double> busy_at_last_arrival;
  SimTime last_arrival;
  Arrivals arrivals(w.sim, root.stream("workload"), ctx.applications, requests, p.real("arrival_rate_per_s"),
                    p.real("mean_duration_s"), false, [&](const Arrivals::Request& q) {
    const std::size_t i = q.index, a = q.application;
    rows[i] = {static_cast<std::int64_t>(i), static_cast<std::int64_t>(a), 0, -1, 0, 0, std::nan(""), std::nan(""), std::nan("")};
    gw.request(ctx.applications[a].topology, q.duration, [&, i](const cloud::Outcome& o) {
      ++resolved;
      RequestRow& r = rows[i];
      r.accepted = o.accepted ? 1 : 0;
      r.tries = o.tries;
      r.reverted = o.reverted;
      if (o.accepted) {
        r.provider = o.provider;
        r.latency_s = (o.sealed - o.requested).to_seconds();
        r.performance = o.blueprint.mean_performance;
        r.price = static_cast<double>(o.blueprint.price_per_minute);
      }
    });
    if (i + 1 == requests) {
      last_arrival = w.sim.now();
      busy_at_last_arrival = w.hosts.busy_unit_seconds_by_class(last_arrival);
    }
  });
  run_until_settled(
      w, gw, [&] { return arrivals.done() && resolved == requests; }, "placement");
  const SimTime end = w.sim.now();

  std::map<std::string, double> m;
  double accepted = 0, latency = 0, perf = 0, price = 0, reverted = 0, gas = 0;
  for (const RequestRow& r : rows) {
    reverted += static_cast<double>(r.reverted);
    if (!r.accepted) continue;
    accepted += 1;
    latency += r.latency_s;
    perf += r.performance;
    price += r.price;
  }
  (void)gas;
  const double n = static_cast<double>(requests);
  m["requests"] = n;
  m["accepted"] = accepted;
  m["acceptance_rate"] = accepted / n;
  m["reverted_instantiations"] = reverted;
  m["mean_latency_s"] = accepted > 0 ? latency / accepted : std::nan("");
  m["mean_performance"] = accepted > 0 ? perf / accepted : std::nan("");
  m["mean_price_wei_per_min"] = accepted > 0 ? price / accepted : std::nan("");
  const auto& busy = busy_at_last_arrival;
  const auto energy = w.hosts.energy_by_class_j(end);
  double total_energy = 0;
  for (std::size_t k = 0; k < w.hosts.classes().size(); ++k) {
    const cloud::HostClass& c = w.hosts.classes()[k];
    const double units = static_cast<double>(w.config.hosts_per_class[k]) * c.units();
    m["utilization_" + c.name] =
        units > 0 && last_arrival > SimTime{} ? busy[k] / (units * last_arrival.to_seconds()) : std::nan("");
    m["energy_kwh_" + c.name] = energy[k] / 3.6e6;
    total_energy += energy[k];
  }
  m["energy_kwh"] = total_energy / 3.6e6;
  m["duration_s"] = end.to_seconds();
  m["blocks"] = static_cast<double>(w.chain.block_count());

  RunResult r;
  r.metrics = metrics_by_name(kind, m);
  if (ctx.output.boolean("requests")) {
    Table t{
        "requests",
        {"request", "application", "accepted", "provider", "tries", "reverted", "latency_s", "performance", "price_wei_per_min"},
        {},
        true};
    std::vector<std::int64_t> cols[6];
    std::vector<double> lat, perf_col, price_col;
    for (const RequestRow& row : rows) {
      const std::int64_t v[6] = {row.index, row.app, row.accepted, row.provider, row.tries, row.reverted};
      for (int c = 0; c < 6; ++c) cols[c].push_back(v[c]);
      lat.push_back(row.latency_s);
      perf_col.push_back(row.performance);
      price_col.push_back(row.price);
    }
    for (auto& c : cols) t.data.emplace_back(std::move(c));
    t.data.emplace_back(std::move(lat));
    t.data.emplace_back(std::move(perf_col));
    t.data.emplace_back(std::move(price_col));
    r.tables.push_back(std::move(t));
  }
  r.fingerprint = w.sim.fingerprint();
  return r;
}

}  // namespace

ExperimentKind placement_kind() {
  ExperimentKind k;
  k.name = "placement";
  k.description =
      "A stream of applications over a heterogeneous cloud (§2, §3.2): Gateway -> Service Optimization Engine -> "
      "Scheduler -> Cloud.instantiate, under first_fit, best_fit or sosm; acceptance, utilization, energy, cost.";
  k.params = {
      ParamSpec::integer("requests", "applications submitted").at_least(1).at_most(1e7).def(500),
      ParamSpec::real("arrival_rate_per_s", "Poisson rate of submissions").at_least(1e-6).at_most(1e6).def(0.5).in_unit("1/s"),
      ParamSpec::real("mean_duration_s", "mean running time of an application (exponential)")
          .at_least(0.001)
          .at_most(1e9)
          .def(1800.0)
          .in_unit("s"),
  };
  const auto cloud = cloud_params();
  k.params.insert(k.params.end(), cloud.begin(), cloud.end());
  k.outputs = {ParamSpec::boolean("requests", "write requests.csv: every submission's outcome, latency, performance and price")
                   .def(false)};
  k.metrics = {
      {"requests", "applications submitted"},
      {"accepted", "applications instantiated"},
      {"acceptance_rate", "accepted / requests"},
      {"reverted_instantiations", "Cloud.instantiate transactions that reverted (expired or conflicting reservations)"},
      {"mean_latency_s", "mean time from a request to its sealed instantiation, accepted requests"},
      {"mean_performance", "mean performance factor of the chosen implementations, accepted requests"},
      {"mean_price_wei_per_min", "mean resource price of an accepted application (its services' resources summed)"},
  };
  for (const char* c : {"cpu", "gpu", "mic", "fpga"}) {
    k.metrics.push_back(
        {fmt::format("utilization_{}", c),
         fmt::format("time-averaged busy share of the {} hosts' units from the start to the last submission (NaN: no such hosts)",
                     c)});
  }
  for (const char* c : {"cpu", "gpu", "mic", "fpga"}) {
    k.metrics.push_back({fmt::format("energy_kwh_{}", c), fmt::format("energy the {} hosts drew", c)});
  }
  k.metrics.push_back({"energy_kwh", "energy every host drew"});
  k.metrics.push_back({"duration_s", "simulated time until every application ended and was released"});
  k.metrics.push_back({"blocks", "blocks sealed"});
  k.takes_applications = true;
  k.power_curve_classes = cloud_class_names();
  k.check_application = check_cloud_application;
  k.check = check_cloud_params;
  k.run = [](const RunContext& ctx) { return run(ctx, *find_kind("placement")); };
  k.headline = {"acceptance_rate", "mean_latency_s", "utilization_cpu", "utilization_gpu", "energy_kwh", "mean_performance"};
  return k;
}

}  // namespace cansim::scenario

#include "cloud_params.hpp"

#include "cansim/scenario/gas_report.hpp"

#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

#include "cansim/sim/invariant.hpp"

namespace cansim::scenario {

namespace {

struct ClassDefaults {
  const char* kind;
  std::int64_t hosts, cores, memory_gb, accelerators;
  double capability, idle_w, max_w;
  std::int64_t price;
  const char* hypervisor;
};

// Orders of magnitude of 2020 hardware: a 32-core server, a 4-GPU server, a 2-card Xeon Phi
// server, a 2-card FPGA server; capability in GFLOPS of the host's main units.
constexpr ClassDefaults kClasses[] = {
    {"cpu", 60, 32, 128, 0, 1000, 150, 400, 2, "container"},
    {"gpu", 20, 16, 128, 4, 28000, 200, 1400, 20, "container"},
    {"mic", 10, 16, 128, 2, 6000, 180, 700, 10, "bare_metal"},
    {"fpga", 0, 8, 64, 2, 3000, 100, 250, 12, "bare_metal"},
};

SimTime secs(const ParamValues& p, const std::string& name) {
  return SimTime{static_cast<std::int64_t>(std::llround(p.real(name) * 1e6))};
}

}  // namespace

std::vector<ParamSpec> cloud_params() {
  std::vector<ParamSpec> out;
  for (const ClassDefaults& c : kClasses) {
    const std::string k = c.kind;
    const bool acc = k != "cpu";
    out.push_back(ParamSpec::integer(k + "_hosts", "hosts of the " + k + " class").at_least(0).at_most(1e6).def(c.hosts));
    out.push_back(ParamSpec::integer(k + "_cores", "cores of a " + k + " host").at_least(1).at_most(1e5).def(c.cores));
    out.push_back(ParamSpec::integer(k + "_memory_gb", "memory of a " + k + " host")
                      .at_least(1)
                      .at_most(1e6)
                      .def(c.memory_gb)
                      .in_unit("GB"));
    if (acc) {
      out.push_back(
          ParamSpec::integer(k + "_accelerators", k + " cards of a " + k + " host").at_least(1).at_most(1e4).def(c.accelerators));
    }
    out.push_back(ParamSpec::real(k + "_capability", "compute capability of a " + k + " host's main units (SOSM's C)")
                      .above(0)
                      .at_most(1e12)
                      .def(c.capability)
                      .in_unit("GFLOPS"));
    out.push_back(
        ParamSpec::real(k + "_idle_w", "power a " + k + " host draws idle").at_least(0).at_most(1e6).def(c.idle_w).in_unit("W"));
    out.push_back(ParamSpec::real(k + "_max_w", "power a " + k + " host draws at full utilization")
                      .above(0)
                      .at_most(1e6)
                      .def(c.max_w)
                      .in_unit("W"));
    out.push_back(ParamSpec::integer(k + "_price", "a " + k + " resource's price per service it runs")
                      .at_least(0)
                      .at_most(1e15)
                      .def(c.price)
                      .in_unit("wei/min"));
    out.push_back(ParamSpec::choice(k + "_hypervisor", {"vm", "container", "bare_metal"}, "the hypervisor of " + k + " hosts")
                      .def(std::string(c.hypervisor)));
  }
  // Every default is the configuration's, declared once there (the host classes' in kClasses).
  const cloud::CloudConfig d;
  const cloud::GatewayConfig g;
  const auto names = [](const auto& list) { return std::vector<std::string>(list.begin(), list.end()); };
  const std::vector<ParamSpec> rest = {
      ParamSpec::integer("providers", "cloud providers; hosts are dealt to them round robin, class by class")
          .at_least(1)
          .at_most(1000)
          .def(std::int64_t{d.providers}),
      ParamSpec::real("power_exponent",
                      "a host draws idle + (max - idle) x utilization^power_exponent: 1 linear, below 1 concave (as "
                      "SPECpower measurements of servers show), above 1 convex; a class with a measured curve (the scenario's "
                      "power_curves) follows it instead")
          .above(0)
          .at_most(10)
          .def(d.power.exponent),
      ParamSpec::boolean("power_off_idle", "an empty host switches off after power_off_after_s and wakes for its next service")
          .def(d.power.off_when_idle),
      ParamSpec::real("power_off_after_s", "with power_off_idle: how long a host stays on empty").at_least(0).at_most(1e9).def(d.power.off_after_idle_s).in_unit("s"),
      ParamSpec::real("power_off_w", "with power_off_idle: what a host that is off draws").at_least(0).at_most(1e6).def(d.power.off_w).in_unit("W"),
      ParamSpec::real("power_wake_s",
                      "with power_off_idle: waking a host draws its full power this long (charged as energy; the "
                      "placement does not wait)")
          .at_least(0)
          .at_most(1e6)
          .def(d.power.wake_s)
          .in_unit("s"),
      ParamSpec::choice("policy", names(cloud::kPolicyNames), "the Schedulers' placement policy")
          .def(std::string(cloud::kPolicyNames[static_cast<std::size_t>(d.policy)]))
          .as_control(),
      ParamSpec::choice("strategy", names(cloud::kStrategyNames), "sosm: how a manager picks among its hosts")
          .def(std::string(cloud::kStrategyNames[static_cast<std::size_t>(d.sosm.strategy)]))
          .as_control(),
      ParamSpec::integer("vrm_size", "sosm: hosts per virtual resource manager").at_least(1).at_most(1e6).def(std::int64_t{d.sosm.vrm_size}),
      ParamSpec::integer("switch_size", "sosm: managers per switch").at_least(1).at_most(1e6).def(std::int64_t{d.sosm.switch_size}),
      ParamSpec::real("n_opt", "sosm: a manager's optimal number of hosts (F4)").above(0).at_most(1e6).def(d.sosm.n_opt),
      ParamSpec::real("si_w_capability", "sosm: weight of F0 (capability x free share)").at_least(0).at_most(1e6).def(d.sosm.weights[0]).as_control(),
      ParamSpec::real("si_w_memory", "sosm: weight of F1 (free memory share)").at_least(0).at_most(1e6).def(d.sosm.weights[1]).as_control(),
      ParamSpec::real("si_w_power", "sosm: weight of F2 (power efficiency)").at_least(0).at_most(1e6).def(d.sosm.weights[2]).as_control(),
      ParamSpec::real("si_w_load", "sosm: weight of F3 (load)").at_least(0).at_most(1e6).def(d.sosm.weights[3]).as_control(),
      ParamSpec::real("si_w_size", "sosm: weight of F4 (manager size)").at_least(0).at_most(1e6).def(d.sosm.weights[4]).as_control(),
      ParamSpec::real("soe_w_performance", "Service Optimization Engine: weight of the performance factor")
          .at_least(0)
          .at_most(1e6)
          .def(d.soe.performance)
          .as_control(),
      ParamSpec::real("soe_w_price", "Service Optimization Engine: weight of the price").at_least(0).at_most(1e6).def(d.soe.price).as_control(),
      ParamSpec::real("reservation_ttl_s", "how long a Scheduler holds a reservation not yet instantiated")
          .at_least(0.001)
          .at_most(1e7)
          .def(d.reservation_ttl.to_seconds())
          .in_unit("s"),
      ParamSpec::integer("max_providers_tried", "providers a Gateway asks before it gives up").at_least(1).at_most(1000).def(std::int64_t{g.max_providers_tried}),
      ParamSpec::real("reply_timeout_s", "how long a Gateway waits for a Scheduler's answer")
          .at_least(0.001)
          .at_most(1e7)
          .def(g.reply_timeout.to_seconds())
          .in_unit("s"),
      ParamSpec::integer("users", "client accounts, used in turn").at_least(1).at_most(1e6).def(std::int64_t{g.users}),
      ParamSpec::integer("latency_ms", "one-way message latency").at_least(0).at_most(1e7).def(d.link.base.us / 1000).in_unit("ms"),
      ParamSpec::real("block_interval_s", "time between blocks").at_least(0.001).at_most(1e6).def(d.chain.block_interval.to_seconds()).in_unit("s"),
      // At least the Cloud contract's creation, the largest transaction a cloud's setup sends (a
      // smaller block never takes it: issue 29).
      ParamSpec::integer("block_gas_limit", "gas per block (at least what the Cloud contract's creation takes)")
          .at_least(static_cast<double>(chain::cloud_deployment_gas()))
          .at_most(1e12)
          .def(static_cast<std::int64_t>(d.chain.gas.block_gas_limit)),
      ParamSpec::integer("confirmations", "blocks on top before receipts and events are seen").at_least(0).at_most(1000).def(static_cast<std::int64_t>(d.chain.confirmations)),
      ParamSpec::integer("cloud_price", "each Cloud contract's price").at_least(0).at_most(1e15).def(static_cast<std::int64_t>(d.cloud_price_per_minute)).in_unit("wei/min"),
  };
  out.insert(out.end(), rest.begin(), rest.end());
  return out;
}

std::vector<std::string> cloud_class_names() {
  std::vector<std::string> out;
  for (const ClassDefaults& d : kClasses) out.emplace_back(d.kind);
  return out;
}

cloud::CloudConfig cloud_config(const ParamValues& p, const PowerCurves& curves) {
  cloud::CloudConfig c;
  for (const ClassDefaults& d : kClasses) {
    const std::string k = d.kind;
    cloud::HostClass hc;
    hc.name = k;
    hc.hardware = *cloud::parse_hardware(k);
    hc.hypervisor = *cloud::parse_hypervisor(p.choice(k + "_hypervisor"));
    hc.cores = static_cast<std::uint32_t>(p.integer(k + "_cores"));
    hc.memory_mb = static_cast<std::uint64_t>(p.integer(k + "_memory_gb")) * 1024;
    hc.accelerators = k == "cpu" ? 0 : static_cast<std::uint32_t>(p.integer(k + "_accelerators"));
    hc.capability = p.real(k + "_capability");
    hc.idle_w = p.real(k + "_idle_w");
    hc.max_w = p.real(k + "_max_w");
    hc.price_per_minute = static_cast<std::uint64_t>(p.integer(k + "_price"));
    if (const auto it = curves.find(k); it != curves.end()) {
      hc.power_curve_w = it->second;
      hc.idle_w = it->second.front();
      hc.max_w = it->second.back();
    }
    c.classes.push_back(hc);
    c.hosts_per_class.push_back(static_cast<std::uint32_t>(p.integer(k + "_hosts")));
  }
  c.providers = static_cast<std::uint32_t>(p.integer("providers"));
  c.power.exponent = p.real("power_exponent");
  c.power.off_when_idle = p.boolean("power_off_idle");
  c.power.off_after_idle_s = p.real("power_off_after_s");
  c.power.off_w = p.real("power_off_w");
  c.power.wake_s = p.real("power_wake_s");
  c.policy = *cloud::parse_policy(p.choice("policy"));
  c.sosm.strategy = *cloud::parse_strategy(p.choice("strategy"));
  c.sosm.vrm_size = static_cast<std::uint32_t>(p.integer("vrm_size"));
  c.sosm.switch_size = static_cast<std::uint32_t>(p.integer("switch_size"));
  c.sosm.n_opt = p.real("n_opt");
  const char* w[] = {"si_w_capability", "si_w_memory", "si_w_power", "si_w_load", "si_w_size"};
  for (int i = 0; i < 5; ++i) c.sosm.weights[i] = p.real(w[i]);
  c.soe = {p.real("soe_w_performance"), p.real("soe_w_price")};
  c.reservation_ttl = secs(p, "reservation_ttl_s");
  c.link.base = millis(p.integer("latency_ms"));
  c.chain.block_interval = secs(p, "block_interval_s");
  c.chain.gas.block_gas_limit = static_cast<chain::Gas>(p.integer("block_gas_limit"));
  c.chain.confirmations = static_cast<std::uint64_t>(p.integer("confirmations"));
  c.cloud_price_per_minute = static_cast<chain::Wei>(p.integer("cloud_price"));
  return c;
}

cloud::GatewayConfig gateway_config(const ParamValues& p) {
  cloud::GatewayConfig g;
  g.max_providers_tried = static_cast<std::uint32_t>(p.integer("max_providers_tried"));
  g.reply_timeout = secs(p, "reply_timeout_s");
  g.users = static_cast<std::uint32_t>(p.integer("users"));
  return g;
}

std::optional<ParamError> check_cloud_params(const ParamValues& p) {
  // Issue 29: a host that drew less power loaded than idle made power fall with load.
  for (const ClassDefaults& d : kClasses) {
    const std::string k = d.kind;
    if (p.real(k + "_idle_w") > p.real(k + "_max_w")) {
      return ParamError{k + "_idle_w", fmt::format("expected at most {}_max_w ({}), found {}", k, p.real(k + "_max_w"),
                                                   p.real(k + "_idle_w"))};
    }
  }
  return std::nullopt;
}

std::optional<std::string> check_cloud_application(const ParamValues& p, const app::Topology& t) {
  const cloud::CloudConfig c = cloud_config(p);
  for (const app::Service& s : t.services) {
    bool runs = false;
    for (const app::Implementation& im : s.implementations) {
      for (std::size_t k = 0; k < c.classes.size() && !runs; ++k) {
        const cloud::HostClass& hc = c.classes[k];
        runs = c.hosts_per_class[k] > 0 && hc.hardware == im.hardware && hc.hypervisor == im.hypervisor &&
               im.cores_min <= hc.cores && im.memory_mb_min <= hc.memory_mb && im.accelerators <= hc.accelerators;
      }
    }
    if (!runs) {
      return fmt::format(
          "service \"{}\": every implementation needs more than any host class with hosts offers "
          "(hardware, hypervisor, cores, memory or accelerators)",
          s.name);
    }
  }
  return std::nullopt;
}

std::size_t pick_application(const std::vector<ApplicationSpec>& apps, Rng& rng) {
  double total = 0;
  for (const auto& a : apps) total += a.weight;
  double x = rng.uniform01() * total;
  for (std::size_t i = 0; i < apps.size(); ++i) {
    x -= apps[i].weight;
    if (x < 0) return i;
  }
  return apps.size() - 1;
}

Arrivals::Arrivals(Simulator& sim, Rng rng, const std::vector<ApplicationSpec>& apps, std::size_t count, double rate_per_s,
                   double mean_duration_s, bool constant_duration, std::function<void(const Request&)> submit)
    : sim_(sim),
      rng_(rng),
      apps_(apps),
      count_(count),
      mean_gap_us_(1e6 / rate_per_s),
      mean_duration_us_(mean_duration_s * 1e6),
      constant_duration_(constant_duration),
      submit_(std::move(submit)) {
  if (count_ > 0) sim_.at(SimTime{}, [this] { arrive(); });
}

void Arrivals::arrive() {
  const std::size_t i = arrived_++;
  const std::size_t a = pick_application(apps_, rng_);
  const SimTime duration{1 + static_cast<std::int64_t>(constant_duration_ ? mean_duration_us_ : rng_.exponential(mean_duration_us_))};
  submit_({i, a, duration});
  if (arrived_ < count_) sim_.after(SimTime{1 + static_cast<std::int64_t>(rng_.exponential(mean_gap_us_))}, [this] { arrive(); });
}

void run_until_settled(cloud::CloudWorld& w, const cloud::Gateway& gw, const std::function<bool()>& done, const char* kind) {
  const SimTime step = w.chain.config().block_interval * 10;
  while (!done() || gw.pending() > 0 || w.held_reservations() > 0 || w.net.in_flight() > 0) {
    if (w.sim.now() > SimTime{std::int64_t{1} << 60}) throw InvariantViolation(w.sim.now(), kind, "the run did not settle");
    w.sim.run_until(w.sim.now() + step);
  }
  for (cloud::HostId h = 0; h < w.hosts.size(); ++h) {
    if (w.hosts.free_units(h) != w.hosts.host_class(h).units()) {
      throw InvariantViolation(w.sim.now(), kind,
                               fmt::format("host {} still has capacity taken after every application ended", h));
    }
  }
}

}  // namespace cansim::scenario

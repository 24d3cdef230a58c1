// The cloud side at scale: 10^4 hosts of mixed kinds (CPU, GPU, MIC, FPGA) and 10^5 application
// requests through Gateway -> Service Optimization Engine -> Scheduler -> Cloud.instantiate, each
// shut down and released on chain at its end. Prints placements per second of wall time and the
// memory per host; the target (issue: the cloud side) is 2*10^4 placements/s with sosm and under
// 2 KiB per host.
//
//   build/bench/cloud_placement [hosts [requests [policy]]]

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "bench_util.hpp"
#include "cansim/cloud/cloud_world.hpp"
#include "cansim/cloud/gateway.hpp"
#include "cansim/scenario/tosca.hpp"

using namespace cansim;
using namespace cansim::cloud;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  const std::uint32_t hosts = argc > 1 ? static_cast<std::uint32_t>(std::strtoul(argv[1], nullptr, 10)) : 10000;
  const std::size_t requests = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 100000;
  const std::string policy = argc > 3 ? argv[3] : "sosm";
  const std::string apps_dir = std::string(CANSIM_SOURCE_DIR) + "/apps/";
  const app::Topology apps[] = {scenario::load_tosca(apps_dir + "ray_tracing.yaml"),
                                scenario::load_tosca(apps_dir + "web_shop.yaml"),
                                scenario::load_tosca(apps_dir + "inference.yaml")};
  const long rss0 = max_rss_kib();

  CloudConfig cfg;
  auto cls = [](const char* name, Hardware hw, Hypervisor hv, std::uint32_t cores, std::uint32_t acc, double cap, double idle,
                double max, std::uint64_t price) {
    HostClass c;
    c.name = name;
    c.hardware = hw;
    c.hypervisor = hv;
    c.cores = cores;
    c.memory_mb = 128 * 1024;
    c.accelerators = acc;
    c.capability = cap;
    c.idle_w = idle;
    c.max_w = max;
    c.price_per_minute = price;
    return c;
  };
  cfg.classes = {cls("cpu", Hardware::Cpu, Hypervisor::Container, 32, 0, 1000, 150, 400, 2),
                 cls("gpu", Hardware::Gpu, Hypervisor::Container, 16, 4, 28000, 200, 1400, 20),
                 cls("mic", Hardware::Mic, Hypervisor::BareMetal, 16, 2, 6000, 180, 700, 10),
                 cls("fpga", Hardware::Fpga, Hypervisor::BareMetal, 8, 2, 3000, 100, 250, 12)};
  cfg.hosts_per_class = {hosts * 6 / 10, hosts * 2 / 10, hosts / 10, hosts - hosts * 6 / 10 - hosts * 2 / 10 - hosts / 10};
  cfg.policy = *parse_policy(policy);
  // The chain must not be the bottleneck of a placement benchmark: large blocks.
  cfg.chain.gas.block_gas_limit = 4000000000ULL;
  cfg.chain.block_interval = seconds(12);
  const Rng root(1);
  const auto t_build = Clock::now();
  CloudWorld w(cfg, root);
  Gateway gw(w, {}, root.stream("gateway"));
  const double build_s = std::chrono::duration<double>(Clock::now() - t_build).count();
  const long rss_world = max_rss_kib();

  Rng workload = root.stream("workload");
  std::size_t arrived = 0, resolved = 0, accepted = 0;
  // 20 requests a second, 30 minutes each on average: the cloud runs close to full.
  std::function<void()> arrive = [&] {
    ++arrived;
    const app::Topology& a = apps[workload.below(3)];
    gw.request(a, SimTime{1 + static_cast<std::int64_t>(workload.exponential(1800e6))}, [&](const Outcome& o) {
      ++resolved;
      accepted += o.accepted ? 1 : 0;
    });
    if (arrived < requests) w.sim.after(SimTime{1 + static_cast<std::int64_t>(workload.exponential(50e3))}, arrive);
  };
  w.sim.at(SimTime{}, arrive);
  const auto t0 = Clock::now();
  const double cpu0 = cpu_seconds();
  while (arrived < requests || resolved < requests || gw.pending() > 0 || w.held_reservations() > 0 || w.net.in_flight() > 0) {
    w.sim.run_until(w.sim.now() + seconds(120));
  }
  const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  const double cpu = cpu_seconds() - cpu0;
  const long rss_end = max_rss_kib();
  std::printf(
      "policy %s, %u hosts (built in %.2f s), %zu requests: %zu placed, %zu refused; %.2f s wall, %.3g requests/s, "
      "%.3g placements/s; %llu events, %zu blocks, %.0f simulated hours\n",
      policy.c_str(), hosts, build_s, requests, accepted, requests - accepted, secs, static_cast<double>(requests) / secs,
      static_cast<double>(accepted) / secs, static_cast<unsigned long long>(w.sim.dispatched()), w.chain.block_count(),
      w.sim.now().to_seconds() / 3600);
  std::printf("cpu time %.2f s: %.3g placements per second of CPU time\n", cpu, static_cast<double>(accepted) / cpu);
  std::printf(
      "memory: the world (hosts, Schedulers, chain with every resource registered) %.0f bytes per host; peak %.0f MiB "
      "in all, %.0f bytes per host\n",
      (rss_world - rss0) * 1024.0 / hosts, rss_end / 1024.0, (rss_end - rss0) * 1024.0 / hosts);
  return 0;
}

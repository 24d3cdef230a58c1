// Fault-tolerant orchestration at scale: one simulated day, 10^3 hosts, 10^4 applications of
// 2-10 services arriving as a Poisson stream (one hour each on average), an OCAN of 5 members and
// 20 Orchestrators with checkState every second, APP_OK every minute, payments every 10 minutes,
// and failures of every kind on (Orchestrators, members, hosts, hypervisors, services). Prints
// wall time, events and transactions per second, and peak memory. Target (issue: orchestration
// end to end): under 30 s on one core, under 512 MiB.
//
//   build/bench/orchestration_bench [applications [hosts [simulated_hours [monitor_interval_s]]]]

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <fmt/format.h>

#include "bench_util.hpp"
#include "cansim/orchestration/orchestration_world.hpp"

using namespace cansim;
using namespace cansim::orchestration;
using Clock = std::chrono::steady_clock;

namespace {

// An application of n services, each a CPU container of 1-2 cores; service i depends on one
// earlier service (a random tree, so deployment runs in waves).
app::Topology topology(std::size_t n, Rng& rng) {
  app::Topology t;
  t.name = "generated-" + std::to_string(n);
  for (std::size_t i = 0; i < n; ++i) {
    app::Service s;
    s.name = fmt::format("s{}", i);  // not "s" + std::to_string: GCC 12 warns falsely (its bug 105329)
    app::Implementation im;
    im.name = s.name;
    im.hardware = cloud::Hardware::Cpu;
    im.hypervisor = cloud::Hypervisor::Container;
    im.cores_min = im.cores_max = 1 + static_cast<std::uint32_t>(rng.below(2));
    im.memory_mb_min = im.memory_mb_max = 2048;
    s.implementations = {im};
    if (i > 0) s.depends_on = {static_cast<std::size_t>(rng.below(i))};
    t.services.push_back(std::move(s));
  }
  app::compute_order(t);
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t apps = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 10000;
  const std::uint32_t hosts = argc > 2 ? static_cast<std::uint32_t>(std::strtoul(argv[2], nullptr, 10)) : 1000;
  const double hours = argc > 3 ? std::strtod(argv[3], nullptr) : 24;
  const double monitor_s = argc > 4 ? std::strtod(argv[4], nullptr) : 10;  // the default of the scenario parameter
  const long rss0 = max_rss_kib();
  Rng gen(3);
  std::vector<app::Topology> shapes;
  for (std::size_t n = 2; n <= 10; ++n) shapes.push_back(topology(n, gen));

  OrchestrationConfig cfg;
  cloud::HostClass cpu;
  cpu.name = "cpu";
  cpu.cores = 32;
  cpu.memory_mb = 128 * 1024;
  cpu.price_per_minute = 2;
  cpu.hypervisor = cloud::Hypervisor::Container;
  cfg.cloud.classes = {cpu};
  cfg.cloud.hosts_per_class = {hosts};
  cfg.cloud.chain.block_interval = seconds(12);
  cfg.cloud.app_ok_interval_ms = 60000;
  cfg.gateway.users = 1000;
  cfg.gateway.deposit = chain::Wei{1} << 50;
  cfg.members = 5;
  cfg.orchestrators = 20;
  cfg.can.check_interval = seconds(1);
  cfg.payment_interval = minutes(10);
  cfg.monitor_interval = SimTime{static_cast<std::int64_t>(monitor_s * 1e6)};
  // Failures of every kind (per part, per second): an Orchestrator or a member every 10 hours,
  // a host or a hypervisor every 100 hours, a service every 20 hours; recoveries in minutes.
  cfg.orchestrator_crash_rate = cfg.member_crash_rate = 1.0 / 36000;
  cfg.orchestrator_recovery_rate = cfg.member_recovery_rate = 1.0 / 300;
  cfg.host_crash_rate = cfg.api_crash_rate = 1.0 / 360000;
  cfg.host_recovery_rate = cfg.api_recovery_rate = 1.0 / 600;
  cfg.cloud.hypervisor.service_failure_rate_per_s = 1.0 / 72000;
  cfg.cloud.link.loss = 0.001;
  cfg.ocan_link.loss = 0.001;

  const auto t_build = Clock::now();
  OrchestrationWorld w(cfg, Rng(1));
  w.start();
  const double build_s = std::chrono::duration<double>(Clock::now() - t_build).count();

  Rng workload(2);
  const double gap_us = hours * 3600e6 / static_cast<double>(apps);
  std::size_t arrived = 0, accepted = 0, ended = 0;
  std::function<void()> arrive = [&] {
    ++arrived;
    w.request(
        shapes[workload.below(shapes.size())], SimTime{1 + static_cast<std::int64_t>(workload.exponential(3600e6))},
        [&](const cloud::Outcome& o) { accepted += o.accepted ? 1 : 0; }, [&](std::size_t) { ++ended; });
    if (arrived < apps) w.cloud.sim.after(SimTime{1 + static_cast<std::int64_t>(workload.exponential(gap_us))}, arrive);
  };
  w.cloud.sim.at(SimTime{}, arrive);
  const auto t0 = Clock::now();
  const SimTime end{static_cast<std::int64_t>(hours * 3600e6)};
  w.cloud.sim.run_until(end);
  const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  w.check_funds();
  const long rss_end = max_rss_kib();
  const std::uint64_t txs = w.cloud.chain.transactions_total();
  std::size_t settled = 0, redeploys = 0;
  for (const AppRecord& r : w.apps) {
    settled += r.settled ? 1 : 0;
    redeploys += r.redeploys;
  }
  std::printf(
      "monitoring every %.0f s; %.0f simulated hours, %u hosts, %zu applications requested, %zu placed, %zu settled, %zu "
      "released; "
      "%zu redeploys, %zu reassignments, %zu faults\n",
      monitor_s, hours, hosts, arrived, accepted, settled, ended, redeploys, w.ocan->reassignments().size(), w.faults.size());
  std::printf(
      "wall %.2f s (world built in %.2f s): %llu events (%.3g/s), %llu transactions sealed (%.3g/s), %zu blocks, "
      "%llu OCAN messages, %llu status checks\n",
      secs, build_s, static_cast<unsigned long long>(w.cloud.sim.dispatched()),
      static_cast<double>(w.cloud.sim.dispatched()) / secs, static_cast<unsigned long long>(txs), static_cast<double>(txs) / secs,
      w.cloud.chain.block_count(), static_cast<unsigned long long>(w.ocan->messages_sent()),
      static_cast<unsigned long long>(w.orchestrators.status_checks()));
  std::printf("memory: peak %.0f MiB (%.0f MiB above the start)\n", rss_end / 1024.0, (rss_end - rss0) / 1024.0);
  return 0;
}

// A CAN of many members and as many components running checkState (Algorithm 2: each member
// pings a random member and a random component every round) over the network model: events per
// second, wall time, and memory per member.
//
//   build/bench/can_scale [members [rounds]]

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "bench_util.hpp"
#include "cansim/protocols/can/can_world.hpp"

using namespace cansim;
using namespace cansim::can;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  const std::size_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 100000;
  const std::int64_t rounds = argc > 2 ? std::atoll(argv[2]) : 1000;
  const long rss0 = max_rss_kib();
  CanWorldConfig cfg;
  cfg.nodes = n;
  cfg.members = n;
  cfg.components = n;
  cfg.nmax = n;
  cfg.chain.block_interval = seconds(12);
  cfg.reuse_genesis = false;  // one world: no copy of its genesis kept
  CanWorld world(cfg, Rng(1));
  Can& can = *world.can;
  can.start();
  for (NodeId c = 0; c < n; ++c) can.preregister_component(static_cast<NodeId>(n + c));
  const long rss_setup = max_rss_kib();
  const auto t0 = Clock::now();
  world.sim.run_until(cfg.can.check_interval * rounds);
  const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  const long rss_end = max_rss_kib();
  std::printf(
      "members %zu + components %zu (registered %zu), rounds %lld: %llu events in %.2f s = %.3g events/s; %llu messages\n", n, n,
      can.registered_components(), static_cast<long long>(rounds), static_cast<unsigned long long>(world.sim.dispatched()), secs,
      static_cast<double>(world.sim.dispatched()) / secs, static_cast<unsigned long long>(can.messages_sent()));
  std::printf(
      "peak memory: %.0f MiB in all, %.0f bytes per member for the world as built (chain state, keys, network, CAN), "
      "%.0f bytes per member more while it runs\n",
      rss_end / 1024.0, (rss_setup - rss0) * 1024.0 / static_cast<double>(n),
      (rss_end - rss_setup) * 1024.0 / static_cast<double>(n));
  std::printf("elections %zu, removals %llu\n", can.elections().size(), static_cast<unsigned long long>(can.removals()));
  return 0;
}

// A CAN of many members and as many components running checkState (Algorithm 2: each member
// pings a random member and a random component every round) over the network model: events per
// second, wall time, and memory per member.
//
//   build/bench/can_scale [members [rounds]]

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "bench_util.hpp"
#include "cansim/model/chain/contracts/registry.hpp"
#include "cansim/protocols/can/can.hpp"

using namespace cansim;
using namespace cansim::can;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  const std::size_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 100000;
  const std::int64_t rounds = argc > 2 ? std::atoll(argv[2]) : 1000;
  const long rss0 = max_rss_kib();
  Simulator sim;
  chain::ChainConfig cc;
  cc.block_interval = seconds(12);
  chain::Chain chain(sim, cc);
  Network<CanMsg> net(sim, Rng(1), 2 * n);  // members, then as many components
  const chain::Address owner{2}, reg = chain::contract_address(owner, 0);
  Rng keys_rng(3);
  std::vector<chain::KeyPair> keys;
  chain.genesis_state().set_balance(owner, chain::Wei{1} << 100);
  for (NodeId i = 0; i < n; ++i) {
    keys.push_back(chain.keyring().create(member_address(i), keys_rng));
    chain.genesis_state().set_balance(member_address(i), chain::Wei{1} << 90);
  }
  auto must = [&](const chain::Transaction& tx) {
    if (chain.genesis(tx).status != chain::Status::Success) std::abort();
  };
  must(chain::registry::deploy(owner, reg, 1, n));
  for (NodeId i = 0; i < n; ++i) must(chain::registry::register_candidate(reg, member_address(i), 1 + i));
  must(chain::registry::appoint_leader(reg, owner, member_address(0)));
  for (NodeId i = 1; i < n; ++i) must(chain::registry::register_member(reg, member_address(0), member_address(i)));
  const long rss_setup = max_rss_kib();

  Can can(sim, net, chain, reg, std::move(keys), CanConfig{}, Rng(4));  // the CAN keeps the only copy
  can.start();
  for (NodeId c = 0; c < n; ++c) can.preregister_component(static_cast<NodeId>(n + c));
  const auto t0 = Clock::now();
  sim.run_until(CanConfig{}.check_interval * rounds);
  const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  const long rss_end = max_rss_kib();
  std::printf(
      "members %zu + components %zu (registered %zu), rounds %lld: %llu events in %.2f s = %.3g events/s; %llu messages\n", n, n,
      can.registered_components(), static_cast<long long>(rounds), static_cast<unsigned long long>(sim.dispatched()), secs,
      static_cast<double>(sim.dispatched()) / secs, static_cast<unsigned long long>(can.messages_sent()));
  std::printf(
      "peak memory: %.0f MiB in all, %.0f bytes per member for the protocol and network (beyond the chain "
      "state), %.0f bytes per member with the chain state\n",
      rss_end / 1024.0, (rss_end - rss_setup) * 1024.0 / static_cast<double>(n),
      (rss_end - rss0) * 1024.0 / static_cast<double>(n));
  std::printf("elections %zu, removals %llu\n", can.elections().size(), static_cast<unsigned long long>(can.removals()));
  return 0;
}

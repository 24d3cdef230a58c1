#pragma once
// A CAN for protocol tests: n members registered in the Registry (the first `initial_members`, or
// all; the rest stay candidates), member 0 the appointed leader, `components` endpoints after the
// members, the fault plan injected, checkState started.
#include <catch2/catch.hpp>

#include <memory>

#include "cansim/model/chain/contracts/registry.hpp"
#include "cansim/protocols/can/can.hpp"
#include "cansim/sim/faults.hpp"

namespace cansim::testing {

using namespace cansim::can;
using chain::Address;

struct TestCan {
  Simulator sim;
  chain::Chain chain;
  Network<CanMsg> net;
  Address owner{2};
  Address reg = chain::contract_address(Address{2}, 0);
  std::vector<chain::KeyPair> keys;
  std::unique_ptr<Can> can;
  std::unique_ptr<FaultInjector<CanMsg>> faults;

  static chain::ChainConfig chain_config() {
    chain::ChainConfig c;
    c.block_interval = seconds(1);
    return c;
  }

  explicit TestCan(std::size_t n, std::uint64_t seed = 1, FaultPlan plan = {}, std::size_t initial_members = 0,
                   std::uint64_t nmin = 1, std::uint64_t nmax = 100, std::size_t components = 0, CanConfig config = {})
      : chain(sim, chain_config()), net(sim, Rng(seed).stream("net"), n + components) {
    Rng rng = Rng(seed).stream("keys");
    chain.genesis_state().set_balance(owner, chain::Wei{1} << 90);
    for (NodeId i = 0; i < n; ++i) {
      keys.push_back(chain.keyring().create(member_address(i), rng));
      chain.genesis_state().set_balance(member_address(i), chain::Wei{1} << 90);
    }
    must(chain::registry::deploy(owner, reg, nmin, nmax));
    for (NodeId i = 0; i < n; ++i) must(chain::registry::register_candidate(reg, member_address(i), 1000 + i));
    must(chain::registry::appoint_leader(reg, owner, member_address(0)));
    const std::size_t m = initial_members ? initial_members : n;  // the others stay candidates
    for (NodeId i = 1; i < m; ++i) must(chain::registry::register_member(reg, member_address(0), member_address(i)));
    can = std::make_unique<Can>(sim, net, chain, reg, keys, config, Rng(seed).stream("can"));
    faults = std::make_unique<FaultInjector<CanMsg>>(
        sim, net, Rng(seed).stream("faults"), plan, [this](NodeId x) { can->on_crash(x); },
        [this](NodeId x) { can->on_recover(x); });
    can->start();
  }
  void must(const chain::Transaction& tx) { REQUIRE(chain.genesis(tx).status == chain::Status::Success); }
  std::uint64_t nonce() const { return chain::registry::leader_nonce(chain.state(), reg); }
  Address leader() const { return chain::registry::leader(chain.state(), reg); }
};

}  // namespace cansim::testing

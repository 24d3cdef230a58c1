#pragma once
// A CAN for protocol tests: the world experiments run (protocols/can/can_world.hpp) with n
// members registered in the Registry (the first `initial_members`, or all; the rest stay
// candidates), member 0 the appointed leader, `components` endpoints after the members, the fault
// plan injected, blocks every second, checkState started.
#include <catch2/catch.hpp>

#include "cansim/model/chain/contracts/registry.hpp"
#include "cansim/protocols/can/can_world.hpp"

namespace cansim::testing {

using namespace cansim::can;
using chain::Address;

inline CanWorldConfig test_can_config(std::size_t n, FaultPlan plan, std::size_t initial_members, std::uint64_t nmin,
                                      std::uint64_t nmax, std::size_t components, CanConfig config) {
  CanWorldConfig w;
  w.nodes = n;
  w.members = initial_members ? initial_members : n;
  w.components = components;
  w.nmin = nmin;
  w.nmax = nmax;
  w.chain.block_interval = seconds(1);
  w.can = config;
  w.faults = std::move(plan);
  return w;
}

struct TestCan : CanWorld {
  explicit TestCan(std::size_t n, std::uint64_t seed = 1, FaultPlan plan = {}, std::size_t initial_members = 0,
                   std::uint64_t nmin = 1, std::uint64_t nmax = 100, std::size_t components = 0, CanConfig config = {})
      : CanWorld(test_can_config(n, std::move(plan), initial_members, nmin, nmax, components, config), Rng(seed)) {
    can->start();
  }
  std::uint64_t nonce() const { return leader_nonce(); }
  Address leader() const { return chain::registry::leader(chain.state(), reg); }
};

}  // namespace cansim::testing

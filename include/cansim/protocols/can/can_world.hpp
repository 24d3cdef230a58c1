#pragma once
// A CAN ready to run: the engine, a chain with the Registry deployed and the CAN's nodes
// registered, the network, the CAN and the fault injector. Experiments, tests and benchmarks all
// build it here, so that they run the same world.
#include <cstdint>
#include <functional>
#include <memory>

#include "cansim/model/chain/chain.hpp"
#include "cansim/protocols/can/can.hpp"
#include "cansim/sim/faults.hpp"
#include "cansim/sim/network.hpp"
#include "cansim/sim/rng.hpp"
#include "cansim/sim/signal.hpp"

namespace cansim::can {

struct CanWorldConfig {
  // Nodes 0 .. nodes-1 have keys and are all Registry candidates; the first `members` of them are
  // members from the start, node 0 the appointed leader; the rest stay candidates (they can join).
  std::size_t nodes = 1;
  std::size_t members = 1;
  // Endpoints after the nodes (ids nodes .. nodes+components-1) that can register as components.
  std::size_t components = 0;
  std::uint64_t nmin = 1, nmax = 100;  // Algorithm 1's bounds, set in the Registry
  chain::ChainConfig chain;
  LinkModel link;  // every link; the fault plan's network faults are applied on top
  CanConfig can;
  FaultPlan faults;  // scheduled and random faults, injected from the start
  // Keep a copy of the genesis state per thread for the next world of the same shape: a sweep
  // builds the same one for every run. Off for one large world, whose copy would double its memory.
  bool reuse_genesis = true;
};

struct CanWorld {
  // Draws from root's streams "network", "keys", "can" and "faults". The CAN is built, not started.
  CanWorld(const CanWorldConfig& cfg, const Rng& root);
  CanWorld(const CanWorld&) = delete;
  CanWorld& operator=(const CanWorld&) = delete;

  // Gas of every transaction in a sealed block.
  chain::Gas gas_used() const;
  // The Registry's leader and its nonce, as the chain's state has them now.
  NodeId registry_leader() const;
  std::uint64_t leader_nonce() const;

  std::size_t nodes;  // the keyed nodes, Registry candidates: ids 0 .. nodes-1; components follow
  Simulator sim;
  chain::Chain chain;
  Network<CanMsg> net;
  chain::Address owner{2};  // deploys the Registry and appoints the first leader
  chain::Address reg;
  std::unique_ptr<Can> can;
  // Besides telling the CAN, a crash or recovery is announced here (an experiment's own
  // bookkeeping listens).
  Signal<NodeId> on_crash, on_recover;
  std::unique_ptr<FaultInjector<CanMsg>> faults;
};

}  // namespace cansim::can

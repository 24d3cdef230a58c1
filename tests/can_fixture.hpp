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

namespace cansim::can {

// Plants, in a running CAN, the failures the liveness check must see: the protocols no longer make
// them (each was a defect once), so a test of the check has to make them by hand.
struct CanTestAccess {
  // Member q's copy differs from the committed ledger at entry i (1-based).
  static void corrupt_copy(Can& c, NodeId q, std::uint32_t i) {
    std::vector<LedgerEntry> altered = c.committed_;
    altered.at(i - 1).work += 1000;
    LedgerCopy copy(&c.genesis_);
    copy.install(altered, static_cast<std::uint32_t>(altered.size()), c.sim_.now());
    c.nodes_[q].ledger = std::move(copy);
  }
  // Member q's copy holds the committed ledger only up to entry upto, as committed.
  static void truncate_copy(Can& c, NodeId q, std::uint32_t upto) {
    LedgerCopy copy(&c.genesis_);
    copy.install(c.committed_, upto, c.sim_.now());
    c.nodes_[q].ledger = std::move(copy);
  }
  // The leader appends an entry it sends to no one, `age` ago.
  static void append_unsent(Can& c, NodeId leader, SimTime age) {
    LeaderState& l = c.leading(leader);
    LedgerEntry e{MsgType::NewLeader};
    e.nonce = c.nodes_[leader].nonce;
    c.nodes_[leader].ledger.append(e, c.sim_.now());
    const std::uint32_t index = c.nodes_[leader].ledger.last();
    if (l.first_own == 0) l.first_own = index;
    l.appended.resize(index - l.first_own + 1, c.sim_.now());
    l.appended.back() = c.sim_.now() - age;
    l.match[leader] = index;
  }
  // The leader forgets that it caught up.
  static void unsync(Can& c, NodeId leader) { c.nodes_[leader].synced_for = 0; }
  // n leaves the member list as a removal would.
  static void drop_member(Can& c, NodeId n) { c.index_member(n, false); }
  // Member q loses every replica of w from its store (the audit is not told).
  static void drop_store(Can& c, NodeId q, std::uint32_t w) { c.nodes_[q].store.erase(w); }
  // Component c loses its run of w without being told why (as a stale "stop" answer or a
  // false vote-out it recovered from would leave it): the leader still counts it the assignee.
  static void forget_run(Can& c, NodeId comp, std::uint32_t w) { c.drop_run(comp, w); }
  // Delivers a message as the network would (a test that filters messages sets its own handler).
  static void handle(Can& c, NodeId to, NodeId from, const CanMsg& m) { c.handle(to, from, m); }
  // Component k runs w (progress 0) whether or not it is assigned.
  static void plant_run(Can& c, NodeId k, std::uint32_t w) { c.runs_[k].push_back({w, 0, false}); }
};

}  // namespace cansim::can

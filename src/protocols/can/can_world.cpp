#include "cansim/protocols/can/can_world.hpp"

#include <algorithm>
#include <stdexcept>
#include <tuple>

#include "cansim/model/chain/contracts/registry.hpp"
#include "cansim/protocols/can/build.hpp"
#include "cansim/sim/invariant.hpp"

namespace cansim::can {

namespace {

// The Registry's genesis: funds, the deployment, every node a candidate, node 0 appointed, the
// first `members` registered. It depends on the sizes and on how gas is charged, not on the seed.
void build_genesis(chain::Chain& chain, const CanWorldConfig& cfg, chain::Address owner, chain::Address reg) {
  chain::State& g = chain.genesis_state();
  g.set_balance(owner, chain::Wei{1} << 100);
  for (NodeId i = 0; i < cfg.nodes; ++i) g.set_balance(member_address(i), chain::Wei{1} << 90);
  for (const chain::Transaction& tx : registry_genesis(owner, reg, cfg.nmin, cfg.nmax, cfg.nodes, cfg.members)) {
    if (chain.genesis(tx).status != chain::Status::Success) throw InvariantViolation(SimTime{}, "genesis", tx.name + " failed");
  }
  g.forget_journal();
}

}  // namespace

CanWorld::CanWorld(const CanWorldConfig& cfg, const Rng& root)
    : nodes(cfg.nodes), chain(sim, cfg.chain),
      net(sim, root.stream("network"), cfg.nodes + cfg.components, with_faults(cfg.link, cfg.faults)),
      reg(chain::contract_address(owner, 0)) {
  if (cfg.nodes == 0 || cfg.members == 0 || cfg.members > cfg.nodes) {
    throw std::invalid_argument("a CAN world needs at least one node and between 1 and `nodes` members");
  }
  // A sweep builds the same genesis for every run: each thread builds it once per shape and copies
  // it (a copy costs a fraction of running the registrations, a quarter of a protocol-level
  // Figure 4.2 otherwise). The shape is everything the genesis reads.
  using Shape = std::tuple<std::size_t, std::size_t, std::uint64_t, std::uint64_t, std::uint64_t>;
  struct Built {
    Shape shape;
    chain::GasSchedule gas;
    chain::State state;
  };
  thread_local std::vector<Built> built;
  const Shape shape{cfg.nodes, cfg.members, cfg.nmin, cfg.nmax, cfg.chain.coinbase.id};
  auto it = std::find_if(built.begin(), built.end(), [&](const Built& b) { return b.shape == shape && b.gas == cfg.chain.gas; });
  if (!cfg.reuse_genesis) {
    build_genesis(chain, cfg, owner, reg);
  } else if (it != built.end()) {
    chain.genesis_state() = it->state;
  } else {
    build_genesis(chain, cfg, owner, reg);
    if (built.size() > 16) built.clear();  // a sweep over sizes: keep memory bounded
    built.push_back({shape, cfg.chain.gas, chain.genesis_state()});
  }
  can = build_can(sim, net, chain, reg, cfg.nodes, cfg.can, root.stream("keys"), root.stream("can"));
  faults = std::make_unique<FaultInjector<CanMsg>>(
      sim, net, root.stream("faults"), cfg.faults,
      [this](NodeId x) {
        can->on_crash(x);
        on_crash(x);
      },
      [this](NodeId x) {
        can->on_recover(x);
        on_recover(x);
      });
}

chain::Gas CanWorld::gas_used() const { return chain.gas_used_total(); }

NodeId CanWorld::registry_leader() const { return member_node(chain::registry::leader(chain.state(), reg)); }

std::uint64_t CanWorld::leader_nonce() const { return chain::registry::leader_nonce(chain.state(), reg); }

}  // namespace cansim::can

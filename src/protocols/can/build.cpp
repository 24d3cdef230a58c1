// How every CAN is built (build.hpp).
#include "cansim/protocols/can/build.hpp"

#include "cansim/model/chain/contracts/registry.hpp"

namespace cansim::can {

std::vector<chain::Transaction> registry_genesis(chain::Address owner, chain::Address registry, std::uint64_t nmin,
                                                 std::uint64_t nmax, std::uint32_t candidates, std::uint32_t members) {
  std::vector<chain::Transaction> txs;
  txs.push_back(chain::registry::deploy(owner, registry, nmin, nmax));
  for (NodeId i = 0; i < candidates; ++i) {
    txs.push_back(chain::registry::register_candidate(registry, member_address(i), member_contact(i)));
  }
  txs.push_back(chain::registry::appoint_leader(registry, owner, member_address(0)));
  for (NodeId i = 1; i < members; ++i) txs.push_back(chain::registry::register_member(registry, member_address(0), member_address(i)));
  return txs;
}

std::unique_ptr<Can> build_can(Simulator& sim, Network<CanMsg>& net, chain::Chain& chain, chain::Address registry,
                               std::uint32_t nodes, const CanConfig& cfg, Rng keys, Rng draws) {
  std::vector<chain::KeyPair> pairs;
  pairs.reserve(nodes);
  for (NodeId i = 0; i < nodes; ++i) pairs.push_back(chain.keyring().create(member_address(i), keys));
  return std::make_unique<Can>(sim, net, chain, registry, std::move(pairs), cfg, std::move(draws));
}

}  // namespace cansim::can

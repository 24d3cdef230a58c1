#pragma once
// How every CAN is built, the experiments' CAN (can_world.hpp) and the OCAN of the orchestration
// alike: its Registry's genesis and the CAN itself with its members' keys.
#include <cstdint>
#include <memory>
#include <vector>

#include "cansim/protocols/can/can.hpp"

namespace cansim::can {

// The Registry's genesis for a CAN: deployed by `owner` at `registry` with Nmin and Nmax, nodes
// 0 .. candidates-1 candidates (member_address, member_contact), node 0 appointed leader by the
// owner, and nodes 1 .. members-1 registered by it. In this order; each must succeed.
std::vector<chain::Transaction> registry_genesis(chain::Address owner, chain::Address registry, std::uint64_t nmin,
                                                 std::uint64_t nmax, std::uint32_t candidates, std::uint32_t members);

// A CAN of `nodes` nodes over `net`, on the chain whose Registry is `registry`: each node gets a
// key pair in the chain's keyring, drawn from `keys` in node order; the CAN draws from `draws`.
std::unique_ptr<Can> build_can(Simulator& sim, Network<CanMsg>& net, chain::Chain& chain, chain::Address registry,
                               std::uint32_t nodes, const CanConfig& cfg, Rng keys, Rng draws);

}  // namespace cansim::can

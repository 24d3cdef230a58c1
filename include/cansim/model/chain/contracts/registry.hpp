#pragma once
// The Registry contract (§3, §3.1, §4.1): owner, CAN parameters, candidates and members with
// their contact information, the leader with its contact and nonce, and the registered
// services, applications and clouds. Each function returns the transaction that calls it; views
// read the state for free, as a local node does.
//
// Beyond the paper, for safety (docs/contracts.md): registerLeader is a compare-and-swap on the leader
// nonce (a stale proposer reverts), and needs the signed accepts of more than half of the
// current members on (n, proposer).
#include <vector>

#include "cansim/model/chain/abi.hpp"
#include "cansim/model/chain/execution.hpp"

namespace cansim::chain::registry {

// What the defaults of the transaction builders use; callers may change the returned transaction.
inline constexpr Gas kGasLimit = 2000000;
inline constexpr Wei kGasPrice = 1000000000;  // 1 gwei

// registerLeader's count: valid accepts of distinct members, more than half of the members (so
// exactly half is refused).
constexpr bool accepts_suffice(std::uint64_t distinct_member_accepts, std::uint64_t members) {
  return 2 * distinct_member_accepts > members;
}

// The chain's id (EIP-155): the calibration's chain, Ethereum's main network rules.
inline constexpr Word kChainId = 1;
// The message an acceptor signs for proposer `proposer` and nonce `n` (Algorithm 3/4), bound to
// the chain and to Registry `reg` (EIP-712's domain separator does the same), so that an accept
// cannot be replayed on another Registry with the same members.
std::uint64_t accept_digest(Address reg, std::uint64_t n, Address proposer);

Transaction deploy(Address owner, Address at, std::uint64_t nmin, std::uint64_t nmax);
Transaction set_params(Address reg, Address owner, std::uint64_t nmin, std::uint64_t nmax);
Transaction register_candidate(Address reg, Address node, Word contact);
// The owner appoints the first leader (§3.1 step 2.ii); it must be a candidate. Nonce becomes 1.
Transaction appoint_leader(Address reg, Address owner, Address leader);
// Beyond the paper: the owner starts the CAN again after it died (no member left to elect
// anyone), as at system start: every member is removed, `leader` (a candidate) becomes the only
// member and the leader, and the nonce goes up by one, so that whatever the old CAN still issues
// is fenced off.
Transaction bootstrap(Address reg, Address owner, Address leader);
// LeadElect's one transaction (Algorithm 3): n must be the stored nonce + 1.
Transaction register_leader(Address reg, Address proposer, std::uint64_t n, std::vector<Signature> accepts, Word contact);
Transaction register_member(Address reg, Address leader, Address member);
Transaction deregister_member(Address reg, Address leader, Address member);
Transaction register_service(Address reg, Address from, Word id, Word definition_digest);
Transaction register_application(Address reg, Address from, Word id, Word definition_digest);
// By the Registry's owner only: the Registry owns the Clouds (§3).
Transaction register_cloud(Address reg, Address owner, Address cloud);
// The per-minute price paid to the CAN through the Registry (Algorithm 6's Registry.ftenPrice).
Transaction set_ften_price(Address reg, Address owner, Wei per_minute);

// The OCAN's (FTEN) share goes to the CAN's nodes by their availability (§3, §5.1), which the
// Registry records: the leader reports the members now and then (recordAvailability: each
// member is credited the time since the last report, from the block's timestamp); anyone may
// distribute what the Registry received since (distributeFten: each node's share is its part of
// all recorded availability, rounded down; the dust waits); each node withdraws its own.
Transaction record_availability(Address reg, Address leader);
Transaction distribute_ften(Address reg, Address from);
Transaction withdraw_ften(Address reg, Address node);
std::uint64_t availability_ms(const State& s, Address reg, Address node);
Wei ften_owed(const State& s, Address reg, Address node);
Wei ften_held(const State& s, Address reg);  // owed and not withdrawn

// Slots other contracts read (as a Solidity contract calls a public getter).
SlotKey leader_slot(Address reg);
SlotKey ften_price_slot(Address reg);

// Views.
Address owner(const State& s, Address reg);
std::uint64_t nmin(const State& s, Address reg);
std::uint64_t nmax(const State& s, Address reg);
Address leader(const State& s, Address reg);
Word leader_contact(const State& s, Address reg);
std::uint64_t leader_nonce(const State& s, Address reg);
bool is_candidate(const State& s, Address reg, Address node);
Word contact(const State& s, Address reg, Address node);  // a candidate's or member's
bool is_member(const State& s, Address reg, Address node);
std::vector<Address> members(const State& s, Address reg);  // in registration order, but for removals
std::uint64_t member_count(const State& s, Address reg);
Address member_at(const State& s, Address reg, std::uint64_t i);  // i < member_count
Word service(const State& s, Address reg, Word id);               // 0 if unknown
Word application(const State& s, Address reg, Word id);
bool is_cloud(const State& s, Address reg, Address cloud);
Wei ften_price(const State& s, Address reg);

}  // namespace cansim::chain::registry

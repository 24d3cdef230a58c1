#include "cansim/model/chain/contracts/registry.hpp"

#include <set>

namespace cansim::chain::registry {

namespace {

// Storage layout: one field number per state variable, keyed like a Solidity mapping.
enum Field : std::uint64_t {
  kOwner,
  kNmin,
  kNmax,
  kLeader,
  kLeaderContact,
  kNonce,
  kCandidate,    // node -> contact (0: not a candidate)
  kMemberIndex,  // node -> index + 1 in kMemberAt (0: not a member)
  kMemberAt,     // index -> node
  kMemberCount,
  kService,      // id -> definition digest
  kApplication,  // id -> definition digest
  kCloud,        // cloud -> 1
  kFtenPrice,    // wei per minute
  // The OCAN's (FTEN) share, distributed by availability (§3, §5.1).
  kAvailability,  // node -> ms it was a member, as the leader reported
  kAvailTotal,    // the sum of kAvailability
  kAvailAt,       // index -> node, every node that has availability, in order of first report
  kAvailCount,
  kLastReport,  // ms of the last report (0: none yet)
  kFtenOwed,    // node -> wei it may withdraw
  kFtenHeld,    // wei owed and not withdrawn (the rest of the balance is undistributed)
};

SlotKey slot(Address reg, Field f, Word key = 0) { return {reg, f, key}; }

Transaction tx_for(Address to, Address from, std::string name, const Calldata& data, CallBody body) {
  return contract_call(to, from, std::move(name), data, std::move(body), kGasLimit, kGasPrice);
}

void only_owner(Call& c) { c.require(address_of(c.sload(slot(c.self(), kOwner))) == c.sender(), "only the owner"); }
void only_leader(Call& c) { c.require(address_of(c.sload(slot(c.self(), kLeader))) == c.sender(), "only the leader"); }

void add_member(Call& c, Address node) {
  const Address reg = c.self();
  const auto count = static_cast<std::uint64_t>(c.sload(slot(reg, kMemberCount)));
  c.sstore(slot(reg, kMemberAt, count), word_of(node));
  c.sstore(slot(reg, kMemberIndex, word_of(node)), count + 1);
  c.sstore(slot(reg, kMemberCount), count + 1);
}

}  // namespace

std::uint64_t accept_digest(Address reg, std::uint64_t n, Address proposer) {
  return digest({0xacce97, kChainId, word_of(reg), n, word_of(proposer)});
}

Transaction deploy(Address owner, Address at, std::uint64_t nmin, std::uint64_t nmax) {
  const Calldata data = Calldata::creation(calibration::kRegistryCode).word(nmin).word(nmax);
  Transaction tx = tx_for(at, owner, "Registry.constructor", data, [=](Call& c) {
    c.require(nmin <= nmax && nmax >= 1, "expected 1 <= nmax and nmin <= nmax");
    c.sstore(slot(at, kOwner), word_of(owner));
    c.sstore(slot(at, kNmin), nmin);
    c.sstore(slot(at, kNmax), nmax);
  });
  tx.created_code_bytes = calibration::kRegistryCode.deployed_bytes;
  return tx;
}

Transaction set_params(Address reg, Address owner, std::uint64_t nmin, std::uint64_t nmax) {
  return tx_for(reg, owner, "Registry.setParams", Calldata{}.word(nmin).word(nmax), [=](Call& c) {
    only_owner(c);
    c.require(nmin <= nmax && nmax >= 1, "expected 1 <= nmax and nmin <= nmax");
    c.sstore(slot(reg, kNmin), nmin);
    c.sstore(slot(reg, kNmax), nmax);
  });
}

Transaction register_candidate(Address reg, Address node, Word contact) {
  return tx_for(reg, node, "Registry.registerCandidate", Calldata{}.word(contact), [=](Call& c) {
    c.require(contact != 0, "expected contact information");
    c.sstore(slot(reg, kCandidate, word_of(c.sender())), contact);
    c.emit({{}, "CandidateRegistered", {word_of(c.sender()), contact}, 2, 32});
  });
}

Transaction appoint_leader(Address reg, Address owner, Address leader) {
  return tx_for(reg, owner, "Registry.appointLeader", Calldata{}.address(leader), [=](Call& c) {
    only_owner(c);
    c.require(c.sload(slot(reg, kNonce)) == 0, "the first leader is already appointed");
    const Word contact = c.sload(slot(reg, kCandidate, word_of(leader)));
    c.require(contact != 0, "the leader must be a candidate");
    c.sstore(slot(reg, kLeader), word_of(leader));
    c.sstore(slot(reg, kLeaderContact), contact);
    c.sstore(slot(reg, kNonce), 1);
    add_member(c, leader);
    c.emit({{}, "LeaderChanged", {1, word_of(leader)}, 3, 32});
  });
}

Transaction bootstrap(Address reg, Address owner, Address leader) {
  return tx_for(reg, owner, "Registry.bootstrap", Calldata{}.address(leader), [=](Call& c) {
    only_owner(c);
    const auto nonce = static_cast<std::uint64_t>(c.sload(slot(reg, kNonce)));
    c.require(nonce != 0, "no leader was appointed yet: use appointLeader");
    const Word contact = c.sload(slot(reg, kCandidate, word_of(leader)));
    c.require(contact != 0, "the leader must be a candidate");
    // The old CAN is gone: every member leaves, last first.
    for (auto count = static_cast<std::uint64_t>(c.sload(slot(reg, kMemberCount))); count > 0; --count) {
      c.charge(calibration::kOtherLoop);
      const Word member = c.sload(slot(reg, kMemberAt, count - 1));
      c.sstore(slot(reg, kMemberAt, count - 1), 0);
      c.sstore(slot(reg, kMemberIndex, member), 0);
      c.emit({{}, "MemberLeft", {member}, 2, 0});
    }
    c.sstore(slot(reg, kMemberCount), 0);
    c.sstore(slot(reg, kLeader), word_of(leader));
    c.sstore(slot(reg, kLeaderContact), contact);
    c.sstore(slot(reg, kNonce), nonce + 1);
    add_member(c, leader);
    c.emit({{}, "MemberJoined", {word_of(leader)}, 2, 0});
    c.emit({{}, "LeaderChanged", {nonce + 1, word_of(leader)}, 3, 32});
  });
}

Transaction register_leader(Address reg, Address proposer, std::uint64_t n, std::vector<Signature> accepts, Word contact) {
  Calldata data = Calldata{}.word(n).word(contact).array(accepts.size());
  for (std::size_t i = 0; i < accepts.size(); ++i) data.signature();
  return tx_for(reg, proposer, "Registry.registerLeader", data, [=](Call& c) {
    // Compare-and-swap on the nonce: a proposer that read an old nonce loses.
    const auto nonce = static_cast<std::uint64_t>(c.sload(slot(reg, kNonce)));
    c.require(n == nonce + 1, "stale nonce: expected the stored nonce + 1");
    c.require(c.sload(slot(reg, kMemberIndex, word_of(proposer))) != 0, "the proposer must be a member");
    const auto members = static_cast<std::uint64_t>(c.sload(slot(reg, kMemberCount)));
    const std::uint64_t message = accept_digest(reg, n, proposer);
    std::set<Address> counted;  // in memory, as a Solidity function would keep it: no storage gas
    // §4: the leader changes only if all accepts are valid; one that is not reverts the election.
    for (const Signature& s : accepts) {
      c.charge(calibration::kLeaderPerAccept);
      const Address signer = c.ecrecover(s, message);
      c.require(!signer.is_zero(), "an invalid accept");
      c.require(counted.count(signer) == 0, "a repeated accept");
      c.require(c.sload(slot(reg, kMemberIndex, word_of(signer))) != 0, "an accept from a non-member");
      counted.insert(signer);
    }
    c.require(accepts_suffice(counted.size(), members), "expected accepts from more than half of the members");
    c.sstore(slot(reg, kLeader), word_of(proposer));
    c.sstore(slot(reg, kLeaderContact), contact);
    c.sstore(slot(reg, kNonce), n);
    c.emit({{}, "LeaderChanged", {n, word_of(proposer)}, 3, 32});
  });
}

Transaction register_member(Address reg, Address leader, Address member) {
  return tx_for(reg, leader, "Registry.registerMember", Calldata{}.address(member), [=](Call& c) {
    only_leader(c);
    c.require(c.sload(slot(reg, kCandidate, word_of(member))) != 0, "a member must be a candidate");
    c.require(c.sload(slot(reg, kMemberIndex, word_of(member))) == 0, "already a member");
    c.require(c.sload(slot(reg, kMemberCount)) < c.sload(slot(reg, kNmax)), "the CAN is at Nmax");
    add_member(c, member);
    c.emit({{}, "MemberJoined", {word_of(member)}, 2, 0});
  });
}

Transaction deregister_member(Address reg, Address leader, Address member) {
  return tx_for(reg, leader, "Registry.deregisterMember", Calldata{}.address(member), [=](Call& c) {
    only_leader(c);
    c.require(member != leader, "the leader cannot remove itself");
    const auto index = static_cast<std::uint64_t>(c.sload(slot(reg, kMemberIndex, word_of(member))));
    c.require(index != 0, "not a member");
    // Swap-remove: the last member takes the removed one's place.
    const auto count = static_cast<std::uint64_t>(c.sload(slot(reg, kMemberCount)));
    const Word last = c.sload(slot(reg, kMemberAt, count - 1));
    c.sstore(slot(reg, kMemberAt, index - 1), last);
    c.sstore(slot(reg, kMemberIndex, last), index);
    c.sstore(slot(reg, kMemberAt, count - 1), 0);
    c.sstore(slot(reg, kMemberIndex, word_of(member)), 0);
    c.sstore(slot(reg, kMemberCount), count - 1);
    // Its contact goes too: the Registry points at no one it voted out. It registers again to rejoin.
    c.sstore(slot(reg, kCandidate, word_of(member)), 0);
    c.emit({{}, "MemberLeft", {word_of(member)}, 2, 0});
  });
}

namespace {

Transaction register_definition(Address reg, Address from, Field field, const char* name, Word id, Word def) {
  return tx_for(reg, from, name, Calldata{}.word(id).word(def), [=](Call& c) {
    c.require(id != 0 && def != 0, "expected an id and a definition");
    c.require(c.sload(slot(reg, field, id)) == 0, "id already registered");
    c.sstore(slot(reg, field, id), def);
    c.emit({{}, name, {id, def}, 2, 32});
  });
}

}  // namespace

Transaction register_service(Address reg, Address from, Word id, Word definition_digest) {
  return register_definition(reg, from, kService, "Registry.registerService", id, definition_digest);
}

Transaction register_application(Address reg, Address from, Word id, Word definition_digest) {
  return register_definition(reg, from, kApplication, "Registry.registerApplication", id, definition_digest);
}

Transaction register_cloud(Address reg, Address owner, Address cloud) {
  return tx_for(reg, owner, "Registry.registerCloud", Calldata{}.address(cloud), [=](Call& c) {
    only_owner(c);  // the Registry owns the Clouds (§3)
    c.require(c.sload(slot(reg, kCloud, word_of(cloud))) == 0, "cloud already registered");
    c.sstore(slot(reg, kCloud, word_of(cloud)), 1);
    c.emit({{}, "CloudRegistered", {word_of(cloud), word_of(c.sender())}, 3, 0});
  });
}

Transaction set_ften_price(Address reg, Address owner, Wei per_minute) {
  return tx_for(reg, owner, "Registry.setFtenPrice", Calldata{}.word(per_minute), [=](Call& c) {
    only_owner(c);
    c.sstore(slot(reg, kFtenPrice), per_minute);
  });
}

Transaction record_availability(Address reg, Address leader) {
  return tx_for(reg, leader, "Registry.recordAvailability", Calldata{}, [=](Call& c) {
    only_leader(c);
    const std::uint64_t now = c.block().timestamp_ms;
    const auto last = static_cast<std::uint64_t>(c.sload(slot(reg, kLastReport)));
    c.sstore(slot(reg, kLastReport), now);
    if (last == 0 || now <= last) return;  // the first report starts the clock
    const std::uint64_t dt = now - last;
    const auto count = static_cast<std::uint64_t>(c.sload(slot(reg, kMemberCount)));
    for (std::uint64_t i = 0; i < count; ++i) {
      c.charge(calibration::kRecordPerMember);
      const Word node = c.sload(slot(reg, kMemberAt, i));
      const Word had = c.sload(slot(reg, kAvailability, node));
      if (had == 0) {
        const Word n = c.sload(slot(reg, kAvailCount));
        c.sstore(slot(reg, kAvailAt, n), node);
        c.sstore(slot(reg, kAvailCount), n + 1);
      }
      c.sstore(slot(reg, kAvailability, node), had + dt);
    }
    c.sstore(slot(reg, kAvailTotal), c.sload(slot(reg, kAvailTotal)) + dt * count);
    c.emit({{}, "AvailabilityRecorded", {count, dt}, 1, 64});
  });
}

Transaction distribute_ften(Address reg, Address from) {
  return tx_for(reg, from, "Registry.distributeFten", Calldata{}, [=](Call& c) {
    const Wei held = c.sload(slot(reg, kFtenHeld));
    const Wei balance = c.balance_of(reg);
    const Wei fresh = balance > held ? balance - held : 0;
    const Word total = c.sload(slot(reg, kAvailTotal));
    if (fresh == 0 || total == 0) return;
    // Each node's share of what arrived since, by its availability; the rounding's dust waits
    // for the next distribution.
    Wei given = 0;
    const auto n = static_cast<std::uint64_t>(c.sload(slot(reg, kAvailCount)));
    for (std::uint64_t i = 0; i < n; ++i) {
      c.charge(calibration::kDistributePerNode);
      const Word node = c.sload(slot(reg, kAvailAt, i));
      const Wei share = fresh * c.sload(slot(reg, kAvailability, node)) / total;
      if (share == 0) continue;
      c.sstore(slot(reg, kFtenOwed, node), c.sload(slot(reg, kFtenOwed, node)) + share);
      given += share;
    }
    c.sstore(slot(reg, kFtenHeld), held + given);
    c.emit({{}, "FtenDistributed", {given}, 1, 32});
  });
}

Transaction withdraw_ften(Address reg, Address node) {
  return tx_for(reg, node, "Registry.withdrawFten", Calldata{}, [=](Call& c) {
    const SlotKey owed = slot(reg, kFtenOwed, word_of(c.sender()));
    const Wei amount = c.sload(owed);
    c.require(amount > 0, "nothing to withdraw");
    c.sstore(owed, 0);
    c.sstore(slot(reg, kFtenHeld), c.sload(slot(reg, kFtenHeld)) - amount);
    c.send(c.sender(), amount);
  });
}

std::uint64_t availability_ms(const State& s, Address reg, Address node) {
  return static_cast<std::uint64_t>(s.load(slot(reg, kAvailability, word_of(node))));
}
Wei ften_owed(const State& s, Address reg, Address node) { return s.load(slot(reg, kFtenOwed, word_of(node))); }
Wei ften_held(const State& s, Address reg) { return s.load(slot(reg, kFtenHeld)); }

SlotKey leader_slot(Address reg) { return slot(reg, kLeader); }
SlotKey ften_price_slot(Address reg) { return slot(reg, kFtenPrice); }
Wei ften_price(const State& s, Address reg) { return s.load(slot(reg, kFtenPrice)); }

Address owner(const State& s, Address reg) { return address_of(s.load(slot(reg, kOwner))); }
std::uint64_t nmin(const State& s, Address reg) { return static_cast<std::uint64_t>(s.load(slot(reg, kNmin))); }
std::uint64_t nmax(const State& s, Address reg) { return static_cast<std::uint64_t>(s.load(slot(reg, kNmax))); }
Address leader(const State& s, Address reg) { return address_of(s.load(slot(reg, kLeader))); }
Word leader_contact(const State& s, Address reg) { return s.load(slot(reg, kLeaderContact)); }
std::uint64_t leader_nonce(const State& s, Address reg) { return static_cast<std::uint64_t>(s.load(slot(reg, kNonce))); }
bool is_candidate(const State& s, Address reg, Address node) { return s.load(slot(reg, kCandidate, word_of(node))) != 0; }
Word contact(const State& s, Address reg, Address node) { return s.load(slot(reg, kCandidate, word_of(node))); }
bool is_member(const State& s, Address reg, Address node) { return s.load(slot(reg, kMemberIndex, word_of(node))) != 0; }

std::uint64_t member_count(const State& s, Address reg) { return static_cast<std::uint64_t>(s.load(slot(reg, kMemberCount))); }
Address member_at(const State& s, Address reg, std::uint64_t i) { return address_of(s.load(slot(reg, kMemberAt, i))); }

std::vector<Address> members(const State& s, Address reg) {
  std::vector<Address> out;
  const auto count = static_cast<std::uint64_t>(s.load(slot(reg, kMemberCount)));
  for (std::uint64_t i = 0; i < count; ++i) out.push_back(address_of(s.load(slot(reg, kMemberAt, i))));
  return out;
}

Word service(const State& s, Address reg, Word id) { return s.load(slot(reg, kService, id)); }
Word application(const State& s, Address reg, Word id) { return s.load(slot(reg, kApplication, id)); }
bool is_cloud(const State& s, Address reg, Address cloud) { return s.load(slot(reg, kCloud, word_of(cloud))) != 0; }

}  // namespace cansim::chain::registry

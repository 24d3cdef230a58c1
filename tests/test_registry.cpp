// The Registry contract: who may do what, the compare-and-swap leader election, and the member
// list, each function on its success and revert paths.
#include <catch2/catch.hpp>

#include "cansim/model/chain/contracts/registry.hpp"
#include "cansim/sim/rng.hpp"
#include "chain_fixture.hpp"

using namespace cansim;
using namespace cansim::chain;

namespace {

struct World : testing::Ledger {
  Address owner{2};
  Address reg = contract_address(Address{2}, 0);
  std::vector<KeyPair> nodes;

  World() {
    Rng rng(77);
    state.set_balance(owner, Wei{1} << 90);
    for (std::uint64_t i = 0; i < 7; ++i) {
      nodes.push_back(keys.create(Address{100 + i}, rng));
      state.set_balance(nodes.back().address, Wei{1} << 90);
    }
    state.forget_journal();
    must(registry::deploy(owner, reg, 3, 5));
  }
  Address node(std::size_t i) const { return nodes[i].address; }
  // Candidates 0..k-1, node 0 appointed leader, nodes 1..k-1 members.
  void form_can(std::size_t k) {
    for (std::size_t i = 0; i < k; ++i) must(registry::register_candidate(reg, node(i), 1000 + i));
    must(registry::appoint_leader(reg, owner, node(0)));
    for (std::size_t i = 1; i < k; ++i) must(registry::register_member(reg, node(0), node(i)));
  }
  std::vector<Signature> accepts(std::uint64_t n, Address proposer, std::initializer_list<std::size_t> signers) {
    std::vector<Signature> out;
    for (std::size_t i : signers) out.push_back(sign(nodes[i], registry::accept_digest(reg, n, proposer)));
    return out;
  }
};

}  // namespace

TEST_CASE("Registry: deployment and parameters", "[registry]") {
  World w;
  CHECK(registry::owner(w.state, w.reg) == w.owner);
  CHECK(registry::nmin(w.state, w.reg) == 3);
  CHECK(registry::nmax(w.state, w.reg) == 5);
  CHECK(registry::leader(w.state, w.reg).is_zero());
  CHECK(w.run(registry::set_params(w.reg, w.node(0), 2, 4)).reason == "only the owner");
  CHECK(w.run(registry::set_params(w.reg, w.owner, 5, 4)).status == Status::Reverted);
  w.must(registry::set_params(w.reg, w.owner, 2, 4));
  CHECK(registry::nmax(w.state, w.reg) == 4);
  CHECK(w.run(registry::set_ften_price(w.reg, w.node(0), 5)).reason == "only the owner");
  w.must(registry::set_ften_price(w.reg, w.owner, 5));
  CHECK(registry::ften_price(w.state, w.reg) == 5);
  // Creation pays 53000 + 200 per byte of deployed code + the init code as calldata (4 gas a zero
  // byte, 16 a non-zero one) + the constructor's arguments.
  World fresh;
  Transaction d = registry::deploy(fresh.owner, contract_address(fresh.owner, 1), 1, 2);
  const auto& code = calibration::kRegistryCode;
  const Gas args = 2 * (31 * 4 + 16);  // two small words
  CHECK(intrinsic_gas(fresh.gas, d) ==
        53000 + 200 * code.deployed_bytes + 4 * code.init_zero_bytes + 16 * code.init_nonzero_bytes + args);
}

TEST_CASE("Registry: the owner appoints the first leader, once", "[registry]") {
  World w;
  CHECK(w.run(registry::appoint_leader(w.reg, w.owner, w.node(0))).reason == "the leader must be a candidate");
  w.must(registry::register_candidate(w.reg, w.node(0), 42));
  CHECK(w.run(registry::appoint_leader(w.reg, w.node(0), w.node(0))).reason == "only the owner");
  const Receipt r = w.must(registry::appoint_leader(w.reg, w.owner, w.node(0)));
  CHECK(registry::leader(w.state, w.reg) == w.node(0));
  CHECK(registry::leader_contact(w.state, w.reg) == 42);
  CHECK(registry::leader_nonce(w.state, w.reg) == 1);
  CHECK(registry::members(w.state, w.reg) == std::vector<Address>{w.node(0)});
  REQUIRE(r.logs.size() == 1);
  CHECK(r.logs[0].event == "LeaderChanged");
  w.must(registry::register_candidate(w.reg, w.node(1), 43));
  CHECK(w.run(registry::appoint_leader(w.reg, w.owner, w.node(1))).reason == "the first leader is already appointed");
  CHECK(w.run(registry::register_candidate(w.reg, w.node(2), 0)).status == Status::Reverted);
}

TEST_CASE("Registry: only the leader registers and removes members, up to Nmax", "[registry]") {
  World w;
  w.form_can(3);
  CHECK(registry::members(w.state, w.reg) == std::vector<Address>{w.node(0), w.node(1), w.node(2)});
  w.must(registry::register_candidate(w.reg, w.node(3), 7));
  CHECK(w.run(registry::register_member(w.reg, w.node(1), w.node(3))).reason == "only the leader");
  CHECK(w.run(registry::register_member(w.reg, w.node(0), w.node(4))).reason == "a member must be a candidate");
  CHECK(w.run(registry::register_member(w.reg, w.node(0), w.node(2))).reason == "already a member");
  w.must(registry::register_member(w.reg, w.node(0), w.node(3)));
  for (std::size_t i = 4; i < 6; ++i) w.must(registry::register_candidate(w.reg, w.node(i), 7));
  w.must(registry::register_member(w.reg, w.node(0), w.node(4)));
  CHECK(w.run(registry::register_member(w.reg, w.node(0), w.node(5))).reason == "the CAN is at Nmax");
  // Removal: swap-remove keeps the list whole.
  CHECK(w.run(registry::deregister_member(w.reg, w.node(1), w.node(2))).reason == "only the leader");
  CHECK(w.run(registry::deregister_member(w.reg, w.node(0), w.node(0))).reason == "the leader cannot remove itself");
  w.must(registry::deregister_member(w.reg, w.node(0), w.node(1)));
  CHECK(registry::members(w.state, w.reg) == std::vector<Address>{w.node(0), w.node(4), w.node(2), w.node(3)});
  CHECK_FALSE(registry::is_member(w.state, w.reg, w.node(1)));
  CHECK(w.run(registry::deregister_member(w.reg, w.node(0), w.node(1))).reason == "not a member");
  w.must(registry::register_member(w.reg, w.node(0), w.node(5)));
  CHECK(registry::members(w.state, w.reg).size() == 5);
}

TEST_CASE("Registry: a removed member's contact is cleared, and it registers again to come back", "[registry]") {
  // Issue 28: a member voted out kept its contact, so the Registry still pointed at it.
  World w;
  w.form_can(3);
  CHECK(registry::contact(w.state, w.reg, w.node(1)) != 0);
  w.must(registry::deregister_member(w.reg, w.node(0), w.node(1)));
  CHECK(registry::contact(w.state, w.reg, w.node(1)) == 0);
  CHECK_FALSE(registry::is_candidate(w.state, w.reg, w.node(1)));
  CHECK(registry::contact(w.state, w.reg, w.node(2)) != 0);  // the others keep theirs
  CHECK(w.run(registry::register_member(w.reg, w.node(0), w.node(1))).reason == "a member must be a candidate");
  w.must(registry::register_candidate(w.reg, w.node(1), 42));
  w.must(registry::register_member(w.reg, w.node(0), w.node(1)));
  CHECK(registry::contact(w.state, w.reg, w.node(1)) == 42);
}

TEST_CASE("Registry: registerLeader is a compare-and-swap on the nonce with majority accepts", "[registry]") {
  World w;
  w.form_can(5);  // members 0..4, leader 0, nonce 1
  const Address p = w.node(1);
  // Two of five is not a majority; three is.
  CHECK(w.run(registry::register_leader(w.reg, p, 2, w.accepts(2, p, {1, 2}), 9)).reason ==
        "expected accepts from more than half of the members");
  // A duplicate or a non-member's accept is invalid (and would not make a majority here).
  w.must(registry::register_candidate(w.reg, w.node(6), 8));
  CHECK(w.run(registry::register_leader(w.reg, p, 2, w.accepts(2, p, {1, 2, 2, 6}), 9)).status == Status::Reverted);
  // Accepts signed for another proposer or another nonce do not count.
  CHECK(w.run(registry::register_leader(w.reg, p, 2, w.accepts(2, w.node(3), {1, 2, 3}), 9)).status == Status::Reverted);
  CHECK(w.run(registry::register_leader(w.reg, p, 2, w.accepts(3, p, {1, 2, 3}), 9)).status == Status::Reverted);
  // A forged accept (Alice's name, Bob's key) does not count.
  auto forged = w.accepts(2, p, {1, 2, 3});
  forged[2].signer = w.node(4);
  CHECK(w.run(registry::register_leader(w.reg, p, 2, forged, 9)).status == Status::Reverted);
  // Stale and future nonces revert.
  CHECK(w.run(registry::register_leader(w.reg, p, 1, w.accepts(1, p, {1, 2, 3}), 9)).reason ==
        "stale nonce: expected the stored nonce + 1");
  CHECK(w.run(registry::register_leader(w.reg, p, 3, w.accepts(3, p, {1, 2, 3}), 9)).status == Status::Reverted);
  CHECK(registry::leader_nonce(w.state, w.reg) == 1);
  // The valid election, and the second proposer with the same nonce loses.
  const Receipt ok = w.must(registry::register_leader(w.reg, p, 2, w.accepts(2, p, {1, 2, 3}), 9));
  CHECK(registry::leader(w.state, w.reg) == p);
  CHECK(registry::leader_nonce(w.state, w.reg) == 2);
  CHECK(registry::leader_contact(w.state, w.reg) == 9);
  const Address q = w.node(2);
  CHECK(w.run(registry::register_leader(w.reg, q, 2, w.accepts(2, q, {2, 3, 4}), 9)).reason ==
        "stale nonce: expected the stored nonce + 1");
  CHECK(registry::leader(w.state, w.reg) == p);
  // A non-member cannot propose.
  CHECK(w.run(registry::register_leader(w.reg, w.node(6), 3, w.accepts(3, w.node(6), {1, 2, 3}), 9)).reason ==
        "the proposer must be a member");
  // Each accept costs an ecrecover.
  World w2;
  w2.form_can(5);
  const Receipt five = w2.must(registry::register_leader(w2.reg, p, 2, w2.accepts(2, p, {1, 2, 3, 4, 0}), 9));
  CHECK(five.gas_used > ok.gas_used + 2 * 3000);
}

TEST_CASE("Registry: services, applications and clouds are registered once", "[registry]") {
  World w;
  w.must(registry::register_service(w.reg, w.node(0), 11, 0xabc));
  CHECK(registry::service(w.state, w.reg, 11) == 0xabc);
  CHECK(w.run(registry::register_service(w.reg, w.node(1), 11, 0xdef)).reason == "id already registered");
  w.must(registry::register_application(w.reg, w.node(1), 11, 0xdef));  // another namespace
  CHECK(registry::application(w.state, w.reg, 11) == 0xdef);
  CHECK(w.run(registry::register_application(w.reg, w.node(1), 12, 0)).status == Status::Reverted);
  // The Registry owns the Clouds (§3): only its owner registers one.
  CHECK(w.run(registry::register_cloud(w.reg, w.node(2), Address{900})).reason == "only the owner");
  CHECK_FALSE(registry::is_cloud(w.state, w.reg, Address{900}));
  w.must(registry::register_cloud(w.reg, w.owner, Address{900}));
  CHECK(registry::is_cloud(w.state, w.reg, Address{900}));
  CHECK(w.run(registry::register_cloud(w.reg, w.owner, Address{900})).reason == "cloud already registered");
}

TEST_CASE("Registry: any invalid accept reverts the election, even beside a majority of valid ones", "[registry]") {
  // §4 updates the leader only "if all are valid": a forged, repeated or non-member accept used to
  // be skipped, and three valid ones of five elected the proposer all the same.
  World w;
  w.form_can(5);
  w.must(registry::register_candidate(w.reg, w.node(6), 8));
  const Address p = w.node(1);
  CHECK(w.run(registry::register_leader(w.reg, p, 2, w.accepts(2, p, {1, 2, 3, 2}), 9)).reason == "a repeated accept");
  CHECK(w.run(registry::register_leader(w.reg, p, 2, w.accepts(2, p, {1, 2, 3, 6}), 9)).reason ==
        "an accept from a non-member");
  auto forged = w.accepts(2, p, {1, 2, 3, 4});
  forged[3].signer = w.node(0);  // Bob's key in the leader's name
  CHECK(w.run(registry::register_leader(w.reg, p, 2, forged, 9)).reason == "an invalid accept");
  CHECK(registry::leader_nonce(w.state, w.reg) == 1);
  w.must(registry::register_leader(w.reg, p, 2, w.accepts(2, p, {1, 2, 3, 4}), 9));  // all valid
  CHECK(registry::leader(w.state, w.reg) == p);
}

TEST_CASE("Registry: an accept is bound to its Registry, so it cannot be replayed on another with the same members",
          "[registry]") {
  // SWC-121: the digest was (0xacce97, nonce, proposer) alone.
  World a;
  a.form_can(3);
  const Address other = contract_address(Address{2}, 1);  // another Registry's address
  std::vector<Signature> for_other;
  for (std::size_t i : {1, 2}) for_other.push_back(sign(a.nodes[i], registry::accept_digest(other, 2, a.node(1))));
  CHECK(a.run(registry::register_leader(a.reg, a.node(1), 2, for_other, 9)).reason == "an invalid accept");
  CHECK(registry::accept_digest(a.reg, 2, a.node(1)) != registry::accept_digest(other, 2, a.node(1)));
  a.must(registry::register_leader(a.reg, a.node(1), 2, a.accepts(2, a.node(1), {1, 2}), 9));
}

TEST_CASE("calldata counts zero and non-zero bytes of ABI words", "[registry][gas]") {
  Calldata d;
  d.word(0).word(0x0100).word(~Word{0});
  CHECK(d.nonzero == 4 + 0 + 1 + 16);
  CHECK(d.zero == 32 + 31 + 16);
}

TEST_CASE("Registry: bootstrap restarts a dead CAN with a new leader and a higher nonce", "[registry]") {
  World w;
  for (std::size_t i = 0; i < 5; ++i) w.must(registry::register_candidate(w.reg, w.node(i), 1000 + i));
  CHECK(w.run(registry::bootstrap(w.reg, w.owner, w.node(4))).reason == "no leader was appointed yet: use appointLeader");
  w.form_can(4);
  CHECK(w.run(registry::bootstrap(w.reg, w.node(0), w.node(4))).reason == "only the owner");
  CHECK(w.run(registry::bootstrap(w.reg, w.owner, w.node(6))).reason == "the leader must be a candidate");
  const Receipt r = w.must(registry::bootstrap(w.reg, w.owner, w.node(4)));
  CHECK(registry::leader(w.state, w.reg) == w.node(4));
  CHECK(registry::leader_contact(w.state, w.reg) == 1004);
  CHECK(registry::leader_nonce(w.state, w.reg) == 2);
  CHECK(registry::members(w.state, w.reg) == std::vector<Address>{w.node(4)});
  CHECK(!registry::is_member(w.state, w.reg, w.node(0)));
  // Four members left (last first), the new leader joined, the leader changed.
  REQUIRE(r.logs.size() == 6);
  CHECK(r.logs[0].event == "MemberLeft");
  CHECK(address_of(r.logs[0].args[0]) == w.node(3));
  CHECK(r.logs[4].event == "MemberJoined");
  CHECK(r.logs[5].event == "LeaderChanged");
  // The old leader is fenced: it can no longer add members.
  CHECK(w.run(registry::register_member(w.reg, w.node(0), w.node(1))).reason == "only the leader");
}

TEST_CASE("Registry: with an even member count, exactly half of the accepts is refused and one more suffices", "[registry]") {
  World w;
  w.form_can(4);  // members 0..3 (Nmax 5), leader 0, nonce 1
  const Address p = w.node(1);
  CHECK(w.run(registry::register_leader(w.reg, p, 2, w.accepts(2, p, {1, 2}), 9)).reason ==
        "expected accepts from more than half of the members");
  w.must(registry::register_leader(w.reg, p, 2, w.accepts(2, p, {1, 2, 3}), 9));
  CHECK(registry::leader(w.state, w.reg) == p);
  CHECK(registry::leader_nonce(w.state, w.reg) == 2);
}

TEST_CASE("Registry: the FTEN share goes to the nodes by the availability the leader reports", "[registry][ften]") {
  World w;
  w.form_can(2);  // nodes 0 (leader) and 1
  w.block.timestamp_ms = 1000;
  CHECK(w.run(registry::record_availability(w.reg, w.node(1))).reason == "only the leader");
  w.must(registry::record_availability(w.reg, w.node(0)));  // starts the clock
  CHECK(registry::availability_ms(w.state, w.reg, w.node(0)) == 0);
  w.block.timestamp_ms = 4000;
  w.must(registry::record_availability(w.reg, w.node(0)));  // 3 s each
  w.must(registry::register_candidate(w.reg, w.node(2), 1002));
  w.must(registry::register_member(w.reg, w.node(0), w.node(2)));
  w.block.timestamp_ms = 7000;
  w.must(registry::record_availability(w.reg, w.node(0)));  // 3 s more each, node 2 included
  CHECK(registry::availability_ms(w.state, w.reg, w.node(0)) == 6000);
  CHECK(registry::availability_ms(w.state, w.reg, w.node(2)) == 3000);
  // 1001 wei arrive: 6000 : 6000 : 3000 of 15000 gives 400, 400, 200, and 1 wei of dust waits.
  w.state.set_balance(w.reg, 1001);
  w.state.forget_journal();
  w.must(registry::distribute_ften(w.reg, w.node(5)));
  CHECK(registry::ften_owed(w.state, w.reg, w.node(0)) == 400);
  CHECK(registry::ften_owed(w.state, w.reg, w.node(1)) == 400);
  CHECK(registry::ften_owed(w.state, w.reg, w.node(2)) == 200);
  CHECK(registry::ften_held(w.state, w.reg) == 1000);
  // Distributing again gives nothing new (only the dust is undistributed, and it rounds to 0).
  w.must(registry::distribute_ften(w.reg, w.node(5)));
  CHECK(registry::ften_held(w.state, w.reg) == 1000);
  const Wei before = w.state.balance(w.node(2));
  const Receipt r = w.must(registry::withdraw_ften(w.reg, w.node(2)));
  CHECK(w.state.balance(w.node(2)) == before - r.fee + 200);
  CHECK(registry::ften_held(w.state, w.reg) == 800);
  CHECK(w.run(registry::withdraw_ften(w.reg, w.node(2))).reason == "nothing to withdraw");
  CHECK(w.run(registry::withdraw_ften(w.reg, w.node(6))).reason == "nothing to withdraw");
}

// The Cloud contract: resources registered by Plug&Play only, and instantiate's conditions
// (Scheduler signature, expiry, deregistered resources, double reservation).
#include <catch2/catch.hpp>

#include "cansim/model/chain/contracts/cloud.hpp"
#include "cansim/model/chain/contracts/registry.hpp"
#include "cansim/sim/rng.hpp"
#include "chain_fixture.hpp"

using namespace cansim;
using namespace cansim::chain;

namespace {

struct World : testing::Ledger {
  Address provider{2}, pnp{3}, alice{4}, bob{5}, owner_a{6}, owner_b{7};
  KeyPair scheduler, impostor;
  Address reg = contract_address(Address{20}, 0);
  Address cloud = contract_address(Address{2}, 0);

  World() {
    block.timestamp_ms = 1000;
    Rng rng(3);
    scheduler = keys.create(Address{8}, rng);
    impostor = keys.create(Address{9}, rng);
    fund({provider, pnp, alice, bob, Address{20}});
    must(registry::deploy(Address{20}, reg, 1, 5));
    must(cloud_contract::deploy(cloud, {provider, reg, scheduler.address, pnp, 111, 222, 3}));
    must(cloud_contract::register_resource(cloud, pnp, 1, {owner_a, cloud_contract::ResourceKind::Gpu, 2, 10}));
    must(cloud_contract::register_resource(cloud, pnp, 2, {owner_b, cloud_contract::ResourceKind::Cpu, 8, 2}));
  }
  cloud_contract::Reservation reservation(std::uint64_t id, Address client, std::vector<std::uint64_t> resources) const {
    cloud_contract::Reservation r;
    r.id = id;
    r.client = client;
    r.expires_ms = 5000;
    // Each resource whole, unless `units` says otherwise.
    for (std::uint64_t res : resources) {
      r.resources.push_back(
          {res, cloud_contract::generation(state, cloud, res), cloud_contract::resource(state, cloud, res).capacity});
    }
    r.orchestration_price_per_minute = 4;
    return r;
  }
  Signature signed_by_scheduler(const cloud_contract::Reservation& r) const {
    return sign(scheduler, cloud_contract::reservation_digest(cloud, r));
  }
  // An admission for `client`, signed by the Scheduler, for the client's or the contract's selection.
  std::pair<cloud_contract::Admission, Signature> admit(Address client) {
    const cloud_contract::Admission a{next_admission++, client, 5000, {4, 3, 60000, 3}};
    return {a, sign(scheduler, cloud_contract::admission_digest(cloud, a))};
  }
  Transaction direct(Address client, const std::vector<cloud_contract::ReservedResource>& res, Wei deposit = 100) {
    const auto [a, sig] = admit(client);
    return cloud_contract::instantiate_direct(cloud, a, sig, res, deposit);
  }
  Transaction search(Address client, const std::vector<std::pair<cloud_contract::ResourceKind, std::uint64_t>>& services) {
    const auto [a, sig] = admit(client);
    return cloud_contract::instantiate_search(cloud, a, sig, services, 100);
  }
  std::uint64_t next_admission = 1;
  Address instantiated(const Receipt& r) const {
    for (const Log& l : r.logs) {
      if (l.event == "Instantiated") return address_of(l.args[0]);
    }
    return {};
  }
};

}  // namespace

TEST_CASE("Cloud: only Plug&Play registers and removes resources", "[cloud]") {
  World w;
  CHECK(w.run(cloud_contract::register_resource(w.cloud, w.alice, 3, {w.owner_a, cloud_contract::ResourceKind::Fpga, 1, 5}))
            .reason == "only the Plug&Play account");
  CHECK(
      w.run(cloud_contract::register_resource(w.cloud, w.pnp, 1, {w.owner_a, cloud_contract::ResourceKind::Gpu, 1, 5})).reason ==
      "resource already registered");
  const cloud_contract::Resource r = cloud_contract::resource(w.state, w.cloud, 1);
  CHECK(r.owner == w.owner_a);
  CHECK(r.kind == cloud_contract::ResourceKind::Gpu);
  CHECK(r.capacity == 2);
  CHECK(r.price_per_minute == 10);
  CHECK(w.run(cloud_contract::deregister_resource(w.cloud, w.provider, 1)).reason == "only the Plug&Play account");
  w.must(cloud_contract::deregister_resource(w.cloud, w.pnp, 1));
  CHECK_FALSE(cloud_contract::is_active(w.state, w.cloud, 1));
  CHECK(w.run(cloud_contract::deregister_resource(w.cloud, w.pnp, 1)).reason == "no such resource");
  w.must(cloud_contract::register_resource(w.cloud, w.pnp, 1, {w.owner_a, cloud_contract::ResourceKind::Gpu, 2, 12}));
  CHECK(cloud_contract::generation(w.state, w.cloud, 1) == 2);
}

TEST_CASE("Cloud: instantiate deploys the Application with the client's funds", "[cloud]") {
  World w;
  const cloud_contract::Reservation r = w.reservation(1, w.alice, {1, 2});
  const Wei total = w.state.total_balance();
  const Receipt rc = w.must(cloud_contract::instantiate(w.cloud, r, w.signed_by_scheduler(r), 5000));
  const Address app = w.instantiated(rc);
  REQUIRE_FALSE(app.is_zero());
  CHECK(w.state.balance(app) == 5000);
  CHECK(w.state.total_balance() == total);
  CHECK(cloud_contract::used_units(w.state, w.cloud, 1) == 2);
  CHECK(cloud_contract::used_units(w.state, w.cloud, 2) == 8);
  // The application knows its client and is not shut down.
  CHECK_FALSE(application::is_shutdown(w.state, app));
  CHECK(w.run(cloud_contract::release(w.cloud, w.alice, app)).reason == "the application is not shut down");
}

TEST_CASE("Cloud: instantiate refuses unsigned, altered, expired, stale and double reservations", "[cloud]") {
  World w;
  const cloud_contract::Reservation r = w.reservation(1, w.alice, {1});
  // Not signed by the Scheduler.
  CHECK(w.run(cloud_contract::instantiate(w.cloud, r, sign(w.impostor, cloud_contract::reservation_digest(w.cloud, r)), 100))
            .reason == "the Scheduler did not sign this reservation");
  // Signed, then altered by the client (another resource added).
  cloud_contract::Reservation altered = r;
  altered.resources.push_back({2, 1, 1});
  CHECK(w.run(cloud_contract::instantiate(w.cloud, altered, w.signed_by_scheduler(r), 100)).reason ==
        "the Scheduler did not sign this reservation");
  // Used by someone else than its client.
  Transaction stolen = cloud_contract::instantiate(w.cloud, r, w.signed_by_scheduler(r), 100);
  stolen.from = w.bob;
  CHECK(w.run(stolen).reason == "only the reservation's client");
  // Expired.
  World late;
  late.block.timestamp_ms = 6000;
  const cloud_contract::Reservation r2 = late.reservation(1, late.alice, {1});
  CHECK(late.run(cloud_contract::instantiate(late.cloud, r2, late.signed_by_scheduler(r2), 100)).reason ==
        "the reservation has expired");
  // A resource deregistered since, even if registered again.
  World stale;
  const cloud_contract::Reservation r3 = stale.reservation(1, stale.alice, {1, 2});
  stale.must(cloud_contract::deregister_resource(stale.cloud, stale.pnp, 2));
  CHECK(stale.run(cloud_contract::instantiate(stale.cloud, r3, stale.signed_by_scheduler(r3), 100)).reason ==
        "a reserved resource was deregistered");
  stale.must(
      cloud_contract::register_resource(stale.cloud, stale.pnp, 2, {stale.owner_b, cloud_contract::ResourceKind::Cpu, 8, 2}));
  CHECK(stale.run(cloud_contract::instantiate(stale.cloud, r3, stale.signed_by_scheduler(r3), 100)).status == Status::Reverted);
  // Nothing was created or moved by the failures.
  CHECK(cloud_contract::used_units(w.state, w.cloud, 1) == 0);
  // The valid one, once.
  w.must(cloud_contract::instantiate(w.cloud, r, w.signed_by_scheduler(r), 100));
  CHECK(w.run(cloud_contract::instantiate(w.cloud, r, w.signed_by_scheduler(r), 100)).reason == "the reservation was used");
}

TEST_CASE("Cloud: two clients who reserved one resource cannot both instantiate", "[cloud]") {
  World w;
  const cloud_contract::Reservation ra = w.reservation(1, w.alice, {1});
  const cloud_contract::Reservation rb = w.reservation(2, w.bob, {1, 2});
  const Address app = w.instantiated(w.must(cloud_contract::instantiate(w.cloud, ra, w.signed_by_scheduler(ra), 100)));
  CHECK(w.run(cloud_contract::instantiate(w.cloud, rb, w.signed_by_scheduler(rb), 100)).reason ==
        "a reserved resource is in use");
  CHECK(cloud_contract::used_units(w.state, w.cloud, 2) == 0);  // the failed call reserved nothing
  // Once the first application is shut down and its resources released, the resource is free.
  // (Shut down by a paid APP_SHUTDOWN checkpoint.)
  w.must(registry::register_candidate(w.reg, w.alice, 1));
  w.must(registry::appoint_leader(w.reg, Address{20}, w.alice));
  w.must(application::add_checkpoint(app, w.alice, {application::CheckpointType::AppShutdown, 0, {}, 0, Address{30}}));
  w.must(application::interim_payment(app, w.alice, 1));
  REQUIRE(application::is_shutdown(w.state, app));
  w.must(cloud_contract::release(w.cloud, w.bob, app));
  CHECK(cloud_contract::used_units(w.state, w.cloud, 1) == 0);
  CHECK(w.run(cloud_contract::release(w.cloud, w.bob, app)).reason == "nothing to release");
  const cloud_contract::Reservation rb2 = w.reservation(3, w.bob, {1, 2});
  w.must(cloud_contract::instantiate(w.cloud, rb2, w.signed_by_scheduler(rb2), 100));
}

TEST_CASE("Cloud: applications share a resource's capacity, up to exactly what it has", "[cloud]") {
  World w;  // resource 2: 8 CPU units
  auto part = [&](std::uint64_t id, Address client, std::uint64_t units) {
    cloud_contract::Reservation r = w.reservation(id, client, {});
    r.resources.push_back({2, cloud_contract::generation(w.state, w.cloud, 2), units});
    return r;
  };
  const auto a = part(1, w.alice, 5), b = part(2, w.bob, 3), c = part(3, w.bob, 1), zero = part(4, w.bob, 0);
  w.must(cloud_contract::instantiate(w.cloud, a, w.signed_by_scheduler(a), 100));
  CHECK(w.run(cloud_contract::instantiate(w.cloud, zero, w.signed_by_scheduler(zero), 100)).reason ==
        "a reserved resource is in use");
  w.must(cloud_contract::instantiate(w.cloud, b, w.signed_by_scheduler(b), 100));  // 5 + 3 = 8: exactly full
  CHECK(cloud_contract::used_units(w.state, w.cloud, 2) == 8);
  CHECK(w.run(cloud_contract::instantiate(w.cloud, c, w.signed_by_scheduler(c), 100)).reason == "a reserved resource is in use");
  // Two services of one application on one resource count together.
  World v;
  cloud_contract::Reservation both = v.reservation(1, v.alice, {});
  both.resources.push_back({2, 1, 5});
  both.resources.push_back({2, 1, 4});
  CHECK(v.run(cloud_contract::instantiate(v.cloud, both, v.signed_by_scheduler(both), 100)).reason ==
        "a reserved resource is in use");
  both.resources.back().units = 3;
  v.must(cloud_contract::instantiate(v.cloud, both, v.signed_by_scheduler(both), 100));
  CHECK(cloud_contract::used_units(v.state, v.cloud, 2) == 8);
}

TEST_CASE("Cloud: a client's own selection is sealed if the units are still free, and reverts on a conflict", "[cloud]") {
  World w;  // resource 2: 8 CPU units
  w.must(w.direct(w.alice, {{2, 0, 6}}));
  // Bob read the state before Alice's transaction: 6 of 8 are taken now.
  CHECK(w.run(w.direct(w.bob, {{2, 0, 3}})).reason == "a reserved resource is in use");
  w.must(w.direct(w.bob, {{2, 0, 2}}));  // exactly what is left
  CHECK(cloud_contract::used_units(w.state, w.cloud, 2) == 8);
  w.must(cloud_contract::deregister_resource(w.cloud, w.pnp, 1));
  CHECK(w.run(w.direct(w.bob, {{1, 0, 1}})).reason == "a reserved resource was deregistered");
}

TEST_CASE(
    "Cloud: the contract's own first-fit search places on the first resource with room, and its gas grows with the resources",
    "[cloud]") {
  World w;  // resource 1: 2 GPU units; resource 2: 8 CPU units
  using K = cloud_contract::ResourceKind;
  const Receipt first = w.must(w.search(w.alice, {{K::Cpu, 5}, {K::Gpu, 2}}));
  CHECK(cloud_contract::used_units(w.state, w.cloud, 2) == 5);
  CHECK(cloud_contract::used_units(w.state, w.cloud, 1) == 2);
  CHECK(w.run(w.search(w.bob, {{K::Gpu, 1}})).reason ==
        "no resource can take a service");
  // Two services on the one CPU resource count together: 5 + 3 = 8 fits, one more does not.
  CHECK(w.run(w.search(w.bob, {{K::Cpu, 2}, {K::Cpu, 2}})).reason ==
        "no resource can take a service");
  w.must(w.search(w.bob, {{K::Cpu, 3}}));
  // With 20 more CPU resources registered before it, the same search reads more storage.
  World big;
  for (std::uint64_t id = 3; id < 23; ++id) {
    big.must(cloud_contract::register_resource(big.cloud, big.pnp, id, {big.owner_b, K::Cpu, 8, 2}));
  }
  big.must(cloud_contract::deregister_resource(big.cloud, big.pnp, 2));  // the CPU found last
  big.must(cloud_contract::register_resource(big.cloud, big.pnp, 40, {big.owner_b, K::Cpu, 8, 2}));
  for (std::uint64_t id = 3; id < 23; ++id) {
    big.must(big.direct(big.bob, {{id, 0, 8}}, 1));  // all full
  }
  const Receipt far = big.must(big.search(big.alice, {{K::Cpu, 5}, {K::Gpu, 2}}));
  CHECK(cloud_contract::used_units(big.state, big.cloud, 40) == 5);
  CHECK(far.gas_used > first.gas_used + 20 * 2 * 2100);  // two cold reads at least per resource passed over
}

TEST_CASE("Cloud: the client's and the contract's selection need the Scheduler's admission, once, in time", "[cloud]") {
  // §3.2: an Application is deployed if and only if the Scheduler signed; before, both paths
  // took anyone's deposit and resources without it.
  using K = cloud_contract::ResourceKind;
  World w;
  const std::vector<cloud_contract::ReservedResource> res{{2, 0, 1}};
  auto [a, sig] = w.admit(w.alice);
  CHECK(w.run(cloud_contract::instantiate_direct(w.cloud, a, sign(w.impostor, cloud_contract::admission_digest(w.cloud, a)), res,
                                                 100))
            .reason == "the Scheduler did not sign this admission");
  cloud_contract::Admission richer = a;
  richer.terms.orchestration_price_per_minute = 40;  // altered after signing
  CHECK(w.run(cloud_contract::instantiate_direct(w.cloud, richer, sig, res, 100)).reason ==
        "the Scheduler did not sign this admission");
  cloud_contract::Admission other = a;
  other.client = w.bob;  // Bob presents Alice's admission as his
  CHECK(w.run(cloud_contract::instantiate_search(w.cloud, other, sig, {{K::Cpu, 1}}, 100)).reason ==
        "the Scheduler did not sign this admission");
  Transaction stolen = cloud_contract::instantiate_direct(w.cloud, a, sig, res, 100);
  stolen.from = w.bob;
  CHECK(w.run(stolen).reason == "only the admission's client");
  w.block.timestamp_ms = a.expires_ms + 1;
  CHECK(w.run(cloud_contract::instantiate_direct(w.cloud, a, sig, res, 100)).reason == "the admission has expired");
  w.block.timestamp_ms = a.expires_ms;  // exactly at the expiry: still good
  const Receipt ok = w.must(cloud_contract::instantiate_direct(w.cloud, a, sig, res, 100));
  CHECK(cloud_contract::admission_used(w.state, w.cloud, a.id));
  CHECK(w.run(cloud_contract::instantiate_search(w.cloud, a, sig, {{K::Cpu, 1}}, 100)).reason == "the admission was used");
  CHECK(w.instantiated(ok) != Address{});
  // A reverted instantiation does not use the admission up.
  auto [b, bsig] = w.admit(w.bob);
  CHECK(w.run(cloud_contract::instantiate_search(w.cloud, b, bsig, {{K::Gpu, 3}}, 100)).reason ==
        "no resource can take a service");
  CHECK_FALSE(cloud_contract::admission_used(w.state, w.cloud, b.id));
  w.must(cloud_contract::instantiate_search(w.cloud, b, bsig, {{K::Gpu, 2}}, 100));
}

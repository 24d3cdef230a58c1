#include "cansim/model/chain/contracts/cloud.hpp"

namespace cansim::chain::cloud_contract {

namespace {

enum Field : std::uint64_t {
  kProvider,
  kRegistry,
  kScheduler,
  kPnp,
  kSchedulerEndpoint,
  kPnpEndpoint,
  kPrice,
  kResOwner,     // id -> owner
  kResKind,      // id -> kind | capacity << 8
  kResPrice,     // id -> wei per minute
  kResGen,       // id -> generation, bumped at every registration
  kResActive,    // id -> 1 while registered
  kResUsed,      // id -> units in use
  kReservation,  // reservation id -> 1 once instantiated
  kAppResCount,  // application -> number of resources
  kAppRes,       // (application << 64 | i) -> resource id | units << 64
  kResCount,     // 1 + the largest resource id ever registered
  kAdmission,    // admission id -> 1 once instantiated
};

SlotKey slot(Address cloud, Field f, Word key = 0) { return {cloud, f, key}; }

Transaction tx_for(Address to, Address from, std::string name, const Calldata& data, CallBody body) {
  return contract_call(to, from, std::move(name), data, std::move(body), kGasLimit, kGasPrice);
}

// A signed consent's checks (a reservation's or an admission's, `what`): its client sends it,
// the Scheduler signed it, it has not expired and was not used (`used`: its id's flag); then it
// is used.
// `resources`: those the digest goes over. The function's base is charged once the checks passed.
void use_signed(Call& c, Address client, std::uint64_t digest, std::size_t resources, const Signature& sig,
                std::uint64_t expires_ms, const SlotKey& used, const std::string& what, std::string_view function) {
  c.require(c.sender() == client, "only the " + what + "'s client");
  c.charge(calibration::kConsentCheck + calibration::kConsentPerResource * resources);
  const Address scheduler = address_of(c.sload(slot(c.self(), kScheduler)));
  c.require(c.ecrecover(sig, digest) == scheduler, "the Scheduler did not sign this " + what);
  c.require(c.block().timestamp_ms <= expires_ms, "the " + what + " has expired");
  c.require(c.sload(used) == 0, "the " + what + " was used");
  c.sstore(used, 1);
  c.charge(calibration::function_base(function));
}

void check_admission(Call& c, Address cloud, const Admission& a, const Signature& sig, std::string_view function) {
  use_signed(c, a.client, admission_digest(cloud, a), 0, sig, a.expires_ms, slot(cloud, kAdmission, a.id), "admission", function);
}

void admission_calldata(Calldata& data, const Admission& a) {
  data.word(a.id).address(a.client).word(a.expires_ms).word(a.terms.orchestration_price_per_minute);
  data.word(a.terms.retry_limit).word(a.terms.app_ok_interval_ms).word(a.terms.max_failed_payments).signature();
}

void only_pnp(Call& c) { c.require(address_of(c.sload(slot(c.self(), kPnp))) == c.sender(), "only the Plug&Play account"); }

}  // namespace

std::uint64_t reservation_digest(Address cloud, const Reservation& r) {
  std::uint64_t d = digest({0x5e5e, word_of(cloud), r.id, word_of(r.client), r.expires_ms, r.orchestration_price_per_minute,
                            r.retry_limit, r.app_ok_interval_ms, r.max_failed_payments, r.resources.size()});
  for (const auto& x : r.resources) d = digest({d, x.id, x.generation, x.units});
  return d;
}

std::uint64_t admission_digest(Address cloud, const Admission& a) {
  return digest({0xad, word_of(cloud), a.id, word_of(a.client), a.expires_ms, a.terms.orchestration_price_per_minute,
                 a.terms.retry_limit, a.terms.app_ok_interval_ms, a.terms.max_failed_payments});
}

Transaction deploy(Address at, const Settings& s) {
  Calldata data = Calldata::creation(calibration::kCloudCode);
  data.address(s.registry).address(s.scheduler).address(s.plug_and_play);
  data.word(s.scheduler_endpoint).word(s.plug_and_play_endpoint).word(s.price_per_minute);
  Transaction tx = tx_for(at, s.provider, "Cloud.constructor", data, [s](Call& c) {
    const Address at = c.self();
    c.require(!s.scheduler.is_zero() && !s.plug_and_play.is_zero(), "expected a Scheduler key and a Plug&Play account");
    c.sstore(slot(at, kProvider), word_of(s.provider));
    c.sstore(slot(at, kRegistry), word_of(s.registry));
    c.sstore(slot(at, kScheduler), word_of(s.scheduler));
    c.sstore(slot(at, kPnp), word_of(s.plug_and_play));
    c.sstore(slot(at, kSchedulerEndpoint), s.scheduler_endpoint);
    c.sstore(slot(at, kPnpEndpoint), s.plug_and_play_endpoint);
    c.sstore(slot(at, kPrice), s.price_per_minute);
  });
  tx.created_code_bytes = calibration::kCloudCode.deployed_bytes;
  return tx;
}

Transaction register_resource(Address cloud, Address pnp, std::uint64_t id, const Resource& r) {
  Calldata data = Calldata{}.word(id).address(r.owner).word(static_cast<Word>(r.kind)).word(r.capacity).word(r.price_per_minute);
  return tx_for(cloud, pnp, "Cloud.registerResource", data, [=](Call& c) {
    only_pnp(c);
    c.require(!r.owner.is_zero(), "expected the resource's owner");
    c.require(c.sload(slot(cloud, kResActive, id)) == 0, "resource already registered");
    c.sstore(slot(cloud, kResOwner, id), word_of(r.owner));
    c.sstore(slot(cloud, kResKind, id), static_cast<Word>(r.kind) | (static_cast<Word>(r.capacity) << 8));
    c.sstore(slot(cloud, kResPrice, id), r.price_per_minute);
    c.sstore(slot(cloud, kResGen, id), c.sload(slot(cloud, kResGen, id)) + 1);
    c.sstore(slot(cloud, kResActive, id), 1);
    if (c.sload(slot(cloud, kResCount)) <= id) c.sstore(slot(cloud, kResCount), id + 1);
    c.emit({{}, "ResourceRegistered", {id, word_of(r.owner)}, 3, 0});
  });
}

Transaction deregister_resource(Address cloud, Address pnp, std::uint64_t id) {
  return tx_for(cloud, pnp, "Cloud.deregisterResource", Calldata{}.word(id), [=](Call& c) {
    only_pnp(c);
    c.require(c.sload(slot(cloud, kResActive, id)) != 0, "no such resource");
    c.sstore(slot(cloud, kResActive, id), 0);
    c.emit({{}, "ResourceDeregistered", {id}, 2, 0});
  });
}

namespace {

// What the three ways of instantiating share: the resources' checks, their units taken, the
// Application created with the client's deposit, its resource list. `generations` empty: any.
Address create_application(Call& c, Address cloud, Address client, const Terms& t, const std::vector<ReservedResource>& res,
                           bool check_generations) {
  c.require(!res.empty(), "expected at least one resource");
  application::Terms terms;
  terms.client = client;
  terms.registry = address_of(c.sload(slot(cloud, kRegistry)));
  terms.cloud = cloud;
  terms.cloud_price_per_minute = c.sload(slot(cloud, kPrice));
  terms.orchestration_price_per_minute = t.orchestration_price_per_minute;
  terms.retry_limit = t.retry_limit;
  terms.app_ok_interval_ms = t.app_ok_interval_ms;
  terms.max_failed_payments = t.max_failed_payments;
  for (const auto& x : res) {
    c.charge(calibration::kOtherLoop);
    c.require(c.sload(slot(cloud, kResActive, x.id)) != 0 &&
                  (!check_generations || c.sload(slot(cloud, kResGen, x.id)) == x.generation),
              "a reserved resource was deregistered");
    const Word capacity = c.sload(slot(cloud, kResKind, x.id)) >> 8;
    c.require(x.units > 0 && c.sload(slot(cloud, kResUsed, x.id)) + x.units <= capacity, "a reserved resource is in use");
    // Two services on one resource: the second sees the first's units (sstore before the next check).
    c.sstore(slot(cloud, kResUsed, x.id), c.sload(slot(cloud, kResUsed, x.id)) + x.units);
    terms.services.push_back({address_of(c.sload(slot(cloud, kResOwner, x.id))), c.sload(slot(cloud, kResPrice, x.id))});
  }
  const Address app = c.create(c.value(), calibration::kApplicationCode.deployed_bytes, application::constructor(terms));
  for (std::size_t i = 0; i < res.size(); ++i) {
    c.sstore(slot(cloud, kAppRes, (static_cast<Word>(app.id) << 64) | i),
             static_cast<Word>(res[i].id) | (static_cast<Word>(res[i].units) << 64));
  }
  c.sstore(slot(cloud, kAppResCount, word_of(app)), res.size());
  return app;
}


}  // namespace

Transaction instantiate(Address cloud, const Reservation& r, const Signature& sig, Wei deposit) {
  // (Reservation r, uint8 v, bytes32 r, bytes32 s): the tuple has an array, so it is behind an offset.
  Calldata data = Calldata{}.word(32 * 4).signature();
  data.word(r.id).address(r.client).word(r.expires_ms).word(r.orchestration_price_per_minute);
  data.word(r.retry_limit).word(r.app_ok_interval_ms).word(r.max_failed_payments).array(r.resources.size());
  for (const auto& x : r.resources) data.word(x.id).word(x.generation).word(x.units);
  Transaction tx = tx_for(cloud, r.client, "Cloud.instantiate", data, [=](Call& c) {
    use_signed(c, r.client, reservation_digest(cloud, r), r.resources.size(), sig, r.expires_ms, slot(cloud, kReservation, r.id),
               "reservation", "Cloud.instantiate");
    const Terms t{r.orchestration_price_per_minute, r.retry_limit, r.app_ok_interval_ms, r.max_failed_payments};
    const Address app = create_application(c, cloud, r.client, t, r.resources, true);
    c.emit({{}, "Instantiated", {word_of(app), r.id}, 3, 0});
  });
  tx.value = deposit;
  return tx;
}

Transaction instantiate_direct(Address cloud, const Admission& a, const Signature& sig,
                               const std::vector<ReservedResource>& resources, Wei deposit) {
  Calldata data;
  admission_calldata(data, a);
  data.array(resources.size());
  for (const auto& x : resources) data.word(x.id).word(x.generation).word(x.units);
  Transaction tx = tx_for(cloud, a.client, "Cloud.instantiateDirect", data, [=](Call& c) {
    check_admission(c, cloud, a, sig, "Cloud.instantiateDirect");
    const Address app = create_application(c, cloud, a.client, a.terms, resources, false);
    c.emit({{}, "Instantiated", {word_of(app), a.id}, 3, 0});
  });
  tx.value = deposit;
  return tx;
}

Transaction instantiate_search(Address cloud, const Admission& a, const Signature& sig,
                               const std::vector<std::pair<ResourceKind, std::uint64_t>>& services, Wei deposit) {
  Calldata data;
  admission_calldata(data, a);
  data.array(services.size());
  for (const auto& [kind, units] : services) data.word(static_cast<Word>(kind)).word(units);
  Transaction tx = tx_for(cloud, a.client, "Cloud.instantiateSearch", data, [=](Call& c) {
    check_admission(c, cloud, a, sig, "Cloud.instantiateSearch");
    // The selection itself, on chain: first fit over every resource ever registered, in id order.
    const auto count = static_cast<std::uint64_t>(c.sload(slot(cloud, kResCount)));
    std::vector<ReservedResource> chosen;
    std::vector<std::pair<std::uint64_t, Word>> taken;  // (id, units) chosen so far in this call
    for (const auto& [kind, units] : services) {
      bool found = false;
      for (std::uint64_t id = 0; id < count && !found; ++id) {
        c.charge(calibration::kOtherLoop);
        if (c.sload(slot(cloud, kResActive, id)) == 0) continue;
        const Word packed = c.sload(slot(cloud, kResKind, id));
        if (static_cast<ResourceKind>(static_cast<std::uint8_t>(packed & 0xff)) != kind) continue;
        Word used = c.sload(slot(cloud, kResUsed, id));
        for (const auto& [tid, tu] : taken) used += tid == id ? tu : 0;
        if (used + units <= (packed >> 8)) {
          chosen.push_back({id, 0, units});
          taken.emplace_back(id, units);
          found = true;
        }
      }
      c.require(found, "no resource can take a service");
    }
    const Address app = create_application(c, cloud, a.client, a.terms, chosen, false);
    c.emit({{}, "Instantiated", {word_of(app), a.id}, 3, 0});
  });
  tx.value = deposit;
  return tx;
}

Transaction release(Address cloud, Address from, Address app) {
  return tx_for(cloud, from, "Cloud.release", Calldata{}.address(app), [=](Call& c) {
    // The application's shutdown flag, read as a public getter would.
    c.require(c.read_external(app, application::shutdown_slot(app)) != 0, "the application is not shut down");
    const auto n = static_cast<std::uint64_t>(c.sload(slot(cloud, kAppResCount, word_of(app))));
    c.require(n > 0, "nothing to release");
    for (std::uint64_t i = 0; i < n; ++i) {
      c.charge(calibration::kOtherLoop);
      const SlotKey at = slot(cloud, kAppRes, (static_cast<Word>(app.id) << 64) | i);
      const Word entry = c.sload(at);
      c.sstore(at, 0);  // the list is not needed again (and clearing it is refunded)
      const auto id = static_cast<std::uint64_t>(entry);
      const Word units = entry >> 64;
      // A resource deregistered and registered again started from 0 units in use.
      const Word used = c.sload(slot(cloud, kResUsed, id));
      c.sstore(slot(cloud, kResUsed, id), used >= units ? used - units : 0);
    }
    c.sstore(slot(cloud, kAppResCount, word_of(app)), 0);
    c.emit({{}, "Released", {word_of(app)}, 2, 0});
  });
}

Transaction withdraw_share(Address cloud, Address provider) {
  return tx_for(cloud, provider, "Cloud.withdrawShare", Calldata{}, [=](Call& c) {
    c.require(address_of(c.sload(slot(cloud, kProvider))) == c.sender(), "only the provider");
    const Wei amount = c.balance_of(cloud);
    c.require(amount > 0, "nothing to withdraw");
    c.send(c.sender(), amount);
    c.emit({{}, "ShareWithdrawn", {amount}, 1, 32});
  });
}

bool is_active(const State& s, Address cloud, std::uint64_t id) { return s.load(slot(cloud, kResActive, id)) != 0; }
std::uint64_t generation(const State& s, Address cloud, std::uint64_t id) {
  return static_cast<std::uint64_t>(s.load(slot(cloud, kResGen, id)));
}
std::uint64_t used_units(const State& s, Address cloud, std::uint64_t id) {
  return static_cast<std::uint64_t>(s.load(slot(cloud, kResUsed, id)));
}
std::vector<ReservedResource> application_resources(const State& s, Address cloud, Address app) {
  std::vector<ReservedResource> out;
  const auto n = static_cast<std::uint64_t>(s.load(slot(cloud, kAppResCount, word_of(app))));
  for (std::uint64_t i = 0; i < n; ++i) {
    const Word entry = s.load(slot(cloud, kAppRes, (static_cast<Word>(app.id) << 64) | i));
    out.push_back({static_cast<std::uint64_t>(entry), 0, static_cast<std::uint64_t>(entry >> 64)});
  }
  return out;
}

bool reservation_used(const State& s, Address cloud, std::uint64_t reservation_id) {
  return s.load(slot(cloud, kReservation, reservation_id)) != 0;
}
bool admission_used(const State& s, Address cloud, std::uint64_t admission_id) {
  return s.load(slot(cloud, kAdmission, admission_id)) != 0;
}
Resource resource(const State& s, Address cloud, std::uint64_t id) {
  const Word packed = s.load(slot(cloud, kResKind, id));
  return {address_of(s.load(slot(cloud, kResOwner, id))), static_cast<ResourceKind>(static_cast<std::uint8_t>(packed & 0xff)),
          static_cast<std::uint64_t>(packed >> 8), s.load(slot(cloud, kResPrice, id))};
}
Address scheduler(const State& s, Address cloud) { return address_of(s.load(slot(cloud, kScheduler))); }
Wei price(const State& s, Address cloud) { return s.load(slot(cloud, kPrice)); }

}  // namespace cansim::chain::cloud_contract

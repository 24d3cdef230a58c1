#pragma once
// The Cloud contract (§3, §3.1 step 5, §3.2): a provider's resources (owner, kind, capacity,
// price), the cloud's price, the Scheduler and Plug&Play endpoints and the Scheduler's key.
// Only the Plug&Play account registers or removes resources. `instantiate` deploys an
// Application contract with the client's funds if and only if the Scheduler signed the
// reservation, it has not expired, and none of its resources was deregistered (or registered
// again) since; a resource's capacity (units: cores, or accelerators) is shared by applications
// up to what it has, so two clients who reserved the same units cannot both instantiate.
#include <vector>

#include "cansim/model/chain/abi.hpp"
#include "cansim/model/chain/contracts/application.hpp"
#include "cansim/model/chain/execution.hpp"

namespace cansim::chain::cloud_contract {

inline constexpr Gas kGasLimit = 5000000;
inline constexpr Wei kGasPrice = 1000000000;

enum class ResourceKind : std::uint8_t { Cpu = 1, Gpu = 2, Mic = 3, Fpga = 4 };

struct Resource {
  Address owner;
  ResourceKind kind = ResourceKind::Cpu;
  std::uint64_t capacity = 1;
  Wei price_per_minute = 0;
};

struct Settings {
  Address provider;  // the contract's owner
  Address registry;
  Address scheduler;  // the Scheduler's key: reservations must carry its signature
  Address plug_and_play;
  Word scheduler_endpoint = 0, plug_and_play_endpoint = 0;
  Wei price_per_minute = 0;
};

// One service's share of a resource: the resource, the generation it had when reserved (so that
// a deregistration in between is seen), and the units taken.
struct ReservedResource {
  std::uint64_t id = 0;
  std::uint64_t generation = 0;
  std::uint64_t units = 1;
};

// What the Scheduler reserves for a client and signs (§3.2 step 1): one resource per service.
struct Reservation {
  std::uint64_t id = 0;
  Address client;
  std::uint64_t expires_ms = 0;
  std::vector<ReservedResource> resources;
  Wei orchestration_price_per_minute = 0;
  std::uint64_t retry_limit = application::kDefaultRetryLimit;
  std::uint64_t app_ok_interval_ms = application::kDefaultAppOkIntervalMs;
  std::uint64_t max_failed_payments = application::kDefaultMaxFailedPayments;
};
std::uint64_t reservation_digest(Address cloud, const Reservation& r);

Transaction deploy(Address at, const Settings& s);
Transaction register_resource(Address cloud, Address pnp, std::uint64_t id, const Resource& r);
Transaction deregister_resource(Address cloud, Address pnp, std::uint64_t id);
// By the reservation's client, with the deposit as value. Emits Instantiated(application, id).
Transaction instantiate(Address cloud, const Reservation& r, const Signature& scheduler_signature, Wei deposit);

// The application's settings, signed by the Scheduler with an admission.
struct Terms {
  Wei orchestration_price_per_minute = 0;
  std::uint64_t retry_limit = application::kDefaultRetryLimit;
  std::uint64_t app_ok_interval_ms = application::kDefaultAppOkIntervalMs;
  std::uint64_t max_failed_payments = application::kDefaultMaxFailedPayments;
};
// §3's alternatives to the Scheduler's reservation (the `selection` experiment) still need its
// consent (§3.2: an Application is deployed "if and only if" the Scheduler signed): an admission
// lets `client` instantiate once, before `expires_ms`, under `terms`, with resources chosen by
// the client or by the contract.
struct Admission {
  std::uint64_t id = 0;
  Address client;
  std::uint64_t expires_ms = 0;
  Terms terms;
};
std::uint64_t admission_digest(Address cloud, const Admission& a);
// The client selected the resources itself from the contract's state and seals its choice; it
// reverts if a resource was taken meanwhile (a conflict). Emits Instantiated(application, id).
Transaction instantiate_direct(Address cloud, const Admission& a, const Signature& scheduler_signature,
                               const std::vector<ReservedResource>& resources, Wei deposit);
// The contract selects: first fit, in id order, over every resource registered, for each service
// (kind, units). Its gas grows with the resources it reads. Emits Instantiated(application, id).
Transaction instantiate_search(Address cloud, const Admission& a, const Signature& scheduler_signature,
                               const std::vector<std::pair<ResourceKind, std::uint64_t>>& services, Wei deposit);
// Frees the resources of a shut-down application.
Transaction release(Address cloud, Address from, Address application);
// The provider takes what the contract received (the Cloud's share of its Applications' payments,
// which destroy sends it): the share passed on.
Transaction withdraw_share(Address cloud, Address provider);

// Views.
bool is_active(const State& s, Address cloud, std::uint64_t id);
std::uint64_t generation(const State& s, Address cloud, std::uint64_t id);
std::uint64_t used_units(const State& s, Address cloud, std::uint64_t id);  // 0 if free
bool reservation_used(const State& s, Address cloud, std::uint64_t reservation_id);
bool admission_used(const State& s, Address cloud, std::uint64_t admission_id);
// An instantiated application's resources and units, in service order (generation not kept).
std::vector<ReservedResource> application_resources(const State& s, Address cloud, Address app);
Resource resource(const State& s, Address cloud, std::uint64_t id);
Address scheduler(const State& s, Address cloud);
Wei price(const State& s, Address cloud);

}  // namespace cansim::chain::cloud_contract

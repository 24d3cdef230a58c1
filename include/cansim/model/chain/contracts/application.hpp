#pragma once
// The Application contract (§3, §5, §5.1): the services with their resources and prices, the
// checkpoint array the OCAN leader appends to, interimPayment (Algorithm 5) and payService
// (Algorithm 6), the locked funds, withdraw, shutdown and destroy.
//
// Where the pseudocode is open, the choice is stated here and in docs/contracts.md:
//  - time is paid in whole minutes: (end - start) / 60000, rounded down, per checkpoint pair;
//  - funds suffice when total + x <= balance - locked (what is already promised is not
//    available again; the paper compares with the whole balance);
//  - every processed checkpoint advances lp, SERVICE_UP included (the pseudocode advances it
//    only for paid ones, which would leave lp pointing at an unprocessed SERVICE_UP);
//  - a SERVICE_DOWN or APP_OK/APP_SHUTDOWN for a service with no start (never up, or down
//    already) pays nothing for it; a service's time is paid from its SERVICE_UP, and after an
//    APP_OK from that APP_OK for every service (APP_OK means all run; Algorithm 5, line 36);
//  - when the orchestration price splits between two orchestrators, an odd wei goes to the
//    later one, so that nothing is lost;
//  - the contract shuts itself down after `max_failed_payments` interim payments in a row that
//    paid nothing while checkpoints were waiting.
#include <optional>
#include <vector>

#include "cansim/model/chain/abi.hpp"
#include "cansim/model/chain/execution.hpp"

namespace cansim::chain::application {

inline constexpr Gas kGasLimit = 5000000;
inline constexpr Wei kGasPrice = 1000000000;

enum class CheckpointType : std::uint8_t { ServiceUp = 1, ServiceDown = 2, AppOk = 3, AppShutdown = 4 };

struct Service {
  Address resource_owner;
  Wei price_per_minute;  // the resource's price
};

// The contract terms' defaults, for every struct that carries them (the contract's terms, a
// reservation, an admission, a cloud's configuration): failed deploys of a service in a row before
// APP_SHUTDOWN, the APP_OK interval, interim payments in a row that pay nothing before shutdown.
inline constexpr std::uint64_t kDefaultRetryLimit = 3;
inline constexpr std::uint64_t kDefaultAppOkIntervalMs = 60000;
inline constexpr std::uint64_t kDefaultMaxFailedPayments = 3;

struct Terms {
  Address client;
  Address registry;  // for the leader (who appends checkpoints) and the CAN's price
  Address cloud;     // paid the cloud price
  Wei cloud_price_per_minute = 0;
  Wei orchestration_price_per_minute = 0;
  std::uint64_t retry_limit = kDefaultRetryLimit;
  std::uint64_t app_ok_interval_ms = kDefaultAppOkIntervalMs;
  std::uint64_t max_failed_payments = kDefaultMaxFailedPayments;
  std::vector<Service> services;
};

struct Checkpoint {
  CheckpointType type;
  std::uint64_t timestamp_ms;
  Address issuer;         // the OCAN leader that appended it
  std::uint64_t service;  // for SERVICE_UP and SERVICE_DOWN
  Address orchestrator;   // the orchestrator that reported it
};

// The constructor's code, for a contract that creates Applications (Cloud.instantiate).
CallBody constructor(const Terms& terms);
// Deploys the contract at `at` with the client's deposit as its value.
Transaction deploy(Address at, const Terms& terms, Wei deposit);
Transaction deposit(Address app, Address from, Wei amount);
// Only the OCAN leader (read from the Registry) appends; timestamps never go back and are never
// later than the block's.
Transaction add_checkpoint(Address app, Address leader, const Checkpoint& cp);
// Algorithm 5. Only the OCAN leader calls it. Emits InterimPayment(steps, total).
Transaction interim_payment(Address app, Address leader, std::uint64_t k);
Transaction withdraw(Address app, Address payee);
// By the client, at any time: takes back `amount` of what no checkpoint can still claim (the
// balance less what is locked and less every service's price for the time since the earliest
// unpaid point up to this block).
Transaction refund(Address app, Address client, Wei amount);
// After shutdown, by the client: offers every unpaid salary and returns the rest to the client.
// A payee that refuses wei keeps its salary to withdraw; the contract is destroyed (storage
// freed) only once it owes nothing, and destroy may be called again.
Transaction destroy(Address app, Address client);

// The slot of the shutdown flag, for contracts that read it (Cloud.release).
SlotKey shutdown_slot(Address app);

// Views.
std::uint64_t checkpoint_count(const State& s, Address app);
Checkpoint checkpoint(const State& s, Address app, std::uint64_t i);
std::uint64_t paid_count(const State& s, Address app);  // lp + 1
Wei locked(const State& s, Address app);
Wei salary(const State& s, Address app, Address payee);
bool is_shutdown(const State& s, Address app);
// Per service, since when (ms) the contract counts it up after its last checkpoint, paid or not
// (nullopt: it does not): the stretch the next APP_SHUTDOWN would pay. A free read for an
// Orchestrator that lost the CAN's checkpoint.
std::vector<std::optional<std::uint64_t>> counted_since(const State& s, Address app);
// The terms the Orchestrator works by (§5): read from the contract, never configured apart.
std::uint64_t retry_limit(const State& s, Address app);
std::uint64_t app_ok_interval_ms(const State& s, Address app);
bool is_destroyed(const State& s, Address app);
// Shut down or destroyed: what a reader must ask, since a destroyed contract's storage is gone
// and `is_shutdown` then reads false.
inline bool has_ended(const State& s, Address app) { return is_shutdown(s, app) || is_destroyed(s, app); }

}  // namespace cansim::chain::application

#pragma once
// The Gateway client (§3, §3.2 steps 1-2), run by a user: builds the blueprint of an application
// for a provider through the Service Optimization Engine, sends it to that provider's Scheduler
// over the network, and on a signed reservation calls Cloud.instantiate with its deposit (a real
// transaction). A refusal, a timeout or a reverted instantiate (the reservation expired, a
// resource was deregistered or taken meanwhile) sends it to the next provider, up to a limit.
// When the application's time is up, it is shut down on chain (the OCAN leader appends
// APP_SHUTDOWN and pays it, the client calls Cloud.release and destroys the Application) and the
// Scheduler frees its hosts.
#include <functional>
#include <map>
#include <unordered_map>
#include <memory>

#include "cansim/cloud/chain_view.hpp"
#include "cansim/cloud/cloud_world.hpp"
#include "cansim/model/app/topology.hpp"

namespace cansim::cloud {

// Who selects the resources (§3): the provider's Scheduler (signed reservations), the client
// itself from the chain's state (sealed by Cloud.instantiateDirect; conflicts revert), or the
// contract (Cloud.instantiateSearch, first fit on chain).
enum class Selection : std::uint8_t { Scheduler, Client, Contract };

struct GatewayConfig {
  Selection selection = Selection::Scheduler;
  bool client_random = false;      // Client: a random resource with room, else the first (by id)
  std::uint32_t max_attempts = 3;  // Client: selections per provider before the next one
  std::uint64_t view_depth = 0;    // Client, Contract: blocks behind the latest the client reads
  bool units_only = false;         // services take units (cores or cards) only, as the contract counts
  std::uint32_t max_providers_tried = 3;
  SimTime reply_timeout = seconds(5);  // for a Scheduler's answer
  chain::Wei deposit = 1000000000000;  // what each client deposits in its Application contract (10^12 wei)
  std::uint32_t users = 100;  // client accounts, used in turn
  // When set, the end of an application's time is handed to the orchestration (which stops its
  // services, checkpoints APP_SHUTDOWN and pays); `settled` runs when the client may release and
  // destroy. Unset, the Gateway appends APP_SHUTDOWN itself through the CloudWorld's OCAN account.
  std::function<void(chain::Address app, std::function<void()> settled)> end_application;
  // Every receipt of the Gateway's transactions: (function, gas used).
  std::function<void(const std::string&, chain::Gas)> on_gas;
};

struct Outcome {
  bool accepted = false;
  SimTime requested, sealed;   // sealed: the instantiate receipt (accepted only)
  std::uint32_t provider = 0;  // accepted only
  std::uint32_t tries = 0;     // providers asked
  std::uint32_t reverted = 0;  // instantiate transactions that reverted
  Blueprint blueprint;         // accepted only
  chain::Address application;  // accepted only
  chain::Gas gas = 0;          // the client's gas for instantiate (all tries)
};

class Gateway {
 public:
  Gateway(CloudWorld& world, GatewayConfig cfg, Rng rng);
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  // Deploys `app` (which must outlive the run) for `duration` from its instantiation; `on_outcome`
  // runs once, when it is accepted or finally refused; `on_end` when its resources are free again.
  void request(const app::Topology& app, SimTime duration, std::function<void(const Outcome&)> on_outcome,
               std::function<void()> on_end = {});

  std::size_t pending() const { return live_.size(); }

  // The application's contract ended before the client's time was up (its funds ran out, or its
  // services could not be kept up): the client releases and destroys it now (§5.1). Nothing if
  // it is ending already or unknown.
  void ended_early(chain::Address application);

 private:
  struct Live {
    const app::Topology* app;
    SimTime duration;
    Outcome outcome;
    std::vector<std::uint32_t> order;  // providers to ask, in turn
    chain::Address client;
    std::uint64_t timeout = 0;  // the pending Requests id
    std::function<void(const Outcome&)> on_outcome;
    std::function<void()> on_end;
    std::vector<HostId> hosts;
    std::uint64_t reservation = UINT64_MAX;  // the Scheduler's, once signed (UINT64_MAX: none yet)
    chain::cloud_contract::Admission admission;  // Client, Contract: the Scheduler's consent
    chain::Signature admission_signature;
    EventId planned_end;                     // the client's own end, once sealed
    bool ending = false;
  };
  void next_provider(std::uint64_t id);
  void select_on_chain(std::uint64_t id, std::uint32_t p, std::uint32_t attempt);
  void sealed(std::uint64_t id, const chain::Receipt& r);
  std::optional<std::uint64_t> offer_from_view(std::uint32_t p, const ServiceRequest& r) const;
  void receive(const CloudMsg& m);
  void instantiate(std::uint64_t id, const CloudMsg& m);
  void finish(std::uint64_t id);
  void shut_down(std::uint64_t id);
  void release_and_destroy(std::uint64_t id);
  void submit(chain::Transaction tx, chain::ReceiptHandler on_receipt);

  CloudWorld& w_;
  GatewayConfig cfg_;
  Rng rng_;
  Requests timeouts_;
  std::unordered_map<std::uint64_t, Live> live_;  // looked up by id, never iterated
  std::unordered_map<chain::Address, std::uint64_t, chain::AddressHash> by_application_;  // sealed ones
  std::uint64_t next_id_ = 1;
  std::uint64_t next_user_ = 0;
  std::unique_ptr<ChainView> view_;  // Client, Contract
};

}  // namespace cansim::cloud

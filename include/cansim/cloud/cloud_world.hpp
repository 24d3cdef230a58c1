#pragma once
// The cloud side as one world (§2, §3.1, §3.2), built the same way for experiments, tests and
// benchmarks: the engine, the chain, the hosts with their agents (hypervisor API, telemetry),
// one Scheduler and one Plug&Play per provider, and the network between them.
//
// Prebuilt (CloudConfig::prebuilt): the Registry and the Cloud contracts are deployed and every
// host registered at genesis, all open to the Schedulers. Otherwise the chain holds nothing and
// every host is closed until it joins through Plug&Play; `deploy_contracts` and `join_all` run
// §3.1 steps 1, 4 and 5 as transactions.
//
// Network endpoints: host h is node h (so that a scenario's fault plan names hosts); then
// provider p's Scheduler, the Gateway clients, then provider p's Plug&Play.
// Every Instantiated event is checked against the resources registered at that point of the
// chain: a deregistered resource is never in a successful instantiate (an invariant).
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cansim/cloud/hypervisor_api.hpp"
#include "cansim/cloud/messages.hpp"
#include "cansim/cloud/plug_and_play.hpp"
#include "cansim/cloud/resource_agent.hpp"
#include "cansim/cloud/scheduler.hpp"
#include "cansim/cloud/service_optimization.hpp"
#include "cansim/model/chain/chain.hpp"
#include "cansim/model/chain/contracts/application.hpp"
#include "cansim/model/cloud/hosts.hpp"
#include "cansim/sim/interval_set.hpp"
#include "cansim/sim/network.hpp"
#include "cansim/sim/rng.hpp"
#include "cansim/sim/simulator.hpp"

namespace cansim::cloud {

struct CloudConfig {
  std::vector<HostClass> classes;
  std::vector<std::uint32_t> hosts_per_class;  // hosts of each class, dealt round robin to providers
  std::uint32_t providers = 1;
  PowerModel power;  // linear and always on unless set
  Policy policy = Policy::Sosm;
  SosmConfig sosm;
  SoeWeights soe;
  SimTime reservation_ttl = seconds(120);  // how long a Scheduler holds an unconfirmed reservation
  LinkModel link;                          // every link of the cloud's network
  chain::ChainConfig chain;
  chain::Wei cloud_price_per_minute = 3;  // each Cloud contract's price
  chain::Wei gas_price = 1000000000;
  // What every Scheduler signs into a reservation for the Application contract (§5, §5.1).
  chain::Wei orchestration_price_per_minute = 4;
  std::uint64_t retry_limit = chain::application::kDefaultRetryLimit;
  std::uint64_t app_ok_interval_ms = chain::application::kDefaultAppOkIntervalMs;
  std::uint64_t max_failed_payments = chain::application::kDefaultMaxFailedPayments;
  bool prebuilt = true;
  AgentConfig agents;
  PnpConfig pnp;
  HypervisorConfig hypervisor;
  // The OCAN's candidates, can::member_address(0 .. n-1), the first the appointed leader (0: one
  // account, `ocan_leader`, stands for the OCAN). Prebuilt, all are members at genesis; else
  // deploy_contracts registers them as candidates and appoints the first, and the others join
  // through the CAN's Join (§3.1 step 2).
  std::uint32_t ocan_members = 0;
  std::uint64_t ocan_nmin = 1, ocan_nmax = 8;  // the Registry's Nmin and Nmax
  // Endpoints of the cloud's network after the Plug&Plays, for actors of higher layers (the
  // Orchestrators' side that speaks to the hypervisors).
  std::uint32_t extra_endpoints = 0;
};

// Provider p's actors and contract.
struct Provider {
  chain::Address account;  // deploys the Cloud contract
  chain::Address plug_and_play;
  chain::KeyPair scheduler_key;
  chain::Address cloud;  // the Cloud contract
  std::unique_ptr<Scheduler> scheduler;
  std::unique_ptr<PlugAndPlay> plug_and_play_actor;
};

class CloudWorld {
 public:
  CloudWorld(const CloudConfig& cfg, const Rng& root);
  CloudWorld(const CloudWorld&) = delete;
  CloudWorld& operator=(const CloudWorld&) = delete;

  NodeId scheduler_node(std::uint32_t p) const { return static_cast<NodeId>(hosts.size() + p); }
  NodeId gateway_node() const { return static_cast<NodeId>(hosts.size() + config.providers); }
  NodeId pnp_node(std::uint32_t p) const { return static_cast<NodeId>(hosts.size() + config.providers + 1 + p); }
  NodeId extra_node(std::uint32_t k) const { return static_cast<NodeId>(hosts.size() + 2 * config.providers + 1 + k); }

  // §3.1 steps 1, 2.i-ii and 4 as transactions (not prebuilt): the Registry, the OCAN's
  // candidacies and the owner's appointment of its leader, then each provider's Cloud contract and
  // its registration in the Registry. `done` runs when all are sealed.
  void deploy_contracts(std::function<void()> done);
  // §3.1 step 2.i: each OCAN candidate's registerCandidate (its contact is 1 + its index).
  std::vector<chain::Transaction> ocan_candidacies() const;
  // §3.1 step 5: every host's owner asks to join, and Plug&Play starts watching telemetry.
  void join_all();
  // Whether provider p's Scheduler holds reservation `id` unconfirmed.
  std::size_t held_reservations() const;

  const CloudConfig config;
  Simulator sim;
  chain::Chain chain;
  Hosts hosts;
  Network<CloudMsg> net;
  chain::Address registry_owner{2};
  chain::Address ocan_leader{3};  // appends the checkpoints that shut applications down
  chain::Address registry;
  std::vector<Provider> providers;
  std::unique_ptr<ResourceAgents> agents;
  std::unique_ptr<HypervisorApis> hypervisors;
  // What the extra endpoints do with their messages (to, from, message).
  std::function<void(NodeId, NodeId, const CloudMsg&)> on_extra_message;
  // What a Gateway does with the Schedulers' answers; set by the Gateway.
  std::function<void(const CloudMsg&)> on_gateway_message;
  // Gas by what it was spent on, for the setup steps ("Registry.deploy", "Cloud.deploy", ...).
  std::map<std::string, chain::Gas> setup_gas;

 private:
  void scheduler_receive(std::uint32_t p, const CloudMsg& m);
  void expire(std::uint32_t p, std::uint64_t reservation);
  void watch_cloud(std::uint32_t p);
  std::map<std::pair<std::uint32_t, std::uint64_t>, std::vector<HostId>> signed_;  // (provider, reservation)
  // By provider, the reservations that are closed: their Done was handled, or they expired unused
  // (no Done can come). A copy of a Done finds its reservation closed. Kept as intervals: the
  // memory grows with the reservations still open, not with every one ever made.
  std::vector<IntervalSet> closed_;
  std::uint64_t next_admission_ = 1;
  std::vector<std::vector<std::uint8_t>> active_;  // by provider, by host: registered as the chain's events say
};

// A resource owner's chain account, by host.
chain::Address owner_account(HostId h);
// The Cloud contract's name for a kind of hardware.
chain::cloud_contract::ResourceKind resource_kind(Hardware h);
// The units a service takes of its resource, as the Cloud contract counts them: cores on a CPU,
// cards on an accelerator.
std::uint64_t units_of(const ServiceRequest& r);

// Hosts as a world declares them: class by class, each dealt to providers round robin, with
// resource owners numbered from 0 (one per host).
Hosts make_hosts(const std::vector<HostClass>& classes, const std::vector<std::uint32_t>& counts, std::uint32_t providers,
                 const PowerModel& power = {});

}  // namespace cansim::cloud

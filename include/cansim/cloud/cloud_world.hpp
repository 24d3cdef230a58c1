#pragma once
// The cloud side as one world (§2, §3.1, §3.2), built the same way for experiments, tests and
// benchmarks: the engine, the chain with the Registry and one Cloud contract per provider, the
// hosts with every one registered as a resource of its provider's Cloud contract, one Scheduler
// per provider answering on the network, and the network itself.
//
// Network endpoints: provider p's Scheduler is node p; the Gateway clients are node `providers`.
// Chain accounts: see the Address members below.
#include <memory>
#include <vector>

#include "cansim/cloud/messages.hpp"
#include "cansim/cloud/scheduler.hpp"
#include "cansim/cloud/service_optimization.hpp"
#include "cansim/model/chain/chain.hpp"
#include "cansim/model/cloud/hosts.hpp"
#include "cansim/sim/network.hpp"
#include "cansim/sim/rng.hpp"
#include "cansim/sim/simulator.hpp"

namespace cansim::cloud {

struct CloudConfig {
  std::vector<HostClass> classes;
  std::vector<std::uint32_t> hosts_per_class;  // hosts of each class, dealt round robin to providers
  std::uint32_t providers = 1;
  Policy policy = Policy::Sosm;
  SosmConfig sosm;
  SoeWeights soe;
  SimTime reservation_ttl = seconds(120);  // how long a Scheduler holds an unconfirmed reservation
  LinkModel link;                          // every link of the cloud's network
  chain::ChainConfig chain;
  chain::Wei cloud_price_per_minute = 3;   // each Cloud contract's price
  chain::Wei gas_price = 1000000000;
  // What every Scheduler signs into a reservation for the Application contract (§5, §5.1).
  chain::Wei orchestration_price_per_minute = 4;
  std::uint64_t retry_limit = 3;
  std::uint64_t app_ok_interval_ms = 60000;
  std::uint64_t max_failed_payments = 3;
};

// Provider p's actors and contract.
struct Provider {
  chain::Address account;     // deploys the Cloud contract
  chain::Address plug_and_play;
  chain::KeyPair scheduler_key;
  chain::Address cloud;       // the Cloud contract
  std::unique_ptr<Scheduler> scheduler;
};

class CloudWorld {
 public:
  CloudWorld(const CloudConfig& cfg, const Rng& root);
  CloudWorld(const CloudWorld&) = delete;
  CloudWorld& operator=(const CloudWorld&) = delete;

  NodeId gateway_node() const { return static_cast<NodeId>(providers.size()); }
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
  // What a Gateway does with the Schedulers' answers; set by the Gateway.
  std::function<void(const CloudMsg&)> on_gateway_message;

 private:
  void scheduler_receive(std::uint32_t p, const CloudMsg& m);
  void expire(std::uint32_t p, std::uint64_t reservation);
};

// Hosts as a world declares them: class by class, each dealt to providers round robin, with
// resource owners numbered from 0 (one per host).
Hosts make_hosts(const std::vector<HostClass>& classes, const std::vector<std::uint32_t>& counts, std::uint32_t providers);

}  // namespace cansim::cloud

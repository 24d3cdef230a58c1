#pragma once
// The system initialization of §3.1 on a cloud world built with `prebuilt = false`, as
// transactions and messages: the Registry deployed with the OCAN's appointed leader (step 1,
// 2.ii), services and applications registered with the digests of their TOSCA files (step 3),
// every provider's Cloud contract deployed and registered (step 4), every resource joined through
// its provider's Plug&Play (step 5). The OCAN's bootstrap (step 2) runs over the CAN protocols on
// a network of its own: once the appointment is seen, every other candidate reads the leader from
// the Registry and asks it to join (Join, Algorithm 1: the leader probes it and registers it on
// chain, 2.iv-v), again every `ocan_join_retry` until it is a member.
#include <cstdint>
#include <memory>
#include <vector>

#include "cansim/cloud/cloud_world.hpp"
#include "cansim/model/app/topology.hpp"
#include "cansim/protocols/can/can.hpp"

namespace cansim::orchestration {

struct SystemInitConfig {
  std::uint32_t ocan_members = 1;  // as in the world's CloudConfig
  SimTime ocan_join_retry = seconds(5);
  can::CanConfig ocan;
  std::vector<const app::Topology*> catalogue;  // registered by the system initiator (step 3)
};

class SystemInit {
 public:
  // Draws from root's streams "ocan-network", "ocan-keys" and "ocan". Listens for the
  // appointment at once; nothing is sent before start().
  SystemInit(cloud::CloudWorld& world, const SystemInitConfig& cfg, const Rng& root);
  SystemInit(const SystemInit&) = delete;
  SystemInit& operator=(const SystemInit&) = delete;

  // Steps 1 and 4 now (and step 5 once every Cloud contract is there); step 3 two blocks later,
  // once the Registry is there.
  void start();

  // When each part was done (negative: not yet).
  SimTime contracts_done() const { return contracts_done_; }
  SimTime catalogue_done() const { return catalogue_done_; }
  SimTime ocan_ready() const { return ocan_ready_; }
  chain::Gas catalogue_gas() const { return catalogue_gas_; }
  // The OCAN once the appointment was seen (null before).
  const can::Can* ocan() const { return ocan_.get(); }
  // Resources that are up and whose endpoints work, and those registered.
  std::size_t expected_resources() const;
  std::size_t registered_resources() const;
  // Everything is on chain, the OCAN is complete, and every resource that can join has.
  bool ready() const;

 private:
  void register_catalogue();

  cloud::CloudWorld& w_;
  SystemInitConfig cfg_;
  Rng root_;
  Network<can::CanMsg> ocan_net_;
  std::unique_ptr<can::Can> ocan_;
  std::uint32_t ocan_joined_ = 1;
  std::size_t catalogue_pending_ = 0;
  chain::Gas catalogue_gas_ = 0;
  SimTime contracts_done_{-1}, catalogue_done_{-1}, ocan_ready_{-1};
};

}  // namespace cansim::orchestration

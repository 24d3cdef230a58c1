#pragma once
// What the OCAN knows of each application it orchestrates (§5), split by who owns it: the Work
// Entry's description (the Application contract, its topology and the hosts the Cloud contract
// sealed for it), read by every part; the checkpoints' contents by digest; and the record the run
// keeps of it, which no part reads. A checkpoint's data carries the Orchestrator's view of every
// service (state and monitoring id), so that the newest committed checkpoint is all a new
// Orchestrator needs to continue.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "cansim/model/cloud/hosts.hpp"
#include "cansim/model/app/topology.hpp"
#include "cansim/model/chain/contracts/application.hpp"
#include "cansim/sim/network.hpp"
#include "cansim/sim/time.hpp"

namespace cansim::orchestration {

using chain::application::CheckpointType;

// SERVICE_UP, SERVICE_DOWN, APP_OK, APP_SHUTDOWN (§5).
inline const char* checkpoint_label(CheckpointType t) {
  switch (t) {
    case CheckpointType::ServiceUp: return "SERVICE_UP";
    case CheckpointType::ServiceDown: return "SERVICE_DOWN";
    case CheckpointType::AppOk: return "APP_OK";
    case CheckpointType::AppShutdown: return "APP_SHUTDOWN";
  }
  return "?";
}

// An Orchestrator's view of one service.
enum class ServiceView : std::uint8_t { Pending, Deploying, Up, Down };

struct CheckpointData {
  CheckpointType type = CheckpointType::ServiceUp;
  std::uint32_t service = 0;             // SERVICE_UP, SERVICE_DOWN
  SimTime at;                            // when it happened, as the Orchestrator saw it
  NodeId orchestrator = 0;               // the CAN component that reported it
  std::vector<ServiceView> views;        // every service's state at that point
  std::vector<std::uint32_t> instances;  // every service's monitoring id (valid when Up)
};

// What the OCAN knows of an application from the client's request and the Cloud contract that
// sealed it: the Work Entry's description. Written once, when the request is accepted; every part
// reads it (through its context), none writes it.
struct AppDescription {
  chain::Address address;
  std::uint32_t provider = 0;
  const app::Topology* topology = nullptr;
  std::vector<cloud::HostId> hosts;  // per service
  std::vector<std::uint64_t> units;  // per service: what the Cloud contract sealed of its host
};

// The contents of checkpoints by digest (the CAN progress number), per application record: what
// the CAN's storage peers hold for a digest. A digest is handed out once (they grow across
// Orchestrators, so a CAN progress number is never reused); the contents of one are read by a
// successor that resumes from it and by the leader that appends it. Pruned once a newer one is
// committed and every older committed one is on chain.
class CheckpointContents {
 public:
  // A fresh digest for `d` of application `record`.
  std::uint32_t add(std::size_t record, const CheckpointData& d) {
    if (apps_.size() <= record) apps_.resize(record + 1);
    PerApp& a = apps_[record];
    const std::uint32_t key = a.next_key++;
    a.data.emplace(key, d);
    return key;
  }
  // Nullptr if unknown (never made, or pruned).
  const CheckpointData* find(std::size_t record, std::uint32_t digest) const {
    if (record >= apps_.size()) return nullptr;
    const auto it = apps_[record].data.find(digest);
    return it == apps_[record].data.end() ? nullptr : &it->second;
  }
  // Forgets the contents of every digest below `digest`.
  void forget_before(std::size_t record, std::uint32_t digest) {
    if (record >= apps_.size()) return;
    auto& data = apps_[record].data;
    data.erase(data.begin(), data.lower_bound(digest));
  }

 private:
  struct PerApp {
    std::map<std::uint32_t, CheckpointData> data;
    std::uint32_t next_key = 1;
  };
  std::vector<PerApp> apps_;
};

// What the run records of an application: its description and what it measures, kept by the
// world from what the parts announce (orchestration_world.hpp) and from what runs on the hosts.
// No part reads it.
struct AppRecord : AppDescription {
  // What the contract got, in order (appended by the leader; for the payment check).
  std::vector<CheckpointData> appended;
  // Lifecycle.
  SimTime instantiated, all_up, shutdown_checkpoint, settled_at;
  // The APP_SHUTDOWN's own timestamp (when its Orchestrator told the services to stop): where the
  // application's lifetime ends for availability (shutdown_checkpoint, its commit, comes after the
  // Stops were confirmed).
  SimTime ended_at;
  bool ended_by_client = false;  // the client's time was up (vs. retries exhausted or funds)
  bool settled = false;          // shut down on chain and paid as far as it will be
  // The funds fell short with the APP_SHUTDOWN appended: the contract paid what fitted of the
  // checkpoint at `short_at` and ended (§5.1). Checkpoints after it were not paid.
  bool short_of_funds = false;
  std::uint64_t short_at = 0;
  bool released = false;
  // Measures.
  std::uint32_t redeploys = 0, failures_seen = 0;
  SimTime detection_lag;       // summed: from each failure to the SERVICE_DOWN that reported it
  SimTime paid_time, up_time;  // summed over services, at settlement
  // What the contract owed each party at settlement (§5.1, Algorithm 6).
  chain::Wei paid_resources = 0, paid_cloud = 0, paid_can = 0, paid_orchestration = 0;
};

}  // namespace cansim::orchestration

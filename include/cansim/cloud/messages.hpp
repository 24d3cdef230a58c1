#pragma once
// What the cloud's actors send each other over the Network (so that every network fault reaches
// them): the Gateway's blueprint to a Scheduler and the Scheduler's answer (§3.2 step 1), and
// what follows an answer (release, done).
#include <cstdint>
#include <vector>

#include "cansim/cloud/scheduler.hpp"
#include "cansim/model/chain/contracts/cloud.hpp"
#include "cansim/model/chain/signature.hpp"

namespace cansim::cloud {

enum class CloudMsgType : std::uint8_t {
  Blueprint,  // Gateway -> Scheduler: reserve these services
  Reserved,   // Scheduler -> Gateway: the signed reservation
  Refused,    // Scheduler -> Gateway: cannot place it
  Release,    // Gateway -> Scheduler: the client declines a held reservation
  Done,       // Gateway -> Scheduler: the application ended and released its resources on chain
};

struct CloudMsg {
  CloudMsgType type = CloudMsgType::Blueprint;
  std::uint64_t request = 0;  // the Gateway's request id, echoed
  std::uint64_t reservation = 0;
  chain::Address client;                         // Blueprint: the account that will instantiate
  std::vector<ServiceRequest> services;          // Blueprint, Done
  chain::cloud_contract::Reservation signed_for; // Reserved: what the client presents to the Cloud contract
  chain::Signature signature;                    // Reserved: the Scheduler's signature of it
  std::vector<HostId> hosts;                     // Reserved, Done: where each service goes
};

}  // namespace cansim::cloud

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
  Admit,      // Gateway -> Scheduler: may the client instantiate with its own or the contract's selection?
  Admitted,   // Scheduler -> Gateway: the signed admission
  // §3.1 step 5: a resource joins through its provider's Plug&Play.
  JoinRequest,     // resource -> Plug&Play
  ProbeApi,        // Plug&Play -> resource: does the hypervisor API answer?
  ApiOk,           // resource -> Plug&Play
  ProbeTelemetry,  // Plug&Play -> resource: does the telemetry endpoint answer?
  TelemetryOk,     // resource -> Plug&Play
  Joined,          // Plug&Play -> resource: registered; start sending telemetry
  JoinRefused,     // Plug&Play -> resource
  Telemetry,       // resource -> Plug&Play, every telemetry interval
  // A hypervisor's API (§2, §5), used by the Orchestrators.
  Deploy,       // Orchestrator -> host: deploy `service` of `app` (idempotent: a live one is the answer)
  Deployed,     // host -> Orchestrator: ok and the instance (its monitoring id), or not ok
  Status,       // Orchestrator -> host: is `instance` up? (kAnyInstance: is `service` of `app` up here?)
  StatusReply,  // ok: up, and the instance
  Stop,         // Orchestrator -> host: stop the live instance of `service` of `app` (`instance`: the one it believes up)
  Stopped,      // `stopped`, since when: stopped now, or by an earlier Stop; not `stopped`: it had failed
  Reconfigure,  // Orchestrator -> host: `instance`'s dependency `service` has a new endpoint
  Reconfigured,
  ShutdownApp,  // Gateway -> Orchestrator: the client ends `app`
};

// A Status about a service whose instance the Orchestrator does not know (it resumed without the
// CAN's checkpoint).
inline constexpr std::uint32_t kAnyInstance = 0xffffffffU;

struct CloudMsg {
  CloudMsgType type = CloudMsgType::Blueprint;
  std::uint64_t request = 0;  // the Gateway's request id, echoed
  std::uint64_t reservation = 0;
  HostId host = 0;                                // the resource, for the join and telemetry messages
  chain::Address client;                          // Blueprint, Admit: the account that will instantiate
  std::vector<ServiceRequest> services;           // Blueprint, Done
  chain::cloud_contract::Reservation signed_for;  // Reserved: what the client presents to the Cloud contract
  chain::cloud_contract::Admission admission;     // Admitted: what the client presents instead
  chain::Signature signature;                     // Reserved, Admitted: the Scheduler's signature of it
  std::vector<HostId> hosts;                      // Reserved, Done: where each service goes
  // The hypervisor API's messages.
  std::uint64_t app = 0;  // the application's contract address
  std::uint32_t service = 0;
  std::uint32_t instance = 0;  // the monitoring id
  SimTime since;               // StatusReply: when the instance came up; Stopped: when it was stopped (as an API reports them)
  // Fencing (lease-based systems' token, Chubby's sequencer): the CAN's index of the assignment an
  // Orchestrator acts under; a hypervisor refuses one lower than the highest it saw for the
  // application (0: none, not fenced). A refusal says `fenced`.
  std::uint32_t epoch = 0;
  bool ok = false;
  bool fenced = false;
  // StatusReply, not ok; Stopped: the instance was stopped by a Stop (as an API reports a shut-off
  // VM or an exited container), not failed: someone ended the application.
  bool stopped = false;
};

}  // namespace cansim::cloud

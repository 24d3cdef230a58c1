#pragma once
// The hypervisors' API endpoints on the hosts (§2, §5): deploy a service instance (after a deploy
// time drawn from the hypervisor's model), report its status by monitoring id, stop it,
// reconfigure it with a dependency's new endpoint. Deploy is idempotent per (application,
// service): a live instance is the answer, so an Orchestrator that takes over and deploys again
// what it does not know to be up never starts a second one.
//
// Failures: a service instance fails after an exponential time (service_failure_rate_per_s);
// a host's crash fails every instance on it; a hypervisor's crash silences its API, and its
// instances keep running or fail (instances_survive_api_crash); the API answers again when it
// recovers. Every failure goes to the fault trace of the cloud's network.
#include <array>
#include <functional>
#include <vector>

#include "cansim/cloud/messages.hpp"
#include "cansim/model/cloud/hosts.hpp"
#include "cansim/model/cloud/hypervisor.hpp"
#include "cansim/model/cloud/instances.hpp"
#include "cansim/sim/flat_table.hpp"
#include "cansim/sim/network.hpp"
#include "cansim/sim/rng.hpp"
#include "cansim/sim/signal.hpp"
#include "cansim/sim/simulator.hpp"

namespace cansim::cloud {

struct HypervisorConfig {
  // By Hypervisor kind (Vm, Container, BareMetal): deploy and stop times.
  std::array<HypervisorTimes, 3> times = {default_times(Hypervisor::Vm), default_times(Hypervisor::Container),
                                          default_times(Hypervisor::BareMetal)};
  double service_failure_rate_per_s = 0;  // per up instance; 0: instances never fail by themselves
  bool instances_survive_api_crash = true;
  SimTime reconfigure_time = millis(500);  // to point an instance at a dependency's new endpoint
  // A hypervisor watches the chain for the applications it runs: this long after an
  // application's contract ended, it stops what still runs of it (an Orchestrator that crashed
  // with its Stops unanswered leaves no one to send them again). 0: only on its own recovery.
  SimTime reconcile_after = seconds(60);
  // A hypervisor reads the OCAN's committed ledger for the newest assignment of an application's
  // Work Entry (`assignment`, a free read as the Gateway's "who orchestrates it?") and refuses
  // calls under an older one, also before the successor's first call reaches it. Off: it knows
  // only the epochs its own calls carried.
  bool read_assignments = true;
};

class HypervisorApis {
 public:
  HypervisorApis(Simulator& sim, Network<CloudMsg>& net, const Hosts& hosts, HypervisorConfig cfg, Rng rng);

  // A message to host h's API (Deploy, Status, Stop, Reconfigure).
  void receive(HostId h, NodeId from, const CloudMsg& m);
  // The host crashed: every instance on it fails.
  void host_crashed(HostId h);
  // A service instance fails now (a fault injected on purpose).
  void fail_instance(InstanceId id) {
    if (instances_.live(id)) fail(id, "service-failure");
  }
  // Application `app` (of `services` services) ended: after reconcile_after, if the chain says so
  // (`ended`), what still runs of it is stopped.
  void application_ended(std::uint64_t app, std::uint32_t services);
  void api_crashed(HostId h);
  void api_recovered(HostId h);
  bool api_up(HostId h) const { return api_up_[h] != 0; }
  // Since when host h's API answers (its last recovery; 0 if it never crashed).
  SimTime api_up_since(HostId h) const { return api_since_[h]; }

  const Instances& instances() const { return instances_; }
  // Whether application `app` ended (its contract holds an APP_SHUTDOWN or is destroyed: a free
  // read of the chain). A hypervisor that comes back stops the instances of ended applications
  // it runs (reconciliation): a Stop sent while it was down may have no one left to send it again.
  std::function<bool(std::uint64_t app)> ended;
  // The index of the committed assignment of application `app`'s Work Entry (0: none known).
  std::function<std::uint32_t(std::uint64_t app)> assignment;
  // Called for every Deploy, Stop and Reconfigure host h's API accepts (it is up), before it acts:
  // an audit of who drives each application (the API itself obeys anyone).
  Signal<HostId, NodeId, const CloudMsg&> on_call;
  // A fault to record in the network's fault log ("service-failure", "hypervisor-crash", ...), with the host.
  Signal<const char* /*kind*/, HostId> on_fault;

 private:
  void come_up(InstanceId id);
  // Fencing: whether a call of m.epoch may act on m.app (it raises the highest epoch seen).
  bool admit(HostId h, const CloudMsg& m);
  // Host h stops what it runs of applications that ended (a free read of the chain): on its
  // recovery, and before each deploy.
  void stop_ended(HostId h);
  void fail(InstanceId id, const char* why);
  void reply(HostId h, NodeId to, CloudMsgType type, const CloudMsg& m, bool ok, InstanceId id, SimTime since = {},
             bool fenced = false, bool stopped = false);
  // The instance stops (Stopped) or fails (Failed) now, and no one waits for it any more.
  void end_instance(InstanceId id, InstanceState why);

  Simulator& sim_;
  Network<CloudMsg>& net_;
  const Hosts& hosts_;
  HypervisorConfig cfg_;
  Rng rng_;
  Instances instances_;
  std::vector<std::uint8_t> api_up_;
  // By (host, application): the highest epoch seen. Read on every call (status checks are most of
  // a run's messages): a flat hash table, not a tree.
  struct FenceKey {
    HostId host;
    std::uint64_t app;
    bool operator==(const FenceKey&) const = default;
  };
  struct FenceHash {
    std::size_t operator()(const FenceKey& k) const noexcept { return static_cast<std::size_t>(mix64(k.app ^ mix64(k.host))); }
  };
  FlatTable<FenceKey, std::uint32_t, FenceHash> fence_;
  std::vector<SimTime> api_since_;
  // Who waits for an instance that is deploying: (instance, requester, request id).
  struct Waiter {
    InstanceId id;
    NodeId to;
    std::uint64_t request;
  };
  std::vector<Waiter> waiting_;
};

}  // namespace cansim::cloud

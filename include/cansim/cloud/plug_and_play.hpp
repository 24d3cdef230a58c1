#pragma once
// A provider's Plug&Play (§2, §3.1 step 5): a resource asks to join; Plug&Play probes its
// hypervisor API and its telemetry endpoint over the network (each within `probe_timeout`), then
// calls Cloud.registerResource and opens the resource to the Scheduler, or refuses. Telemetry is
// expected every `telemetry_interval`; a resource silent for more than `telemetry_misses`
// intervals is closed to the Scheduler at once and deregistered on chain (Cloud.deregisterResource);
// if it was alive after all, its next report is answered with a refusal, and it asks again later.
#include <functional>
#include <map>
#include <set>
#include <vector>

#include "cansim/cloud/messages.hpp"
#include "cansim/cloud/scheduler.hpp"
#include "cansim/model/chain/chain.hpp"
#include "cansim/sim/network.hpp"

namespace cansim::cloud {

struct PnpConfig {
  SimTime probe_timeout = seconds(2);
  SimTime telemetry_interval = seconds(60);
  std::uint32_t telemetry_misses = 3;
  chain::Wei gas_price = 1000000000;
};

struct ResourceEvent {
  SimTime at;
  HostId host;
  enum class Kind { Registered, Refused, Deregistered } kind;
};

class PlugAndPlay {
 public:
  PlugAndPlay(Simulator& sim, Network<CloudMsg>& net, chain::Chain& chain, NodeId self, chain::Address account,
              chain::Address cloud, Scheduler& scheduler, const Hosts& hosts, PnpConfig cfg);
  PlugAndPlay(const PlugAndPlay&) = delete;
  PlugAndPlay& operator=(const PlugAndPlay&) = delete;

  void receive(NodeId from, const CloudMsg& m);
  // Begins the telemetry watch (every telemetry interval).
  void start();

  const std::vector<ResourceEvent>& events() const { return events_; }
  std::size_t registered() const { return registered_.size(); }
  chain::Gas gas_used() const { return gas_; }

 private:
  struct Probe {
    HostId host;
    bool api = false, telemetry = false;
    std::uint64_t timeout = 0;
  };
  void probe_answered(std::uint64_t id);
  void register_on_chain(HostId h);
  void sweep();

  Simulator& sim_;
  Network<CloudMsg>& net_;
  chain::Chain& chain_;
  NodeId self_;
  chain::Address account_, cloud_;
  Scheduler& scheduler_;
  const Hosts& hosts_;
  PnpConfig cfg_;
  Requests timeouts_;
  std::map<std::uint64_t, Probe> probes_;
  std::uint64_t next_probe_ = 1;
  std::set<HostId> registered_, joining_;   // ordered: the sweep's order reaches the chain
  std::vector<std::int64_t> last_seen_us_;  // by host
  std::vector<ResourceEvent> events_;
  chain::Gas gas_ = 0;
};

}  // namespace cansim::cloud

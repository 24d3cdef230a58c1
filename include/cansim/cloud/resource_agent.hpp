#pragma once
// A resource's side of §3.1 step 5 and §2: the owner's thin client asks its provider's Plug&Play
// to join; the head node's hypervisor API and telemetry endpoint answer Plug&Play's probes (a
// broken endpoint stays silent); once joined, the telemetry client reports every
// `telemetry_interval`. A crashed host answers and reports nothing (the network drops its
// messages); when it recovers it asks to join again. An owner without an answer that it joined
// (refused, or request or answer lost) asks again after `rejoin_after`.
#include <vector>

#include "cansim/cloud/messages.hpp"
#include "cansim/model/cloud/hosts.hpp"
#include "cansim/sim/network.hpp"
#include "cansim/sim/rng.hpp"
#include "cansim/sim/simulator.hpp"

namespace cansim::cloud {

struct AgentConfig {
  SimTime telemetry_interval = seconds(60);
  double broken_api_share = 0;          // share of hosts whose hypervisor API never answers
  double broken_telemetry_share = 0;    // share of hosts whose telemetry endpoint never answers
  SimTime rejoin_after = seconds(300);  // a refused owner asks again after this long
};

class ResourceAgents {
 public:
  // Hosts are network nodes 0 .. hosts-1; `pnp_node(provider)` is where each asks to join.
  ResourceAgents(Simulator& sim, Network<CloudMsg>& net, const Hosts& hosts, AgentConfig cfg, Rng rng,
                 std::function<NodeId(std::uint32_t provider)> pnp_node);

  // The owner of host `h` asks to join (now).
  void ask_join(HostId h);
  void receive(HostId h, const CloudMsg& m);
  // A crash ends the host's telemetry; a recovery asks to join again.
  void on_crash(HostId h);
  void on_recover(HostId h);

  bool api_works(HostId h) const { return api_ok_[h] != 0; }
  bool telemetry_works(HostId h) const { return telemetry_ok_[h] != 0; }

 private:
  void report(HostId h, std::uint32_t epoch);
  void ask_join_later(HostId h);

  Simulator& sim_;
  Network<CloudMsg>& net_;
  const Hosts& hosts_;
  AgentConfig cfg_;
  Rng rng_;
  std::function<NodeId(std::uint32_t)> pnp_node_;
  std::vector<std::uint8_t> api_ok_, telemetry_ok_;
  std::vector<std::uint32_t> epoch_;    // bumped when the telemetry loop must stop
  std::vector<std::uint32_t> attempt_;  // bumped by every join request (its retry checks it)
  std::vector<std::uint8_t> joined_;    // as far as the owner knows
};

}  // namespace cansim::cloud

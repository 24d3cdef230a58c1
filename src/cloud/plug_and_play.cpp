#include "cansim/cloud/plug_and_play.hpp"

#include "cansim/cloud/cloud_world.hpp"

#include <fmt/format.h>

#include "cansim/model/chain/contracts/cloud.hpp"
#include "cansim/sim/invariant.hpp"

namespace cansim::cloud {

namespace cc = chain::cloud_contract;

PlugAndPlay::PlugAndPlay(Simulator& sim, Network<CloudMsg>& net, chain::Chain& chain, NodeId self, chain::Address account,
                         chain::Address cloud, Scheduler& scheduler, const Hosts& hosts, PnpConfig cfg)
    : sim_(sim), net_(net), chain_(chain), self_(self), account_(account), cloud_(cloud), scheduler_(scheduler), hosts_(hosts),
      cfg_(cfg), timeouts_(sim), last_seen_us_(hosts.size(), -1) {}

void PlugAndPlay::start() {
  sim_.after(cfg_.telemetry_interval, [this] { sweep(); });
}

void PlugAndPlay::receive(NodeId, const CloudMsg& m) {
  const HostId h = m.host;
  switch (m.type) {
    case CloudMsgType::JoinRequest: {
      if (registered_.count(h)) {  // its answer was lost: say it again
        CloudMsg ok;
        ok.type = CloudMsgType::Joined;
        ok.host = h;
        net_.send(self_, h, std::move(ok));
        return;
      }
      if (joining_.count(h)) return;  // being probed
      joining_.insert(h);
      const std::uint64_t id = next_probe_++;
      Probe p{h};
      p.timeout = timeouts_.start(cfg_.probe_timeout, [this, id, h] {
        probes_.erase(id);
        joining_.erase(h);
        events_.push_back({sim_.now(), h, ResourceEvent::Kind::Refused});
        CloudMsg no;
        no.type = CloudMsgType::JoinRefused;
        no.host = h;
        net_.send(self_, h, std::move(no));
      });
      probes_.emplace(id, p);
      for (CloudMsgType t : {CloudMsgType::ProbeApi, CloudMsgType::ProbeTelemetry}) {
        CloudMsg probe;
        probe.type = t;
        probe.request = id;
        probe.host = h;
        net_.send(self_, h, std::move(probe));
      }
      return;
    }
    case CloudMsgType::ApiOk:
    case CloudMsgType::TelemetryOk: {
      auto it = probes_.find(m.request);
      if (it == probes_.end()) return;  // late
      (m.type == CloudMsgType::ApiOk ? it->second.api : it->second.telemetry) = true;
      if (it->second.api && it->second.telemetry) probe_answered(m.request);
      return;
    }
    case CloudMsgType::Telemetry:
      if (registered_.count(h)) {
        last_seen_us_[h] = sim_.now().us;
      } else if (!joining_.count(h)) {
        // Deregistered while it was still alive: tell it, so that it asks to join again.
        CloudMsg no;
        no.type = CloudMsgType::JoinRefused;
        no.host = h;
        net_.send(self_, h, std::move(no));
      }
      return;
    default: return;
  }
}

void PlugAndPlay::probe_answered(std::uint64_t id) {
  const Probe p = probes_.at(id);
  timeouts_.complete(p.timeout);
  probes_.erase(id);
  register_on_chain(p.host);
}

void PlugAndPlay::register_on_chain(HostId h) {
  const HostClass& c = hosts_.host_class(h);
  chain::Transaction tx =
      cc::register_resource(cloud_, account_, h, {owner_account(h), resource_kind(c.hardware), c.units(), c.price_per_minute});
  tx.gas_price = cfg_.gas_price;
  chain_.submit(std::move(tx), [this, h](const chain::Receipt& r) {
    gas_ += r.gas_used;
    // "already registered": it came back before it was found silent; it simply goes on.
    if (r.status != chain::Status::Success && r.reason != "resource already registered") {
      throw InvariantViolation(sim_.now(), "Cloud.registerResource", fmt::format("host {}: {}", h, r.reason));
    }
    registered_.insert(h);
    last_seen_us_[h] = sim_.now().us;
    scheduler_.set_available(h, true);
    events_.push_back({sim_.now(), h, ResourceEvent::Kind::Registered});
    CloudMsg ok;
    ok.type = CloudMsgType::Joined;
    ok.host = h;
    net_.send(self_, h, std::move(ok));
  });
}

void PlugAndPlay::sweep() {
  const std::int64_t limit = cfg_.telemetry_interval.us * cfg_.telemetry_misses;
  std::vector<HostId> silent;
  for (HostId h : registered_) {
    if (sim_.now().us - last_seen_us_[h] > limit) silent.push_back(h);
  }
  for (HostId h : silent) {
    registered_.erase(h);
    joining_.erase(h);
    scheduler_.set_available(h, false);  // no new placements from now on
    events_.push_back({sim_.now(), h, ResourceEvent::Kind::Deregistered});
    chain::Transaction tx = cc::deregister_resource(cloud_, account_, h);
    tx.gas_price = cfg_.gas_price;
    chain_.submit(std::move(tx), [this](const chain::Receipt& r) { gas_ += r.gas_used; });
  }
  sim_.after(cfg_.telemetry_interval, [this] { sweep(); });
}

}  // namespace cansim::cloud

#include "cansim/cloud/hypervisor_api.hpp"

#include <algorithm>
#include <string_view>

namespace cansim::cloud {

HypervisorApis::HypervisorApis(Simulator& sim, Network<CloudMsg>& net, const Hosts& hosts, HypervisorConfig cfg, Rng rng)
    : sim_(sim), net_(net), hosts_(hosts), cfg_(cfg), rng_(rng), api_up_(hosts.size(), 1), api_since_(hosts.size()) {}

void HypervisorApis::reply(HostId h, NodeId to, CloudMsgType type, const CloudMsg& m, bool ok, InstanceId id, SimTime since,
                           bool fenced, bool stopped) {
  CloudMsg r;
  r.since = since;
  r.type = type;
  r.request = m.request;
  r.app = m.app;
  r.service = m.service;
  r.instance = id;
  r.ok = ok;
  r.fenced = fenced;
  r.stopped = stopped;
  r.host = h;
  net_.send(static_cast<NodeId>(h), to, std::move(r));
}

void HypervisorApis::end_instance(InstanceId id, InstanceState why) {
  instances_.end(id, why, sim_.now());
  waiting_.erase(std::remove_if(waiting_.begin(), waiting_.end(), [id](const Waiter& w) { return w.id == id; }), waiting_.end());
}

void HypervisorApis::receive(HostId h, NodeId from, const CloudMsg& m) {
  if (!api_up_[h]) return;  // a crashed hypervisor's API answers nothing
  if (m.epoch != 0 && !admit(h, m)) {
    const CloudMsgType answer = m.type == CloudMsgType::Status   ? CloudMsgType::StatusReply
                                : m.type == CloudMsgType::Deploy ? CloudMsgType::Deployed
                                : m.type == CloudMsgType::Stop   ? CloudMsgType::Stopped
                                                                 : CloudMsgType::Reconfigured;
    return reply(h, from, answer, m, false, m.instance, {}, true);
  }
  if (m.type == CloudMsgType::Status) {  // most of what the API hears: first, and reading no more than it needs
    InstanceId id = m.instance;
    if (id == kAnyInstance) id = instances_.live_instance(m.app, m.service).value_or(kAnyInstance);
    const bool here = id < instances_.size() && instances_[id].host == h;
    const bool up = here && instances_[id].state == InstanceState::Up;
    reply(h, from, CloudMsgType::StatusReply, m, up, id, up ? instances_[id].up_since : SimTime{}, false,
          here && instances_[id].state == InstanceState::Stopped);
    return;
  }
  // Before it starts anything, a host makes room: what it still runs of applications whose
  // contract ended is stopped (their Stops may not have reached it; orchestration swarm seed 7473).
  if (m.type == CloudMsgType::Deploy) stop_ended(h);
  if (on_call.connected() && (m.type == CloudMsgType::Deploy || m.type == CloudMsgType::Stop || m.type == CloudMsgType::Reconfigure))
    on_call(h, from, m);
  const HostClass& hc = hosts_.host_class(h);
  const HypervisorTimes& t = cfg_.times[static_cast<std::size_t>(hc.hypervisor)];
  switch (m.type) {
    case CloudMsgType::Deploy: {
      if (auto live = instances_.live_instance(m.app, m.service)) {
        const ServiceInstance& s = instances_[*live];
        if (s.host != h) return reply(h, from, CloudMsgType::Deployed, m, false, *live);  // lives elsewhere
        if (s.state == InstanceState::Up) return reply(h, from, CloudMsgType::Deployed, m, true, *live);
        waiting_.push_back({*live, from, m.request});  // deploying: answered when it is up
        return;
      }
      const InstanceId id = instances_.create(m.app, m.service, h, sim_.now());
      waiting_.push_back({id, from, m.request});
      sim_.after(deploy_time(t, rng_), [this, id] { come_up(id); });
      return;
    }
    case CloudMsgType::Stop: {
      // By (application, service), so that an Orchestrator can stop an instance it never heard
      // come up (its deploy answer was lost).
      const auto live = instances_.live_instance(m.app, m.service);
      if (!live || instances_[*live].host != h) {
        // Nothing to stop. Whether the instance the caller named was stopped (an earlier Stop whose
        // answer was lost) or failed: a failure the caller has not seen is one it must report.
        const bool stopped = m.instance < instances_.size() && instances_[m.instance].host == h &&
                             instances_[m.instance].state == InstanceState::Stopped;
        return reply(h, from, CloudMsgType::Stopped, m, true, m.instance, stopped ? instances_[m.instance].ended : SimTime{}, false,
                     stopped);
      }
      const InstanceId id = *live;
      // Stopped from now (the service no longer serves); the answer comes after the stop time.
      end_instance(id, InstanceState::Stopped);
      sim_.after(t.stop, [this, h, from, m, id] {
        if (api_up_[h]) reply(h, from, CloudMsgType::Stopped, m, true, id, instances_[id].ended, false, true);
      });
      return;
    }
    case CloudMsgType::Reconfigure:
      sim_.after(cfg_.reconfigure_time, [this, h, from, m] {
        if (api_up_[h]) reply(h, from, CloudMsgType::Reconfigured, m, true, m.instance);
      });
      return;
    default: return;
  }
}

bool HypervisorApis::admit(HostId h, const CloudMsg& m) {
  // Every host keeps its own highest epoch per application (hosts do not talk to each other).
  std::uint32_t& highest = *fence_.try_emplace({h, m.app}, 0).first;
  if (cfg_.read_assignments && assignment) highest = std::max(highest, assignment(m.app));
  if (m.epoch < highest) return false;
  highest = m.epoch;
  return true;
}

void HypervisorApis::come_up(InstanceId id) {
  const ServiceInstance& s = instances_[id];
  if (s.state != InstanceState::Deploying) return;  // its host crashed meanwhile
  instances_.set_up(id, sim_.now());
  if (cfg_.service_failure_rate_per_s > 0) {
    const auto after = SimTime{1 + static_cast<std::int64_t>(rng_.exponential(1e6 / cfg_.service_failure_rate_per_s))};
    sim_.after(after, [this, id] {
      if (instances_[id].state == InstanceState::Up) fail(id, "service-failure");
    });
  }
  // Everyone who asked for it hears now (if the API still answers).
  std::vector<Waiter> ready;
  auto split = std::stable_partition(waiting_.begin(), waiting_.end(), [id](const Waiter& w) { return w.id != id; });
  ready.assign(split, waiting_.end());
  waiting_.erase(split, waiting_.end());
  const HostId h = s.host;
  if (!api_up_[h]) return;
  for (const Waiter& w : ready) {
    CloudMsg m;
    m.request = w.request;
    m.app = s.app;
    m.service = s.service;
    reply(h, w.to, CloudMsgType::Deployed, m, true, id);
  }
}

void HypervisorApis::fail(InstanceId id, const char* why) {
  end_instance(id, InstanceState::Failed);
  if (std::string_view(why) == "service-failure") on_fault(why, instances_[id].host);
}

void HypervisorApis::host_crashed(HostId h) {
  for (InstanceId id : instances_.live_on(h)) fail(id, "host-crash");
}

void HypervisorApis::application_ended(std::uint64_t app, std::uint32_t services) {
  if (cfg_.reconcile_after.us <= 0) return;
  sim_.after(cfg_.reconcile_after, [this, app, services] {
    if (ended && !ended(app)) return;  // not on chain yet: told again when it is settled
    for (std::uint32_t s = 0; s < services; ++s) {
      const auto id = instances_.live_instance(app, s);
      if (!id || !api_up_[instances_[*id].host]) continue;  // a hypervisor that is down reconciles when it is back
      end_instance(*id, InstanceState::Stopped);
    }
  });
}

void HypervisorApis::api_crashed(HostId h) {
  if (!api_up_[h]) return;
  api_up_[h] = 0;
  on_fault("hypervisor-crash", h);
  if (!cfg_.instances_survive_api_crash) {
    for (InstanceId id : instances_.live_on(h)) fail(id, "hypervisor-crash");
  }
}

void HypervisorApis::api_recovered(HostId h) {
  if (api_up_[h]) return;
  api_up_[h] = 1;
  api_since_[h] = sim_.now();
  on_fault("hypervisor-recover", h);
  stop_ended(h);
}

void HypervisorApis::stop_ended(HostId h) {
  if (!ended) return;
  for (InstanceId id : instances_.live_on(h)) {
    if (!ended(instances_[id].app)) continue;
    end_instance(id, InstanceState::Stopped);
  }
}

}  // namespace cansim::cloud

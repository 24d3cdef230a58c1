#include "cansim/model/cloud/instances.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "cansim/sim/invariant.hpp"

namespace cansim::cloud {

const char* instance_state_name(InstanceState s) {
  switch (s) {
    case InstanceState::Deploying: return "deploying";
    case InstanceState::Up: return "up";
    case InstanceState::Failed: return "failed";
    case InstanceState::Stopped: return "stopped";
  }
  return "?";
}

InstanceId Instances::create(std::uint64_t app, std::uint32_t service, HostId host, SimTime at) {
  const auto id = static_cast<InstanceId>(all_.size());
  auto [it, fresh] = live_.emplace(key(app, service), id);
  if (!fresh) {
    const ServiceInstance& other = all_[it->second];
    throw InvariantViolation(at, fmt::format("deploy of service {} of application {} on host {}", service, app, host),
                             fmt::format("a second live instance: instance {} on host {} is {}", it->second, other.host,
                                         instance_state_name(other.state)));
  }
  all_.push_back({app, service, host, InstanceState::Deploying, at, SimTime{}, SimTime{}});
  history_[key(app, service)].push_back(id);
  on_host_[host].push_back(id);
  return id;
}

void Instances::set_up(InstanceId id, SimTime at) {
  ServiceInstance& s = all_[id];
  if (s.state != InstanceState::Deploying) return;
  s.state = InstanceState::Up;
  s.up_since = at;
  s.was_up = true;
}

void Instances::end(InstanceId id, InstanceState to, SimTime at) {
  ServiceInstance& s = all_[id];
  if (!live(id)) return;
  if (s.state == InstanceState::Up) up_total_[key(s.app, s.service)] += at - s.up_since;
  if (to == InstanceState::Failed) ++failures_;
  s.state = to;
  s.ended = at;
  live_.erase(key(s.app, s.service));
  auto& list = on_host_[s.host];
  list.erase(std::find(list.begin(), list.end(), id));
}

std::optional<InstanceId> Instances::live_instance(std::uint64_t app, std::uint32_t service) const {
  auto it = live_.find(key(app, service));
  if (it == live_.end()) return std::nullopt;
  return it->second;
}

std::optional<SimTime> Instances::down_since(std::uint64_t app, std::uint32_t service) const {
  auto it = history_.find(key(app, service));
  if (it == history_.end()) return SimTime{};
  SimTime last{};
  for (InstanceId id : it->second) {
    const ServiceInstance& s = all_[id];
    if (s.state == InstanceState::Up) return std::nullopt;
    if (s.was_up && s.state != InstanceState::Up) last = std::max(last, s.ended);
  }
  return last;
}

SimTime Instances::down_within(std::uint64_t app, std::uint32_t service, SimTime from, SimTime to) const {
  if (to <= from) return SimTime{};
  SimTime up{};
  // Instances of one service never overlap (at most one live at a time): their stretches add up.
  if (auto it = history_.find(key(app, service)); it != history_.end()) {
    for (InstanceId id : it->second) {
      const ServiceInstance& s = all_[id];
      if (!s.was_up) continue;
      const SimTime end = s.state == InstanceState::Up ? to : s.ended;
      const SimTime a = std::max(from, s.up_since), b = std::min(to, end);
      if (b > a) up += b - a;
    }
  }
  return (to - from) - up;
}

std::vector<InstanceId> Instances::live_on(HostId h) const {
  auto it = on_host_.find(h);
  return it == on_host_.end() ? std::vector<InstanceId>{} : it->second;
}

SimTime Instances::up_time(std::uint64_t app, std::uint32_t service, SimTime now) const {
  auto it = up_total_.find(key(app, service));
  SimTime t = it == up_total_.end() ? SimTime{} : it->second;
  if (auto id = live_instance(app, service); id && all_[*id].state == InstanceState::Up) t += now - all_[*id].up_since;
  return t;
}

}  // namespace cansim::cloud

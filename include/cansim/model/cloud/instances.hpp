#pragma once
// Service instances (§2, §5): what the hypervisors run for applications. An instance is created
// deploying, comes up, and ends failed or stopped; its host's crash fails it. The table checks
// as the run goes that no application ever has two live (deploying or up) instances of one
// service, and keeps each service's time up, against which its payments are checked.
#include <cstdint>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "cansim/model/cloud/hosts.hpp"
#include "cansim/sim/time.hpp"

namespace cansim::cloud {

enum class InstanceState : std::uint8_t { Deploying, Up, Failed, Stopped };
const char* instance_state_name(InstanceState s);

using InstanceId = std::uint32_t;

struct ServiceInstance {
  std::uint64_t app;      // the application (its contract's address)
  std::uint32_t service;  // index in the application's topology
  HostId host;
  InstanceState state = InstanceState::Deploying;
  SimTime created, up_since, ended;
  bool was_up = false;
};

class Instances {
 public:
  // A new deploying instance. InvariantViolation if (app, service) has a live one already.
  InstanceId create(std::uint64_t app, std::uint32_t service, HostId host, SimTime at);
  void set_up(InstanceId id, SimTime at);
  // Failed or stopped; an instance that ended already stays as it was.
  void end(InstanceId id, InstanceState to, SimTime at);

  const ServiceInstance& operator[](InstanceId id) const { return all_[id]; }
  std::size_t size() const { return all_.size(); }
  bool live(InstanceId id) const { return all_[id].state == InstanceState::Deploying || all_[id].state == InstanceState::Up; }
  std::optional<InstanceId> live_instance(std::uint64_t app, std::uint32_t service) const;
  // Since when (app, service) has had no instance up: the end of the last one that was up (time 0
  // if none ever was); nullopt while one is up.
  std::optional<SimTime> down_since(std::uint64_t app, std::uint32_t service) const;
  // How long within [from, to] (app, service) had no instance up.
  SimTime down_within(std::uint64_t app, std::uint32_t service, SimTime from, SimTime to) const;
  // The live instances on a host, in the order they were created (for its crash).
  std::vector<InstanceId> live_on(HostId h) const;
  // How long (app, service) has been up in all, until `now`.
  SimTime up_time(std::uint64_t app, std::uint32_t service, SimTime now) const;
  std::uint64_t failures() const { return failures_; }

 private:
  using Key = std::pair<std::uint64_t, std::uint32_t>;  // (application, service)
  struct KeyHash {
    std::size_t operator()(const Key& k) const noexcept {
      std::uint64_t x = k.first ^ (std::uint64_t{k.second} * 0x9e3779b97f4a7c15ULL);
      x ^= x >> 31;
      x *= 0xbf58476d1ce4e5b9ULL;
      return static_cast<std::size_t>(x ^ (x >> 29));
    }
  };
  static Key key(std::uint64_t app, std::uint32_t service) { return {app, service}; }
  std::vector<ServiceInstance> all_;
  // Looked up only, never iterated.
  std::unordered_map<Key, InstanceId, KeyHash> live_;
  std::unordered_map<Key, std::vector<InstanceId>, KeyHash> history_;  // in order of creation
  std::unordered_map<Key, SimTime, KeyHash> up_total_;                 // time of ended stretches
  std::unordered_map<HostId, std::vector<InstanceId>> on_host_;
  std::uint64_t failures_ = 0;
};

}  // namespace cansim::cloud

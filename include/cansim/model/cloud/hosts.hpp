#pragma once
// The cloud's physical resources (§2, §3.1 step 5): hosts of a few classes (cores, memory,
// accelerators of one kind, compute capability, idle and maximum power, the hypervisor they run),
// each owned by a resource owner and belonging to a provider. Capacity is reserved and freed for
// real: reserving more than a host has left is an invariant violation, not a silent overcommit.
// Energy: a host draws idle + (max - idle) x utilization^exponent while up, integrated over
// simulated time; with a PowerModel that switches idle hosts off, an empty host draws idle power
// for off_after_idle_s, then off_w, and the next reservation on it pays its wake-up.
//
// Plain data in contiguous storage, about 40 bytes a host, so that 10^4-10^5 hosts cost little.
#include <cstdint>
#include <string>
#include <vector>

#include "cansim/model/cloud/hardware.hpp"
#include "cansim/sim/time.hpp"

namespace cansim::cloud {

using HostId = std::uint32_t;

struct HostClass {
  std::string name;
  Hardware hardware = Hardware::Cpu;  // Cpu: no accelerators
  Hypervisor hypervisor = Hypervisor::Vm;
  std::uint32_t cores = 1;
  std::uint64_t memory_mb = 1024;
  std::uint32_t accelerators = 0;      // cards of kind `hardware`; 0 for a plain CPU host
  double capability = 1;               // compute capability (e.g. GFLOPS) of the host's main unit
  double idle_w = 100, max_w = 200;    // power drawn idle and at full utilization
  // A measured curve, as SPECpower reports one: watts at 0%, 10%, ..., 100% utilization (11
  // points, linear between them; its ends are idle_w and max_w). Empty: idle_w, max_w and the
  // PowerModel's exponent.
  std::vector<double> power_curve_w;
  std::uint64_t price_per_minute = 0;  // the resource owner's price (wei per minute)

  // What the SOSM counts as a host's units: accelerators if it has them, else cores.
  std::uint32_t units() const { return accelerators > 0 ? accelerators : cores; }
};

// How hosts draw power beyond the linear, always-on default (every field's default keeps it).
struct PowerModel {
  // P = idle + (max - idle) x u^exponent: 1 is linear; below 1 a concave curve as SPECpower
  // measurements of servers show (a lightly loaded host already draws much of its peak), above 1 convex.
  double exponent = 1;
  // With off_when_idle, a host with nothing on it for off_after_idle_s switches off and draws
  // off_w; waking it draws its full power for wake_s (charged as energy; the placement itself does
  // not wait).
  bool off_when_idle = false;
  double off_after_idle_s = 600;
  double off_w = 5;
  double wake_s = 60;
};

// What a host of class `c` draws at utilization u in [0, 1]: its measured curve if it has one, else
// idle + (max - idle) u^exponent.
double power_draw(const HostClass& c, double u, double exponent);

// What one service instance takes of a host.
struct Demand {
  std::uint32_t cores = 0;
  std::uint64_t memory_mb = 0;
  std::uint32_t accelerators = 0;
};

class Hosts {
 public:
  explicit Hosts(std::vector<HostClass> classes);
  void set_power(const PowerModel& pm) { power_ = pm; }

  HostId add(std::uint16_t cls, std::uint32_t provider, std::uint32_t owner);
  std::size_t size() const { return cls_.size(); }
  const std::vector<HostClass>& classes() const { return classes_; }
  const HostClass& host_class(HostId h) const { return classes_[cls_[h]]; }
  std::uint16_t class_of(HostId h) const { return cls_[h]; }
  std::uint32_t provider(HostId h) const { return provider_[h]; }
  std::uint32_t owner(HostId h) const { return owner_[h]; }

  std::uint32_t free_cores(HostId h) const { return free_cores_[h]; }
  std::uint64_t free_memory_mb(HostId h) const { return free_mem_[h]; }
  std::uint32_t free_accelerators(HostId h) const { return free_acc_[h]; }
  // Free units as the SOSM counts them (accelerators if the host has them, else cores).
  std::uint32_t free_units(HostId h) const;
  bool up(HostId h) const { return up_[h] != 0; }

  // Whether `d` fits what is left on an up host.
  bool fits(HostId h, const Demand& d) const;
  // Takes `d` from the host; an InvariantViolation (time `now`) if it does not fit.
  void reserve(HostId h, const Demand& d, SimTime now);
  // Gives `d` back; an InvariantViolation if more is given back than was taken.
  void release(HostId h, const Demand& d, SimTime now);
  // A crashed host draws nothing and takes nothing; its owner releases what ran on it.
  void set_up(HostId h, bool up, SimTime now);

  // Busy fraction of the host's units, in [0, 1].
  double utilization(HostId h) const;
  // Energy drawn up to `now` by every host of a class, in joules; settles every host first.
  std::vector<double> energy_by_class_j(SimTime now);
  // Unit-seconds in use per hardware kind up to `now` (for time-averaged utilization).
  std::vector<double> busy_unit_seconds_by_class(SimTime now);

 private:
  void settle(HostId h, SimTime now);  // adds the energy and busy time since the last change

  std::vector<HostClass> classes_;
  std::vector<std::uint16_t> cls_;
  std::vector<std::uint32_t> provider_, owner_;
  std::vector<std::uint32_t> free_cores_, free_acc_;
  std::vector<std::uint64_t> free_mem_;
  std::vector<std::uint8_t> up_;
  std::vector<std::int64_t> since_us_;          // last change of the host's draw
  std::vector<std::int64_t> empty_since_us_;    // when the host last became empty; -1 while it runs something
  PowerModel power_;
  std::vector<double> energy_j_, busy_unit_s_;  // per class
};

}  // namespace cansim::cloud

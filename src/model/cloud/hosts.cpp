#include "cansim/model/cloud/hosts.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "cansim/sim/invariant.hpp"

namespace cansim::cloud {

Hosts::Hosts(std::vector<HostClass> classes)
    : classes_(std::move(classes)), energy_j_(classes_.size(), 0.0), busy_unit_s_(classes_.size(), 0.0) {}

HostId Hosts::add(std::uint16_t cls, std::uint32_t provider, std::uint32_t owner) {
  const HostClass& c = classes_.at(cls);
  cls_.push_back(cls);
  provider_.push_back(provider);
  owner_.push_back(owner);
  free_cores_.push_back(c.cores);
  free_acc_.push_back(c.accelerators);
  free_mem_.push_back(c.memory_mb);
  up_.push_back(1);
  since_us_.push_back(0);
  empty_since_us_.push_back(0);
  return static_cast<HostId>(cls_.size() - 1);
}

std::uint32_t Hosts::free_units(HostId h) const { return host_class(h).accelerators > 0 ? free_acc_[h] : free_cores_[h]; }

bool Hosts::fits(HostId h, const Demand& d) const {
  return up_[h] && d.cores <= free_cores_[h] && d.memory_mb <= free_mem_[h] && d.accelerators <= free_acc_[h];
}

void Hosts::reserve(HostId h, const Demand& d, SimTime now) {
  if (!(d.cores <= free_cores_[h] && d.memory_mb <= free_mem_[h] && d.accelerators <= free_acc_[h])) {
    throw InvariantViolation(now, fmt::format("reserve on host {}", h),
                             fmt::format("host {} would run more than it has: {} cores, {} MB, {} accelerators asked, "
                                         "{}, {}, {} left",
                                         h, d.cores, d.memory_mb, d.accelerators, free_cores_[h], free_mem_[h], free_acc_[h]));
  }
  settle(h, now);
  if (empty_since_us_[h] >= 0) {
    // An empty host that switched off wakes up for this (at exactly the switch-off time, it is off).
    if (power_.off_when_idle && up_[h] &&
        static_cast<double>(now.us - empty_since_us_[h]) * 1e-6 >= power_.off_after_idle_s) {
      energy_j_[cls_[h]] += host_class(h).max_w * power_.wake_s;
    }
    empty_since_us_[h] = -1;
  }
  free_cores_[h] -= d.cores;
  free_mem_[h] -= d.memory_mb;
  free_acc_[h] -= d.accelerators;
}

void Hosts::release(HostId h, const Demand& d, SimTime now) {
  const HostClass& c = host_class(h);
  if (free_cores_[h] + static_cast<std::uint64_t>(d.cores) > c.cores || free_mem_[h] + d.memory_mb > c.memory_mb ||
      free_acc_[h] + static_cast<std::uint64_t>(d.accelerators) > c.accelerators) {
    throw InvariantViolation(now, fmt::format("release on host {}", h),
                             fmt::format("host {} would get back more than was taken", h));
  }
  settle(h, now);
  free_cores_[h] += d.cores;
  free_mem_[h] += d.memory_mb;
  free_acc_[h] += d.accelerators;
  const HostClass& full = host_class(h);
  if (free_cores_[h] == full.cores && free_mem_[h] == full.memory_mb && free_acc_[h] == full.accelerators) {
    empty_since_us_[h] = now.us;
  }
}

void Hosts::set_up(HostId h, bool up, SimTime now) {
  settle(h, now);
  up_[h] = up ? 1 : 0;
  // Back up and empty: idle from now (it booted), not from when it last emptied.
  if (up && empty_since_us_[h] >= 0) empty_since_us_[h] = now.us;
}

double Hosts::utilization(HostId h) const {
  const HostClass& c = host_class(h);
  const std::uint32_t units = c.units();
  return units == 0 ? 0.0 : static_cast<double>(units - free_units(h)) / units;
}

void Hosts::settle(HostId h, SimTime now) {
  const std::int64_t start = since_us_[h];
  const double dt = static_cast<double>(now.us - start) * 1e-6;
  since_us_[h] = now.us;
  if (dt <= 0 || !up_[h]) return;
  const HostClass& c = host_class(h);
  const double u = utilization(h);
  busy_unit_s_[cls_[h]] += u * c.units() * dt;
  const std::int64_t empty_since = empty_since_us_[h];
  if (empty_since >= 0 && power_.off_when_idle) {
    // Empty: idle power until it switches off, then off_w.
    const double from = static_cast<double>(start - empty_since) * 1e-6;  // s it had been empty at the start
    const double on = std::clamp(power_.off_after_idle_s - from, 0.0, dt);
    energy_j_[cls_[h]] += c.idle_w * on + power_.off_w * (dt - on);
    return;
  }
  energy_j_[cls_[h]] += power_draw(c, u, power_.exponent) * dt;
}

double power_draw(const HostClass& c, double u, double exponent) {
  u = std::clamp(u, 0.0, 1.0);
  if (const std::size_t n = c.power_curve_w.size(); n >= 2) {
    const double x = u * static_cast<double>(n - 1);
    const std::size_t i = std::min(static_cast<std::size_t>(x), n - 2);
    return c.power_curve_w[i] + (c.power_curve_w[i + 1] - c.power_curve_w[i]) * (x - static_cast<double>(i));
  }
  const double load = exponent == 1 ? u : std::pow(u, exponent);
  return c.idle_w + (c.max_w - c.idle_w) * load;
}

std::vector<double> Hosts::energy_by_class_j(SimTime now) {
  for (HostId h = 0; h < size(); ++h) settle(h, now);
  return energy_j_;
}

std::vector<double> Hosts::busy_unit_seconds_by_class(SimTime now) {
  for (HostId h = 0; h < size(); ++h) settle(h, now);
  return busy_unit_s_;
}

}  // namespace cansim::cloud

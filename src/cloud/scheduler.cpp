#include "cansim/cloud/scheduler.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace cansim::cloud {

std::optional<Policy> parse_policy(std::string_view s) {
  for (std::size_t i = 0; i < kPolicyNames.size(); ++i) {
    if (s == kPolicyNames[i]) return static_cast<Policy>(i);
  }
  return std::nullopt;
}

std::optional<Strategy> parse_strategy(std::string_view s) {
  for (std::size_t i = 0; i < kStrategyNames.size(); ++i) {
    if (s == kStrategyNames[i]) return static_cast<Strategy>(i);
  }
  return std::nullopt;
}

Scheduler::Scheduler(Hosts& hosts, std::uint32_t provider, Policy policy, SosmConfig sosm, Rng rng)
    : hosts_(hosts), provider_(provider), policy_(policy), cfg_(sosm), rng_(rng) {
  for (HostId h = 0; h < hosts_.size(); ++h) {
    if (hosts_.provider(h) == provider_) mine_.push_back(h);
  }
  available_.assign(hosts_.size(), 1);
  has_class_.assign(hosts_.classes().size(), false);
  free_units_of_class_.assign(hosts_.classes().size(), 0);
  for (HostId h : mine_) {
    has_class_[hosts_.class_of(h)] = true;
    free_units_of_class_[hosts_.class_of(h)] += hosts_.free_units(h);
  }
  if (policy_ == Policy::Sosm) build_sosm();
}

bool Scheduler::host_matches(HostId h, const ServiceRequest& r) const {
  const HostClass& c = hosts_.host_class(h);
  return available_[h] && c.hardware == r.hardware && c.hypervisor == r.hypervisor && hosts_.fits(h, r.demand);
}

std::optional<std::uint64_t> Scheduler::offer(const ServiceRequest& r) const {
  std::optional<std::uint64_t> best;
  const std::uint64_t units = r.hardware == Hardware::Cpu ? r.demand.cores : r.demand.accelerators;
  for (std::size_t k = 0; k < has_class_.size(); ++k) {
    const HostClass& c = hosts_.classes()[k];
    if (has_class_[k] && c.hardware == r.hardware && c.hypervisor == r.hypervisor && r.demand.cores <= c.cores &&
        r.demand.memory_mb <= c.memory_mb && r.demand.accelerators <= c.accelerators && free_units_of_class_[k] >= units) {
      if (!best || c.price_per_minute < *best) best = c.price_per_minute;
    }
  }
  return best;
}

// --- SOSM -------------------------------------------------------------------------------------

void Scheduler::build_sosm() {
  // Normalisers: the smallest capability and maximum power over the host classes.
  double c_min = std::numeric_limits<double>::infinity(), p_min = c_min;
  for (const HostClass& c : hosts_.classes()) {
    c_min = std::min(c_min, c.capability);
    p_min = std::min(p_min, c.max_w);
  }
  if (!(c_min > 0)) c_min = 1;
  if (!(p_min > 0)) p_min = 1;
  manager_of_.assign(hosts_.size(), 0);
  router_of_hw_.assign(kHardwareKinds, -1);
  for (Hardware hw : kAllHardware) {
    std::vector<HostId> group;
    for (HostId h : mine_) {
      if (hosts_.host_class(h).hardware == hw) group.push_back(h);
    }
    if (group.empty()) continue;
    router_of_hw_[static_cast<std::size_t>(hw)] = static_cast<std::int32_t>(routers_.size());
    Node router;
    router.first = static_cast<std::uint32_t>(switches_.size());
    const std::size_t per_switch = static_cast<std::size_t>(cfg_.vrm_size) * cfg_.switch_size;
    for (std::size_t s0 = 0; s0 < group.size(); s0 += per_switch) {
      Node sw;
      sw.first = static_cast<std::uint32_t>(managers_.size());
      for (std::size_t m0 = s0; m0 < std::min(group.size(), s0 + per_switch); m0 += cfg_.vrm_size) {
        Node m;
        m.first = static_cast<std::uint32_t>(slot_host_.size());
        for (std::size_t i = m0; i < std::min(group.size(), m0 + cfg_.vrm_size); ++i) {
          const HostId h = group[i];
          const HostClass& c = hosts_.host_class(h);
          manager_of_[h] = static_cast<std::uint32_t>(managers_.size());
          slot_host_.push_back(h);
          m.a += hosts_.free_units(h);
          m.t += c.units();
          m.free_mem += static_cast<double>(hosts_.free_memory_mb(h));
          m.total_mem += static_cast<double>(c.memory_mb);
          m.c += c.capability / c_min;
          m.p += c.max_w / p_min;
          m.pi += c.max_w > 0 ? c.idle_w / c.max_w : 0;
          ++m.count;
        }
        m.n = m.count;
        switch_of_manager_.push_back(static_cast<std::uint32_t>(switches_.size()));
        managers_.push_back(m);
        ++sw.count;
      }
      router_of_switch_.push_back(static_cast<std::uint32_t>(routers_.size()));
      switches_.push_back(sw);
      ++router.count;
    }
    routers_.push_back(router);
  }
  // Sums upwards; C, P and Pi become host-weighted means; N is hosts per manager.
  auto add = [](Node& to, const Node& from, double hosts) {
    to.a += from.a;
    to.t += from.t;
    to.free_mem += from.free_mem;
    to.total_mem += from.total_mem;
    to.c += from.c;
    to.p += from.p;
    to.pi += from.pi;
    to.n += hosts;
  };
  std::vector<double> hosts_in_switch(switches_.size(), 0), managers_in_switch(switches_.size(), 0);
  for (std::uint32_t m = 0; m < managers_.size(); ++m) {
    add(switches_[switch_of_manager_[m]], managers_[m], managers_[m].count);
    managers_in_switch[switch_of_manager_[m]] += 1;
  }
  std::vector<double> managers_in_router(routers_.size(), 0);
  for (std::uint32_t s = 0; s < switches_.size(); ++s) {
    hosts_in_switch[s] = switches_[s].n;
    add(routers_[router_of_switch_[s]], switches_[s], switches_[s].n);
    managers_in_router[router_of_switch_[s]] += managers_in_switch[s];
  }
  auto finish = [](Node& n, double hosts, double managers) {
    n.c /= hosts;
    n.p /= hosts;
    n.pi /= hosts;
    n.n = hosts / managers;
  };
  for (auto& m : managers_) finish(m, m.count, 1);
  for (std::uint32_t s = 0; s < switches_.size(); ++s) finish(switches_[s], hosts_in_switch[s], managers_in_switch[s]);
  for (std::uint32_t r = 0; r < routers_.size(); ++r) {
    const double hosts = routers_[r].n;
    finish(routers_[r], hosts, managers_in_router[r]);
  }
  for (auto* level : {&managers_, &switches_, &routers_}) {
    for (Node& n : *level) n.si = si_of(n);
  }
}

double Scheduler::si_of(const Node& n) const {
  if (n.t <= 0) return 0;
  const double used = n.t - n.a;
  const double f0 = n.c * n.a / n.t;
  const double f1 = n.total_mem > 0 ? n.free_mem / n.total_mem : 0;
  const double den = n.pi * n.a + n.p * used;
  const double f2 = den > 0 ? n.pi * n.a / den : 0;
  const double f3 = 1 - 0.2 * used / n.t;
  const double f4 = 2 / (1 + std::exp(-6 + 6 * n.n / cfg_.n_opt));
  const double* w = cfg_.weights;
  return w[0] * f0 + w[1] * f1 + w[2] * f2 + w[3] * f3 + w[4] * f4;
}

void Scheduler::update_path(HostId h, double d_units, double d_mem) {
  Node& m = managers_[manager_of_[h]];
  Node& s = switches_[switch_of_manager_[manager_of_[h]]];
  Node& r = routers_[router_of_switch_[switch_of_manager_[manager_of_[h]]]];
  for (Node* n : {&m, &s, &r}) {
    n->a += d_units;
    n->free_mem += d_mem;
    n->si = si_of(*n);
  }
}

void Scheduler::ranked(const std::vector<Node>& level, std::uint32_t first, std::uint32_t count,
                       std::vector<std::uint32_t>& out) {
  out.clear();
  for (std::uint32_t i = first; i < first + count; ++i) out.push_back(i);
  std::stable_sort(out.begin(), out.end(), [&](std::uint32_t x, std::uint32_t y) { return level[x].si > level[y].si; });
  // Equal SIs: a seeded shuffle of each run of ties, drawn only when there is a tie.
  for (std::size_t i = 0; i < out.size();) {
    std::size_t j = i + 1;
    while (j < out.size() && level[out[j]].si == level[out[i]].si) ++j;
    if (j - i > 1) rng_.shuffle(std::span<std::uint32_t>(out.data() + i, j - i));
    i = j;
  }
}

std::optional<HostId> Scheduler::place_in_manager(std::uint32_t m, const ServiceRequest& r) {
  const Node& node = managers_[m];
  std::optional<HostId> best;
  std::uint32_t best_free = 0;
  for (std::uint32_t i = node.first; i < node.first + node.count; ++i) {
    const HostId h = slot_host_[i];
    if (!host_matches(h, r)) continue;
    if (cfg_.strategy == Strategy::Compaction) return h;
    const std::uint32_t f = hosts_.free_units(h);
    if (!best || f > best_free) {
      best = h;
      best_free = f;
    }
  }
  return best;
}

std::optional<HostId> Scheduler::place_sosm(const ServiceRequest& r) {
  const std::int32_t router = router_of_hw_[static_cast<std::size_t>(r.hardware)];
  if (router < 0) return std::nullopt;
  const Node& rt = routers_[static_cast<std::size_t>(router)];
  // The units a node must have free, as the SOSM counts them.
  const double units = r.hardware == Hardware::Cpu ? r.demand.cores : r.demand.accelerators;
  if (rt.a < units) return std::nullopt;
  std::vector<std::uint32_t>& sws = scratch_a_;
  ranked(switches_, rt.first, rt.count, sws);
  const std::vector<std::uint32_t> sw_order = sws;  // scratch_a_ is reused below
  for (std::uint32_t s : sw_order) {
    std::vector<std::uint32_t>& ms = scratch_b_;
    ranked(managers_, switches_[s].first, switches_[s].count, ms);
    for (std::uint32_t m : ms) {
      if (managers_[m].a < units) continue;
      if (auto h = place_in_manager(m, r)) return h;
    }
  }
  return std::nullopt;
}

// --- placement --------------------------------------------------------------------------------

std::optional<HostId> Scheduler::place(const ServiceRequest& r, SimTime) {
  switch (policy_) {
    case Policy::FirstFit:
      for (HostId h : mine_) {
        if (host_matches(h, r)) return h;
      }
      return std::nullopt;
    case Policy::BestFit: {
      std::optional<HostId> best;
      std::uint32_t best_left = 0;
      for (HostId h : mine_) {
        if (!host_matches(h, r)) continue;
        const std::uint32_t left = hosts_.free_units(h);
        if (!best || left < best_left) {
          best = h;
          best_left = left;
        }
      }
      return best;
    }
    case Policy::Sosm: return place_sosm(r);
  }
  return std::nullopt;
}

void Scheduler::take(HostId h, const Demand& d, SimTime now) {
  const std::uint32_t before = hosts_.free_units(h);
  hosts_.reserve(h, d, now);
  if (!available_[h]) return;  // not in the offers or the sums
  free_units_of_class_[hosts_.class_of(h)] -= before - hosts_.free_units(h);
  if (policy_ == Policy::Sosm) {
    update_path(h, static_cast<double>(hosts_.free_units(h)) - before, -static_cast<double>(d.memory_mb));
  }
}

void Scheduler::give(HostId h, const Demand& d, SimTime now) {
  const std::uint32_t before = hosts_.free_units(h);
  hosts_.release(h, d, now);
  if (!available_[h]) return;
  free_units_of_class_[hosts_.class_of(h)] += hosts_.free_units(h) - before;
  if (policy_ == Policy::Sosm) {
    update_path(h, static_cast<double>(hosts_.free_units(h)) - before, static_cast<double>(d.memory_mb));
  }
}

std::optional<Reservation> Scheduler::reserve(const std::vector<ServiceRequest>& blueprint, SimTime now, SimTime expires) {
  Reservation res;
  std::vector<Demand> taken;
  for (const ServiceRequest& r : blueprint) {
    const std::optional<HostId> h = place(r, now);
    if (!h) {
      for (std::size_t i = 0; i < res.hosts.size(); ++i) give(res.hosts[i], taken[i], now);
      return std::nullopt;
    }
    take(*h, r.demand, now);
    res.hosts.push_back(*h);
    taken.push_back(r.demand);
  }
  res.id = next_id_++;
  res.expires = expires;
  held_.emplace(res.id, std::make_pair(res, std::move(taken)));
  return res;
}

bool Scheduler::release(std::uint64_t id, SimTime now) {
  auto it = held_.find(id);
  if (it == held_.end()) return false;
  const auto& [res, taken] = it->second;
  for (std::size_t i = 0; i < res.hosts.size(); ++i) give(res.hosts[i], taken[i], now);
  held_.erase(it);
  return true;
}

bool Scheduler::confirm(std::uint64_t id, SimTime now) {
  auto it = held_.find(id);
  if (it == held_.end() || it->second.first.expires < now) return false;
  held_.erase(it);
  return true;
}

std::size_t Scheduler::expire(SimTime now) {
  std::vector<std::uint64_t> due;
  for (const auto& [id, held] : held_) {
    if (held.first.expires <= now) due.push_back(id);
  }
  for (std::uint64_t id : due) release(id, now);
  return due.size();
}

void Scheduler::free(HostId h, const Demand& d, SimTime now) { give(h, d, now); }

void Scheduler::set_available(HostId h, bool available) {
  if ((available_[h] != 0) == available) return;
  available_[h] = available ? 1 : 0;
  const double sign = available ? 1 : -1;
  const HostClass& c = hosts_.host_class(h);
  std::uint64_t& offered = free_units_of_class_[hosts_.class_of(h)];
  offered = available ? offered + hosts_.free_units(h) : offered - hosts_.free_units(h);
  if (policy_ == Policy::Sosm) {
    // The host's free and total units and memory leave (or rejoin) its manager, switch and router.
    Node* path[] = {&managers_[manager_of_[h]], &switches_[switch_of_manager_[manager_of_[h]]],
                    &routers_[router_of_switch_[switch_of_manager_[manager_of_[h]]]]};
    for (Node* n : path) {
      n->a += sign * hosts_.free_units(h);
      n->t += sign * c.units();
      n->free_mem += sign * static_cast<double>(hosts_.free_memory_mb(h));
      n->total_mem += sign * static_cast<double>(c.memory_mb);
      n->si = si_of(*n);
    }
  }
}

double Scheduler::manager_si(HostId h) const { return managers_.at(manager_of_.at(h)).si; }

double Scheduler::switch_si(HostId h) const { return switches_.at(switch_of_manager_.at(manager_of_.at(h))).si; }

double Scheduler::router_si(HostId h) const {
  return routers_.at(router_of_switch_.at(switch_of_manager_.at(manager_of_.at(h)))).si;
}

}  // namespace cansim::cloud

#pragma once
// A provider's Scheduler (§2, §3.2 step 1): answers a blueprint (one demand per service, each on
// a hardware kind and hypervisor) with a reservation that holds capacity until it expires, is
// released, or is confirmed by an instantiation; or refuses when some service cannot be placed.
//
// Placement policies:
// - first_fit: the first host (by id) that fits;
// - best_fit: the host that fits with the fewest units left after it (ties: lowest id);
// - sosm: CloudLightning's Self-Organising Self-Managing hierarchy. Cell -> one router per
//   hardware kind -> switches (`switch_size` managers each) -> virtual resource managers
//   (`vrm_size` hosts each) -> hosts. Each level picks the child with the highest Suitability
//   Index SI = sum_i w_i F_i, where, with a = free and t = total units (accelerators if the
//   hosts have them, else cores) summed over the hosts a node holds:
//     F0 = C a / t, F1 = free memory / total memory, F2 = Pi a / (Pi a + P (t - a)),
//     F3 = 1 - 0.2 (t - a) / t, F4 = 2 / (1 + e^(-6 + 6 N / N_opt)),
//   C and P are compute capability and maximum power normalised by the smallest over the host
//   classes, Pi = idle / maximum power, N the hosts a manager holds (for a switch or router: its
//   hosts per manager). Inside a manager, hosts are chosen by its deployment strategy
//   (compaction: the first host that fits; spreading: the one with the most free units). SIs are
//   updated incrementally as capacity is taken and freed; ties go to a seeded draw.
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cansim/model/cloud/hosts.hpp"
#include "cansim/sim/rng.hpp"
#include "cansim/sim/time.hpp"

namespace cansim::cloud {

enum class Policy : std::uint8_t { FirstFit, BestFit, Sosm };
enum class Strategy : std::uint8_t { Compaction, Spreading };
// Their names in scenarios, by value.
inline constexpr std::array<std::string_view, 3> kPolicyNames{"first_fit", "best_fit", "sosm"};
inline constexpr std::array<std::string_view, 2> kStrategyNames{"compaction", "spreading"};
std::optional<Policy> parse_policy(std::string_view s);
std::optional<Strategy> parse_strategy(std::string_view s);

struct SosmConfig {
  std::uint32_t vrm_size = 100;    // hosts per virtual resource manager
  std::uint32_t switch_size = 10;  // managers per switch
  double n_opt = 100;              // a manager's optimal size (F4)
  double weights[5] = {1, 1, 1, 1, 1};
  Strategy strategy = Strategy::Compaction;
};

// One service of a blueprint: what it needs and on what.
struct ServiceRequest {
  Hardware hardware = Hardware::Cpu;
  Hypervisor hypervisor = Hypervisor::Container;
  Demand demand;
};

struct Reservation {
  std::uint64_t id = 0;
  SimTime expires;
  std::vector<HostId> hosts;  // one per service of the blueprint, in order
};

class Scheduler {
 public:
  // Schedules over the hosts of `provider` in `hosts` (which it shares with others: a host's
  // capacity is the one truth). `rng` breaks ties.
  Scheduler(Hosts& hosts, std::uint32_t provider, Policy policy, SosmConfig sosm, Rng rng);

  // All services placed and held until `expires`, or nothing held and none returned.
  std::optional<Reservation> reserve(const std::vector<ServiceRequest>& blueprint, SimTime now, SimTime expires);
  // Gives a held reservation's capacity back (the client declined, or it expired). False if it
  // was not held (unknown, released or confirmed).
  bool release(std::uint64_t id, SimTime now);
  // The reservation became an application: its capacity stays taken, no longer held here. The
  // owner frees it with free() when the services stop. False if it was not held or has expired.
  bool confirm(std::uint64_t id, SimTime now);
  // Releases every held reservation whose expiry is at or before `now`; returns how many.
  std::size_t expire(SimTime now);
  // Frees one service's capacity of a confirmed reservation.
  void free(HostId h, const Demand& d, SimTime now);
  // Takes capacity chosen elsewhere (a client's own selection, or the contract's, sealed on
  // chain): the Scheduler's hosts must run it.
  void adopt(HostId h, const Demand& d, SimTime now) { take(h, d, now); }

  // Whether the Scheduler may place on host `h` (registered through Plug&Play and reporting
  // telemetry). A host made unavailable keeps what runs on it; its free units leave the offers
  // and the SOSM sums until it is available again. Hosts start available.
  void set_available(HostId h, bool available);
  bool available(HostId h) const { return available_[h] != 0; }

  std::size_t held() const { return held_.size(); }
  Policy policy() const { return policy_; }
  // What the Scheduler offers for `r` (§2: the Service Optimization Engine asks "depending on ...
  // the availability of the System"): the lowest per-minute price among this provider's host
  // classes that can run `r` and have that many units free in all; none if no class can. Free
  // units summed over a class may still be split over hosts, so an offer is not a promise.
  std::optional<std::uint64_t> offer(const ServiceRequest& r) const;
  // The SI host h's manager, switch and router have now, for tests.
  double manager_si(HostId h) const;
  double switch_si(HostId h) const;
  double router_si(HostId h) const;

 private:
  struct Node {  // a router, switch or manager: sums over its hosts
    double a = 0, t = 0, free_mem = 0, total_mem = 0;
    double c = 0, p = 0, pi = 0;  // host-count weighted means (static)
    double n = 0;                 // hosts per manager under this node
    double si = 0;
    std::uint32_t first = 0, count = 0;  // children (routers: switches; switches: managers; managers: hosts)
  };
  std::optional<HostId> place(const ServiceRequest& r, SimTime now);
  std::optional<HostId> place_sosm(const ServiceRequest& r);
  std::optional<HostId> place_in_manager(std::uint32_t m, const ServiceRequest& r);
  bool host_matches(HostId h, const ServiceRequest& r) const;
  void take(HostId h, const Demand& d, SimTime now);
  void give(HostId h, const Demand& d, SimTime now);
  void build_sosm();
  void update_path(HostId h, double d_units, double d_mem);
  double si_of(const Node& n) const;
  // Children of a node in descending SI order, ties shuffled by the seeded stream.
  void ranked(const std::vector<Node>& level, std::uint32_t first, std::uint32_t count, std::vector<std::uint32_t>& out);

  Hosts& hosts_;
  std::uint32_t provider_;
  Policy policy_;
  SosmConfig cfg_;
  Rng rng_;
  std::vector<HostId> mine_;                        // this provider's hosts, by id
  std::vector<bool> has_class_;                     // by host class: whether this provider has such hosts
  std::vector<std::uint8_t> available_;             // by host id
  std::vector<std::uint64_t> free_units_of_class_;  // by host class, over this provider's hosts
  std::map<std::uint64_t, std::pair<Reservation, std::vector<Demand>>> held_;
  std::uint64_t next_id_ = 1;
  // SOSM: routers (one per hardware kind present), switches, managers, hosts in manager order.
  std::vector<Node> routers_, switches_, managers_;
  std::vector<std::int32_t> router_of_hw_;                                        // -1: no router for that hardware
  std::vector<HostId> slot_host_;                                                 // managers' hosts, contiguous
  std::vector<std::uint32_t> manager_of_, switch_of_manager_, router_of_switch_;  // manager_of_ by host id
  std::vector<std::uint32_t> scratch_a_, scratch_b_;
};

}  // namespace cansim::cloud

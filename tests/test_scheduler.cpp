// The Scheduler's placement policies, the SOSM Suitability Index, reservations, and the Service
// Optimization Engine.
#include <catch2/catch.hpp>

#include <cmath>
#include <set>

#include "cansim/cloud/scheduler.hpp"
#include "cansim/cloud/service_optimization.hpp"
#include "cansim/scenario/tosca.hpp"
#include "cansim/sim/invariant.hpp"

using namespace cansim;
using namespace cansim::cloud;

namespace {

HostClass cpu(std::uint32_t cores, std::uint64_t mem = 1000) {
  HostClass c;
  c.name = "cpu";
  c.hypervisor = Hypervisor::Container;
  c.cores = cores;
  c.memory_mb = mem;
  c.idle_w = 100;
  c.max_w = 200;
  c.price_per_minute = 2;
  return c;
}

HostClass gpu() {
  HostClass c = cpu(8, 16000);
  c.name = "gpu";
  c.hardware = Hardware::Gpu;
  c.accelerators = 2;
  c.capability = 10;
  c.idle_w = 100;
  c.max_w = 400;
  c.price_per_minute = 20;
  return c;
}

ServiceRequest need(std::uint32_t cores, std::uint64_t mem = 0) {
  return {Hardware::Cpu, Hypervisor::Container, {cores, mem, 0}};
}

}  // namespace

TEST_CASE("first_fit takes the first host that fits, best_fit the tightest", "[cloud][scheduler]") {
  Hosts hosts({cpu(8), cpu(4)});
  hosts.add(0, 0, 0);                      // 8 cores
  hosts.add(1, 0, 0);                      // 4 cores
  hosts.add(0, 0, 0);                      // 8 cores
  hosts.reserve(2, {5, 0, 0}, SimTime{});  // 3 left
  Scheduler ff(hosts, 0, Policy::FirstFit, {}, Rng(1));
  auto r = ff.reserve({need(3)}, SimTime{}, seconds(10));
  REQUIRE(r);
  CHECK(r->hosts == std::vector<HostId>{0});
  ff.release(r->id, SimTime{});
  Scheduler bf(hosts, 0, Policy::BestFit, {}, Rng(1));
  r = bf.reserve({need(3)}, SimTime{}, seconds(10));
  REQUIRE(r);
  CHECK(r->hosts == std::vector<HostId>{2});  // exactly 3 left: the tightest
  r = bf.reserve({need(4)}, SimTime{}, seconds(10));
  REQUIRE(r);
  CHECK(r->hosts == std::vector<HostId>{1});  // exactly 4 on host 1
}

TEST_CASE("a reservation is all or nothing, and release, confirm and expiry do what they say", "[cloud][scheduler]") {
  Hosts hosts({cpu(4)});
  hosts.add(0, 0, 0);
  hosts.add(0, 1, 0);  // another provider's host: never used
  Scheduler s(hosts, 0, Policy::FirstFit, {}, Rng(1));
  // Two services of 3 cores cannot both fit on one 4-core host: nothing is held.
  CHECK_FALSE(s.reserve({need(3), need(3)}, SimTime{}, seconds(10)));
  CHECK(hosts.free_cores(0) == 4);
  CHECK(hosts.free_cores(1) == 4);
  auto r = s.reserve({need(2), need(2)}, SimTime{}, seconds(10));
  REQUIRE(r);
  CHECK(hosts.free_cores(0) == 0);
  CHECK(s.release(r->id, seconds(1)));
  CHECK_FALSE(s.release(r->id, seconds(1)));
  CHECK(hosts.free_cores(0) == 4);
  r = s.reserve({need(1)}, seconds(1), seconds(10));
  CHECK(s.expire(seconds(9)) == 0);
  CHECK(s.expire(seconds(10)) == 1);  // at exactly its expiry
  CHECK(hosts.free_cores(0) == 4);
  CHECK_FALSE(s.confirm(r->id, seconds(10)));
  r = s.reserve({need(1)}, seconds(11), seconds(20));
  CHECK(s.confirm(r->id, seconds(20)));  // at exactly its expiry it still counts
  CHECK(s.held() == 0);
  CHECK(hosts.free_cores(0) == 3);  // confirmed capacity stays taken
  s.free(r->hosts[0], need(1).demand, seconds(30));
  CHECK(hosts.free_cores(0) == 4);
}

TEST_CASE("SOSM: the Suitability Index of a manager, before and after a placement", "[cloud][scheduler][sosm]") {
  Hosts hosts({cpu(4, 1000)});
  hosts.add(0, 0, 0);
  hosts.add(0, 0, 0);
  Scheduler s(hosts, 0, Policy::Sosm, {}, Rng(1));
  // One class: C = 1, P = 1, Pi = 0.5; a = t = 8, N = 2.
  const double f4 = 2 / (1 + std::exp(-6 + 6 * 2.0 / 100));
  CHECK(s.manager_si(0) == Approx(1 + 1 + 1 + 1 + f4));
  auto r = s.reserve({need(2, 500)}, SimTime{}, seconds(10));
  REQUIRE(r);
  // a = 6: F0 = 0.75, F1 = 1500/2000, F2 = 0.5*6 / (0.5*6 + 1*2), F3 = 1 - 0.2*2/8.
  CHECK(s.manager_si(0) == Approx(0.75 + 0.75 + 0.6 + 0.95 + f4));
  s.release(r->id, SimTime{});
  CHECK(s.manager_si(0) == Approx(4 + f4));
}

TEST_CASE("SOSM picks the manager with the highest SI and keeps it current as capacity moves", "[cloud][scheduler][sosm]") {
  Hosts hosts({cpu(4, 1000)});
  for (int i = 0; i < 6; ++i) hosts.add(0, 0, 0);
  SosmConfig cfg;
  cfg.vrm_size = 2;  // managers {0,1}, {2,3}, {4,5}
  cfg.switch_size = 2;
  Scheduler s(hosts, 0, Policy::Sosm, cfg, Rng(7));
  // Fill host 0 partly: manager 0's SI drops, so the next placement goes elsewhere.
  auto first = s.reserve({need(4, 0)}, SimTime{}, seconds(10));
  REQUIRE(first);
  auto second = s.reserve({need(1, 0)}, SimTime{}, seconds(10));
  REQUIRE(second);
  CHECK(s.manager_si(second->hosts[0]) >= s.manager_si(first->hosts[0]));
  CHECK(second->hosts[0] / 2 != first->hosts[0] / 2);
  // The incremental SI equals one computed from scratch over the same hosts, at every level:
  // managers, switches (managers {0,1} and {2}) and the router.
  Scheduler fresh(hosts, 0, Policy::Sosm, cfg, Rng(7));
  for (HostId h = 0; h < 6; h += 2) {
    CHECK(fresh.manager_si(h) == Approx(s.manager_si(h)));
    CHECK(fresh.switch_si(h) == Approx(s.switch_si(h)));
    CHECK(fresh.router_si(h) == Approx(s.router_si(h)));
  }
  // And after a release, so that a level left stale in either direction is seen.
  s.release(first->id, SimTime{});
  Scheduler after(hosts, 0, Policy::Sosm, cfg, Rng(7));
  CHECK(after.switch_si(0) == Approx(s.switch_si(0)));
  CHECK(after.router_si(0) == Approx(s.router_si(0)));
  CHECK(after.switch_si(0) != Approx(fresh.switch_si(0)));  // the release moved it
}

TEST_CASE("SOSM never overcommits a host, under any stream of reservations and releases", "[cloud][scheduler][sosm]") {
  Hosts hosts({cpu(8, 8000), gpu()});
  for (int i = 0; i < 50; ++i) hosts.add(static_cast<std::uint16_t>(i % 3 == 0), 0, 0);
  SosmConfig cfg;
  cfg.vrm_size = 5;
  cfg.switch_size = 3;
  Scheduler s(hosts, 0, Policy::Sosm, cfg, Rng(3));
  Rng rng(11);
  std::vector<std::uint64_t> held;
  std::size_t placed = 0, refused = 0;
  for (int step = 0; step < 3000; ++step) {
    if (!held.empty() && rng.bernoulli(0.45)) {
      const std::size_t k = rng.below(held.size());
      CHECK(s.release(held[k], SimTime{step}));
      held.erase(held.begin() + static_cast<std::ptrdiff_t>(k));
      continue;
    }
    ServiceRequest r = rng.bernoulli(0.3) ? ServiceRequest{Hardware::Gpu, Hypervisor::Container, {2, 4000, 1}}
                                          : need(static_cast<std::uint32_t>(1 + rng.below(8)), 1000);
    // Reserve throws an InvariantViolation if it ever overcommits a host.
    if (auto res = s.reserve({r}, SimTime{step}, SimTime::max())) {
      held.push_back(res->id);
      ++placed;
    } else {
      ++refused;
    }
  }
  CHECK(placed > 1000);
  CHECK(refused > 0);  // the cloud did fill up
  for (HostId h = 0; h < hosts.size(); ++h) CHECK(hosts.free_cores(h) <= hosts.host_class(h).cores);
}

TEST_CASE("ties between equal managers go to a seeded draw, the same for one seed and spread over seeds",
          "[cloud][scheduler][sosm]") {
  Hosts hosts({cpu(4)});
  for (int i = 0; i < 40; ++i) hosts.add(0, 0, 0);
  SosmConfig cfg;
  cfg.vrm_size = 4;
  cfg.switch_size = 10;
  std::set<HostId> firsts;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    Scheduler a(hosts, 0, Policy::Sosm, cfg, Rng(seed)), b(hosts, 0, Policy::Sosm, cfg, Rng(seed));
    auto ra = a.reserve({need(1)}, SimTime{}, seconds(1));
    a.release(ra->id, SimTime{});
    auto rb = b.reserve({need(1)}, SimTime{}, seconds(1));
    b.release(rb->id, SimTime{});
    CHECK(ra->hosts == rb->hosts);
    firsts.insert(ra->hosts[0]);
  }
  CHECK(firsts.size() > 3);  // not always the first manager
}

TEST_CASE("the Service Optimization Engine trades performance against price among what the provider can place", "[cloud][soe]") {
  const app::Topology rt = scenario::load_tosca(std::string(CANSIM_SOURCE_DIR) + "/apps/ray_tracing.yaml");
  Hosts hosts({cpu(16, 32000), gpu()});
  hosts.add(0, 0, 0);
  hosts.add(1, 0, 0);
  hosts.add(0, 1, 0);  // provider 1 has CPUs only
  Scheduler both(hosts, 0, Policy::FirstFit, {}, Rng(1)), cpus(hosts, 1, Policy::FirstFit, {}, Rng(1));
  auto fast = make_blueprint(rt, both, {1, 0});
  REQUIRE(fast);
  CHECK(rt.services[0].implementations[fast->implementation[0]].name == "render_gpu");
  auto cheap = make_blueprint(rt, both, {0, 1});
  REQUIRE(cheap);
  CHECK(rt.services[0].implementations[cheap->implementation[0]].name == "render_cpu");
  CHECK(cheap->price_per_minute == 4);  // two CPU services at 2 wei/min each
  auto cpu_only = make_blueprint(rt, cpus, {1, 0});
  REQUIRE(cpu_only);
  CHECK(rt.services[0].implementations[cpu_only->implementation[0]].name == "render_cpu");
  // No MIC hosts and no GPU: an application that needs a MIC only cannot be placed.
  app::Topology mic_only = rt;
  mic_only.services[0].implementations = {rt.services[0].implementations[1]};
  CHECK_FALSE(make_blueprint(mic_only, both, {1, 1}));
}

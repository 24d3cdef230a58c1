// Hosts: capacity is reserved and freed for real (the invariant), energy is integrated over time.
#include <catch2/catch.hpp>

#include <cmath>

#include "cansim/model/cloud/hosts.hpp"
#include "cansim/model/cloud/hypervisor.hpp"
#include "cansim/sim/rng.hpp"
#include "cansim/sim/invariant.hpp"

using namespace cansim;
using namespace cansim::cloud;

namespace {
HostClass cpu4() {
  HostClass c;
  c.name = "cpu";
  c.cores = 4;
  c.memory_mb = 1000;
  c.idle_w = 100;
  c.max_w = 200;
  return c;
}
}  // namespace

TEST_CASE("a host takes exactly what it has left, and not one core more", "[cloud][hosts]") {
  Hosts hosts({cpu4()});
  const HostId h = hosts.add(0, 0, 0);
  CHECK(hosts.fits(h, {4, 1000, 0}));
  CHECK_FALSE(hosts.fits(h, {5, 1, 0}));
  CHECK_FALSE(hosts.fits(h, {1, 1001, 0}));
  hosts.reserve(h, {3, 600, 0}, SimTime{});
  CHECK(hosts.fits(h, {1, 400, 0}));  // exactly what is left
  CHECK_FALSE(hosts.fits(h, {2, 400, 0}));
  CHECK_THROWS_AS(hosts.reserve(h, {2, 1, 0}, seconds(1)), InvariantViolation);
  CHECK(hosts.free_cores(h) == 1);  // a refused reservation changes nothing
  hosts.release(h, {3, 600, 0}, seconds(2));
  CHECK(hosts.free_cores(h) == 4);
  CHECK_THROWS_AS(hosts.release(h, {1, 0, 0}, seconds(3)), InvariantViolation);
}

TEST_CASE("a crashed host offers nothing", "[cloud][hosts]") {
  Hosts hosts({cpu4()});
  const HostId h = hosts.add(0, 0, 0);
  hosts.set_up(h, false, SimTime{});
  CHECK_FALSE(hosts.fits(h, {1, 1, 0}));
  hosts.set_up(h, true, SimTime{});
  CHECK(hosts.fits(h, {1, 1, 0}));
}

TEST_CASE("energy is idle + (max - idle) x utilization, integrated over time, and nothing while down", "[cloud][hosts]") {
  HostClass gpu = cpu4();
  gpu.name = "gpu";
  gpu.hardware = Hardware::Gpu;
  gpu.accelerators = 2;
  gpu.idle_w = 50;
  gpu.max_w = 450;
  Hosts hosts({cpu4(), gpu});
  const HostId c = hosts.add(0, 0, 0), g = hosts.add(1, 0, 0);
  hosts.reserve(c, {2, 0, 0}, seconds(10));  // 10 s idle, then half busy
  hosts.reserve(g, {1, 0, 1}, seconds(10));  // GPU hosts count accelerators: half busy
  hosts.set_up(c, false, seconds(20));       // down from 20 s
  const auto e = hosts.energy_by_class_j(seconds(30));
  CHECK(e[0] == Approx(100.0 * 10 + 150.0 * 10));
  CHECK(e[1] == Approx(50.0 * 10 + 250.0 * 20));
  CHECK(hosts.utilization(g) == 0.5);
  const auto busy = hosts.busy_unit_seconds_by_class(seconds(30));
  CHECK(busy[0] == Approx(2.0 * 10));
  CHECK(busy[1] == Approx(1.0 * 20));
}

TEST_CASE("each change of load settles the energy drawn before it, at the load it had", "[cloud][hosts]") {
  // Nothing asks for the energy between the changes: each reserve, release and crash must count
  // what the host drew until then at the load it had until then.
  Hosts hosts({cpu4()});
  const HostId h = hosts.add(0, 0, 0);
  hosts.reserve(h, {4, 0, 0}, SimTime{});  // full from 0
  hosts.release(h, {4, 0, 0}, seconds(10));  // idle from 10 s
  hosts.reserve(h, {2, 0, 0}, seconds(20));  // half from 20 s
  hosts.set_up(h, false, seconds(30));       // nothing from 30 s
  hosts.set_up(h, true, seconds(40));        // half again from 40 s
  CHECK(hosts.energy_by_class_j(seconds(50))[0] == Approx(200.0 * 10 + 100.0 * 10 + 150.0 * 10 + 0.0 * 10 + 150.0 * 10));
  CHECK(hosts.busy_unit_seconds_by_class(seconds(50))[0] == Approx(4.0 * 10 + 2.0 * 10 + 2.0 * 10));
}

TEST_CASE("idle hosts switch off, waking costs energy, and the power curve may bend", "[cloud][hosts][power]") {
  // Issue 30: with power linear in load and hosts always on, no placement policy could save energy.
  PowerModel pm;
  pm.off_when_idle = true;
  pm.off_after_idle_s = 10;  // empty for 10 s: off
  pm.off_w = 5;
  pm.wake_s = 3;  // waking draws full power for 3 s (charged as energy)
  pm.exponent = 2;
  Hosts hosts({cpu4()});
  hosts.set_power(pm);
  const HostId a = hosts.add(0, 0, 0), b = hosts.add(0, 0, 0), c = hosts.add(0, 0, 0);
  // a: empty from 0, off at 10 s exactly: a reservation then finds it off and wakes it.
  hosts.reserve(a, {2, 0, 0}, seconds(10));
  // b: a reservation 1 us before it would switch off finds it on.
  hosts.reserve(b, {2, 0, 0}, SimTime{10 * 1000000 - 1});
  // c: never used: on for 10 s, then off.
  const auto e = hosts.energy_by_class_j(seconds(20));
  const double half = 100 + 100 * 0.25;  // u = 0.5 under exponent 2
  const double a_j = 100.0 * 10 + 200.0 * 3 + half * 10;
  const double b_j = 100.0 * (10 - 1e-6) + half * (10 + 1e-6);
  const double c_j = 100.0 * 10 + 5.0 * 10;
  CHECK(hosts.utilization(c) == 0.0);  // never used
  CHECK(e[0] == Approx(a_j + b_j + c_j).epsilon(1e-12));
  // Emptied again at 20 s, a host switches off 10 s later; the default model never does.
  hosts.release(a, {2, 0, 0}, seconds(20));
  const double before = hosts.energy_by_class_j(seconds(20))[0];
  CHECK(hosts.energy_by_class_j(seconds(40))[0] - before == Approx(100.0 * 10 + 5.0 * 10 + half * 20 + 5.0 * 20));
  Hosts plain({cpu4()});
  const HostId p = plain.add(0, 0, 0);
  CHECK(plain.energy_by_class_j(seconds(1000))[0] == Approx(100.0 * 1000));
  plain.reserve(p, {2, 0, 0}, seconds(1000));
  CHECK(plain.energy_by_class_j(seconds(1010))[0] == Approx(100.0 * 1000 + 150.0 * 10));
}

TEST_CASE("hypervisor deploy times have the mean and spread asked for, containers fastest and bare metal slowest",
          "[cloud][hypervisor]") {
  Rng rng(5);
  for (Hypervisor h : {Hypervisor::Container, Hypervisor::Vm, Hypervisor::BareMetal}) {
    const HypervisorTimes t = default_times(h);
    double sum = 0, sum2 = 0;
    const int n = 200000;
    for (int i = 0; i < n; ++i) {
      const double x = deploy_time(t, rng).to_seconds();
      sum += x;
      sum2 += x * x;
    }
    const double mean = sum / n, sd = std::sqrt(sum2 / n - mean * mean);
    CHECK(mean == Approx(t.deploy_mean.to_seconds()).epsilon(0.01));
    CHECK(sd / mean == Approx(t.deploy_cv).epsilon(0.03));
  }
  CHECK(default_times(Hypervisor::Container).deploy_mean < default_times(Hypervisor::Vm).deploy_mean);
  CHECK(default_times(Hypervisor::Vm).deploy_mean < default_times(Hypervisor::BareMetal).deploy_mean);
  // No spread: always the mean.
  CHECK(deploy_time({seconds(7), 0, seconds(1)}, rng) == seconds(7));
}

TEST_CASE("a measured power curve is followed point by point and linearly between its points", "[cloud][hosts][power]") {
  // Issue 30: SPECpower-style tables, watts at 0%, 10%, ..., 100% utilization.
  HostClass c = cpu4();
  c.power_curve_w = {60, 90, 100, 110, 125, 140, 150, 160, 175, 190, 200};
  CHECK(power_draw(c, 0.0, 1) == 60);
  CHECK(power_draw(c, 1.0, 1) == 200);
  CHECK(power_draw(c, 0.1, 1) == Approx(90).epsilon(1e-12));
  CHECK(power_draw(c, 0.5, 1) == Approx(140).epsilon(1e-12));
  CHECK(power_draw(c, 0.25, 1) == Approx(105).epsilon(1e-12));  // halfway from 20% (100 W) to 30% (110 W)
  CHECK(power_draw(c, 0.95, 3) == Approx(195).epsilon(1e-12));  // the exponent does not apply to a curve
  // Without one: idle + (max - idle) u^exponent.
  CHECK(power_draw(cpu4(), 0.5, 2) == Approx(125));
  // A host following it: 10 s empty (60 W), then 10 s at a quarter of its cores (105 W).
  Hosts hosts({c});
  const HostId h = hosts.add(0, 0, 0);
  hosts.reserve(h, {1, 0, 0}, seconds(10));
  CHECK(hosts.energy_by_class_j(seconds(20))[0] == Approx(60.0 * 10 + 105.0 * 10).epsilon(1e-12));
}

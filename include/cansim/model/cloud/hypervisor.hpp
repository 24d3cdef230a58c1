#pragma once
// How long a hypervisor takes to deploy and to stop a service instance (§2: VMs, containers, bare
// metal). Deploy times are log-normal with a given mean and coefficient of variation (a long right
// tail, as image pulls and boots have); stop times are fixed. Defaults of the right order: a
// container in seconds, a VM in tens of seconds, bare metal in minutes.
#include "cansim/model/cloud/hardware.hpp"
#include "cansim/sim/rng.hpp"
#include "cansim/sim/time.hpp"

namespace cansim::cloud {

struct HypervisorTimes {
  SimTime deploy_mean = seconds(5);
  double deploy_cv = 0.5;  // standard deviation / mean; 0: always the mean
  SimTime stop = seconds(1);
};

// The defaults by kind: container 5 s (cv 0.5, stop 1 s), VM 45 s (cv 0.3, stop 10 s), bare
// metal 300 s (cv 0.2, stop 60 s).
HypervisorTimes default_times(Hypervisor h);

// One deploy time, at least 1 µs.
SimTime deploy_time(const HypervisorTimes& t, Rng& rng);

}  // namespace cansim::cloud

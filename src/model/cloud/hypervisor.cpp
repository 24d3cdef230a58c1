#include "cansim/model/cloud/hypervisor.hpp"

#include <algorithm>
#include <cmath>

namespace cansim::cloud {

HypervisorTimes default_times(Hypervisor h) {
  switch (h) {
    case Hypervisor::Container: return {seconds(5), 0.5, seconds(1)};
    case Hypervisor::Vm: return {seconds(45), 0.3, seconds(10)};
    case Hypervisor::BareMetal: return {seconds(300), 0.2, seconds(60)};
  }
  return {};
}

SimTime deploy_time(const HypervisorTimes& t, Rng& rng) {
  const double mean_us = static_cast<double>(t.deploy_mean.us);
  if (t.deploy_cv <= 0) return SimTime{std::max<std::int64_t>(1, t.deploy_mean.us)};
  // A log-normal with this mean and coefficient of variation: sigma^2 = ln(1 + cv^2),
  // mu = ln(mean) - sigma^2 / 2.
  const double s2 = std::log1p(t.deploy_cv * t.deploy_cv);
  const double mu = std::log(mean_us) - s2 / 2;
  return SimTime{std::max<std::int64_t>(1, std::llround(rng.lognormal(mu, std::sqrt(s2))))};
}

}  // namespace cansim::cloud

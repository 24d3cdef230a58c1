#pragma once
// What the cloud experiment kinds share: the parameters that describe the cloud (host classes,
// providers, the Scheduler's policy, the Service Optimization Engine's weights, the chain and the
// network) and the CloudConfig they make; a check that an application can run on it.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cansim/cloud/cloud_world.hpp"
#include "cansim/cloud/gateway.hpp"
#include "cansim/scenario/experiment.hpp"

namespace cansim::scenario {

std::vector<ParamSpec> cloud_params();
// `curves`: the scenario's measured power curves, which replace their classes' idle and maximum
// power and the power exponent.
cloud::CloudConfig cloud_config(const ParamValues& p, const PowerCurves& curves = {});
// The host classes, as cloud_config names them (what "power_curves" may give curves for).
std::vector<std::string> cloud_class_names();
cloud::GatewayConfig gateway_config(const ParamValues& p);
// Rules between the cloud's parameters (a host draws at least as much power loaded as idle).
std::optional<ParamError> check_cloud_params(const ParamValues& p);
// Refuses an application one of whose services no host class with hosts could ever run.
std::optional<std::string> check_cloud_application(const ParamValues& p, const app::Topology& t);

// One of the scenario's applications, by their weights.
std::size_t pick_application(const std::vector<ApplicationSpec>& apps, Rng& rng);

// The open workload of the cloud kinds (placement, orchestration): `count` requests, the first at
// time 0, the next after exponential gaps of mean 1 / rate; each picks one of the scenario's
// applications by weight and a running time (exponential of the mean, or the mean itself). Its
// draws, in this order per request: the application, the running time, the gap to the next.
// Keep it alive while the simulation runs (its events refer to it).
class Arrivals {
 public:
  struct Request {
    std::size_t index;        // 0 .. count-1, in arrival order
    std::size_t application;  // in the scenario's list
    SimTime duration;
  };
  Arrivals(Simulator& sim, Rng rng, const std::vector<ApplicationSpec>& apps, std::size_t count, double rate_per_s,
           double mean_duration_s, bool constant_duration, std::function<void(const Request&)> submit);
  Arrivals(const Arrivals&) = delete;
  Arrivals& operator=(const Arrivals&) = delete;
  std::size_t arrived() const { return arrived_; }
  bool done() const { return arrived_ == count_; }

 private:
  void arrive();
  Simulator& sim_;
  Rng rng_;
  const std::vector<ApplicationSpec>& apps_;
  std::size_t count_, arrived_ = 0;
  double mean_gap_us_, mean_duration_us_;
  bool constant_duration_;
  std::function<void(const Request&)> submit_;
};

// Runs the world until `done()` and nothing is left in flight (the Gateway's requests, held
// reservations, messages); then every host must have all its units back (an invariant).
void run_until_settled(cloud::CloudWorld& w, const cloud::Gateway& gw, const std::function<bool()>& done, const char* kind);

}  // namespace cansim::scenario

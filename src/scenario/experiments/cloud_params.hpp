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

// Runs the world until `done()` and nothing is left in flight (the Gateway's requests, held
// reservations, messages); then every host must have all its units back (an invariant).
void run_until_settled(cloud::CloudWorld& w, const cloud::Gateway& gw, const std::function<bool()>& done, const char* kind);

}  // namespace cansim::scenario

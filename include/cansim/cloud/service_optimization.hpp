#pragma once
// The Service Optimization Engine (§2, §3.2 step 1): for each abstract service of an application,
// picks the implementation that a provider can place with the best weighted score of performance
// and price, and turns the application into a blueprint for that provider's Scheduler.
//   score = w_perf * performance / best performance - w_price * price / highest price
// over the implementations the provider offers now (Scheduler::offer: a host class that can run
// it with units free; price: the cheapest such class). Ties go to the implementation listed first.
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "cansim/cloud/scheduler.hpp"
#include "cansim/model/app/topology.hpp"

namespace cansim::cloud {

struct SoeWeights {
  double performance = 1;
  double price = 0.5;
};

struct Blueprint {
  std::vector<std::size_t> implementation;  // chosen implementation, per service
  std::vector<ServiceRequest> requests;     // per service, in the topology's service order
  std::uint64_t price_per_minute = 0;       // of the chosen resources, summed
  double mean_performance = 0;              // of the chosen implementations
};

// What a provider offers for a service: its price, or none (Scheduler::offer, or a client's own
// reading of the chain).
using OfferFn = std::function<std::optional<std::uint64_t>(const ServiceRequest&)>;

// None when some service has no implementation offered.
std::optional<Blueprint> make_blueprint(const app::Topology& t, const OfferFn& offer, const SoeWeights& w);
inline std::optional<Blueprint> make_blueprint(const app::Topology& t, const Scheduler& provider, const SoeWeights& w) {
  return make_blueprint(
      t, [&provider](const ServiceRequest& r) { return provider.offer(r); }, w);
}

}  // namespace cansim::cloud

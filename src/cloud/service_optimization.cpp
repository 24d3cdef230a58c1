#include "cansim/cloud/service_optimization.hpp"

#include <algorithm>

namespace cansim::cloud {

namespace {
ServiceRequest request_of(const app::Implementation& im) { return {im.hardware, im.hypervisor, im.demand()}; }
}  // namespace

std::optional<Blueprint> make_blueprint(const app::Topology& t, const OfferFn& offer, const SoeWeights& w) {
  Blueprint b;
  double perf_sum = 0;
  for (const app::Service& s : t.services) {
    std::vector<std::pair<std::size_t, std::uint64_t>> candidates;  // (implementation, price)
    double best_perf = 0, max_price = 0;
    for (std::size_t i = 0; i < s.implementations.size(); ++i) {
      if (auto price = offer(request_of(s.implementations[i]))) {
        candidates.emplace_back(i, *price);
        best_perf = std::max(best_perf, s.implementations[i].performance);
        max_price = std::max(max_price, static_cast<double>(*price));
      }
    }
    if (candidates.empty()) return std::nullopt;
    std::size_t chosen = candidates.front().first;
    std::uint64_t chosen_price = candidates.front().second;
    double best_score = -1e300;
    for (const auto& [i, price] : candidates) {
      const double perf = best_perf > 0 ? s.implementations[i].performance / best_perf : 0;
      const double cost = max_price > 0 ? static_cast<double>(price) / max_price : 0;
      const double score = w.performance * perf - w.price * cost;
      if (score > best_score) {
        best_score = score;
        chosen = i;
        chosen_price = price;
      }
    }
    b.implementation.push_back(chosen);
    b.requests.push_back(request_of(s.implementations[chosen]));
    b.price_per_minute += chosen_price;
    perf_sum += s.implementations[chosen].performance;
  }
  b.mean_performance = t.services.empty() ? 0 : perf_sum / static_cast<double>(t.services.size());
  return b;
}

}  // namespace cansim::cloud

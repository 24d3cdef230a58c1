#include "experiments.hpp"

namespace cansim::scenario {

const std::vector<ExperimentKind>& experiment_kinds() {
  static const std::vector<ExperimentKind> kinds = {
      queue_kind(),
  };
  return kinds;
}

const ExperimentKind* find_kind(std::string_view name) {
  for (const auto& k : experiment_kinds()) {
    if (k.name == name) return &k;
  }
  return nullptr;
}

}  // namespace cansim::scenario

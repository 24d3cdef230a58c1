#include "experiments.hpp"

namespace cansim::scenario {

const std::vector<ExperimentKind>& experiment_kinds() {
  static const std::vector<ExperimentKind> kinds = {
      can_kind(),
      cloud_init_kind(),
      churn_kind(),
      churn_exact_kind(),
      churn_protocol_kind(),
      fig5_1_kind(),
      orchestration_kind(),
      placement_kind(),
      queue_kind(),
      selection_kind(),
  };
  return kinds;
}

std::size_t Table::rows() const {
  return data.empty() ? 0 : std::visit([](const auto& v) { return v.size(); }, data.front());
}

const Column* Table::column(std::string_view name) const {
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (columns[i] == name) return &data[i];
  }
  return nullptr;
}

const ExperimentKind* find_kind(std::string_view name) {
  for (const auto& k : experiment_kinds()) {
    if (k.name == name) return &k;
  }
  return nullptr;
}

}  // namespace cansim::scenario

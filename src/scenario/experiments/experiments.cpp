#include "experiments.hpp"

#include <stdexcept>

#include <fmt/format.h>

namespace cansim::scenario {

const std::vector<ExperimentKind>& experiment_kinds() {
  static const std::vector<ExperimentKind> kinds = {
      can_kind(),    cloud_init_kind(),    churn_kind(),     churn_exact_kind(), churn_protocol_kind(),
      fig5_1_kind(), orchestration_kind(), placement_kind(), queue_kind(),       selection_kind(),
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

namespace {

template <class T>
const std::vector<T>& typed_column(const RunResult& r, std::size_t table, std::string_view name, const char* expected) {
  if (table >= r.tables.size()) throw std::invalid_argument(fmt::format("no table {} (the run has {})", table, r.tables.size()));
  const Table& t = r.tables[table];
  const Column* c = t.column(name);
  if (c == nullptr) throw std::invalid_argument(fmt::format("table {}: no column \"{}\"", t.name, name));
  if (const auto* v = std::get_if<std::vector<T>>(c)) return *v;
  throw std::invalid_argument(fmt::format("column \"{}\" of table {}: expected {}", name, t.name, expected));
}

}  // namespace

const std::vector<std::int64_t>& RunResult::integer_column(std::size_t table, std::string_view name) const {
  return typed_column<std::int64_t>(*this, table, name, "integers");
}
const std::vector<double>& RunResult::real_column(std::size_t table, std::string_view name) const {
  return typed_column<double>(*this, table, name, "numbers");
}

const ExperimentKind* find_kind(std::string_view name) {
  for (const auto& k : experiment_kinds()) {
    if (k.name == name) return &k;
  }
  return nullptr;
}

std::vector<double> metrics_by_name(const ExperimentKind& kind, const std::map<std::string, double>& values) {
  std::vector<double> out;
  for (const MetricSpec& m : kind.metrics) {
    auto it = values.find(m.name);
    if (it == values.end()) throw std::logic_error(fmt::format("kind {}: no value for metric {}", kind.name, m.name));
    out.push_back(it->second);
  }
  if (values.size() != kind.metrics.size()) {
    throw std::logic_error(
        fmt::format("kind {}: {} values for {} declared metrics", kind.name, values.size(), kind.metrics.size()));
  }
  return out;
}

}  // namespace cansim::scenario

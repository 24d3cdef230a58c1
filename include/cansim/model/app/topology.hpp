#pragma once
// An application as the Gateway submits it (§2, §3.2): services, each abstract (several
// implementations, one per kind of hardware and hypervisor, as CloudLightning's blueprints have)
// or concrete (one), and the dependsOn relations between them. The relations form a DAG
// (Boost.Graph); services deploy in its topological order, dependencies first.
// Plain data: scenario/tosca.hpp reads it from TOSCA YAML.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cansim/model/cloud/hardware.hpp"
#include "cansim/model/cloud/hosts.hpp"

namespace cansim::app {

struct Implementation {
  std::string name;
  cloud::Hardware hardware = cloud::Hardware::Cpu;
  cloud::Hypervisor hypervisor = cloud::Hypervisor::Container;
  // Requirement ranges; the Scheduler grants the low end (docs/cloud.md).
  std::uint32_t cores_min = 1, cores_max = 1;
  std::uint64_t memory_mb_min = 0, memory_mb_max = 0;
  std::uint32_t accelerators = 0;  // cards of kind `hardware` (0 for CPU)
  double performance = 1;          // relative performance factor of this implementation

  cloud::Demand demand() const { return {cores_min, memory_mb_min, accelerators}; }
};

struct Service {
  std::string name;
  bool abstract = false;
  std::vector<Implementation> implementations;  // one for a concrete service
  std::vector<std::size_t> depends_on;          // indexes of the services it needs
  std::vector<std::uint32_t> ports;
};

struct Topology {
  std::string name;
  std::vector<Service> services;
  std::vector<std::size_t> order;  // deployment order: every service after those it depends on
  std::uint64_t digest = 0;        // of the description's bytes, as the Registry records it
};

// The services of a dependency cycle, in order (first == last omitted), or none if the relations
// form a DAG. Uses Boost.Graph.
std::optional<std::vector<std::size_t>> find_cycle(const Topology& t);
// Fills `t.order` with a topological order (Boost.Graph's topological_sort over the services in
// declaration order, so the same file always gives the same order). Call only when find_cycle
// found none.
void compute_order(Topology& t);

}  // namespace cansim::app

#pragma once
// Application descriptions in TOSCA Simple Profile YAML, the subset cansim reads (docs/cloud.md):
//
//   tosca_definitions_version: tosca_simple_yaml_1_3
//   metadata: {name: ray_tracing}
//   topology_template:
//     node_templates:
//       render_engine:
//         type: cansim.nodes.AbstractService        # several implementations
//         properties:
//           implementations:
//             - {name: render_gpu, hardware: GPU, hypervisor: CONTAINER, cores: [2, 4],
//                memory_mb: 4096, accelerators: 1, performance: 8}
//       web_frontend:
//         type: cansim.nodes.Service                # one implementation: its own properties
//         properties: {hardware: CPU, hypervisor: CONTAINER, cores: 1, memory_mb: 1024, ports: [80]}
//         requirements:
//           - dependsOn: render_engine
//
// Bad input is one ValidationError: "FILE:LINE:COLUMN: /yaml/path: expected ..., found ...";
// a dependsOn cycle names its services.
#include <string>

#include "cansim/model/app/topology.hpp"

namespace cansim::scenario {

app::Topology load_tosca(const std::string& file);
// `label` stands for the file in messages.
app::Topology parse_tosca(const std::string& text, const std::string& label);

}  // namespace cansim::scenario

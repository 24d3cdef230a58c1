#pragma once
// Human-readable descriptions generated from the parameter declarations: `cansim describe` and
// docs/scenario-format.md (a test keeps the committed file equal to what this generates).
#include <string>

#include "cansim/scenario/experiment.hpp"

namespace cansim::scenario {

std::string describe_kinds();                        // one line per experiment kind
std::string describe_kind(const ExperimentKind& k);  // parameters and output options
std::string scenario_format_markdown();              // the whole of docs/scenario-format.md

}  // namespace cansim::scenario

#pragma once
// One function per experiment kind; experiments.cpp lists them all.
#include "cansim/scenario/experiment.hpp"

namespace cansim::scenario {

ExperimentKind queue_kind();
ExperimentKind can_kind();
ExperimentKind churn_kind();
ExperimentKind payment_kind();

}  // namespace cansim::scenario

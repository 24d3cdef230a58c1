#pragma once
// One function per experiment kind; experiments.cpp lists them all.
#include <map>
#include <span>
#include <string>
#include <vector>

#include "cansim/scenario/churn/churn_model.hpp"
#include "cansim/scenario/experiment.hpp"

namespace cansim::scenario {

ExperimentKind queue_kind();
ExperimentKind can_kind();
ExperimentKind churn_kind();
ExperimentKind churn_protocol_kind();
ExperimentKind churn_exact_kind();
ExperimentKind placement_kind();
ExperimentKind cloud_init_kind();
ExperimentKind selection_kind();
ExperimentKind orchestration_kind();
ExperimentKind fig5_1_kind();
// The output options the orchestration kinds share.
std::vector<ParamSpec> orchestration_outputs();

// The churn kinds' first metrics, in this order, and their first table, "sizes" (step, size).
enum ChurnMetric { kMeanSize, kMinSize, kMaxSize, kShareBelow, kReachedZero, kDeadAtEnd, kDeathStep };
// The box-plot figures over every sampled size of every run of one configuration, and the shares
// the paper's statements are about (summary.json of both churn kinds).
ConfigSummary churn_size_summary(const ParamValues& p);
std::vector<MetricSpec> churn_size_metric_specs();
// The step model's parameters (kinds "churn" and "churn_exact"), their rules, and the model
// configuration they make.
std::vector<ParamSpec> churn_params();
std::optional<ParamError> check_churn_params(const ParamValues& p);
churn::ChurnConfig churn_config(const ParamValues& p);
// Nmin <= Nmax <= Ntotal.
std::optional<ParamError> check_churn_sizes(const ParamValues& p);
// Those metrics, by name, of one run's sampled sizes (steps 1..n); first_zero: the first step that ended at
// size 0, or -1.
std::map<std::string, double> churn_size_metrics(const std::vector<std::int64_t>& size, std::int64_t nmin,
                                                 std::int64_t first_zero);

}  // namespace cansim::scenario

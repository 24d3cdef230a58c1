#pragma once
// What the orchestration experiment kinds share: the parameters of the OCAN, the Orchestrators,
// the contract terms, the payments and the failures (beside the cloud's own, cloud_params.hpp),
// the OrchestrationConfig they make (orchestration_params.cpp), and the tables and trace a run
// can write (orchestration_outputs.cpp).
#include <string>
#include <vector>

#include "cansim/orchestration/orchestration_world.hpp"
#include "cansim/scenario/experiment.hpp"

namespace cansim::scenario {

std::vector<ParamSpec> orchestration_params();
// What both orchestration kinds declare alike: `params` after their own, the output options, the
// fault nodes (OCAN members, then Orchestrators), the applications and their check.
void declare_orchestration_kind(ExperimentKind& k);
// The tables and trace the run's output options ask for.
void write_orchestration_outputs(RunResult& r, const ParamValues& output, const orchestration::OrchestrationWorld& w);
orchestration::OrchestrationConfig orchestration_config(const ParamValues& p, const FaultPlan& faults);

// sequence.csv: every interaction (time, from, to, what), for sequence diagrams.
Table sequence_table(const orchestration::OrchestrationWorld& w);
// faults.csv: every failure of every part (time, kind, who).
Table orchestration_fault_table(const orchestration::OrchestrationWorld& w);
// gas.csv: gas by contract function and by role.
Table gas_table(const orchestration::OrchestrationWorld& w);
// The run as Chrome trace-event JSON: one track per participant (Gateway, contracts, OCAN
// leader, Orchestrators, hypervisors), an instant per interaction, a slice per application's
// stretch on each Orchestrator.
std::string orchestration_trace(const orchestration::OrchestrationWorld& w);

}  // namespace cansim::scenario

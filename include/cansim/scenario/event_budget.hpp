#pragma once
// The event budget: how many random fault events (crashes, recoveries, partitions and their
// heals) one run may expect. Each costs messages, timers and state in every protocol it touches,
// so rates far past it exhaust memory long before the run ends (issue 29: a `can` run with crash
// and recovery rates of 10^6/s took 10 GB in 142 s). Validation refuses rates whose expected
// events exceed it, naming the rates and the expectation (docs/scenario-format.md).
namespace cansim::scenario {

inline constexpr double kFaultEventBudget = 1e7;

// Expected crashes and recoveries of `parts` parts, each up for an exponential time of rate
// `fail` and down for one of rate `recover` (per s), over `seconds`: the renewal process's
// 2·f·r/(f + r) events per part per second, or at most one crash each when nothing recovers.
double renewal_events(double parts, double fail, double recover, double seconds);

}  // namespace cansim::scenario

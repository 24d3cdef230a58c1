#pragma once
// What the CAN experiment kinds share: the CAN world of their parameters (protocols/can/can_world.hpp
// builds it), the timing parameters of the protocols, and the fault and trace outputs.
#include <memory>
#include <string>
#include <vector>

#include "cansim/protocols/can/can.hpp"
#include "cansim/protocols/can/can_world.hpp"
#include "cansim/scenario/experiment.hpp"
#include "cansim/scenario/params.hpp"
#include "cansim/sim/faults.hpp"
#include "cansim/sim/network.hpp"
#include "cansim/sim/rng.hpp"

namespace cansim::scenario {

// A duration as a parameter's whole milliseconds: parameter defaults come from the protocol's
// configuration, declared once there.
inline std::int64_t whole_ms(SimTime t) { return t.us / 1000; }

// The CAN protocols' timing, what can_config reads: check_interval_ms (described with
// `check_interval_note` appended), ping_timeout_ms, ping_attempts, vote_timeout_ms, promise_ttl_ms.
std::vector<ParamSpec> can_timing_params(const std::string& check_interval_note = "");
// The timing, then latency_ms, loss, block_interval_s.
std::vector<ParamSpec> can_protocol_params();
can::CanConfig can_config(const ParamValues& p);

// The output option "faults" and the table it asks for: every fault the network recorded (time,
// kind, nodes), written when `write` is set.
ParamSpec fault_output();
Table fault_table(const std::vector<FaultRecord>& faults, bool write);

// The output option "trace" and what it writes: the CAN's protocol events (CanConfig::record_events must
// have been on), the injected faults, and each Work Entry's stretch on each component, as Chrome
// trace-event JSON. Members are threads of one process, components of another; time in µs.
ParamSpec trace_output();
std::string chrome_trace(const can::Can& can, const Network<can::CanMsg>& net, std::size_t members);

// The CAN world of the scenario's parameters (latency_ms, loss, block_interval_s) and faults:
// `nodes` keyed nodes, all Registry candidates, the first `members` of them members with node 0
// the appointed leader; `components` endpoints after them.
can::CanWorldConfig can_world_config(const ParamValues& p, std::size_t nodes, std::size_t members, std::size_t components,
                                     std::uint64_t nmin, std::uint64_t nmax, const can::CanConfig& cfg, const FaultPlan& faults);

}  // namespace cansim::scenario

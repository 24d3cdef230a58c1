#pragma once
// What the gas model takes from a real EVM. The Solidity contracts of contracts/ are the
// reference of what the C++ contracts stand for; `make gas-calibrate` runs them on
// @ethereumjs/vm (London) and writes scripts/gas/calibration.json, and
// `build/bench/contract_gas --fit` derives from it the constants below (here and nowhere else):
//  - the compiled code's sizes, which a creation pays for (its init code as calldata, 16 gas a
//    non-zero byte; 200 gas per deployed byte);
//  - per iteration of each loop, the execution a storage-level model does not see (a mapping's
//    keccak, stack work, checked arithmetic, internal calls, memory, an ecrecover's input): from
//    the same function measured at two sizes, and for interimPayment from its largest k at 2, 10
//    and 50 services;
//  - per function, what remains of its measured row: dispatch, ABI decoding, modifiers, a
//    getter called on another contract, the execution around its straight-line storage accesses.
// A test keeps the model within 5% of every row of the table and of every largest k.
#include <algorithm>
#include <cstddef>
#include <string_view>

#include "cansim/model/chain/types.hpp"

namespace cansim::chain::calibration {

struct Code {
  std::size_t deployed_bytes = 0;
  std::size_t init_zero_bytes = 0, init_nonzero_bytes = 0;
};
inline constexpr Code kRegistryCode{7571, 198, 7605};
inline constexpr Code kApplicationCode{6970, 240, 7779};
inline constexpr Code kCloudCode{16366, 519, 16264};

// Per iteration of a loop, by loop.
inline constexpr Gas kLeaderPerAccept = 1380;       // Registry.registerLeader, per signed accept
inline constexpr Gas kRecordPerMember = 413;        // Registry.recordAvailability, per member
inline constexpr Gas kDistributePerNode = 742;      // Registry.distributeFten, per node with availability
inline constexpr Gas kInterimPerCheckpoint = 1031;  // Application.interimPayment, per checkpoint
inline constexpr Gas kPayService = 4209;            // Application.payService (Algorithm 6), per service paid
// Loops no calibration row measures at two sizes (Registry.bootstrap, the Application's
// constructor and destroy, the Cloud's resource loops): the cheapest of the loops above, whose
// iterations do the least besides storage, as theirs do.
inline constexpr Gas kOtherLoop =
    std::min({kLeaderPerAccept, kRecordPerMember, kDistributePerNode, kInterimPerCheckpoint, kPayService});

// The Cloud's instantiate paths up to the Scheduler's verdict (decoding the consent, hashing it,
// ecrecover's memory), per path and per reserved resource the reservation's digest goes over: what
// a call refused by the signature check pays besides storage. Fitted on the lifecycle's refused
// admission and refused reservation (exact there by construction). Their base (below) is the
// rest, the Application's creation mostly, charged once the checks passed.
inline constexpr Gas kConsentCheck = 1992;
inline constexpr Gas kConsentPerResource = 1463;

// What a function's transaction costs besides everything above (0 for a name it does not know).
Gas function_base(std::string_view function);
// Functions whose base is charged by their code once their checks passed, not up front: a call
// refused early did not run the work the base stands for.
bool base_after_checks(std::string_view function);

}  // namespace cansim::chain::calibration

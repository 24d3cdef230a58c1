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
inline constexpr Code kRegistryCode{7558, 197, 7593};
inline constexpr Code kApplicationCode{6180, 221, 7008};
inline constexpr Code kCloudCode{14577, 469, 14525};

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

// What a function's transaction costs besides everything above (0 for a name it does not know).
Gas function_base(std::string_view function);

}  // namespace cansim::chain::calibration

#pragma once
// The EVM's London gas schedule (go-ethereum params/protocol_params.go; EIP-2929, EIP-3529), as
// docs/contracts.md lists it. Every constant is a field so that a scenario can study another schedule.
#include "cansim/model/chain/types.hpp"

namespace cansim::chain {

struct GasSchedule {
  Gas tx_base = 21000;             // every transaction
  Gas tx_create = 53000;           // a contract-creating transaction, instead of tx_base
  Gas create_per_code_byte = 200;  // per byte of deployed code
  Gas calldata_zero_byte = 4;
  Gas calldata_nonzero_byte = 16;
  Gas cold_sload = 2100;            // first access to a slot in a transaction
  Gas warm_access = 100;            // later accesses (SLOAD, and SSTORE that changes nothing)
  Gas sstore_set = 20000;           // zero to non-zero
  Gas sstore_reset = 2900;          // non-zero to another value (5000 minus the cold charge)
  Gas sstore_clears_refund = 4800;  // refunded for clearing a slot
  Gas log_base = 375;
  Gas log_per_topic = 375;
  Gas log_per_byte = 8;
  Gas ecrecover = 3000;     // the precompile's own charge
  Gas cold_account = 2600;  // first access to an account in a transaction (EIP-2929)
  Gas call_value = 9000;    // a CALL that sends wei
  Gas call_stipend = 2300;  // given to the callee of a CALL with value, back unspent
  Gas new_account = 25000;  // a CALL that sends wei to an empty account
  Gas create = 32000;       // CREATE, from a contract
  Gas selfdestruct = 5000;  // SELFDESTRUCT (EIP-3529: no refund)
  Gas refund_quotient = 5;  // refunds are capped at gas used / 5
  Gas block_gas_limit = 30000000;

  bool operator==(const GasSchedule&) const = default;
};

}  // namespace cansim::chain

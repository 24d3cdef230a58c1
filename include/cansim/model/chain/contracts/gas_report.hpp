#pragma once
// Measures, with the gas model itself, what each contract function costs, and the largest k for
// which interimPayment(k) fits in one block: the tables of docs/contracts.md (a test keeps the
// document equal to what this produces; `build/bench/contract_gas` prints it).
#include <string>

namespace cansim::chain {

std::string contract_gas_report();  // markdown

}  // namespace cansim::chain

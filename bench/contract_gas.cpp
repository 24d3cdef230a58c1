// Prints the gas tables of docs/contracts.md, measured with the gas model.
#include <cstdio>

#include "cansim/model/chain/contracts/gas_report.hpp"

int main() {
  std::fputs(cansim::chain::contract_gas_report().c_str(), stdout);
  return 0;
}

#pragma once
// The gas calibration's committed table (scripts/gas/calibration.json, written by
// `make gas-calibrate`): what a real EVM charged for the Solidity reference contracts of
// contracts/, which the model's gas is compared with.
#include <string>

#include "cansim/scenario/gas_report.hpp"

namespace cansim::scenario {

// Reads the table; a missing file or a wrong shape throws std::runtime_error naming the file.
chain::GasCalibration load_gas_calibration(const std::string& path);

// The hash the table records of what it was measured from: SHA-256 over each `.sol` file of `dir`
// in name order, then the harness file `harness` (the script that measures, if given), each as
// its file name, a NUL byte, its content, a NUL byte (scripts/gas/calibrate.mjs computes the same).
std::string contracts_sha256(const std::string& dir, const std::string& harness = "");

}  // namespace cansim::scenario

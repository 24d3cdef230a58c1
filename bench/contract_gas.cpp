// Prints the gas tables of docs/contracts.md: the gas model beside the real EVM's calibration.
//   contract_gas [--fit] [scripts/gas/calibration.json]
// --fit prints, instead, the constants of include/cansim/model/chain/calibration.hpp and the
// function bases of src/model/chain/calibration.cpp that bring the model onto the calibration,
// from the model as built: paste them, build, and run again until it says nothing changes (the
// refund cap and the order of the corrections make it take a few rounds).
#include <cmath>
#include <cstdio>
#include <cstring>
#include <exception>
#include <map>
#include <stdexcept>
#include <string>

#include <fmt/format.h>

#include "cansim/model/chain/calibration.hpp"
#include "cansim/scenario/gas_report.hpp"
#include "cansim/scenario/gas_calibration.hpp"

namespace {

using namespace cansim::chain;

double gas_of(const std::vector<GasRow>& rows, const std::string& function, const std::string& what) {
  for (const GasRow& r : rows) {
    if (r.function == function && r.what == what) return static_cast<double>(r.gas);
  }
  throw std::runtime_error("no row " + function + " (" + what + ")");
}

// Least-squares slope of block gas limit against the largest k: the real gas per APP_OK.
double real_per_app_ok(const GasCalibration& real, std::size_t services) {
  double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (const auto& l : real.largest_k) {
    if (l.services != services) continue;
    const double x = static_cast<double>(l.k), y = static_cast<double>(l.block_gas_limit);
    n += 1, sx += x, sy += y, sxx += x * x, sxy += x * y;
  }
  if (n < 2) throw std::runtime_error(fmt::format("fewer than two largest k for {} services", services));
  return (n * sxy - sx * sy) / (n * sxx - sx * sx);
}

double model_per_app_ok(std::size_t services) {
  return static_cast<double>(interim_payment_gas(services, services + 200) - interim_payment_gas(services, services + 100)) /
         100.0;
}

long corrected(Gas now, double error) { return std::lround(static_cast<double>(now) + error); }

void fit(const GasCalibration& real) {
  namespace k = cansim::chain::calibration;
  const auto model = contract_gas_rows();
  auto diff = [&](const char* fn, const char* big, const char* small) {
    return (gas_of(real.rows, fn, big) - gas_of(real.rows, fn, small)) - (gas_of(model, fn, big) - gas_of(model, fn, small));
  };
  std::map<std::string, long> c;
  c["kLeaderPerAccept"] =
      corrected(k::kLeaderPerAccept, diff("registerLeader", "6 members, 4 signed accepts", "5 members, 3 signed accepts"));
  c["kRecordPerMember"] =
      corrected(k::kRecordPerMember, diff("recordAvailability", "6 members, 10 minutes", "4 members, 10 minutes") / 2.0);
  c["kDistributePerNode"] =
      corrected(k::kDistributePerNode, diff("distributeFten", "6 nodes with availability", "4 nodes with availability") / 2.0);
  const double real2 = real_per_app_ok(real, 2), real50 = real_per_app_ok(real, 50);
  const double model2 = model_per_app_ok(2), model50 = model_per_app_ok(50);
  const double real_slope = (real50 - real2) / 48.0, model_slope = (model50 - model2) / 48.0;
  c["kPayService"] = corrected(k::kPayService, real_slope - model_slope);
  c["kInterimPerCheckpoint"] = corrected(k::kInterimPerCheckpoint, (real2 - 2 * real_slope) - (model2 - 2 * model_slope));
  std::printf("// calibration.hpp\n");
  for (const auto& [name, v] : c) std::printf("inline constexpr Gas %s = %ld;\n", name.c_str(), v);
  std::printf("// calibration.cpp: function_base, from each function's first row\n");
  std::map<std::string, bool> seen;
  for (std::size_t i = 0; i < model.size(); ++i) {
    const std::string name = model[i].contract + "." + model[i].function;
    if (seen[name]) continue;
    seen[name] = true;
    const double error = static_cast<double>(real.rows.at(i).gas) - static_cast<double>(model[i].gas);
    std::printf("      {\"%s\", %ld},\n", name.c_str(), corrected(k::function_base(name), error));
  }
  // The consent check, from the lifecycle's refused admission (no resources in its digest) and
  // refused reservation (two).
  {
    const Lifecycle lm = contract_lifecycle();
    const auto error_of = [&](const std::string& step) {
      for (std::size_t i = 0; i < lm.steps.size() && i < real.lifecycle.steps.size(); ++i) {
        if (lm.steps[i].step == step) return static_cast<double>(real.lifecycle.steps[i].gas) - static_cast<double>(lm.steps[i].gas);
      }
      throw std::runtime_error("the lifecycle has no step \"" + step + "\"");
    };
    const double admission = error_of("the client's own selection, with a forged signature");
    const double reservation = error_of("the reservation again");
    std::printf("inline constexpr Gas kConsentCheck = %ld;\n", corrected(k::kConsentCheck, admission));
    std::printf("inline constexpr Gas kConsentPerResource = %ld;\n", corrected(k::kConsentPerResource, (reservation - admission) / 2));
  }
  // Functions no row measures (those the lifecycle alone calls): from their first call that succeeded.
  std::printf("// calibration.cpp: function_base, from the lifecycle's first successful call\n");
  const Lifecycle lm = contract_lifecycle();
  for (std::size_t i = 0; i < lm.steps.size() && i < real.lifecycle.steps.size(); ++i) {
    const LifecycleStep& m = lm.steps[i];
    if (seen[m.function] || m.status != "ok" || real.lifecycle.steps[i].status != "ok") continue;
    seen[m.function] = true;
    const double error = static_cast<double>(real.lifecycle.steps[i].gas) - static_cast<double>(m.gas);
    std::printf("      {\"%s\", %ld},\n", m.function.c_str(), corrected(k::function_base(m.function), error));
  }
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const bool fitting = argc > 1 && std::strcmp(argv[1], "--fit") == 0;
    const int file = fitting ? 2 : 1;
    const auto real = cansim::scenario::load_gas_calibration(argc > file ? argv[file] : "scripts/gas/calibration.json");
    if (fitting) {
      fit(real);
    } else {
      std::fputs(cansim::chain::contract_gas_report(real).c_str(), stdout);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "contract_gas: %s\n", e.what());
    return 2;
  }
  return 0;
}

#include "cansim/model/chain/calibration.hpp"

#include <array>
#include <utility>

namespace cansim::chain::calibration {

Gas function_base(std::string_view function) {
  static constexpr std::array<std::pair<std::string_view, Gas>, 27> kBase{{
      {"Registry.constructor", 1858},
      {"Registry.registerCandidate", 464},
      {"Registry.appointLeader", 1127},
      {"Registry.registerMember", 1111},
      {"Registry.registerLeader", 505},
      {"Registry.deregisterMember", 1734},
      {"Registry.setParams", 426},
      {"Registry.registerService", 586},
      {"Registry.recordAvailability", 1650},
      {"Registry.distributeFten", 557},
      {"Registry.withdrawFten", 550},
      {"Application.constructor", 3790},
      {"Application.addCheckpoint", 1908},
      {"Application.interimPayment", 5121},
      {"Application.withdraw", 608},
      {"Application.destroy", 905},
      {"Cloud.constructor", 4420},
      {"Cloud.registerResource", 1347},
      {"Cloud.instantiate", 11359},
      {"Cloud.deregisterResource", 491},
      {"Cloud.withdrawShare", 461},
      {"Registry.setFtenPrice", 397},
      {"Registry.registerCloud", 677},
      {"Cloud.instantiateDirect", 9228},
      {"Cloud.instantiateSearch", 9440},
      {"Application.refund", 3633},
      {"Cloud.release", 1321},
  }};
  for (const auto& [name, gas] : kBase) {
    if (name == function) return gas;
  }
  return 0;
}

bool base_after_checks(std::string_view function) {
  return function == "Cloud.instantiate" || function == "Cloud.instantiateDirect" || function == "Cloud.instantiateSearch";
}

}  // namespace cansim::chain::calibration

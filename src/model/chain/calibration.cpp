#include "cansim/model/chain/calibration.hpp"

#include <array>
#include <utility>

namespace cansim::chain::calibration {

Gas function_base(std::string_view function) {
  static constexpr std::array<std::pair<std::string_view, Gas>, 21> kBase{{
      {"Registry.constructor", 1858},      {"Registry.registerCandidate", 464},  {"Registry.appointLeader", 1127},
      {"Registry.registerMember", 1111},   {"Registry.registerLeader", 505},     {"Registry.deregisterMember", 1665},
      {"Registry.setParams", 426},         {"Registry.registerService", 586},    {"Registry.recordAvailability", 1650},
      {"Registry.distributeFten", 557},    {"Registry.withdrawFten", 550},       {"Application.constructor", 3627},
      {"Application.addCheckpoint", 1908}, {"Application.interimPayment", 5186}, {"Application.withdraw", 674},
      {"Application.destroy", 507},        {"Cloud.constructor", 3978},          {"Cloud.registerResource", 1369},
      {"Cloud.instantiate", 15943},        {"Cloud.deregisterResource", 579},    {"Cloud.withdrawShare", 461},
  }};
  for (const auto& [name, gas] : kBase) {
    if (name == function) return gas;
  }
  return 0;
}

}  // namespace cansim::chain::calibration

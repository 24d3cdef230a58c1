#include "cansim/scenario/event_budget.hpp"

#include <algorithm>

namespace cansim::scenario {

double renewal_events(double parts, double fail, double recover, double seconds) {
  if (fail <= 0 || parts <= 0 || seconds <= 0) return 0;
  if (recover <= 0) return parts * std::min(1.0, fail * seconds);
  return parts * seconds * 2 * fail * recover / (fail + recover);
}

}  // namespace cansim::scenario

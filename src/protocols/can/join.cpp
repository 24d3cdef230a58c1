#include "cansim/protocols/can/join.hpp"

#include <algorithm>

namespace cansim::can {

namespace {

// floor(a / b) for b > 0 and any sign of a.
std::int64_t floor_div(std::int64_t a, std::int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

}  // namespace

std::int64_t accepted_joins(const JoinState& s, std::int64_t requests, std::int64_t drop, Admission rule) {
  if (requests <= 0) return 0;
  // The i-th request (from 0) sees current + i nodes and churn - drop * i.
  const std::int64_t room = s.nmax - s.current;  // i < room
  const std::int64_t slack = s.churn + s.nmin - s.current;
  std::int64_t last_ok;  // the largest i that listenJoin accepts, ignoring nmax
  if (rule == Admission::Pseudocode) {
    // current + i <= nmin, or current + i - nmin <= churn - drop * i
    last_ok = std::max(s.nmin - s.current, floor_div(slack, 1 + drop));
  } else {
    // current + i < nmin, or current + i - nmin < churn - drop * i
    last_ok = std::max(s.nmin - s.current - 1, floor_div(slack - 1, 1 + drop));
  }
  return std::clamp<std::int64_t>(std::min(last_ok + 1, room), 0, requests);
}

}  // namespace cansim::can

#pragma once
// Join: the leader's answer to a join request, Algorithm 1 of §4.1.1 (listenJoin).
#include <cstdint>

namespace cansim::can {

// How the leader reads Algorithm 1's condition. The pseudocode rejects when
// current > min and current - min > churn; the prose accepts "until the minimum number of replicas
// is reached", then "only if the churn rate is greater than the current surplus".
enum class Admission { Pseudocode, Prose };

struct JoinState {
  std::int64_t current;  // CAN size when the request arrives
  std::int64_t nmin, nmax;
  std::int64_t churn;  // the leader's churn figure at that moment (left - joined, by some measure)
};

// Algorithm 1's admission rule, the decision inside listenJoin (Can::listen_join, join.cpp), for a
// candidate whose endpoint checks out (checkAvailable = true).
inline bool join_admits(const JoinState& s, Admission rule = Admission::Pseudocode) {
  if (s.current >= s.nmax) return false;
  if (rule == Admission::Pseudocode) {
    return !(s.current > s.nmin && s.current - s.nmin > s.churn);
  }
  return s.current < s.nmin || s.churn > s.current - s.nmin;
}

// Of `requests` join requests answered in turn by listenJoin, how many are accepted, when each
// acceptance adds one node and lowers the churn figure by `churn_drop_per_join` (1 when the
// churn counts this step's joins, 0 when it only looks at past steps). Acceptance only gets
// harder as the CAN grows, so the accepted requests are a prefix and this closed form equals
// applying join_admits request by request (a test checks it), in O(1) rather than O(requests).
std::int64_t accepted_joins(const JoinState& s, std::int64_t requests, std::int64_t churn_drop_per_join,
                            Admission rule = Admission::Pseudocode);

}  // namespace cansim::can

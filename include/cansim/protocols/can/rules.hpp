#pragma once
// The decision rules of the CAN's protocols as pure functions, so that each is tested on its own
// at odd and even sizes and at the exact boundary. The protocol code calls these; it never
// restates them.
#include <cstdint>

namespace cansim::can {

// RemoveNode and Deregister (§4.1.2, §4.2, Algorithm 2's vote): removed only by a simple
// majority of the members: more than half, so exactly half keeps the target.
constexpr bool majority(std::uint64_t yes, std::uint64_t members) { return 2 * yes > members; }

// What a member remembers of its promises (Algorithm 4).
struct PromiseState {
  std::uint64_t nonce = 0;        // the highest nonce promised (or seen in the Registry)
  std::uint64_t promised_to = 0;  // the proposer promised `nonce`
  bool lapsed = false;            // the promise's time to live has passed (cansim's promise_ttl)
};

// listenLeadElect (Algorithm 4): promise `nonce` (the paper's n) to `proposer` if it is above
// what was promised, or is the nonce already promised to this same proposer (a repeated
// request), or a lapsed promise.
constexpr bool may_promise(const PromiseState& s, std::uint64_t nonce, std::uint64_t proposer) {
  if (nonce > s.nonce) return true;
  return nonce == s.nonce && (s.promised_to == proposer || s.lapsed);
}

// The accept step (Algorithm 4's prose): a signed accept only for the proposer promised this
// very nonce, never for another proposer of the same nonce.
constexpr bool may_accept(const PromiseState& s, std::uint64_t nonce, std::uint64_t proposer) {
  return s.nonce == nonce && s.promised_to == proposer;
}

}  // namespace cansim::can

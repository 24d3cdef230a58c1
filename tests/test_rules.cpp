// The CAN's decision rules on their own, at odd and even sizes and at the exact boundary (each
// test here fails for the mutant named beside it).
#include <catch2/catch.hpp>

#include "cansim/model/chain/contracts/registry.hpp"
#include "cansim/protocols/can/join.hpp"
#include "cansim/protocols/can/rules.hpp"

using namespace cansim;
using namespace cansim::can;

TEST_CASE("a removal vote needs more than half of the members: exactly half keeps the target", "[rules]") {
  // Even sizes: half is not enough (mutant: 2 * yes >= members).
  CHECK_FALSE(majority(2, 4));
  CHECK(majority(3, 4));
  CHECK_FALSE(majority(5, 10));
  CHECK(majority(6, 10));
  // Odd sizes: the boundary is (n + 1) / 2.
  CHECK_FALSE(majority(1, 3));
  CHECK(majority(2, 3));
  CHECK_FALSE(majority(2, 5));
  CHECK(majority(3, 5));
  // One member: its own vote.
  CHECK(majority(1, 1));
  CHECK_FALSE(majority(0, 1));
  CHECK_FALSE(majority(0, 0));
}

TEST_CASE("registerLeader counts more than half of the members' accepts: exactly half is refused", "[rules][registry]") {
  using chain::registry::accepts_suffice;
  CHECK_FALSE(accepts_suffice(2, 4));  // mutant: >= half
  CHECK(accepts_suffice(3, 4));
  CHECK_FALSE(accepts_suffice(3, 6));
  CHECK(accepts_suffice(4, 6));
  CHECK_FALSE(accepts_suffice(2, 5));
  CHECK(accepts_suffice(3, 5));
}

TEST_CASE("Algorithm 4: a promise for a higher nonce, or a repeat to the same proposer, or after a lapse", "[rules]") {
  const PromiseState promised{7, 3, false};
  CHECK(may_promise(promised, 8, 5));        // higher nonce: anyone
  CHECK(may_promise(promised, 7, 3));        // the same proposer asks again
  CHECK_FALSE(may_promise(promised, 7, 5));  // another proposer of the promised nonce
  CHECK_FALSE(may_promise(promised, 6, 3));  // a lower nonce, even from the same proposer
  CHECK(may_promise({7, 3, true}, 7, 5));    // the promise lapsed
  CHECK_FALSE(may_promise({7, 3, true}, 6, 5));
}

TEST_CASE("Algorithm 4: an accept is signed only for the proposer promised this very nonce", "[rules]") {
  const PromiseState promised{7, 3, false};
  CHECK(may_accept(promised, 7, 3));
  CHECK_FALSE(may_accept(promised, 7, 4));  // mutant: an accept for any proposer of the nonce
  CHECK_FALSE(may_accept(promised, 8, 3));  // a nonce it never promised
  CHECK_FALSE(may_accept(promised, 6, 3));
  CHECK_FALSE(may_accept({7, 3, true}, 7, 4));  // a lapse allows a new promise, not an accept
}

TEST_CASE("Algorithm 1's admission at the exact boundaries, at odd and even minimum sizes", "[rules][join]") {
  for (std::int64_t nmin : {4, 5}) {
    INFO("nmin " << nmin);
    // Below the minimum: always accepted.
    CHECK(join_admits({nmin - 1, nmin, 10, -100}));
    // At the minimum (current > min is false): accepted whatever the churn.
    CHECK(join_admits({nmin, nmin, 10, -100}));
    // Above it: accepted while the surplus does not exceed the churn; exactly equal is accepted.
    CHECK(join_admits({nmin + 2, nmin, 10, 2}));
    CHECK_FALSE(join_admits({nmin + 2, nmin, 10, 1}));
    // Full: never.
    CHECK_FALSE(join_admits({10, nmin, 10, 100}));
    CHECK(join_admits({9, nmin, 10, 100}));
  }
}

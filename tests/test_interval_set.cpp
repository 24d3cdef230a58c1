// IntervalSet (sim/interval_set.hpp), on its own.
#include <catch2/catch.hpp>

#include <set>
#include <span>
#include <vector>

#include "cansim/sim/interval_set.hpp"
#include "cansim/sim/rng.hpp"

using namespace cansim;

TEST_CASE("an interval set holds what a set would, in as many intervals as there are gaps", "[sim][interval_set]") {
  IntervalSet s;
  CHECK_FALSE(s.contains(0));
  CHECK(s.insert(5));
  CHECK_FALSE(s.insert(5));  // a copy
  CHECK(s.insert(7));
  CHECK(s.intervals() == 2);  // {5}, {7}
  CHECK(s.insert(6));         // closes the gap
  CHECK(s.intervals() == 1);
  CHECK(s.insert(4));  // extends down
  CHECK(s.insert(8));  // extends up
  CHECK(s.intervals() == 1);
  for (std::uint64_t i = 4; i <= 8; ++i) CHECK(s.contains(i));
  CHECK_FALSE(s.contains(3));
  CHECK_FALSE(s.contains(9));
  CHECK(s.insert(0));
  CHECK(s.intervals() == 2);
  // Against std::set over a stream of ids closed out of order: each window of 100 is closed in a
  // random order, half of it only with the next window, with copies among them. The same answers
  // as a set, and the intervals bounded by what is open at a time, not by the ids held.
  IntervalSet big;
  std::set<std::uint64_t> ref;
  Rng rng(3);
  std::size_t most = 0;
  std::vector<std::uint64_t> late;
  for (std::uint64_t base = 0; base < 20000; base += 100) {
    std::vector<std::uint64_t> ids(100);
    for (std::uint64_t i = 0; i < 100; ++i) ids[i] = base + i;
    rng.shuffle(std::span<std::uint64_t>(ids));
    std::vector<std::uint64_t> now(ids.begin(), ids.begin() + 50);
    now.insert(now.end(), late.begin(), late.end());
    late.assign(ids.begin() + 50, ids.end());
    for (std::uint64_t id : now) {
      CHECK(big.insert(id) == ref.insert(id).second);
      if (rng.bernoulli(0.1)) CHECK_FALSE(big.insert(id));  // a copy
    }
    most = std::max(most, big.intervals());
  }
  for (std::uint64_t id = 0; id < 20100; ++id) REQUIRE(big.contains(id) == (ref.count(id) == 1));
  CHECK(ref.size() == 19950);
  CHECK(most <= 51);  // at most one gap per id still open, and one more
}

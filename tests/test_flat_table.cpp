// FlatTable, the open-addressing table behind contract storage and the CAN members' replica
// stores: it must agree with an ordered map through any mix of inserts, updates and erases.
#include <catch2/catch.hpp>

#include <map>

#include "cansim/sim/flat_table.hpp"
#include "cansim/sim/rng.hpp"

using namespace cansim;

namespace {

// A hash that puts every key of the same value mod 8 at one home, so that runs form, wrap
// around the end of the array, and erasing from them must shift entries back.
struct ClusteringHash {
  std::size_t operator()(std::uint64_t k) const noexcept { return static_cast<std::size_t>(k % 8 == 0 ? 7 : k % 8); }
};

}  // namespace

TEST_CASE("the flat table agrees with std::map through inserts, updates and erases that wrap around") {
  FlatTable<std::uint64_t, std::uint64_t, ClusteringHash> t;
  std::map<std::uint64_t, std::uint64_t> m;
  Rng rng(7);
  for (int step = 0; step < 20000; ++step) {
    const std::uint64_t k = rng.below(64);
    if (rng.below(3) == 0) {
      REQUIRE(t.erase(k) == (m.erase(k) == 1));
    } else {
      auto [v, inserted] = t.try_emplace(k, step);
      REQUIRE(inserted == (m.count(k) == 0));
      if (!inserted) *v = step;
      m[k] = step;
    }
    REQUIRE(t.size() == m.size());
    REQUIRE(4 * t.size() <= 3 * t.capacity());
    if (step % 97 == 0) {
      for (std::uint64_t q = 0; q < 64; ++q) {
        const std::uint64_t* v = t.find(q);
        auto it = m.find(q);
        REQUIRE((v != nullptr) == (it != m.end()));
        if (v != nullptr) REQUIRE(*v == it->second);
      }
      std::size_t seen = 0;
      t.for_each([&](std::uint64_t k2, std::uint64_t v2) {
        ++seen;
        REQUIRE(m.at(k2) == v2);
      });
      REQUIRE(seen == m.size());
    }
  }
  t.clear();
  REQUIRE(t.empty());
  REQUIRE(t.find(3) == nullptr);
  REQUIRE(t.try_emplace(3, 9).second);
  REQUIRE(*t.find(3) == 9);
}

TEST_CASE("the flat table erases the one entry of a full run's end and keeps the others findable") {
  // Capacity 8 after the first insert; keys 7, 15, 23 all start at 7: 7 sits at 7, 15 wraps to 0,
  // 23 to 1. Erasing 7 must move 15 to 7 and 23 to 0.
  FlatTable<std::uint64_t, int, ClusteringHash> t;
  for (std::uint64_t k : {7, 15, 23}) t.try_emplace(k, static_cast<int>(k));
  REQUIRE(t.capacity() == 8);
  REQUIRE(t.erase(7));
  REQUIRE(t.find(7) == nullptr);
  REQUIRE(*t.find(15) == 15);
  REQUIRE(*t.find(23) == 23);
  REQUIRE_FALSE(t.erase(7));
  REQUIRE(t.size() == 2);
}

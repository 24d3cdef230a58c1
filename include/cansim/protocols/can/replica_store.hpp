#pragma once
// The checkpoint replicas one CAN member stores (CheckpointWork, §4.2.1): by Work Entry, the
// progress numbers it holds, ascending. Looked up by Work Entry only, never walked in order, so
// a hash table serves: its lookups stay flat as a long run's entries pile up.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "cansim/sim/flat_table.hpp"
#include "cansim/sim/rng.hpp"

namespace cansim::can {

// Inserts x into the ascending vector v unless it is there, searching from the end, where
// checkpoints of one Work Entry mostly go.
template <class T>
void insert_sorted(std::vector<T>& v, const T& x) {
  auto it = v.end();
  while (it != v.begin() && x < *(it - 1)) --it;
  if (it != v.begin() && *(it - 1) == x) return;
  v.insert(it, x);
}

class ReplicaStore {
 public:
  bool contains(std::uint32_t w, std::uint32_t progress) const {
    const auto* held = by_work_.find(w);
    return held != nullptr && std::binary_search(held->begin(), held->end(), progress);
  }
  void insert(std::uint32_t w, std::uint32_t progress) { insert_sorted(*by_work_.try_emplace(w, {}).first, progress); }
  // The newest checkpoint held of w (0: none).
  std::uint32_t newest(std::uint32_t w) const {
    const auto* held = by_work_.find(w);
    return held == nullptr || held->empty() ? 0 : held->back();
  }
  std::size_t count(std::uint32_t w) const {
    const auto* held = by_work_.find(w);
    return held == nullptr ? 0 : held->size();
  }
  void erase(std::uint32_t w) { by_work_.erase(w); }
  void clear() { by_work_ = {}; }

 private:
  struct Hash {
    std::size_t operator()(std::uint32_t w) const noexcept { return static_cast<std::size_t>(mix64(w)); }
  };
  FlatTable<std::uint32_t, std::vector<std::uint32_t>, Hash> by_work_;
};

}  // namespace cansim::can

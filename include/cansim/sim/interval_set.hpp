#pragma once
// A set of integer ids kept as disjoint intervals, so that its memory grows with the gaps between
// the ids it holds, not with how many it holds: for ids handed out in order and closed in about
// that order (reservations, requests), where a set of every id ever closed would grow with the run.
#include <cstdint>
#include <iterator>
#include <map>

namespace cansim {

class IntervalSet {
 public:
  // Adds id; false if it was there already.
  bool insert(std::uint64_t id) {
    auto next = by_start_.upper_bound(id);  // the first interval starting after id
    if (next != by_start_.begin()) {
      auto prev = std::prev(next);
      if (prev->second >= id) return false;  // inside it
      if (prev->second + 1 == id) {         // extends it
        prev->second = id;
        if (next != by_start_.end() && next->first == id + 1) {  // and closes the gap to the next
          prev->second = next->second;
          by_start_.erase(next);
        }
        return true;
      }
    }
    if (next != by_start_.end() && next->first == id + 1) {  // extends the next one down
      const std::uint64_t end = next->second;
      by_start_.erase(next);
      by_start_.emplace(id, end);
      return true;
    }
    by_start_.emplace(id, id);
    return true;
  }
  bool contains(std::uint64_t id) const {
    auto next = by_start_.upper_bound(id);
    return next != by_start_.begin() && std::prev(next)->second >= id;
  }
  std::size_t intervals() const { return by_start_.size(); }

 private:
  std::map<std::uint64_t, std::uint64_t> by_start_;  // first id -> last id, inclusive
};

}  // namespace cansim

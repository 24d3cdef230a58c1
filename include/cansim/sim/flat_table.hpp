#pragma once
// An open-addressing hash table (linear probing, backward-shift erase) for lookup-heavy tables:
// contract storage, a transaction's touched slots, the members' replica stores. Entries live inline in
// one array, so a lookup reads one or two cache lines where a node-based map reads three (bucket,
// node, key) and every insert allocates. Its order depends on the hash alone, never on addresses,
// so iteration is the same on every run; no result reads it anyway.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace cansim {

template <class K, class V, class Hash>
class FlatTable {
 public:
  V* find(const K& k) {
    if (size_ == 0) return nullptr;
    for (std::size_t i = Hash{}(k)&mask_;; i = (i + 1) & mask_) {
      if (!used_[i]) return nullptr;
      if (e_[i].key == k) return &e_[i].value;
    }
  }
  const V* find(const K& k) const { return const_cast<FlatTable*>(this)->find(k); }

  // The value of k, inserted as `init` when absent; second: whether it was inserted.
  // Pointers into the table last until the next insert or erase.
  std::pair<V*, bool> try_emplace(const K& k, V init) {
    if (4 * (size_ + 1) > 3 * e_.size()) grow();  // at most three quarters full
    for (std::size_t i = Hash{}(k)&mask_;; i = (i + 1) & mask_) {
      if (!used_[i]) {
        e_[i] = Entry{k, std::move(init)};
        used_[i] = 1;
        ++size_;
        return {&e_[i].value, true};
      }
      if (e_[i].key == k) return {&e_[i].value, false};
    }
  }

  bool erase(const K& k) {
    if (size_ == 0) return false;
    std::size_t i = Hash{}(k)&mask_;
    for (;; i = (i + 1) & mask_) {
      if (!used_[i]) return false;
      if (e_[i].key == k) break;
    }
    // Backward shift: each later entry of the run moves into the hole unless its home lies
    // cyclically in (hole, its position], where a probe from its home would never cross the hole.
    for (std::size_t j = (i + 1) & mask_; used_[j]; j = (j + 1) & mask_) {
      const std::size_t home = Hash{}(e_[j].key) & mask_;
      const bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
      if (stays) continue;
      e_[i] = std::move(e_[j]);
      i = j;
    }
    e_[i] = Entry{};
    used_[i] = 0;
    --size_;
    return true;
  }

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::size_t capacity() const { return e_.size(); }

  // Empties the table; a small one keeps its arrays for the next use, a large one gives them back.
  void clear() {
    if (e_.size() > kKeptCapacity) {
      *this = FlatTable{};
      return;
    }
    if (size_ != 0) {
      for (std::size_t i = 0; i < e_.size(); ++i) {
        if (used_[i]) e_[i] = Entry{};
      }
      std::fill(used_.begin(), used_.end(), 0);
    }
    size_ = 0;
  }

  template <class F>
  void for_each(F f) {
    for (std::size_t i = 0; i < e_.size(); ++i) {
      if (used_[i]) f(e_[i].key, e_[i].value);
    }
  }
  template <class F>
  void for_each(F f) const {
    for (std::size_t i = 0; i < e_.size(); ++i) {
      if (used_[i]) f(e_[i].key, e_[i].value);
    }
  }

 private:
  static constexpr std::size_t kKeptCapacity = 256;
  struct Entry {
    K key{};
    V value{};
  };
  void grow() {
    std::vector<Entry> old(e_.empty() ? 8 : 2 * e_.size());
    std::vector<std::uint8_t> old_used(old.size(), 0);
    old.swap(e_);
    old_used.swap(used_);
    mask_ = e_.size() - 1;
    size_ = 0;
    for (std::size_t i = 0; i < old.size(); ++i) {
      if (old_used[i]) try_emplace(old[i].key, std::move(old[i].value));
    }
  }
  // Occupancy apart from the entries, so that an entry is no larger than its key and value.
  std::vector<Entry> e_;
  std::vector<std::uint8_t> used_;
  std::size_t size_ = 0;
  std::size_t mask_ = 0;
};

}  // namespace cansim

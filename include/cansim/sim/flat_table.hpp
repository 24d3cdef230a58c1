#pragma once
// An open-addressing hash table (linear probing, backward-shift erase) for lookup-heavy tables:
// contract storage, a transaction's touched slots, the members' replica stores. Entries live inline in
// one array, so a lookup reads one or two cache lines where a node-based map reads three (bucket,
// node, key) and every insert allocates. Its order depends on the hash alone, never on addresses,
// so iteration is the same on every run; no result reads it anyway.
#include <cstddef>
#include <utility>
#include <vector>

namespace cansim {

template <class K, class V, class Hash>
class FlatTable {
 public:
  V* find(const K& k) {
    if (size_ == 0) return nullptr;
    for (std::size_t i = Hash{}(k) & mask_;; i = (i + 1) & mask_) {
      Entry& e = e_[i];
      if (!e.used) return nullptr;
      if (e.key == k) return &e.value;
    }
  }
  const V* find(const K& k) const { return const_cast<FlatTable*>(this)->find(k); }

  // The value of k, inserted as `init` when absent; second: whether it was inserted.
  // Pointers into the table last until the next insert or erase.
  std::pair<V*, bool> try_emplace(const K& k, V init) {
    if (4 * (size_ + 1) > 3 * e_.size()) grow();  // at most three quarters full
    for (std::size_t i = Hash{}(k) & mask_;; i = (i + 1) & mask_) {
      Entry& e = e_[i];
      if (!e.used) {
        e = Entry{k, std::move(init), true};
        ++size_;
        return {&e.value, true};
      }
      if (e.key == k) return {&e.value, false};
    }
  }

  bool erase(const K& k) {
    if (size_ == 0) return false;
    std::size_t i = Hash{}(k) & mask_;
    for (;; i = (i + 1) & mask_) {
      if (!e_[i].used) return false;
      if (e_[i].key == k) break;
    }
    // Backward shift: each later entry of the run moves into the hole unless its home lies
    // cyclically in (hole, its position], where a probe from its home would never cross the hole.
    for (std::size_t j = (i + 1) & mask_; e_[j].used; j = (j + 1) & mask_) {
      const std::size_t home = Hash{}(e_[j].key) & mask_;
      const bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
      if (stays) continue;
      e_[i] = std::move(e_[j]);
      i = j;
    }
    e_[i] = Entry{};
    --size_;
    return true;
  }

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::size_t capacity() const { return e_.size(); }

  // Empties the table; a small one keeps its array for the next use, a large one gives it back.
  void clear() {
    if (e_.size() > kKeptCapacity) {
      std::vector<Entry>().swap(e_);
      mask_ = 0;
    } else if (size_ != 0) {
      for (Entry& e : e_) e = Entry{};
    }
    size_ = 0;
  }

  template <class F>
  void for_each(F f) {
    for (Entry& e : e_) {
      if (e.used) f(e.key, e.value);
    }
  }
  template <class F>
  void for_each(F f) const {
    for (const Entry& e : e_) {
      if (e.used) f(e.key, e.value);
    }
  }

 private:
  static constexpr std::size_t kKeptCapacity = 256;
  struct Entry {
    K key{};
    V value{};
    bool used = false;
  };
  void grow() {
    std::vector<Entry> old(e_.empty() ? 8 : 2 * e_.size());
    old.swap(e_);
    mask_ = e_.size() - 1;
    size_ = 0;
    for (Entry& e : old) {
      if (e.used) try_emplace(e.key, std::move(e.value));
    }
  }
  std::vector<Entry> e_;
  std::size_t size_ = 0;
  std::size_t mask_ = 0;
};

}  // namespace cansim

#pragma once
// Objects kept in slots that are reused once released, addressed by a 32-bit index: what waits
// for something (a message in flight, a request's reply) without an allocation each time. A
// released slot keeps its object until it is acquired again; the owner resets what it must.
#include <cstdint>
#include <vector>

namespace cansim {

template <class T, class Seq = std::vector<T>>
class SlotPool {
 public:
  std::uint32_t acquire() {
    if (free_.empty()) {
      items_.emplace_back();
      return static_cast<std::uint32_t>(items_.size() - 1);
    }
    const std::uint32_t i = free_.back();
    free_.pop_back();
    return i;
  }
  void release(std::uint32_t i) { free_.push_back(i); }
  T& operator[](std::uint32_t i) { return items_[i]; }
  const T& operator[](std::uint32_t i) const { return items_[i]; }
  std::size_t size() const { return items_.size(); }  // slots ever made, released ones included

 private:
  Seq items_;  // a deque where references must survive growth
  std::vector<std::uint32_t> free_;
};

}  // namespace cansim

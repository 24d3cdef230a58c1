#include "cansim/sim/simulator.hpp"

#include <algorithm>

namespace cansim {

std::uint32_t Simulator::acquire_slot() {
  if (!free_.empty()) {
    const std::uint32_t i = free_.back();
    free_.pop_back();
    return i;
  }
  if (slot_count_ == UINT32_MAX - 1) throw std::length_error("Simulator: too many pending events");
  if ((slot_count_ >> kChunkBits) == chunks_.size()) {
    chunks_.push_back(std::make_unique<Slot[]>(std::size_t{1} << kChunkBits));
  }
  return slot_count_++;
}

void Simulator::release_slot(std::uint32_t i) {
  Slot& s = slot(i);
  s.fn.reset();
  s.state = State::Free;
  ++s.gen;
  free_.push_back(i);
}

bool Simulator::cancel(EventId id) {
  if (!is_pending(id)) return false;
  Slot& s = slot(id.slot);
  s.state = State::Cancelled;
  s.fn.reset();  // free captured resources now, not when the entry surfaces
  ++cancelled_;
  return true;
}

bool Simulator::is_pending(EventId id) const {
  if (!id.valid() || id.slot >= slot_count_) return false;
  const Slot& s = slot(id.slot);
  return s.gen == id.gen && s.state == State::Pending;
}

void Simulator::push(Entry e) {
  if (hole_) {
    hole_ = false;
    heap_[0] = e;
    sift_down(0);
  } else {
    heap_.push_back(e);
    sift_up(heap_.size() - 1);
  }
}

void Simulator::pop_root() {
  const Entry last = heap_.back();
  heap_.pop_back();
  if (!heap_.empty()) {
    heap_[0] = last;
    sift_down(0);
  }
}

void Simulator::sift_down(std::size_t i) {
  const std::size_t n = heap_.size();
  const Entry e = heap_[i];
  for (;;) {
    const std::size_t first = 4 * i + 1;
    if (first >= n) break;
    std::size_t best = first;
    const std::size_t end = std::min(first + 4, n);
    for (std::size_t c = first + 1; c < end; ++c) {
      if (less(heap_[c], heap_[best])) best = c;
    }
    if (!less(heap_[best], e)) break;
    heap_[i] = heap_[best];
    i = best;
  }
  heap_[i] = e;
}

void Simulator::sift_up(std::size_t i) {
  const Entry e = heap_[i];
  while (i > 0) {
    const std::size_t parent = (i - 1) / 4;
    if (!less(e, heap_[parent])) break;
    heap_[i] = heap_[parent];
    i = parent;
  }
  heap_[i] = e;
}

void Simulator::renumber_sequences() {
  // A sorted array is a valid heap, so sorting both renumbers and keeps the heap property.
  // The root may be the entry being dispatched (hole_); it is the smallest key, so it stays first.
  std::sort(heap_.begin(), heap_.end(), less);
  std::uint32_t seq = 0;
  for (Entry& e : heap_) e.seq = seq++;
  next_seq_ = seq;
}

void Simulator::sweep_cancelled() {
  std::size_t kept = 0;
  for (const Entry& e : heap_) {
    if (slot(e.slot).state == State::Cancelled) {
      release_slot(e.slot);
    } else {
      heap_[kept++] = e;
    }
  }
  heap_.resize(kept);
  cancelled_ = 0;
  if (heap_.size() > 1) {
    for (std::size_t i = (heap_.size() - 2) / 4 + 1; i-- > 0;) sift_down(i);
  }
}

void Simulator::finish_dispatch(std::uint32_t idx) {
  if (hole_) {
    hole_ = false;
    pop_root();
  }
  release_slot(idx);
}

void Simulator::run_until(SimTime limit) {
  if (running_) throw std::logic_error("Simulator::run_until called from inside an event");
  running_ = true;
  stopped_ = false;
  const auto lim = static_cast<std::uint64_t>(std::max<std::int64_t>(limit.us, 0));
  while (!stopped_ && !heap_.empty()) {
    const Entry top = heap_[0];
    if (top.time > lim) break;
    Slot& s = slot(top.slot);
    if (s.state == State::Cancelled) {
      pop_root();
      release_slot(top.slot);
      --cancelled_;
      continue;
    }
    now_ = top.time;
    trace_hash_ = (trace_hash_ ^ top.time) * 0x100000001b3ULL;
    s.state = State::Running;
    hole_ = true;
    try {
      s.fn();
    } catch (...) {
      finish_dispatch(top.slot);
      running_ = false;
      throw;
    }
    finish_dispatch(top.slot);
    ++dispatched_;
    if (cancelled_ > 64 && 2 * cancelled_ > heap_.size()) sweep_cancelled();
  }
  if (!stopped_ && limit != SimTime::max() && now_ < lim) now_ = lim;
  running_ = false;
}

}  // namespace cansim

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

void Simulator::reserve_one() {
  if ((size_ + kPad) / 4 >= lines_.size()) lines_.resize(lines_.size() * 2 + 1);
}

void Simulator::push(Entry e) {
  if (hole_) {
    hole_ = false;
    h(0) = e;
    sift_down(0);
  } else {
    reserve_one();
    h(size_) = e;
    sift_up(size_++);
  }
}

void Simulator::pop_root() {
  const Entry last = h(--size_);
  if (size_ > 0) {
    h(0) = last;
    sift_down(0);
  }
}

void Simulator::sift_down(std::size_t i) {
  const std::size_t n = size_;
  const Entry e = h(i);
  for (;;) {
    const std::size_t first = 4 * i + 1;
    if (first >= n) break;
    const Entry* c = &h(first);  // the four children are contiguous and cache-line aligned
    // While comparing, fetch the children's own children: the next level's line is then on
    // its way before we know which of the four we descend into.
    const std::size_t grand = 4 * first + 1;
    if (grand < n) {
      for (std::size_t k = 0; k < 4; ++k) __builtin_prefetch(&h(grand + 4 * k));
    }
    std::size_t best = 0;
    const std::size_t count = std::min<std::size_t>(4, n - first);
    for (std::size_t k = 1; k < count; ++k) {
      if (less(c[k], c[best])) best = k;
    }
    if (!less(c[best], e)) break;
    h(i) = c[best];
    i = first + best;
  }
  h(i) = e;
}

void Simulator::sift_up(std::size_t i) {
  const Entry e = h(i);
  while (i > 0) {
    const std::size_t parent = (i - 1) / 4;
    if (!less(e, h(parent))) break;
    h(i) = h(parent);
    i = parent;
  }
  h(i) = e;
}

void Simulator::renumber_sequences() {
  // A sorted array is a valid heap, so sorting both renumbers and keeps the heap property.
  // The root may be the entry being dispatched (hole_); it is the smallest key, so it stays first.
  std::vector<Entry> all;
  all.reserve(size_);
  for (std::size_t i = 0; i < size_; ++i) all.push_back(h(i));
  std::sort(all.begin(), all.end(), less);
  std::uint32_t seq = 0;
  for (std::size_t i = 0; i < size_; ++i) {
    all[i] = make_entry(all[i].time, seq++, all[i].slot());
    h(i) = all[i];
  }
  next_seq_ = seq;
}

void Simulator::sweep_cancelled() {
  std::size_t kept = 0;
  for (std::size_t i = 0; i < size_; ++i) {
    const Entry e = h(i);
    if (slot(e.slot()).state == State::Cancelled) {
      release_slot(e.slot());
    } else {
      h(kept++) = e;
    }
  }
  size_ = kept;
  cancelled_ = 0;
  if (size_ > 1) {
    for (std::size_t i = (size_ - 2) / 4 + 1; i-- > 0;) sift_down(i);
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
  while (!stopped_ && size_ > 0) {
    const Entry top = h(0);
    if (top.time > lim) break;
    Slot& s = slot(top.slot());
    if (s.state == State::Cancelled) {
      pop_root();
      release_slot(top.slot());
      --cancelled_;
      continue;
    }
    now_ = top.time;
    trace_hash_ = (trace_hash_ ^ top.time) * 0x100000001b3ULL;
    // The next event is one of the root's children (or one this event schedules): start
    // fetching their slots now, while this event runs.
    if (size_ > 1) {
      const Entry* c = &h(1);
      const std::size_t count = std::min<std::size_t>(4, size_ - 1);
      for (std::size_t k = 0; k < count; ++k) __builtin_prefetch(&slot(c[k].slot()));
    }
    s.state = State::Running;
    hole_ = true;
    try {
      s.fn();
    } catch (...) {
      finish_dispatch(top.slot());
      running_ = false;
      throw;
    }
    finish_dispatch(top.slot());
    ++dispatched_;
    if (cancelled_ > 64 && 2 * cancelled_ > size_) sweep_cancelled();
  }
  if (!stopped_ && limit != SimTime::max() && now_ < lim) now_ = lim;
  running_ = false;
}

}  // namespace cansim

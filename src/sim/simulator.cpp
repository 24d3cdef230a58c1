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

void Simulator::place(const Entry& e) {
  const unsigned b = bucket_of(key(e) ^ last_);
  buckets_[b].push_back(e);
  nonempty_[b >> 6] |= std::uint64_t{1} << (b & 63);
}

void Simulator::push(Entry e) {
  place(e);
  ++size_;
}

bool Simulator::settle_min(std::uint64_t limit) {
  // Bucket 0 holds at most one entry, the one equal to last_ (after a rebuild it can be there
  // already); it is the minimum.
  if (!buckets_[0].empty()) return buckets_[0].front().time <= limit;
  unsigned b = 0;
  for (unsigned w = 0; w < 3; ++w) {
    if (nonempty_[w]) {
      b = w * 64 + static_cast<unsigned>(__builtin_ctzll(nonempty_[w]));
      break;
    }
  }
  std::vector<Entry>& from = buckets_[b];
  Key lowest = key(from[0]);
  for (const Entry& e : from) lowest = std::min(lowest, key(e));
  // Leave everything as it was when the minimum is past the limit: taking it would move last_,
  // and events between the limit and that minimum must stay schedulable.
  if (static_cast<std::uint64_t>(lowest >> 64) > limit) return false;
  __builtin_prefetch(&slot(static_cast<std::uint32_t>(lowest)));  // wanted right after this
  last_ = lowest;
  std::vector<Entry> moving;
  moving.swap(from);
  nonempty_[b >> 6] &= ~(std::uint64_t{1} << (b & 63));
  // Each entry lands lower, the minimum in bucket 0. Entries of a small bucket are all due within
  // the next few dispatches: start fetching their slots now.
  const bool soon = moving.size() <= 16;
  for (const Entry& e : moving) {
    if (soon) __builtin_prefetch(&slot(e.slot()));
    place(e);
  }
  // A small bucket keeps its capacity for the next time it fills; a large one gives it back, or
  // every bucket would keep the largest it ever held and the queue's memory would grow with the
  // run's length rather than with what is pending.
  if (moving.capacity() <= kKeptBucketCapacity) {
    moving.clear();
    buckets_[b].swap(moving);
  }
  return true;
}

void Simulator::rebuild(std::vector<Entry> all) {
  for (auto& b : buckets_) b.clear();
  nonempty_[0] = nonempty_[1] = nonempty_[2] = 0;
  last_ = Key(now_) << 64;  // every pending key is at or after (now, 0)
  for (const Entry& e : all) place(e);
}

void Simulator::renumber_sequences() {
  std::vector<Entry> all;
  all.reserve(size_);
  for (const auto& b : buckets_) all.insert(all.end(), b.begin(), b.end());
  std::sort(all.begin(), all.end(), [](const Entry& a, const Entry& b) { return key(a) < key(b); });
  std::uint32_t seq = 0;
  for (Entry& e : all) e = make_entry(e.time, seq++, e.slot());
  next_seq_ = seq;
  rebuild(std::move(all));
}

void Simulator::sweep_cancelled() {
  std::vector<Entry> live;
  live.reserve(size_ - cancelled_);
  for (const auto& b : buckets_) {
    for (const Entry& e : b) {
      if (slot(e.slot()).state == State::Cancelled) {
        release_slot(e.slot());
      } else {
        live.push_back(e);
      }
    }
  }
  size_ = live.size();
  cancelled_ = 0;
  rebuild(std::move(live));
}

void Simulator::run_until(SimTime limit) {
  if (running_) throw std::logic_error("Simulator::run_until called from inside an event");
  running_ = true;
  stopped_ = false;
  const auto lim = static_cast<std::uint64_t>(std::max<std::int64_t>(limit.us, 0));
  while (!stopped_ && size_ > 0) {
    if (!settle_min(lim)) break;
    const Entry top = buckets_[0].back();
    buckets_[0].pop_back();
    nonempty_[0] &= ~std::uint64_t{1};
    --size_;
    Slot& s = slot(top.slot());
    if (s.state == State::Cancelled) {
      release_slot(top.slot());
      --cancelled_;
      continue;
    }
    now_ = top.time;
    fingerprint_ = (fingerprint_ ^ top.time) * 0x100000001b3ULL;
    s.state = State::Running;
    try {
      s.fn();
    } catch (...) {
      release_slot(top.slot());
      running_ = false;
      throw;
    }
    release_slot(top.slot());
    ++dispatched_;
    if (cancelled_ > 64 && 2 * cancelled_ > size_) sweep_cancelled();
  }
  if (!stopped_ && limit != SimTime::max() && now_ < lim) now_ = lim;
  running_ = false;
}

}  // namespace cansim

#pragma once
// The discrete-event engine: a clock and a queue of callables ordered by (time, scheduling order).
//
// Why this queue is fast: simulated time never goes back, so the queue is a radix heap (Ahuja,
// Mehlhorn, Orlin, Tarjan 1990) over 128-bit keys (time, sequence, slot): entry k sits in the
// bucket named by the highest bit in which it differs from the last key taken. Scheduling is an
// append; taking the minimum empties the lowest non-empty bucket into lower ones, so each entry
// moves a few times, always by sequential appends, and never through a cache-missing sift.
// Entries are 16 bytes; the callables live apart in slots with stable addresses and run in
// place. Cancellation marks the slot; cancelled entries are skipped when they surface and swept
// out in bulk once they make up half the queue.
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <utility>
#include <vector>

#include "cansim/sim/event_fn.hpp"
#include "cansim/sim/time.hpp"

namespace cansim {

// Names one scheduled event; stays safe to use (cancel, pending) after the event ran.
struct EventId {
  std::uint32_t slot = UINT32_MAX;
  std::uint32_t gen = 0;
  bool valid() const { return slot != UINT32_MAX; }
};

class Simulator {
 public:
  struct Config {
    // Sequence numbers are 32-bit and renumbered (order kept) when they reach this limit.
    // Only tests lower it, to exercise the renumbering without four billion events.
    std::uint32_t sequence_limit = UINT32_MAX;
  };

  Simulator() : Simulator(Config{}) {}
  explicit Simulator(Config config) : config_(config) {}
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;

  SimTime now() const { return SimTime{static_cast<std::int64_t>(now_)}; }

  // Schedules f at absolute time t (t >= now). Events at equal times fire in scheduling order.
  template <class F>
  EventId at(SimTime t, F&& f) {
    if (t.us < static_cast<std::int64_t>(now_)) {
      throw std::logic_error("Simulator::at: time " + to_string(t) + " is before now " + to_string(now()));
    }
    const std::uint32_t idx = acquire_slot();
    Slot& s = slot(idx);
    std::destroy_at(&s.fn);
    std::construct_at(&s.fn, std::forward<F>(f));
    s.state = State::Pending;
    push(make_entry(static_cast<std::uint64_t>(t.us), next_sequence(), idx));
    return {idx, s.gen};
  }
  // Schedules f after delay d (d >= 0).
  template <class F>
  EventId after(SimTime d, F&& f) {
    return at(now() + d, std::forward<F>(f));
  }

  // Cancels a pending event; false if it already ran, was cancelled, or is running now.
  bool cancel(EventId id);
  bool is_pending(EventId id) const;

  // Dispatches events until none is left or stop() is called.
  void run() { run_until(SimTime::max()); }
  // Dispatches every event due at or before t; the clock then reads t unless stop() was called.
  void run_until(SimTime t);
  // Makes run()/run_until() return after the event being dispatched.
  void stop() { stopped_ = true; }

  std::uint64_t dispatched() const { return dispatched_; }
  std::size_t pending() const { return size_ - cancelled_; }
  // A hash of the times of all dispatched events, plus whatever protocols mixed in; two runs
  // of one seed must end with the same value (FoundationDB-style determinism check).
  std::uint64_t fingerprint() const { return fingerprint_; }
  void mix_fingerprint(std::uint64_t v) { fingerprint_ = (fingerprint_ ^ v) * 0x100000001b3ULL; }

  // Reassigns sequence numbers 0..n-1 in dispatch order. Called automatically at the limit.
  void renumber_sequences();

 private:
  enum class State : std::uint8_t { Free, Pending, Cancelled, Running };
  struct alignas(64) Slot {  // one cache line
    EventFn fn;
    std::uint32_t gen = 0;
    State state = State::Free;
  };
  static_assert(sizeof(Slot) == 64);
  // Ordered by (time, seq); seq sits above slot in `order`, so one 128-bit compare does it.
  static_assert(sizeof(EventFn) == 48);
  struct Entry {
    std::uint64_t time;
    std::uint64_t order;  // seq << 32 | slot
    std::uint32_t seq() const { return static_cast<std::uint32_t>(order >> 32); }
    std::uint32_t slot() const { return static_cast<std::uint32_t>(order); }
  };
  static Entry make_entry(std::uint64_t time, std::uint32_t seq, std::uint32_t slot) {
    return {time, (std::uint64_t{seq} << 32) | slot};
  }
  static bool less(const Entry& a, const Entry& b) {
    using U = unsigned __int128;
    return ((U(a.time) << 64) | a.order) < ((U(b.time) << 64) | b.order);
  }

  static constexpr unsigned kChunkBits = 9;  // 512 slots (32 KiB) a chunk: a short run touches one
  Slot& slot(std::uint32_t i) { return chunks_[i >> kChunkBits][i & ((1u << kChunkBits) - 1)]; }
  const Slot& slot(std::uint32_t i) const { return chunks_[i >> kChunkBits][i & ((1u << kChunkBits) - 1)]; }
  std::uint32_t acquire_slot();
  void release_slot(std::uint32_t i);
  std::uint32_t next_sequence() {
    if (next_seq_ >= config_.sequence_limit) renumber_sequences();
    return next_seq_++;
  }
  using Key = unsigned __int128;
  static Key key(const Entry& e) { return (Key(e.time) << 64) | e.order; }
  static unsigned bucket_of(Key x) {
    const auto hi = static_cast<std::uint64_t>(x >> 64);
    const auto lo = static_cast<std::uint64_t>(x);
    if (hi) return 128u - static_cast<unsigned>(__builtin_clzll(hi));
    return lo ? 64u - static_cast<unsigned>(__builtin_clzll(lo)) : 0u;
  }
  void push(Entry e);
  void place(const Entry& e);
  // Moves the smallest entry into bucket 0 if it is due at or before `limit`; the queue must
  // not be empty. False, with nothing changed, when the smallest is later than the limit.
  bool settle_min(std::uint64_t limit);
  void rebuild(std::vector<Entry> all);
  void sweep_cancelled();

  Config config_;
  std::uint64_t now_ = 0;
  static constexpr unsigned kBuckets = 129;
  static constexpr std::size_t kKeptBucketCapacity = 1024;  // entries
  std::vector<Entry> buckets_[kBuckets];
  std::uint64_t nonempty_[3] = {0, 0, 0};  // bit b set iff buckets_[b] has entries
  Key last_ = 0;                           // the key most recently taken
  std::size_t size_ = 0;
  std::vector<std::unique_ptr<Slot[]>> chunks_;
  std::vector<std::uint32_t> free_;
  std::uint32_t slot_count_ = 0;
  std::uint32_t next_seq_ = 0;
  std::size_t cancelled_ = 0;
  std::uint64_t dispatched_ = 0;
  std::uint64_t fingerprint_ = 0xcbf29ce484222325ULL;
  bool stopped_ = false;
  bool running_ = false;
};

}  // namespace cansim

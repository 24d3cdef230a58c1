#pragma once
// One member's copy of the CAN ledger (§4: "the CAN ledger is a replicated state machine"): the
// entries it holds, in index order, and what they add up to (the registered components, and per
// Work Entry its assignee, newest checkpoint and whether it is finished). The protocols read a
// member's own copy, never another's; the leader decides from its copy.
//
// Entries are numbered from 1. Each carries the nonce of the leader that issued it; two copies
// that hold an entry of the same index and nonce hold the same entries up to it (the leader
// issues each index once, and a member appends an entry only after the one it follows). Entries
// up to `commit` are committed: a majority of the members held them, and no copy ever loses or
// changes them.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "cansim/protocols/can/messages.hpp"
#include "cansim/protocols/can/work_ledger.hpp"
#include "cansim/sim/time.hpp"

namespace cansim::can {

inline constexpr NodeId kNobody = UINT32_MAX;

// A Work Entry as one copy of the ledger has it.
struct WorkView {
  NodeId assignee = kNoComponent;
  std::uint32_t latest = 0;        // newest checkpoint (0: none)
  std::uint32_t latest_index = 0;  // the CheckpointWork entry that recorded it
  NodeId peer = 0;                 // its initial storage peer
  SimTime latest_seen;             // when this copy learnt of it (local: a repair waits a little)
  std::uint32_t reassignments = 0;
  std::uint32_t assigned_index = 0;  // the AssignWork or ReassignWork entry that set the assignee
  bool finished = false;
};

class LedgerCopy {
 public:
  // Components registered before the run (a genesis state: every copy starts from it).
  LedgerCopy() = default;
  explicit LedgerCopy(const std::vector<NodeId>* genesis) : genesis_(genesis) {}

  std::uint32_t last() const { return static_cast<std::uint32_t>(entries_.size()); }
  // The nonce of entry i (0 for i = 0, before the first).
  std::uint64_t nonce_at(std::uint32_t i) const { return i == 0 ? 0 : entries_[i - 1].nonce; }
  const LedgerEntry& at(std::uint32_t i) const { return entries_[i - 1]; }
  const std::vector<LedgerEntry>& entries() const { return entries_; }
  std::uint32_t commit() const { return commit_; }
  void set_commit(std::uint32_t c) { commit_ = std::max(commit_, std::min(c, last())); }

  // What a member does with entry `e` sent as index `index`, following an entry of nonce `prev`.
  enum class Put {
    Appended,  // the next entry: appended
    Held,      // it has that entry already
    Gap,       // entries before it are missing: fetch them
    Mismatch,  // the entry before it differs: the uncommitted entries after `commit` were dropped
               // (fetch from there)
    Refused,   // it contradicts a committed entry (a deposed leader's)
  };
  Put put(std::uint32_t index, std::uint64_t prev, const LedgerEntry& e, SimTime now);
  void append(const LedgerEntry& e, SimTime now);
  // Keeps entries 1..keep (never fewer than the committed ones) and recomputes the state.
  void truncate(std::uint32_t keep);
  // A snapshot: entries 1..upto of `committed`, the committed ledger. A copy that holds them
  // already keeps what follows; one that does not is replaced by them.
  // True if it replaced entries (not only learnt how far they are committed).
  bool install(const std::vector<LedgerEntry>& committed, std::uint32_t upto, SimTime now);
  // A member that leaves the CAN no longer knows what is committed: while it was out, the entries
  // it holds may have been lost (every member that held them left) and others committed instead.
  void forget_commit() { commit_ = 0; }
  // Runs f on each committed entry not yet passed to it, in order: what a member does only with
  // a committed entry (an uncommitted FinishWork may still be replaced, its checkpoints needed).
  template <class F>
  void each_newly_committed(F&& f) {
    for (; applied_ < commit_; ++applied_) f(entries_[applied_]);
  }

  bool registered(NodeId c) const;
  // The registered components, ascending.
  const std::vector<NodeId>& components() const { return own_ ? components_ : *genesis_; }
  const WorkView& work(std::uint32_t w) const { return w < work_.size() ? work_[w] : kNone; }
  // Work Entries assigned and not finished, ascending.
  const std::vector<std::uint32_t>& open_work() const { return open_; }

 private:
  void rebuild();
  void apply(const LedgerEntry& e, std::uint32_t index, SimTime now);
  WorkView& work_at(std::uint32_t w);

  static inline const WorkView kNone{};
  static inline const std::vector<NodeId> kNoComponents{};
  // Until an entry changes the components, a copy reads the genesis list, which every copy shares
  // (10^5 members with 10^5 components preregistered would otherwise hold 10^10 ids).
  const std::vector<NodeId>* genesis_ = &kNoComponents;
  bool own_ = false;
  std::vector<NodeId> components_;
  std::vector<LedgerEntry> entries_;
  std::uint32_t commit_ = 0;
  std::uint32_t applied_ = 0;  // committed entries passed to each_newly_committed
  std::vector<WorkView> work_;
  std::vector<std::uint32_t> open_;
};

}  // namespace cansim::can

#pragma once
// What a leader keeps while it leads by one nonce (Can keeps one per leader): how far each
// member's copy of the CAN ledger matches its own, what it owes once an entry commits, its
// take-over round (LedgerSync), and its work bookkeeping. It belongs to that leader and term: a
// new leader, or the same one by a later nonce or after a crash, starts afresh.
#include <cstdint>
#include <deque>
#include <vector>

#include "cansim/protocols/can/messages.hpp"
#include "cansim/sim/time.hpp"

namespace cansim::can {

struct LeaderState {
  std::uint64_t nonce = 0;             // the nonce it leads by (a later one starts afresh)
  std::vector<std::uint32_t> match;    // by member
  std::vector<std::uint32_t> told;     // by member: the commit index it acknowledged knowing
  std::uint32_t acks_next = 0;         // members whose copy holds the entry after commit
  std::uint64_t counted = UINT64_MAX;  // the member-list version acks_next was counted for
  std::uint32_t first_own = 0;         // its first entry: entries commit by counting from there
  std::uint32_t change_record = 0;     // the ledger record of its last membership change
  SimTime last_append;
  std::vector<SimTime> appended;  // when it appended each of its own entries, from first_own on
  struct Owed {
    std::uint32_t index;
    NodeId to;
    CanMsg m;  // sent to `to` once entry `index` is committed
  };
  std::deque<Owed> owed;
  // LedgerSync in progress: replies, and the most advanced copy heard of.
  bool syncing = false;
  bool fetching = false;  // from `best`, which a majority's answers named
  std::uint32_t replies = 0;
  NodeId best = 0;
  std::uint32_t best_index = 0;
  std::uint64_t best_nonce = 0;
  SimTime sync_until;
  // Its work bookkeeping (assign_work.cpp, finish_work.cpp), per Work Entry and grown as
  // needed: an offer or a shutdown request of its own is out until busy_until; it last heard of
  // the assignee at last_heard (its term's start at the latest). A new leader knows nothing of
  // its predecessor's.
  struct Watch {
    SimTime busy_until;
    SimTime last_heard;
  };
  std::vector<Watch> work;
  SimTime since;         // the term began
  std::uint32_t rr = 0;  // round robin: the last component offered work, from the first
  Watch& watch(std::uint32_t w) {
    if (w >= work.size()) work.resize(w + 1, Watch{SimTime{0}, since});
    return work[w];
  }
};

}  // namespace cansim::can

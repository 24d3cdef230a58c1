#pragma once
// A member's own state in the CAN (Can keeps one per node): whom it follows and its promise
// (LeadElect, Algorithm 4), its own election, its checkpoint store (CheckpointWork's replicas),
// its copy of the CAN ledger, and what it has to fetch or repair. All of it but the ledger copy,
// which is on disk, is lost in a crash.
#include <cstdint>
#include <map>
#include <vector>

#include "cansim/protocols/can/ledger.hpp"
#include "cansim/protocols/can/replica_store.hpp"
#include "cansim/sim/time.hpp"

namespace cansim::can {

struct MemberState {
  NodeId leader = 0;
  std::uint64_t nonce = 0;          // highest nonce seen or promised
  NodeId promised_to = UINT32_MAX;  // for `nonce`
  SimTime promise_expires;
  // Proposer side: the nonce of its own election in progress (0: none); its promises and accepts
  // are in the Can's proposals (few members propose at once, so they are kept apart from every member's state).
  std::uint64_t proposing = 0;
  std::uint32_t joining = 0;  // leader side: accepted joins whose registration is on its way
  std::uint64_t entries = 0;  // ledger entries applied
  ReplicaStore store;         // the checkpoint replicas this member stores; lost in a crash
  LedgerCopy ledger;          // its copy of the CAN ledger, on disk: it survives a crash (ledger_sync.cpp)
  // The nonce it caught up for: a leader commits nothing before it caught up with a majority's
  // copies (a leader by a later nonce has to again).
  std::uint64_t synced_for = 0;
  std::uint32_t want_from = 0;  // entries from here on are missing (0: none); asked at fetch_at
  // Entries that arrived ahead of one it misses (reordered by jitter), kept until the gap fills:
  // by index, with the nonce of the entry before and the commit index they came with. Volatile.
  struct Ahead {
    std::uint64_t prev_nonce;
    LedgerEntry entry;
    std::uint32_t commit;
    std::uint64_t sender_nonce;  // the nonce of the leader that sent it (fenced again when taken)
  };
  std::map<std::uint32_t, Ahead> ahead;
  SimTime fetch_at{-1};
  // Replica repair: Work Entries to look at next tick (a new checkpoint, a fetch that failed),
  // or all open ones (after a crash, a snapshot, or a change of members since `repair_members`).
  std::vector<std::uint32_t> repair_queue;
  bool repair_all = true;
  // Work Entries whose last repair fetch failed: the next asks another member than the storage
  // peer (which may have lost it in a crash).
  std::vector<std::uint32_t> repair_failed;
  std::uint64_t repair_members = 0;  // the Can's member-list version at its last full look
};

}  // namespace cansim::can

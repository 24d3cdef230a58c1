#pragma once
// The work part of the CAN ledger (§4.2.1) as the members have committed it: which component runs
// each Work Entry and which checkpoints it acknowledged. A new leader reads its work table from
// here. The entries check the design's invariants at the points where they can break:
//  - a Work Entry is assigned to at most one live component: AssignWork only for unassigned work,
//    ReassignWork only away from a deregistered component (or back to the same one after its
//    restart), CheckpointWork only from the current assignee;
//  - an acknowledged checkpoint survives while one replica that holds it is alive: ReplicaAudit
//    follows every replica independently of the members' stores and checks the resume point.
// A violation throws InvariantViolation with the time and the entry.
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <vector>

#include "cansim/sim/network.hpp"
#include "cansim/sim/time.hpp"

namespace cansim::can {

inline constexpr NodeId kNoComponent = UINT32_MAX;

struct WorkEntry {
  std::uint32_t length = 0;        // checkpoint intervals of computation it needs
  NodeId assignee = kNoComponent;  // the component the ledger assigns it to
  std::vector<std::uint32_t> cpa;  // acknowledged checkpoints (progress in intervals), in order
  bool finished = false;           // FinishWork committed
  SimTime submitted, assigned_at, finished_at;
  std::uint32_t reassignments = 0;
  std::uint32_t assigned_index = 0;  // the committed AssignWork or ReassignWork entry that set the assignee
};

struct WorkLedger {
  std::vector<WorkEntry> work;

  std::uint32_t submit(std::uint32_t length, SimTime at);
  // AssignWork (first assignment) or ReassignWork (the entry had an assignee). `registered` says
  // whether a component is still in the CAN ledger.
  void assign(std::uint32_t w, NodeId component, SimTime at, const std::function<bool(NodeId)>& registered);
  void checkpoint(std::uint32_t w, NodeId component, std::uint32_t progress, SimTime at);
  void finish(std::uint32_t w, SimTime at);
  // The latest acknowledged checkpoint (0: none, start from the beginning).
  std::uint32_t latest(std::uint32_t w) const { return work[w].cpa.empty() ? 0 : work[w].cpa.back(); }
};

// Who holds which checkpoint replica, recorded as replicas are stored and lost: the ground truth
// the resume point is checked against.
class ReplicaAudit {
 public:
  void stored(NodeId member, std::uint32_t w, std::uint32_t progress);
  // Its replicas are gone: in a crash (`crash`), or because it left the CAN.
  void lost(NodeId member, bool crash);
  // It is back in the CAN with the replicas it kept while out that it still `holds`.
  void returned(NodeId member, const std::function<bool(std::uint32_t w, std::uint32_t progress)>& holds);
  void removed(std::uint32_t w);  // FinishWork: every replica of w
  void acknowledged(std::uint32_t w, std::uint32_t progress);
  // Live replicas of one checkpoint.
  std::size_t replicas(std::uint32_t w, std::uint32_t progress) const;
  // The newest acknowledged checkpoint of w that some live replica holds (0: none).
  std::uint32_t newest_alive(std::uint32_t w) const;
  // The new assignee of w resumed at `progress` after asking every member and hearing from all of
  // them: anything older than newest_alive(w) means a live replica's checkpoint was lost.
  void check_resume(std::uint32_t w, std::uint32_t progress, SimTime at) const;
  // Acknowledged checkpoints of unfinished work with no live replica.
  std::size_t lost_checkpoints(const WorkLedger& ledger) const;
  // Of those, the ones lost because at least `replication` members stored them and every one of
  // them crashed: a loss replication cannot prevent. The others were under-replicated.
  std::size_t lost_by_crash(const WorkLedger& ledger, std::size_t replication) const;
  // Members that stored this checkpoint and lost it in a crash.
  std::size_t crashed_replicas(std::uint32_t w, std::uint32_t progress) const;
  // Whether `member` stored this checkpoint (and holds it still, lost it in a crash, or left).
  bool ever_stored(NodeId member, std::uint32_t w, std::uint32_t progress) const;
  // The fewest live replicas any acknowledged checkpoint of unfinished work had (updated on every
  // loss); SIZE_MAX while none was acknowledged.
  std::size_t min_replicas() const { return min_replicas_; }

 private:
  // By Work Entry (ids are dense): its live replicas as (progress, member), sorted, and its
  // acknowledged checkpoints, ascending. Stores come mostly for the newest checkpoint, so both
  // grow at their ends.
  struct PerWork {
    std::vector<std::pair<std::uint32_t, NodeId>> held;
    std::vector<std::pair<std::uint32_t, NodeId>> crashed;   // replicas lost in crashes, the same way
    std::vector<std::pair<std::uint32_t, NodeId>> departed;  // replicas dropped by members that left
    std::vector<std::uint32_t> acked;
  };
  std::vector<PerWork> work_;
  PerWork* of(std::uint32_t w);
  std::size_t min_replicas_ = SIZE_MAX;
};

}  // namespace cansim::can

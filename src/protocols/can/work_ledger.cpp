// The committed work table of §4.2.1 and the checks of the design's two work invariants.
#include "cansim/protocols/can/work_ledger.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "cansim/protocols/can/replica_store.hpp"
#include "cansim/sim/invariant.hpp"

namespace cansim::can {

std::uint32_t WorkLedger::submit(std::uint32_t length, SimTime at) {
  WorkEntry e;
  e.length = length;
  e.submitted = at;
  work.push_back(e);
  return static_cast<std::uint32_t>(work.size() - 1);
}

void WorkLedger::assign(std::uint32_t w, NodeId component, SimTime at, const std::function<bool(NodeId)>& registered) {
  WorkEntry& e = work.at(w);
  const bool reassign = e.assignee != kNoComponent;
  const auto event = [&] {
    return reassign ? fmt::format("ReassignWork({}, {}, {} checkpoints)", w, component, e.cpa.size())
                    : fmt::format("AssignWork({}, {})", w, component);
  };
  if (e.finished) throw InvariantViolation(at, event(), fmt::format("work {} is finished", w));
  if (reassign && e.assignee != component && registered(e.assignee)) {
    throw InvariantViolation(at, event(),
                             fmt::format("work {} is still assigned to component {}, which is registered", w, e.assignee));
  }
  if (reassign) ++e.reassignments;
  e.assignee = component;
  e.assigned_at = at;
}

void WorkLedger::checkpoint(std::uint32_t w, NodeId component, std::uint32_t progress, SimTime at) {
  WorkEntry& e = work.at(w);
  const auto event = [&] { return fmt::format("CheckpointWork({}, {}, {})", w, component, progress); };
  if (e.finished || e.assignee != component) {
    throw InvariantViolation(at, event(), fmt::format("work {} is assigned to {}, not to {}", w, e.assignee, component));
  }
  if (!e.cpa.empty() && progress <= e.cpa.back()) {
    throw InvariantViolation(at, event(), fmt::format("checkpoint {} is not after the last one, {}", progress, e.cpa.back()));
  }
  e.cpa.push_back(progress);
}

void WorkLedger::finish(std::uint32_t w, SimTime at) {
  WorkEntry& e = work.at(w);
  e.finished = true;
  e.finished_at = at;
}

ReplicaAudit::PerWork* ReplicaAudit::of(std::uint32_t w) {
  if (work_.size() <= w) work_.resize(static_cast<std::size_t>(w) + 1);
  return &work_[w];
}

namespace {

std::size_t count_of(const std::vector<std::pair<std::uint32_t, NodeId>>& v, std::uint32_t progress) {
  const auto lo = std::lower_bound(v.begin(), v.end(), std::pair<std::uint32_t, NodeId>{progress, 0});
  const auto hi = std::upper_bound(lo, v.end(), std::pair<std::uint32_t, NodeId>{progress, kNoComponent});
  return static_cast<std::size_t>(hi - lo);
}

}  // namespace

std::size_t ReplicaAudit::replicas(std::uint32_t w, std::uint32_t progress) const {
  return w < work_.size() ? count_of(work_[w].held, progress) : 0;
}

void ReplicaAudit::stored(NodeId member, std::uint32_t w, std::uint32_t progress) {
  insert_sorted(of(w)->held, {progress, member});
}

void ReplicaAudit::acknowledged(std::uint32_t w, std::uint32_t progress) { insert_sorted(of(w)->acked, progress); }

void ReplicaAudit::lost(NodeId member, bool crash) {
  bool any = false;
  for (PerWork& p : work_) {
    const auto gone = std::stable_partition(p.held.begin(), p.held.end(), [member](const auto& h) { return h.second != member; });
    any = any || gone != p.held.end();
    for (auto it = gone; it != p.held.end(); ++it) insert_sorted(crash ? p.crashed : p.departed, *it);
    p.held.erase(gone, p.held.end());
  }
  if (!any) return;
  for (std::uint32_t w = 0; w < work_.size(); ++w) {
    for (std::uint32_t progress : work_[w].acked) min_replicas_ = std::min(min_replicas_, replicas(w, progress));
  }
}

void ReplicaAudit::returned(NodeId member, const std::function<bool(std::uint32_t, std::uint32_t)>& holds) {
  for (std::uint32_t w = 0; w < work_.size(); ++w) {
    PerWork& p = work_[w];
    const auto back = std::stable_partition(p.departed.begin(), p.departed.end(), [member](const auto& h) { return h.second != member; });
    for (auto it = back; it != p.departed.end(); ++it) {
      if (holds(w, it->first)) insert_sorted(p.held, *it);
    }
    p.departed.erase(back, p.departed.end());
  }
}

void ReplicaAudit::removed(std::uint32_t w) {
  if (w < work_.size()) work_[w] = PerWork{};  // its memory too: finished work is most of a long run
}




std::size_t ReplicaAudit::crashed_replicas(std::uint32_t w, std::uint32_t progress) const {
  return w < work_.size() ? count_of(work_[w].crashed, progress) : 0;
}

bool ReplicaAudit::ever_stored(NodeId member, std::uint32_t w, std::uint32_t progress) const {
  if (w >= work_.size()) return false;
  const std::pair<std::uint32_t, NodeId> x{progress, member};
  const PerWork& p = work_[w];
  return std::binary_search(p.held.begin(), p.held.end(), x) || std::binary_search(p.crashed.begin(), p.crashed.end(), x) ||
         std::binary_search(p.departed.begin(), p.departed.end(), x);
}

std::size_t ReplicaAudit::lost_by_crash(const WorkLedger& ledger, std::size_t replication) const {
  std::size_t lost = 0;
  for (std::uint32_t w = 0; w < work_.size(); ++w) {
    for (std::uint32_t progress : work_[w].acked) {
      if (!ledger.work.at(w).finished && replicas(w, progress) == 0 && crashed_replicas(w, progress) >= replication) ++lost;
    }
  }
  return lost;
}

std::uint32_t ReplicaAudit::newest_alive(std::uint32_t w) const {
  if (w >= work_.size()) return 0;
  const auto& acked = work_[w].acked;
  for (auto it = acked.rbegin(); it != acked.rend(); ++it) {
    if (replicas(w, *it) > 0) return *it;
  }
  return 0;
}

void ReplicaAudit::check_resume(std::uint32_t w, std::uint32_t progress, SimTime at) const {
  const std::uint32_t newest = newest_alive(w);
  if (progress < newest) {
    throw InvariantViolation(at, fmt::format("resume of work {} at checkpoint {}", w, progress),
                             fmt::format("checkpoint {} was acknowledged and a live replica holds it", newest));
  }
}

std::size_t ReplicaAudit::lost_checkpoints(const WorkLedger& ledger) const {
  std::size_t lost = 0;
  for (std::uint32_t w = 0; w < work_.size(); ++w) {
    for (std::uint32_t progress : work_[w].acked) {
      if (!ledger.work.at(w).finished && replicas(w, progress) == 0) ++lost;
    }
  }
  return lost;
}

}  // namespace cansim::can

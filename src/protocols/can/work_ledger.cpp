// The committed work table of §4.2.1 and the checks of the design's two work invariants.
#include "cansim/protocols/can/work_ledger.hpp"

#include <algorithm>

#include <fmt/format.h>

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

void ReplicaAudit::stored(NodeId member, std::uint32_t w, std::uint32_t progress) {
  auto& h = holders_[{w, progress}];
  if (std::find(h.begin(), h.end(), member) == h.end()) h.push_back(member);
}

void ReplicaAudit::lost(NodeId member) {
  bool any = false;
  for (auto& [key, h] : holders_) {
    auto it = std::find(h.begin(), h.end(), member);
    if (it != h.end()) {
      h.erase(it);
      any = true;
    }
  }
  if (!any) return;
  for (const auto& [w, progress] : acked_) min_replicas_ = std::min(min_replicas_, replicas(w, progress));
}

void ReplicaAudit::removed(std::uint32_t w) {
  holders_.erase(holders_.lower_bound({w, 0}), holders_.lower_bound({w + 1, 0}));
  acked_.erase(acked_.lower_bound({w, 0}), acked_.lower_bound({w + 1, 0}));
}

std::size_t ReplicaAudit::replicas(std::uint32_t w, std::uint32_t progress) const {
  auto it = holders_.find({w, progress});
  return it == holders_.end() ? 0 : it->second.size();
}

std::uint32_t ReplicaAudit::newest_alive(std::uint32_t w) const {
  std::uint32_t newest = 0;
  for (auto it = acked_.lower_bound({w, 0}); it != acked_.end() && it->first == w; ++it) {
    if (replicas(w, it->second) > 0) newest = it->second;
  }
  return newest;
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
  for (const auto& [w, progress] : acked_) {
    if (!ledger.work.at(w).finished && replicas(w, progress) == 0) ++lost;
  }
  return lost;
}

}  // namespace cansim::can

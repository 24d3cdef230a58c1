// The liveness check (Can::liveness_problems): what must hold once faults have stopped long enough.
#include <algorithm>

#include <fmt/format.h>

#include "cansim/protocols/can/can.hpp"

namespace cansim::can {

std::vector<std::string> Can::liveness_problems() const {
  std::vector<std::string> out;
  const NodeId leader = registry_leader();
  if (!leads(leader)) out.push_back(fmt::format("the Registry's leader {} does not lead (up: {})", leader, net_.is_up(leader)));
  std::size_t live_members = 0;
  for (NodeId n = 0; n < nodes_.size(); ++n) {
    if (!net_.is_up(n)) continue;
    if (is_member(n)) {
      ++live_members;
      if (nodes_[n].leader != leader) out.push_back(fmt::format("member {} follows {}, not {}", n, nodes_[n].leader, leader));
    } else if (nodes_[n].leader == n && n != leader) {
      out.push_back(fmt::format("node {} believes it leads", n));
    }
  }
  // The leader's entries get committed (a FinishWork appended at the very end is still on its way,
  // and the work it ends counts as finished).
  if (leads(leader)) {
    const LedgerCopy& copy = nodes_[leader].ledger;
    auto it = leading_.find(leader);
    const SimTime since = it == leading_.end() ? SimTime{0} : it->second.last_append;
    if (copy.commit() < copy.last() && sim_.now() - since > config_.vote_timeout * 2 + config_.check_interval) {
      out.push_back(fmt::format("the leader's entries {} to {} are not committed", copy.commit() + 1, copy.last()));
    }
  }
  const std::size_t want = std::min<std::size_t>(config_.replication, live_members);
  for (std::uint32_t w : open_work_) {
    const WorkEntry& e = ledger_.work[w];
    if (e.finished || (leads(leader) && nodes_[leader].ledger.work(w).finished)) continue;
    if (e.assignee == kNoComponent || !net_.is_up(e.assignee) || !is_registered_component(e.assignee) ||
        !is_running(e.assignee, w)) {
      out.push_back(fmt::format("work {} has no live assignee running it (assignee {})", w,
                                e.assignee == kNoComponent ? std::string("none") : std::to_string(e.assignee)));
    }
    if (e.cpa.empty()) continue;
    std::size_t held = 0;
    for (NodeId n = 0; n < nodes_.size(); ++n) held += net_.is_up(n) && nodes_[n].store.contains(w, e.cpa.back()) ? 1 : 0;
    // None left: every replica was lost in crashes (lost_checkpoints counts it); nothing can
    // restore it, and the assignee resumed from an older one.
    if (held < want && held > 0)
      out.push_back(fmt::format("work {}: checkpoint {} has {} live replicas of {}", w, e.cpa.back(), held, want));
  }
  return out;
}

}  // namespace cansim::can

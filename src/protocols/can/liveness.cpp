// The liveness check (Can::liveness_problems): what must hold once faults have stopped long enough.
// It looks at what each node holds and runs (every member's copy of the ledger, every member's
// checkpoint store, every component's runs), not at what the leader believes.
#include <algorithm>

#include <fmt/format.h>

#include "cansim/model/chain/contracts/registry.hpp"
#include "cansim/protocols/can/can.hpp"

namespace cansim::can {

std::vector<std::string> Can::liveness_problems() const {
  std::vector<std::string> out;
  const NodeId leader = registry_leader();
  const SimTime bound = commit_bound();
  if (!may_append(leader)) {
    out.push_back(fmt::format("the Registry's leader {} may not commit (up: {}, leads: {})", leader, net_.is_up(leader),
                              leads(leader)));
  }
  std::size_t live_members = 0, live_nodes = 0;
  const auto& st = chain_.state();
  for (NodeId n = 0; n < nodes_.size(); ++n) {
    if (!net_.is_up(n)) continue;
    // A node voted out is no candidate until it registers again, which it does on its own to rejoin.
    if (was_member_[n] != 0 || chain::registry::is_candidate(st, reg_, member_address(n)) || is_member(n)) ++live_nodes;
    if (is_member(n)) {
      ++live_members;
      if (nodes_[n].leader != leader) out.push_back(fmt::format("member {} follows {}, not {}", n, nodes_[n].leader, leader));
    } else if (nodes_[n].leader == n && n != leader) {
      out.push_back(fmt::format("node {} believes it leads", n));
    }
  }
  // The CAN grew back: members voted out while alive asked to join again.
  const std::size_t size_wanted = std::min<std::size_t>(chain::registry::nmin(st, reg_), live_nodes);
  if (member_list_.size() < size_wanted) {
    out.push_back(fmt::format("the CAN has {} members, fewer than min(Nmin, live nodes) = {}", member_list_.size(), size_wanted));
  }
  // Every live member's committed entries are the committed ledger's, and it learnt of every
  // entry committed longer than the bound ago.
  for (NodeId q : member_list_) {
    if (!net_.is_up(q)) continue;
    const LedgerCopy& copy = nodes_[q].ledger;
    const std::uint32_t upto = std::min<std::uint32_t>(copy.commit(), static_cast<std::uint32_t>(committed_.size()));
    for (std::uint32_t i = 1; i <= upto; ++i) {
      if (!(copy.at(i) == committed_[i - 1])) {
        out.push_back(fmt::format("member {}'s copy differs from the committed ledger at entry {}", q, i));
        break;
      }
    }
    if (copy.commit() > committed_.size()) {
      out.push_back(
          fmt::format("member {}'s copy is committed to entry {}, the ledger only to {}", q, copy.commit(), committed_.size()));
    }
    for (std::uint32_t i = copy.commit() + 1; i <= committed_.size(); ++i) {
      if (sim_.now() - committed_at_[i - 1] > bound) {
        out.push_back(fmt::format("member {}'s copy is committed to entry {}; entry {} was committed at {} s", q, copy.commit(), i,
                                  committed_at_[i - 1].to_seconds()));
        break;
      }
    }
  }
  // The leader's entries get committed: the oldest uncommitted one is younger than the bound.
  if (may_append(leader)) {
    const LedgerCopy& copy = nodes_[leader].ledger;
    if (copy.commit() < copy.last()) {
      const SimTime since = appended_at(leader, copy.commit() + 1);
      if (sim_.now() - since > bound) {
        out.push_back(fmt::format("the leader's entry {} has waited {} s to be committed (entries {} to {} are not)",
                                  copy.commit() + 1, (sim_.now() - since).to_seconds(), copy.commit() + 1, copy.last()));
      }
    }
  }
  const std::size_t want = std::min<std::size_t>(config_.replication, live_members);
  for (std::uint32_t w : open_work_) {
    const WorkEntry& e = ledger_.work[w];
    if (e.finished || (may_append(leader) && nodes_[leader].ledger.work(w).finished)) continue;
    if (e.assignee == kNoComponent || !net_.is_up(e.assignee) || !is_registered_component(e.assignee) ||
        !is_running(e.assignee, w)) {
      out.push_back(fmt::format("work {} has no live assignee running it (assignee {})", w,
                                e.assignee == kNoComponent ? std::string("none") : std::to_string(e.assignee)));
    }
    if (e.cpa.empty()) continue;
    const std::uint32_t newest = e.cpa.back();
    std::size_t held = 0;
    for (NodeId q : member_list_) held += net_.is_up(q) && nodes_[q].store.contains(w, newest) ? 1 : 0;
    if (held >= want) continue;
    // Every holder crashed after `replication` members stored it: replication cannot prevent
    // that (checkpoints_lost_by_crash counts it). Fewer holders than that: it was under-replicated.
    if (held == 0 && audit_.crashed_replicas(w, newest) >= config_.replication) continue;
    out.push_back(fmt::format("work {}: checkpoint {} has {} live replicas of {}", w, newest, held, want));
  }
  // No component runs work it is not assigned (a zombie run), or work that is finished.
  for (const auto& [c, runs] : runs_) {
    if (!net_.is_up(c)) continue;
    for (const WorkRun& r : runs) {
      const WorkEntry& e = ledger_.work.at(r.work);
      if (e.finished || e.assignee != c) {
        out.push_back(fmt::format("component {} runs work {}, which is {}", c, r.work,
                                  e.finished ? std::string("finished") : fmt::format("assigned to {}", e.assignee)));
      }
    }
  }
  return out;
}

}  // namespace cansim::can

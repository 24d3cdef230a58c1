// A member's copy of the CAN ledger: appending in order, and what the entries add up to.
#include "cansim/protocols/can/ledger.hpp"

#include <algorithm>

namespace cansim::can {

bool LedgerCopy::registered(NodeId c) const {
  const auto& list = components();
  return std::binary_search(list.begin(), list.end(), c);
}

WorkView& LedgerCopy::work_at(std::uint32_t w) {
  if (work_.size() <= w) work_.resize(static_cast<std::size_t>(w) + 1);
  return work_[w];
}

LedgerCopy::Put LedgerCopy::put(std::uint32_t index, std::uint64_t prev, const LedgerEntry& e, SimTime now) {
  if (index == 0) return Put::Mismatch;
  if (index > last() + 1) return Put::Gap;
  if (nonce_at(index - 1) != prev) {
    // The entry before differs: this copy holds entries of a deposed leader that never committed.
    // Those after the committed ones go; the leader sends the rest again.
    if (index - 1 <= commit_) return Put::Refused;  // contradicts a committed entry
    truncate(commit_);
    return Put::Mismatch;
  }
  if (index <= last()) {
    if (at(index).nonce == e.nonce) return Put::Held;
    if (index <= commit_) return Put::Refused;
    truncate(index - 1);  // an uncommitted entry of an older leader, replaced
  }
  append(e, now);
  return Put::Appended;
}

void LedgerCopy::append(const LedgerEntry& e, SimTime now) {
  entries_.push_back(e);
  apply(e, last(), now);
}

void LedgerCopy::truncate(std::uint32_t keep) {
  keep = std::max(keep, commit_);
  if (keep >= last()) return;
  entries_.resize(keep);
  applied_ = std::min(applied_, keep);
  rebuild();
}

bool LedgerCopy::install(const std::vector<LedgerEntry>& committed, std::uint32_t upto, SimTime now) {
  if (upto <= commit_) return false;
  if (upto <= last() && at(upto).nonce == committed[upto - 1].nonce) {
    commit_ = upto;  // it holds them already, and maybe more of the same leader's
    return false;
  }
  entries_.assign(committed.begin(), committed.begin() + upto);
  commit_ = upto;
  applied_ = 0;  // other entries: the member goes through them all again
  rebuild();
  // The copy learnt of every checkpoint now.
  for (WorkView& v : work_) v.latest_seen = now;
  return true;
}

void LedgerCopy::rebuild() {
  own_ = false;
  components_.clear();
  work_.clear();
  open_.clear();
  const SimTime never{0};
  for (std::uint32_t i = 1; i <= last(); ++i) apply(entries_[i - 1], i, never);
}

void LedgerCopy::apply(const LedgerEntry& e, std::uint32_t index, SimTime now) {
  switch (e.type) {
    case MsgType::ComponentJoin:
    case MsgType::ComponentLeave: {
      if (!own_) {
        components_ = *genesis_;
        own_ = true;
      }
      const auto it = std::lower_bound(components_.begin(), components_.end(), e.target);
      const bool there = it != components_.end() && *it == e.target;
      if (e.type == MsgType::ComponentJoin && !there) components_.insert(it, e.target);
      if (e.type == MsgType::ComponentLeave && there) components_.erase(it);
      break;
    }
    case MsgType::AssignWork:
    case MsgType::ReassignWork: {
      WorkView& v = work_at(e.work);
      if (v.assignee != kNoComponent) ++v.reassignments;
      v.assignee = e.target;
      v.assigned_index = index;
      const auto it = std::lower_bound(open_.begin(), open_.end(), e.work);
      if (!v.finished && (it == open_.end() || *it != e.work)) open_.insert(it, e.work);
      break;
    }
    case MsgType::CheckpointWork: {
      WorkView& v = work_at(e.work);
      v.latest = std::max(v.latest, e.progress);
      v.latest_index = index;
      v.peer = e.target;
      v.latest_seen = now;
      break;
    }
    case MsgType::FinishWork: {
      work_at(e.work).finished = true;
      const auto it = std::lower_bound(open_.begin(), open_.end(), e.work);
      if (it != open_.end() && *it == e.work) open_.erase(it);
      break;
    }
    default: break;  // NodeJoin, NodeLeave, NewLeader: the Registry holds the membership
  }
}

}  // namespace cansim::can

// The CAN ledger as a replicated state machine (§4): every member keeps its own copy.
//
// The leader appends an entry to its copy, stamped with its nonce and the next index, and sends
// it to every member. A member appends an entry only right after the one it follows (same index
// and nonce before it); otherwise it asks the leader for what it misses (LedgerFetch), and the
// leader answers with a snapshot of the committed ledger and the entries after it. Each member
// acknowledges how far its copy matches the leader's; an entry is committed once a majority of
// the members hold it, and only then does the leader act on it outside the CAN (it tells the
// component of its Work Entry, acknowledges a checkpoint, answers a Register). A leader that
// takes over (LeadElect, a bootstrap, a restart) first asks the members how far their copies
// go, waits for a majority, takes the entries it lacks from the most advanced copy (highest
// nonce, then index) and appends a NewLeader entry; committing it commits everything before it.
// A committed entry is on a majority and every majority has one member in common with it, so a
// new leader never loses one (Raft's argument; the CAN's election itself is the paper's).
#include <algorithm>

#include <fmt/format.h>

#include "can_internal.hpp"
#include "cansim/protocols/can/can.hpp"
#include "cansim/protocols/can/rules.hpp"
#include "cansim/sim/invariant.hpp"

namespace cansim::can {

using detail::msg;

namespace {

std::string describe(const LedgerEntry& e) {
  return fmt::format("{}(target {}, work {}, checkpoint {}, nonce {})", kMsgTypeNames[static_cast<std::size_t>(e.type)], e.target,
                     e.work, e.progress, e.nonce);
}

}  // namespace

void Can::reset_node(NodeId n) {
  // Its copy of the ledger is on disk and survives (so a committed entry is lost only if every
  // member that held it is removed); the rest was in memory.
  LedgerCopy kept = std::move(nodes_[n].ledger);
  nodes_[n] = MemberState{};
  nodes_[n].ledger = std::move(kept);
  leading_.erase(n);
}

void Can::preregister_component(NodeId component) {
  // A genesis state of the CAN ledger, before the run: every copy starts from it.
  index_component(component, true);
  genesis_.insert(std::upper_bound(genesis_.begin(), genesis_.end(), component), component);
  arm_refresh(component);  // as if its Register had been answered
}

LeaderState& Can::leading(NodeId leader) {
  LeaderState& l = leading_[leader];
  if (l.nonce != nodes_[leader].nonce || l.match.size() != nodes_.size()) {  // a new term starts afresh
    l = LeaderState{};
    l.nonce = nodes_[leader].nonce;
    l.match.assign(nodes_.size(), 0);
    l.told.assign(nodes_.size(), 0);
    l.since = sim_.now();
    l.rr = comps_.empty() ? 0 : static_cast<std::uint32_t>(comps_.size() - 1);  // round robin starts at the first
  }
  return l;
}

void Can::release_busy(NodeId leader, std::uint64_t nonce, std::uint32_t w) {
  auto it = leading_.find(leader);
  if (it != leading_.end() && it->second.nonce == nonce && nodes_[leader].nonce == nonce)
    it->second.watch(w).busy_until = SimTime{0};
}

bool Can::append_entry(NodeId leader, LedgerEntry e, NodeId to, CanMsg owed) {
  if (!may_append(leader)) return false;
  MemberState& node = nodes_[leader];
  LeaderState& l = leading(leader);
  e.nonce = node.nonce;
  node.ledger.append(e, sim_.now());
  const std::uint32_t index = node.ledger.last();
  if (l.first_own == 0) l.first_own = index;
  l.match[leader] = index;
  l.last_append = sim_.now();
  l.appended.push_back(sim_.now());
  if (to != kNobody) l.owed.push_back({index, to, owed});
  ++node.entries;
  apply_entry(leader, e);
  for (NodeId q : member_list_) {
    if (q == leader || (e.type == MsgType::NodeLeave && q == e.target)) continue;
    send_entry(leader, q, index, false);
  }
  advance_commit(leader);
  return true;
}

void Can::send_entry(NodeId from, NodeId to, std::uint32_t index, bool relay) {
  const LedgerCopy& copy = nodes_[from].ledger;
  const LedgerEntry& e = copy.at(index);
  CanMsg m = msg(e.type);
  m.nonce = nodes_[from].nonce;
  m.target = e.target;
  m.proposer = e.component;
  m.work = e.work;
  m.progress = e.progress;
  m.index = index;
  m.entry_nonce = e.nonce;
  m.prev_nonce = copy.nonce_at(index - 1);
  m.commit = copy.commit();
  m.relay = relay;
  send(from, to, m);
}

bool Can::admits(NodeId self, NodeId from, const CanMsg& m) {
  // An entry or snapshot counts if it comes from a leader by the Registry's nonce, or (relayed)
  // from the member a new leader asked while it catches up.
  if (!is_member(self)) return false;
  if (m.relay) {
    auto it = leading_.find(self);
    return it != leading_.end() && it->second.fetching && it->second.best == from;
  }
  if (m.nonce < registry_nonce()) {
    // Fencing: from a leader deposed in the Registry. A member's own promise does not fence:
    // after an election that failed, the leader it promised against still leads.
    ++stale_entries_;
    note(self, "StaleEntry", m.nonce);
    return false;
  }
  return true;
}

void Can::finish_sync_if_caught_up(NodeId leader) {
  const LeaderState& l = leading(leader);
  const LedgerCopy& copy = nodes_[leader].ledger;
  if (copy.last() >= l.best_index && copy.nonce_at(l.best_index) == l.best_nonce) finish_sync(leader);
}

CanMsg Can::commit_notice(NodeId from, bool relay) const {
  const LedgerCopy& copy = nodes_[from].ledger;
  CanMsg s = msg(MsgType::Snapshot, 0, nodes_[from].nonce);
  s.index = copy.commit();
  s.entry_nonce = copy.nonce_at(copy.commit());
  s.relay = relay;
  return s;
}

LedgerCopy::Put Can::take_entry(NodeId self, std::uint32_t index, std::uint64_t prev, const LedgerEntry& e,
                                std::uint32_t commit, std::uint64_t sender_nonce) {
  MemberState& node = nodes_[self];
  const LedgerCopy::Put r = node.ledger.put(index, prev, e, sim_.now());
  switch (r) {
    case LedgerCopy::Put::Appended:
      ++node.entries;
      apply_entry(self, e);
      [[fallthrough]];
    case LedgerCopy::Put::Held: node.ledger.set_commit(std::min(commit, index)); break;
    case LedgerCopy::Put::Gap:
      // Ahead of one it misses (reordered, or lost): kept until the gap fills.
      if (node.ahead.size() < kMaxAhead) node.ahead.insert_or_assign(index, MemberState::Ahead{prev, e, commit, sender_nonce});
      break;
    case LedgerCopy::Put::Mismatch: node.ahead.clear(); break;
    case LedgerCopy::Put::Refused:
      ++stale_entries_;
      note(self, "StaleEntry", e.nonce);
      break;
  }
  return r;
}

std::uint32_t Can::take_ahead(NodeId self) {
  // The entries kept ahead that follow on now, in order; those it holds by now are dropped, and
  // so are those of a leader the Registry deposed meanwhile (fencing, as when they arrived).
  MemberState& node = nodes_[self];
  std::uint32_t matched = 0;
  while (!node.ahead.empty() && node.ahead.begin()->first <= node.ledger.last() + 1) {
    const auto [index, a] = *node.ahead.begin();
    node.ahead.erase(node.ahead.begin());
    if (index <= node.ledger.last() || a.sender_nonce < registry_nonce()) continue;
    const LedgerCopy::Put r = take_entry(self, index, a.prev_nonce, a.entry, a.commit, a.sender_nonce);
    if (r != LedgerCopy::Put::Appended) {
      node.ahead.clear();
      break;
    }
    matched = index;
  }
  return matched;
}

void Can::ack_ledger(NodeId self, NodeId to, std::uint64_t nonce, std::uint32_t matched) {
  CanMsg ack = msg(MsgType::LedgerAck, 0, nonce);
  ack.index = matched;
  ack.commit = nodes_[self].ledger.commit();
  send(self, to, ack);
}

void Can::on_entry(NodeId self, NodeId from, const CanMsg& m) {
  MemberState& node = nodes_[self];
  if (!admits(self, from, m)) return;
  const LedgerEntry e{m.type, m.entry_nonce, m.target, m.proposer, m.work, m.progress};
  switch (take_entry(self, m.index, m.prev_nonce, e, m.commit, m.nonce)) {
    case LedgerCopy::Put::Appended:
    case LedgerCopy::Put::Held: {
      const std::uint32_t matched = std::max(m.index, take_ahead(self));
      apply_commits(self);
      if (node.want_from != 0 && node.ledger.last() >= node.want_from) node.want_from = 0;
      if (m.relay) return finish_sync_if_caught_up(self);
      return ack_ledger(self, from, m.nonce, matched);
    }
    case LedgerCopy::Put::Gap:
      // The missing entry is most likely on its way (jitter reorders): the next checkState tick
      // asks for it if it has not come by then. A new leader catching up asks at once.
      node.want_from = node.ledger.last() + 1;
      if (m.relay) ask_missing(self, from);
      return;
    case LedgerCopy::Put::Mismatch: ask_missing(self, from); return;
    case LedgerCopy::Put::Refused: return;
  }
}

void Can::ask_missing(NodeId self, NodeId to) {
  // One request at a time; checkState asks again if nothing came.
  MemberState& node = nodes_[self];
  node.want_from = node.ledger.last() + 1;
  if (node.fetch_at.us >= 0 && sim_.now() - node.fetch_at < config_.vote_timeout) return;
  node.fetch_at = sim_.now();
  CanMsg f = msg(MsgType::LedgerFetch, 0, node.nonce);
  f.index = node.want_from;
  auto it = leading_.find(self);
  f.relay = it != leading_.end() && it->second.fetching && it->second.best == to;
  send(self, to, f);
}

void Can::on_ledger_fetch(NodeId self, NodeId from, const CanMsg& m) {
  if (!is_member(self) || m.index == 0) return;
  if (m.relay) return send_catch_up(self, from, m.index, true);  // a new leader catching up
  if (!may_append(self)) return;                                 // not the leader: the member asks the Registry's leader again
  LeaderState& l = leading(self);
  if (l.match[from] >= m.index) {
    l.match[from] = m.index - 1;
    l.counted = UINT64_MAX;  // recount
  }
  send_catch_up(self, from, m.index, false);
}

void Can::send_catch_up(NodeId from, NodeId to, std::uint32_t from_index, bool relay) {
  // One message: a snapshot of the committed ledger (the ledger's size), with the entries after
  // it from `from_index` on. Sent one by one, they reordered again under jitter.
  const LedgerCopy& copy = nodes_[from].ledger;
  CanMsg s = commit_notice(from, relay);
  const std::uint32_t start = std::max(from_index, copy.commit() + 1);
  if (start <= copy.last()) {
    s.tail_from = start;
    s.prev_nonce = copy.nonce_at(start - 1);
    s.tail = std::make_shared<const std::vector<LedgerEntry>>(copy.entries().begin() + (start - 1), copy.entries().end());
  }
  send(from, to, std::move(s));
}

void Can::on_snapshot(NodeId self, NodeId from, const CanMsg& m) {
  MemberState& node = nodes_[self];
  if (!admits(self, from, m)) return;
  if (m.index > committed_.size()) {
    throw InvariantViolation(sim_.now(), fmt::format("Snapshot from {} to {} up to entry {}", from, self, m.index),
                             fmt::format("only {} entries were committed", committed_.size()));
  }
  // The sender's committed entries are the committed ledger's (checked as each was committed),
  // so the copy is taken from there.
  if (node.ledger.install(committed_, m.index, sim_.now())) node.repair_all = true;
  std::uint32_t matched = node.ledger.commit() >= m.index ? m.index : 0;
  if (m.tail) {
    std::uint64_t prev = m.prev_nonce;
    for (std::size_t k = 0; k < m.tail->size(); ++k) {
      const LedgerEntry& e = (*m.tail)[k];
      const auto index = static_cast<std::uint32_t>(m.tail_from + k);
      const LedgerCopy::Put r = take_entry(self, index, prev, e, m.index, m.nonce);
      prev = e.nonce;
      if (r == LedgerCopy::Put::Appended || r == LedgerCopy::Put::Held) {
        matched = index;
      } else if (r == LedgerCopy::Put::Mismatch) {
        ask_missing(self, from);
        break;
      } else if (r == LedgerCopy::Put::Refused) {
        break;
      }
    }
  }
  matched = std::max(matched, take_ahead(self));
  apply_commits(self);
  if (node.ahead.empty() || node.ledger.last() >= node.want_from) node.want_from = 0;
  if (m.relay) return finish_sync_if_caught_up(self);
  if (matched > 0) ack_ledger(self, from, m.nonce, matched);
}

void Can::on_ledger_ack(NodeId leader, NodeId from, const CanMsg& m) {
  if (!may_append(leader) || m.nonce != nodes_[leader].nonce || from >= nodes_.size()) return;
  LeaderState& l = leading(leader);
  l.told[from] = std::max(l.told[from], std::min(m.commit, nodes_[leader].ledger.commit()));
  if (m.index <= l.match[from]) return;
  const std::uint32_t target = std::max(nodes_[leader].ledger.commit() + 1, l.first_own);
  if (l.counted == members_version_ && is_member(from) && l.match[from] < target && m.index >= target) ++l.acks_next;
  l.match[from] = std::min(m.index, nodes_[leader].ledger.last());
  advance_commit(leader);
}

void Can::advance_commit(NodeId leader) {
  // Entries commit in order, once a majority of the members hold them; those of earlier leaders
  // only with one of the leader's own (Raft's rule: counting copies of an older entry is not
  // enough, a later leader might still replace it).
  MemberState& node = nodes_[leader];
  LeaderState& l = leading(leader);
  while (l.first_own != 0 && node.ledger.commit() < node.ledger.last()) {
    const std::uint32_t target = std::max(node.ledger.commit() + 1, l.first_own);
    if (l.counted != members_version_) {
      l.acks_next = 0;
      for (NodeId q : member_list_) l.acks_next += l.match[q] >= target ? 1 : 0;
      l.counted = members_version_;
    }
    if (!majority(l.acks_next, member_list_.size())) return;
    const std::uint32_t from = node.ledger.commit() + 1;
    node.ledger.set_commit(target);
    apply_commits(leader);
    l.counted = UINT64_MAX;  // the next entry is counted afresh
    for (std::uint32_t i = from; i <= target; ++i) committed(leader, i);
    if (!may_append(leader)) return;  // what it owed may have changed the world
  }
}

void Can::committed(NodeId leader, std::uint32_t index) {
  const LedgerEntry& e = nodes_[leader].ledger.at(index);
  const auto event = [&] { return fmt::format("commit of entry {} by leader {}: {}", index, leader, describe(e)); };
  if (index <= committed_.size() && !(committed_[index - 1] == e)) {
    // Another entry was committed here. Legitimate only if no member of the CAN holds it any more
    // (every member that held it was removed, or a bootstrap restarted the CAN): the ledger lost it
    // and what followed. A member still in the CAN holding it means a leader skipped it.
    for (NodeId q : member_list_) {
      const LedgerCopy& copy = nodes_[q].ledger;
      if (copy.last() >= index && copy.at(index) == committed_[index - 1]) {
        throw InvariantViolation(
            sim_.now(), event(),
            fmt::format("entry {} was committed as {}, which member {} holds", index, describe(committed_[index - 1]), q));
      }
    }
    entries_lost_ += committed_.size() - (index - 1);
    note(leader, "LedgerLost", index, committed_.size());
    committed_.resize(index - 1);
    committed_at_.resize(index - 1);
  }
  if (index <= committed_.size()) {
    // committed before (an earlier leader's entry, committed again with this leader's)
  } else if (index == committed_.size() + 1) {
    committed_.push_back(e);
    committed_at_.push_back(sim_.now());
    if (const LeaderState& own = leading(leader); index >= own.first_own && own.first_own != 0)
      commit_lags_.push_back(sim_.now() - own.appended[index - own.first_own]);
    apply_committed(e);
    // The behaviour hears of each checkpoint once, when it is first committed, whichever leader
    // commits it (one that took over commits its predecessor's last entries).
    if (e.type == MsgType::CheckpointWork && behaviour_.committed) behaviour_.committed(leader, e.work, e.progress);
  } else {
    throw InvariantViolation(sim_.now(), event(),
                             fmt::format("entries {} to {} were never committed", committed_.size() + 1, index - 1));
  }
  LeaderState& l = leading(leader);
  while (!l.owed.empty() && l.owed.front().index <= index) {
    const LeaderState::Owed o = l.owed.front();
    l.owed.pop_front();
    send(leader, o.to, o.m);
  }
}

SimTime Can::appended_at(NodeId leader, std::uint32_t index) const {
  auto it = leading_.find(leader);
  if (it == leading_.end()) return sim_.now();
  const LeaderState& l = it->second;
  if (l.first_own == 0 || index < l.first_own) return l.since;
  return l.appended.at(index - l.first_own);
}

void Can::apply_committed(const LedgerEntry& e) {
  // The oracle: the committed ledger's work table and components, and the invariants on them.
  switch (e.type) {
    case MsgType::ComponentJoin: index_component(e.target, true); break;
    case MsgType::ComponentLeave:
      if (!is_registered_component(e.target)) break;
      index_component(e.target, false);
      ++component_removals_;
      record_removal(e.target);
      break;
    case MsgType::AssignWork:
    case MsgType::ReassignWork: {
      const NodeId previous = ledger_.work.at(e.work).assignee;
      ledger_.assign(e.work, e.target, sim_.now(), [this](NodeId c) { return is_registered_component(c); });
      ledger_.work.at(e.work).assigned_index = static_cast<std::uint32_t>(committed_.size());  // this entry's
      if (previous != kNoComponent) {
        const bool crashed = crashed_at(previous).us >= 0 && !net_.is_up(previous);
        reassignments_.push_back({sim_.now(), e.work, previous, e.target, crashed ? crashed_at(previous) : SimTime{-1}});
      }
      break;
    }
    case MsgType::CheckpointWork:
      // Acknowledged only by a member that stored it (UploadAck says yes only once stored).
      if (!audit_.ever_stored(e.target, e.work, e.progress)) {
        throw InvariantViolation(sim_.now(), fmt::format("commit of CheckpointWork(work {}, checkpoint {})", e.work, e.progress),
                                 fmt::format("its storage peer {} never stored it", e.target));
      }
      ledger_.checkpoint(e.work, e.component, e.progress, sim_.now());
      audit_.acknowledged(e.work, e.progress);
      break;
    case MsgType::FinishWork:
      ledger_.finish(e.work, sim_.now());
      open_work_.erase(e.work);
      audit_.removed(e.work);
      break;
    default: break;
  }
}

void Can::start_sync(NodeId leader) {
  // LedgerSync: how far does each member's copy go? The most advanced of a majority's copies
  // holds every committed entry.
  MemberState& node = nodes_[leader];
  LeaderState& l = leading(leader);
  l.syncing = true;
  l.fetching = false;
  l.replies = is_member(leader) ? 1 : 0;
  l.best = leader;
  l.best_index = node.ledger.last();
  l.best_nonce = node.ledger.nonce_at(l.best_index);
  l.sync_until = sim_.now() + config_.vote_timeout * 2;
  note(leader, "LedgerSync", node.nonce);
  const std::uint64_t nonce = node.nonce;
  for (NodeId q : member_list_) {
    if (q == leader) continue;
    request(
        leader, q, msg(MsgType::LedgerSync, 0, nonce), config_.vote_timeout,
        [this, leader, q, nonce](const CanMsg& r) {
          if (nodes_[leader].nonce == nonce && leads(leader)) on_sync_reply(leader, q, r);
        },
        [] {});
  }
  on_sync_reply(leader, leader, CanMsg{});  // a CAN of one
}

void Can::on_sync_reply(NodeId leader, NodeId from, const CanMsg& r) {
  LeaderState& l = leading(leader);
  if (!l.syncing || l.fetching) return;
  if (from != leader) {
    ++l.replies;
    if (r.entry_nonce > l.best_nonce || (r.entry_nonce == l.best_nonce && r.index > l.best_index)) {
      l.best = from;
      l.best_index = r.index;
      l.best_nonce = r.entry_nonce;
    }
  }
  if (!majority(l.replies, member_list_.size())) return;
  if (l.best == leader) return finish_sync(leader);
  l.fetching = true;
  nodes_[leader].fetch_at = SimTime{-1};
  ask_missing(leader, l.best);
}

void Can::finish_sync(NodeId leader) {
  MemberState& node = nodes_[leader];
  LeaderState& l = leading(leader);
  l.syncing = l.fetching = false;
  node.synced_for = node.nonce;
  node.want_from = 0;
  note(leader, "NewLeader", node.nonce, node.ledger.last());
  append_entry(leader, LedgerEntry{MsgType::NewLeader});
}

void Can::resend_lagging(NodeId leader) {
  // A member whose copy is behind the committed entries, or behind the last one for a while (an
  // entry or its acknowledgement was lost), is sent what it misses; one that has them all but has
  // not acknowledged knowing how far they are committed is told (by a snapshot of what it holds:
  // one message), again at each check until it acknowledges (a notice can be lost too).
  LeaderState& l = leading(leader);
  const LedgerCopy& copy = nodes_[leader].ledger;
  const bool quiet = sim_.now() - l.last_append >= config_.vote_timeout;
  for (NodeId q : member_list_) {
    if (q == leader) continue;
    if (l.match[q] < copy.commit() || (quiet && l.match[q] < copy.last())) {
      send_catch_up(leader, q, l.match[q] + 1, false);
    } else if (l.told[q] < copy.commit()) {
      send(leader, q, commit_notice(leader, false));
    }
  }
}

void Can::apply_entry(NodeId self, const LedgerEntry& e) {
  // A member's part in an entry it appended: the initial storage peer replicates the checkpoint
  // (a copy too many does no harm if the entry is replaced).
  if (e.type == MsgType::CheckpointWork && e.target == self) replicate(self, e.work, e.progress);
  if (e.type == MsgType::CheckpointWork) nodes_[self].repair_queue.push_back(e.work);
}

void Can::apply_commits(NodeId self) {
  // Its part in entries once they are committed: FinishWork removes the Work Entry's checkpoints
  // (before, a new leader might not have the entry and need them).
  nodes_[self].ledger.each_newly_committed([this, self](const LedgerEntry& e) {
    if (e.type == MsgType::FinishWork) drop_replicas(self, e.work);
  });
}

}  // namespace cansim::can

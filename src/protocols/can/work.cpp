// Work administration (§4.2.1): AssignWork, CheckpointWork, ReassignWork, FinishWork.
//
// The leader appends each entry to the CAN ledger only while it leads by the Registry's nonce (a
// deposed leader appends nothing) and sends it stamped with that nonce (ledger_sync.cpp). Open choices, all in
// CanConfig: the round robin starts after the last component offered; a component validates a
// Work Entry by having room for it (component_capacity); the leader picks the initial storage
// peer of a checkpoint at random among the members; that peer copies it, when it appends the
// CheckpointWork entry, to the members that rank highest for the Work Entry (replica_holders), and
// a holder that lacks it fetches it (repair_replicas); a replica lives in its member's memory and
// is lost when that member crashes. A checkpoint is acknowledged to the component once the entry
// is committed on a majority of the members' ledger copies. A new assignee asks every member for the newest checkpoint it holds
// and resumes from the newest answer ("from any of the CAN nodes").
#include <algorithm>
#include <memory>

#include "can_internal.hpp"
#include "cansim/protocols/can/can.hpp"

#include <fmt/format.h>

namespace cansim::can {

using detail::msg;

namespace {

CanMsg work_msg(MsgType type, std::uint32_t w, std::uint32_t progress = 0, NodeId target = 0) {
  CanMsg m = msg(type);
  m.work = w;
  m.progress = progress;
  m.target = target;
  return m;
}

}  // namespace

std::uint32_t Can::submit_work(std::uint32_t length) {
  // The client keeps its Work Entries (the oracle's table records them) and hands them to
  // whichever leader the Registry names until they are finished: open_work_.
  const std::uint32_t w = ledger_.submit(std::max<std::uint32_t>(length, 1), sim_.now());
  track_.push_back({SimTime{0}, sim_.now(), 0});
  open_work_.insert(w);
  if (may_append(registry_leader())) assign_pending(registry_leader());
  return w;
}

void Can::leader_duties(NodeId leader) {
  // Run from the leader's checkState loop: work without a live assignee is offered again, and an
  // assignee not heard of for a while is sent its entry again (the first may have been lost).
  if (!leads(leader)) return;
  if (!may_append(leader)) {  // it took over: it catches up first (ledger_sync.cpp)
    const Leading& l = leading(leader);
    if (!l.syncing || sim_.now() >= l.sync_until) start_sync(leader);
    return;
  }
  resend_lagging(leader);
  advance_commit(leader);  // the members may have changed: a majority of fewer may hold an entry now
  assign_pending(leader);
  const SimTime quiet = config_.checkpoint_interval * 2 + config_.vote_timeout * 2;
  const LedgerCopy& copy = nodes_[leader].ledger;
  for (std::uint32_t w : open_work_) {
    const WorkView& e = copy.work(w);
    if (e.finished || e.assignee == kNoComponent || !copy.registered(e.assignee)) continue;
    if (sim_.now() - track_[w].last_heard < quiet) continue;
    track_[w].last_heard = sim_.now();
    send(leader, e.assignee, work_msg(e.reassignments ? MsgType::ReassignWork : MsgType::AssignWork, w, 0, e.assignee));
  }
}

NodeId Can::next_component(NodeId leader) {
  // Round robin over the components the leader's copy registers, after the last one offered.
  const auto& list = nodes_[leader].ledger.components();
  if (list.empty()) return kNoComponent;
  auto it = std::upper_bound(list.begin(), list.end(), first_component_ + rr_);
  if (it == list.end()) it = list.begin();
  rr_ = *it - first_component_;
  return *it;
}

void Can::assign_pending(NodeId leader) {
  if (!may_append(leader)) return;
  const LedgerCopy& copy = nodes_[leader].ledger;
  for (std::uint32_t w : open_work_) {
    const WorkView& e = copy.work(w);
    if (e.finished || (e.assignee != kNoComponent && copy.registered(e.assignee))) continue;
    if (sim_.now() < track_[w].busy_until) continue;  // an offer is out
    const NodeId c = next_component(leader);
    if (c == kNoComponent) return;
    offer(leader, w, c);
  }
}

void Can::offer(NodeId leader, std::uint32_t w, NodeId component) {
  // Step 1: the component validates the Work Entry and accepts; step 2: the ledger entry.
  track_[w].busy_until = sim_.now() + config_.vote_timeout;
  request(
      leader, component, work_msg(MsgType::WorkOffer, w), config_.vote_timeout,
      [this, leader, w, component](const CanMsg& r) {
        track_[w].busy_until = SimTime{0};
        const LedgerCopy& copy = nodes_[leader].ledger;
        const WorkView& e = copy.work(w);
        const bool needed = !e.finished && (e.assignee == kNoComponent || !copy.registered(e.assignee));
        if (!r.yes || !needed || !may_append(leader) || !copy.registered(component)) return;
        commit_assignment(leader, w, component);
      },
      [this, w] { track_[w].busy_until = SimTime{0}; });
}

void Can::commit_assignment(NodeId leader, std::uint32_t w, NodeId component) {
  // AssignWork, or ReassignWork away from a deregistered assignee; the component hears of it
  // once the entry is committed.
  const NodeId previous = nodes_[leader].ledger.work(w).assignee;
  const MsgType type = previous == kNoComponent ? MsgType::AssignWork : MsgType::ReassignWork;
  CanMsg to_component = work_msg(type, w, 0, component);
  to_component.n = nodes_[leader].nonce;
  LedgerEntry e{type};
  e.target = component;
  e.work = w;
  if (!append_entry(leader, e, component, to_component)) return;
  track_[w].last_heard = sim_.now();
  note(component, type == MsgType::AssignWork ? "AssignWork" : "ReassignWork", w, previous);
}

void Can::restart_component_work(NodeId leader, NodeId component) {
  // ReassignWork to the same component: it restarts each of its Work Entries from the checkpoints.
  std::vector<std::uint32_t> mine;
  for (std::uint32_t w : open_work_) {
    const WorkView& e = nodes_[leader].ledger.work(w);
    if (!e.finished && e.assignee == component) mine.push_back(w);
  }
  for (std::uint32_t w : mine) commit_assignment(leader, w, component);
}

void Can::on_offer(NodeId self, NodeId from, const CanMsg& m) {
  auto it = runs_.find(self);
  const std::size_t running = it == runs_.end() ? 0 : it->second.size();
  const bool room = config_.component_capacity == 0 || running < config_.component_capacity;
  send(self, from, msg(MsgType::WorkAccept, m.request, 0, 0, room));
}

Can::Run* Can::find_run(NodeId c, std::uint32_t w) {
  auto it = runs_.find(c);
  if (it == runs_.end()) return nullptr;
  for (Run& r : it->second) {
    if (r.work == w) return &r;
  }
  return nullptr;
}

void Can::on_assignment(NodeId self, const CanMsg& m) {
  if (find_run(self, m.work) != nullptr) return;  // running it already (a repeated entry)
  const std::uint32_t w = m.work;
  if (m.type == MsgType::AssignWork) return start_run(self, w, 0);
  // ReassignWork: fetch the checkpoint array from the members and resume from the newest.
  runs_of(self).push_back({w, 0, true});  // a placeholder while fetching
  struct Fetching {
    std::size_t waiting;
    std::uint32_t newest = 0;
    bool conclusive = true;
  };
  auto state = std::make_shared<Fetching>(Fetching{member_list_.size() + 1});
  const std::uint32_t incarnation = comps_[self - first_component_].incarnation;
  auto done = [this, self, w, state, incarnation] {
    if (--state->waiting > 0 || comps_[self - first_component_].incarnation != incarnation) return;
    if (state->conclusive) audit_.check_resume(w, state->newest, sim_.now());
    const std::uint32_t lost = track_[w].reached > state->newest ? track_[w].reached - state->newest : 0;
    resumes_.push_back({sim_.now(), w, self, state->newest, lost, state->conclusive});
    note(self, "Resume", w, state->newest);
    drop_run(self, w);  // the placeholder
    start_run(self, w, state->newest);
  };
  for (NodeId q : member_list_) {
    request(
        self, q, work_msg(MsgType::Fetch, w), config_.vote_timeout,
        [state, done](const CanMsg& r) {
          state->newest = std::max(state->newest, r.progress);
          done();
        },
        [state, done] {
          state->conclusive = false;
          done();
        });
  }
  done();  // the count started one above the members, so that no answer finishes it early
}

void Can::on_fetch(NodeId self, NodeId from, const CanMsg& m) {
  CanMsg r = work_msg(MsgType::FetchReply, m.work, nodes_[self].store.newest(m.work));
  r.request = m.request;
  send(self, from, r);
}

void Can::start_run(NodeId c, std::uint32_t w, std::uint32_t progress) {
  runs_of(c).push_back({w, progress, false});
  if (behaviour_.start) return behaviour_.start(c, w, progress);
  sim_.after(config_.checkpoint_interval,
             [this, c, w, incarnation = comps_[c - first_component_].incarnation] { tick(c, w, incarnation); });
}

void Can::tick(NodeId c, std::uint32_t w, std::uint32_t incarnation) {
  // One checkpoint interval of work done (or, once complete, WorkDone repeated).
  if (comps_[c - first_component_].incarnation != incarnation || !net_.is_up(c)) return;
  Run* run = find_run(c, w);
  if (run == nullptr) return;  // shut down, or taken away
  sim_.after(config_.checkpoint_interval, [this, c, w, incarnation] { tick(c, w, incarnation); });
  if (!run->done) {
    ++run->progress;
    track_[w].reached = std::max(track_[w].reached, run->progress);
    run->done = run->progress >= ledger_.work[w].length;
  }
  if (run->done) {
    send(c, registry_leader(), work_msg(MsgType::WorkDone, w));
  } else {
    save_checkpoint(c, w, run->progress);
  }
}

void Can::checkpoint(NodeId c, std::uint32_t w, std::uint32_t progress, std::function<void(bool)> done) {
  if (find_run(c, w) == nullptr || !net_.is_up(c)) {
    if (done) done(false);
    return;
  }
  save_checkpoint(c, w, progress, std::move(done));
}

void Can::work_done(NodeId c, std::uint32_t w) {
  if (net_.is_up(c)) send(c, registry_leader(), work_msg(MsgType::WorkDone, w));
}

void Can::save_checkpoint(NodeId c, std::uint32_t w, std::uint32_t progress, std::function<void(bool)> done) {
  // CheckpointWork, component side: ask the leader for a storage peer, upload, report.
  const NodeId leader = registry_leader();
  auto fail = [done] {
    if (done) done(false);
  };
  request(
      c, leader, work_msg(MsgType::CheckpointRequest, w, progress), config_.vote_timeout,
      [this, c, w, progress, leader, done, fail](const CanMsg& r) {
        if (r.stop) {  // the work is no longer ours
          drop_run(c, w);
          if (behaviour_.stop) behaviour_.stop(c, w);
          // Its last work taken from it: it may have been voted out without hearing of it
          // (the ComponentLeave lost). It registers again; if it is still registered, the
          // leader takes the Register for a retry and nothing changes.
          if (auto it = runs_.find(c); it == runs_.end() || it->second.empty()) register_component(c);
          return fail();
        }
        if (!r.yes) return fail();  // the built-in worker tries again with the next checkpoint
        const NodeId peer = r.target;
        request(
            c, peer, work_msg(MsgType::Upload, w, progress), config_.vote_timeout,
            [this, c, w, progress, leader, peer, done, fail](const CanMsg& up) {
              if (!up.yes) return fail();
              request(
                  c, leader, work_msg(MsgType::CheckpointStored, w, progress, peer), config_.vote_timeout,
                  [done](const CanMsg& ack) {
                    if (done) done(ack.yes);
                  },
                  fail);
            },
            fail);
      },
      fail);
}

bool Can::from_assignee(NodeId leader, NodeId from, const CanMsg& m, CanMsg& reply) const {
  // Whether a leader may act on `from`'s request about m.work; a component that is no longer the
  // assignee is told to stop.
  if (!may_append(leader) || m.work >= ledger_.work.size()) return false;
  const WorkView& e = nodes_[leader].ledger.work(m.work);
  reply.stop = e.finished || e.assignee != from;
  return !reply.stop;
}

void Can::on_checkpoint_request(NodeId leader, NodeId from, const CanMsg& m) {
  // Step 1: the leader picks the initial storage peer and tells the component.
  CanMsg r = work_msg(MsgType::CheckpointPeer, m.work, m.progress);
  r.request = m.request;
  if (from_assignee(leader, from, m, r)) {
    track_[m.work].last_heard = sim_.now();
    r.yes = true;
    r.target = member_list_[rng_.below(member_list_.size())];
  }
  send(leader, from, r);
}

void Can::on_upload(NodeId self, NodeId from, const CanMsg& m) {
  store_replica(self, m.work, m.progress);
  CanMsg r = work_msg(MsgType::UploadAck, m.work, m.progress);
  r.request = m.request;
  r.yes = true;
  send(self, from, r);
}

void Can::store_replica(NodeId self, std::uint32_t w, std::uint32_t progress) {
  if (!is_member(self)) return;  // the CAN's storage is its members'
  auto& store = nodes_[self].store;
  if (store.contains(w, progress)) return;
  if (nodes_[self].ledger.work(w).finished) return;  // a copy that arrives after FinishWork
  store.insert(w, progress);
  audit_.stored(self, w, progress);
}

void Can::on_checkpoint_stored(NodeId leader, NodeId from, const CanMsg& m) {
  // Step 2: the CheckpointWork entry, which tells the peers to replicate; then the acknowledgement.
  CanMsg r = work_msg(MsgType::CheckpointAck, m.work, m.progress);
  r.request = m.request;
  // An older checkpoint that arrived late is not committed. The acknowledgement goes out once the
  // entry is committed.
  const bool mine = from_assignee(leader, from, m, r);
  const WorkView& v = nodes_[leader].ledger.work(m.work);
  if (mine && m.progress > v.latest) {
    r.yes = true;
    LedgerEntry e{MsgType::CheckpointWork};
    e.target = m.target;
    e.component = from;
    e.work = m.work;
    e.progress = m.progress;
    if (append_entry(leader, e, from, r)) note(from, "CheckpointWork", m.work, m.progress);
    return;
  }
  if (mine && m.progress == v.latest && v.latest_index <= nodes_[leader].ledger.commit()) {
    r.yes = true;  // a repeated report of the newest committed checkpoint (its acknowledgement was lost)
  } else if (mine && m.progress == v.latest) {
    return;  // not committed yet: the acknowledgement is on its way
  }
  send(leader, from, r);
}

std::vector<NodeId> Can::replica_holders(std::uint32_t w, NodeId peer) const {
  // The initial storage peer, and the members ranking highest for w by rendezvous hashing, as many
  // as make `replication`. Every member computes the same set from the Registry's member list, and
  // a change of members moves few copies.
  std::vector<NodeId> out;
  if (is_member(peer)) out.push_back(peer);
  std::vector<std::pair<std::uint64_t, NodeId>> ranked;
  ranked.reserve(member_list_.size());
  for (NodeId q : member_list_) {
    if (q != peer) ranked.emplace_back(replica_rank(w, q), q);
  }
  const std::size_t k =
      std::min<std::size_t>(config_.replication > out.size() ? config_.replication - out.size() : 0, ranked.size());
  std::partial_sort(ranked.begin(), ranked.begin() + static_cast<std::ptrdiff_t>(k), ranked.end(), std::greater<>());
  for (std::size_t i = 0; i < k; ++i) out.push_back(ranked[i].second);
  return out;
}

bool Can::holds_replicas(std::uint32_t w, NodeId peer, NodeId q) const {
  // replica_holders(w, peer) contains q, without building it.
  if (!is_member(q)) return false;
  if (q == peer) return true;
  const std::size_t k = config_.replication > (is_member(peer) ? 1u : 0u) ? config_.replication - (is_member(peer) ? 1 : 0) : 0;
  const std::uint64_t mine = replica_rank(w, q);
  std::size_t above = 0;
  for (NodeId x : member_list_) {
    if (x != peer && x != q && replica_rank(w, x) > mine && ++above >= k) return false;
  }
  return above < k;
}

void Can::replicate(NodeId self, std::uint32_t w, std::uint32_t progress) {
  // The initial storage peer copies the checkpoint to the other replica holders.
  if (!nodes_[self].store.contains(w, progress)) return;  // lost it
  for (NodeId q : replica_holders(w, self)) {
    if (q != self) push_replica(self, q, w, progress);
  }
}

void Can::repair_replicas(NodeId self) {
  // A replica holder that lacks the newest checkpoint of an open Work Entry in its copy of the
  // ledger (it crashed and lost it, joined since, or a copy never came) fetches it, from the
  // initial storage peer or, if that one left, from another member. It waits one check interval
  // after learning of the checkpoint, for the storage peer's copy. Only Work Entries with a new
  // checkpoint or a failed fetch are looked at, or all after a crash, a snapshot or a change of
  // members: scanning every open entry at every tick cost a long run more than all else.
  Node& node = nodes_[self];
  std::vector<std::uint32_t> look;
  if (node.repair_all || node.repair_members != members_version_) {
    look = node.ledger.open_work();
  } else {
    look.swap(node.repair_queue);
    std::sort(look.begin(), look.end());
    look.erase(std::unique(look.begin(), look.end()), look.end());
  }
  node.repair_all = false;
  node.repair_members = members_version_;
  node.repair_queue.clear();
  for (std::uint32_t w : look) {
    const WorkView& v = node.ledger.work(w);
    if (v.latest == 0 || v.finished || node.store.contains(w, v.latest)) continue;
    if (sim_.now() - v.latest_seen < config_.check_interval) {
      node.repair_queue.push_back(w);  // too early: next tick
      continue;
    }
    if (!holds_replicas(w, v.peer, self)) continue;
    NodeId from = v.peer;
    if (from == self || !is_member(from)) {
      if (member_list_.size() < 2) continue;
      from = self;
      while (from == self) from = member_list_[rng_.below(member_list_.size())];
    }
    const std::uint32_t latest = v.latest;
    request(
        self, from, work_msg(MsgType::Fetch, w), config_.vote_timeout,
        [this, self, w, latest](const CanMsg& r) {
          if (r.progress == latest) {
            store_replica(self, w, latest);
          } else {
            nodes_[self].repair_queue.push_back(w);
          }
        },
        [this, self, w] { nodes_[self].repair_queue.push_back(w); });
  }
}

void Can::push_replica(NodeId self, NodeId q, std::uint32_t w, std::uint32_t progress) {
  // A copy is acknowledged (UploadAck); a copy or an acknowledgement lost is sent again, while
  // the sender holds the checkpoint, the receiver is a member and the work is open. Without it, a
  // lost message left the checkpoint short of its replicas for good (the swarm's liveness check).
  request(
      self, q, work_msg(MsgType::Replicate, w, progress), config_.vote_timeout, [](const CanMsg&) {},
      [this, self, q, w, progress] {
        sim_.after(config_.check_interval, [this, self, q, w, progress] {
          if (!net_.is_up(self) || !nodes_[self].store.contains(w, progress) || !is_member(q) ||
              nodes_[self].ledger.work(w).finished) {
            return;
          }
          push_replica(self, q, w, progress);
        });
      });
}

void Can::on_work_done(NodeId leader, NodeId from, const CanMsg& m) {
  // FinishWork: the component runs the shut-down instructions, then the entry removes the
  // checkpoints everywhere.
  if (!may_append(leader) || m.work >= ledger_.work.size()) return;
  const WorkView& e = nodes_[leader].ledger.work(m.work);
  if (e.finished || e.assignee != from || sim_.now() < track_[m.work].busy_until) return;
  track_[m.work].last_heard = sim_.now();
  track_[m.work].busy_until = sim_.now() + config_.vote_timeout;  // one shutdown at a time
  const std::uint32_t w = m.work;
  request(
      leader, from, work_msg(MsgType::Shutdown, w), config_.vote_timeout,
      [this, leader, w](const CanMsg&) {
        track_[w].busy_until = SimTime{0};
        const WorkView& v = nodes_[leader].ledger.work(w);
        if (v.finished) return;
        const NodeId assignee = v.assignee;
        LedgerEntry e{MsgType::FinishWork};
        e.work = w;
        if (append_entry(leader, e)) note(assignee, "FinishWork", w);
      },
      [this, w] { track_[w].busy_until = SimTime{0}; });
}

void Can::on_shutdown(NodeId self, NodeId from, const CanMsg& m) {
  const bool running = find_run(self, m.work) != nullptr;
  drop_run(self, m.work);
  if (running && behaviour_.stop) behaviour_.stop(self, m.work);
  CanMsg r = work_msg(MsgType::ShutdownDone, m.work);
  r.request = m.request;
  r.yes = true;
  send(self, from, r);
}

std::size_t Can::replicas_held(std::uint32_t w) const {
  std::size_t n = 0;
  for (const Node& node : nodes_) {
    n += node.store.count(w);
  }
  return n;
}

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

void Can::drop_replicas(NodeId member, std::uint32_t w) { nodes_[member].store.erase(w); }

void Can::drop_run(NodeId c, std::uint32_t w) {
  auto it = runs_.find(c);
  if (it == runs_.end()) return;
  auto& runs = it->second;
  runs.erase(std::remove_if(runs.begin(), runs.end(), [w](const Run& r) { return r.work == w; }), runs.end());
}

}  // namespace cansim::can

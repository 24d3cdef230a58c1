// AssignWork (§4.2.1): the leader offers each open Work Entry round robin to the components its
// copy of the CAN ledger registers; the first that accepts gets it through an AssignWork entry, or
// a ReassignWork entry when the previous assignee was deregistered. The component hears of it once
// the entry is committed. Open choices, all in CanConfig: the round robin starts after the last
// component offered; a component validates a Work Entry by having room for it
// (component_capacity).
//
// The work protocols, one file each: assign_work, reassign_work, checkpoint_work (and replicas,
// the checkpoint store), finish_work; component.cpp is the built-in worker. The leader appends each
// entry to the CAN ledger only while it leads by the Registry's nonce (a deposed leader appends
// nothing) and sends it stamped with that nonce (ledger_sync.cpp).
#include <algorithm>

#include "can_internal.hpp"
#include "cansim/protocols/can/can.hpp"

namespace cansim::can {

using detail::msg;
using detail::work_msg;

std::uint32_t Can::submit_work(std::uint32_t length) {
  // The client keeps its Work Entries (the oracle's table records them) and hands them to
  // whichever leader the Registry names until they are finished: open_work_.
  const std::uint32_t w = ledger_.submit(std::max<std::uint32_t>(length, 1), sim_.now());
  reached_.push_back(0);
  open_work_.insert(w);
  if (may_append(registry_leader())) assign_pending(registry_leader());
  return w;
}

void Can::leader_duties(NodeId leader) {
  // Run from the leader's checkState loop: work without a live assignee is offered again, and an
  // assignee not heard of for a while is sent its entry again (the first may have been lost).
  if (!leads(leader)) return;
  if (!may_append(leader)) {  // it took over: it catches up first (ledger_sync.cpp)
    const LeaderState& l = leading(leader);
    if (!l.syncing || sim_.now() >= l.sync_until) start_sync(leader);
    return;
  }
  resend_lagging(leader);
  advance_commit(leader);  // the members may have changed: a majority of fewer may hold an entry now
  assign_pending(leader);
  const SimTime quiet = config_.checkpoint_interval * 2 + config_.vote_timeout * 2;
  const LedgerCopy& copy = nodes_[leader].ledger;
  LeaderState& l = leading(leader);
  for (std::uint32_t w : open_work_) {
    const WorkView& e = copy.work(w);
    if (e.finished || e.assignee == kNoComponent || !copy.registered(e.assignee)) continue;
    // Only a committed assignment: the component hears of one once it is committed (an entry a
    // majority never held may still be replaced, and its component would run work not its own).
    if (e.assigned_index > copy.commit()) continue;
    if (sim_.now() - l.watch(w).last_heard < quiet) continue;
    l.watch(w).last_heard = sim_.now();
    CanMsg again = work_msg(e.reassignments ? MsgType::ReassignWork : MsgType::AssignWork, w, e.latest, e.assignee);
    again.proposer = e.latest == 0 ? kNobody : e.peer;
    again.index = e.assigned_index;
    send(leader, e.assignee, again);
  }
}

NodeId Can::next_component(NodeId leader) {
  // Round robin over the components the leader's copy registers, after the last one offered.
  const auto& list = nodes_[leader].ledger.components();
  if (list.empty()) return kNoComponent;
  std::uint32_t& rr = leading(leader).rr;
  auto it = std::upper_bound(list.begin(), list.end(), first_component_ + rr);
  if (it == list.end()) it = list.begin();
  rr = *it - first_component_;
  return *it;
}

void Can::assign_pending(NodeId leader) {
  if (!may_append(leader)) return;
  const LedgerCopy& copy = nodes_[leader].ledger;
  LeaderState& l = leading(leader);
  for (std::uint32_t w : open_work_) {
    const WorkView& e = copy.work(w);
    if (e.finished || (e.assignee != kNoComponent && copy.registered(e.assignee))) continue;
    if (sim_.now() < l.watch(w).busy_until) continue;  // an offer is out
    const NodeId c = next_component(leader);
    if (c == kNoComponent) return;
    offer(leader, w, c);
  }
}

void Can::offer(NodeId leader, std::uint32_t w, NodeId component) {
  // Step 1: the component validates the Work Entry and accepts; step 2: the ledger entry.
  const std::uint64_t nonce = nodes_[leader].nonce;
  leading(leader).watch(w).busy_until = sim_.now() + config_.vote_timeout;
  auto answered = [this, leader, nonce, w] { release_busy(leader, nonce, w); };
  request(
      leader, component, work_msg(MsgType::WorkOffer, w), config_.vote_timeout,
      [this, leader, w, component, answered](const CanMsg& r) {
        answered();
        const LedgerCopy& copy = nodes_[leader].ledger;
        const WorkView& e = copy.work(w);
        const bool needed = !e.finished && (e.assignee == kNoComponent || !copy.registered(e.assignee));
        if (!r.yes || !needed || !may_append(leader) || !copy.registered(component)) return;
        assign_work(leader, w, component);
      },
      answered);
}

void Can::assign_work(NodeId leader, std::uint32_t w, NodeId component) {
  // AssignWork, or ReassignWork away from a deregistered assignee; the component hears of it
  // once the entry is committed.
  const NodeId previous = nodes_[leader].ledger.work(w).assignee;
  const MsgType type = previous == kNoComponent ? MsgType::AssignWork : MsgType::ReassignWork;
  // A ReassignWork names the newest checkpoint and its storage peer (the checkpoint array's end).
  const WorkView& v = nodes_[leader].ledger.work(w);
  CanMsg to_component = work_msg(type, w, v.latest, component);
  to_component.proposer = v.latest == 0 ? kNobody : v.peer;
  to_component.nonce = nodes_[leader].nonce;
  to_component.index = nodes_[leader].ledger.last() + 1;  // the entry's: a later one supersedes a stale run
  LedgerEntry e{type};
  e.target = component;
  e.work = w;
  if (!append_entry(leader, e, component, to_component)) return;
  leading(leader).watch(w).last_heard = sim_.now();
  note(component, type == MsgType::AssignWork ? "AssignWork" : "ReassignWork", w, previous);
}

void Can::on_offer(NodeId self, NodeId from, const CanMsg& m) {
  auto it = runs_.find(self);
  const std::size_t running = it == runs_.end() ? 0 : it->second.size();
  const bool room = config_.component_capacity == 0 || running < config_.component_capacity;
  send(self, from, msg(MsgType::WorkAccept, m.request, 0, 0, room));
}

void Can::on_assignment(NodeId self, const CanMsg& m) {
  const std::uint32_t w = m.work;
  const auto& shut = comps_[self - first_component_].shut_down;
  if (std::find(shut.begin(), shut.end(), std::make_pair(w, m.index)) != shut.end()) {
    // Shut down already under this very assignment (its ShutdownDone was lost): done, not anew.
    return send(self, registry_leader(), work_msg(MsgType::WorkDone, w));
  }
  if (const WorkRun* run = find_run(self, w)) {
    if (run->assignment >= m.index) return;  // running it already (a repeated entry)
    // A stale run (from before it was voted out and the work moved away and back): the newer
    // assignment supersedes it, and the work resumes from the newest checkpoint, not its own.
    drop_run(self, w);
    if (behaviour_.stop) behaviour_.stop(self, w);
  }
  // A first AssignWork starts at 0. The leader's repeat of one carries the entry's newest
  // checkpoint: an assignee that lost its run meanwhile resumes from there, as after a
  // ReassignWork (orchestration swarm seed 733 started a shut-down application anew).
  if (m.type == MsgType::AssignWork && m.progress == 0) return start_run(self, w, 0, m.index);
  // ReassignWork: resume from the newest checkpoint the members hold (reassign_work.cpp).
  resume_work(self, w, m.index, m.progress, m.proposer);
}

}  // namespace cansim::can

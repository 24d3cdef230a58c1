// CheckpointWork (§4.2.1): the component asks the leader for a storage peer (the leader picks it
// at random among the members), uploads the checkpoint to it and reports it stored; the leader
// appends the CheckpointWork entry, and acknowledges the checkpoint to the component once the
// entry is committed on a majority of the members' copies. Replication: replicas.cpp.
#include "can_internal.hpp"
#include "cansim/protocols/can/can.hpp"

namespace cansim::can {

using detail::work_msg;

void Can::checkpoint(NodeId c, std::uint32_t w, std::uint32_t progress, std::function<void(bool)> done) {
  if (find_run(c, w) == nullptr || !net_.is_up(c)) {
    if (done) done(false);
    return;
  }
  save_checkpoint(c, w, progress, std::move(done));
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
    leading(leader).watch(m.work).last_heard = sim_.now();
    r.yes = true;
    r.target = member_list_[rng_.below(member_list_.size())];
  }
  send(leader, from, r);
}

void Can::on_upload(NodeId self, NodeId from, const CanMsg& m) {
  // Yes only once it holds the checkpoint: a node voted out of the CAN stores nothing.
  CanMsg r = work_msg(MsgType::UploadAck, m.work, m.progress);
  r.request = m.request;
  r.yes = store_replica(self, m.work, m.progress);
  send(self, from, r);
}

bool Can::store_replica(NodeId self, std::uint32_t w, std::uint32_t progress) {
  if (!is_member(self)) return false;  // the CAN's storage is its members'
  auto& store = nodes_[self].store;
  if (store.contains(w, progress)) return true;
  if (nodes_[self].ledger.work(w).finished) return false;  // a copy that arrives after FinishWork
  store.insert(w, progress);
  audit_.stored(self, w, progress);
  return true;
}

void Can::checkpoint_work(NodeId leader, NodeId from, const CanMsg& m) {
  // Step 2: the CheckpointWork entry, which tells the peers to replicate; then the acknowledgement.
  CanMsg r = work_msg(MsgType::CheckpointAck, m.work, m.progress);
  r.request = m.request;
  // An older checkpoint that arrived late is not committed. The acknowledgement goes out once the
  // entry is committed.
  const bool mine = from_assignee(leader, from, m, r);
  const WorkView& v = nodes_[leader].ledger.work(m.work);
  // The entry names only a member: a storage peer voted out since it was picked holds nothing
  // (the component is told no, and saves its next checkpoint elsewhere).
  if (mine && m.progress > v.latest && !is_member(m.target)) return send(leader, from, r);
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

}  // namespace cansim::can

// The checkpoint store (§4.2.1, CheckpointWork): the initial storage peer copies a checkpoint,
// when it appends the CheckpointWork entry, to the members that rank highest for the Work Entry
// (replica_holders, rendezvous hashing); a holder that lacks it fetches it (repair_replicas). A
// replica lives in its member's memory (ReplicaStore) and is lost when that member crashes.
#include <algorithm>

#include "can_internal.hpp"
#include "cansim/protocols/can/can.hpp"

namespace cansim::can {

using detail::work_msg;

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
  // initial storage peer (a member or not: one voted out still holds what it stored), or from
  // another member once a fetch from there failed. It waits one check interval
  // after learning of the checkpoint, for the storage peer's copy. Only Work Entries with a new
  // checkpoint or a failed fetch are looked at, or all after a crash, a snapshot or a change of
  // members: scanning every open entry at every tick cost a long run more than all else.
  MemberState& node = nodes_[self];
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
    auto failed = std::find(node.repair_failed.begin(), node.repair_failed.end(), w);
    const bool again = failed != node.repair_failed.end();
    if (again) node.repair_failed.erase(failed);
    if (from == self || again) {
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
            nodes_[self].repair_failed.push_back(w);
          }
        },
        [this, self, w] {
          nodes_[self].repair_queue.push_back(w);
          nodes_[self].repair_failed.push_back(w);
        });
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

void Can::drop_replicas(NodeId member, std::uint32_t w) { nodes_[member].store.erase(w); }

std::size_t Can::replicas_held(std::uint32_t w) const {
  std::size_t n = 0;
  for (const MemberState& node : nodes_) {
    n += node.store.count(w);
  }
  return n;
}

}  // namespace cansim::can

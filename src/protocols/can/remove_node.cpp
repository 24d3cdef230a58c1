// RemoveNode (§4.1.2) and Deregister (§4.2): a member or component removed only by a majority vote.
#include "cansim/protocols/can/can.hpp"

#include "cansim/model/chain/contracts/registry.hpp"
#include "can_internal.hpp"
#include "cansim/protocols/can/rules.hpp"

namespace cansim::can {

using detail::msg;

void Can::listen_remove(NodeId leader, NodeId target) {
  // listenRemove: a vote among the members, the leader's own included; each voter pings the
  // target itself. Removed only by a simple majority (the reporter may be the one cut off).
  MemberState& node = nodes_[leader];
  if (node.leader != leader || !(is_member(target) || node.ledger.registered(target)) || votes_.count({leader, target})) return;
  votes_[{leader, target}] = 0;
  ++removal_votes_;
  probe(
      leader, target, [] {},
      [this, leader, target] {
        auto it = votes_.find({leader, target});
        if (it != votes_.end()) ++it->second;
      });
  for (NodeId q : member_list_) {
    if (q == leader || q == target) continue;
    CanMsg v = msg(MsgType::Vote);
    v.target = target;
    request(
        leader, q, v, config_.vote_timeout + probe_time(),
        [this, leader, target](const CanMsg& r) {
          auto it = votes_.find({leader, target});
          if (r.yes && it != votes_.end()) ++it->second;
        },
        [] {});
  }
  sim_.after(config_.vote_timeout + probe_time() + config_.ping_timeout, [this, leader, target] { tally(leader, target); });
}

void Can::on_vote_request(NodeId self, NodeId from, const CanMsg& m) {
  const std::uint64_t request_id = m.request;
  const NodeId target = m.target;
  probe(
      self, target, [this, self, from, request_id] { send(self, from, msg(MsgType::VoteReply, request_id)); },
      [this, self, from, request_id] { send(self, from, msg(MsgType::VoteReply, request_id, 0, 0, true)); });
}

void Can::tally(NodeId leader, NodeId target) {
  auto it = votes_.find({leader, target});
  if (it == votes_.end()) return;  // the leader crashed meanwhile
  const std::uint32_t yes = it->second;
  votes_.erase(it);
  if (!majority(yes, member_list_.size()) || !net_.is_up(leader)) {
    note(leader, "VoteKept", target, yes);
    return;
  }
  if (target >= first_component_) {
    // Deregister (§4.2): a ledger entry, no Registry transaction; its work goes to others.
    if (!nodes_[leader].ledger.registered(target)) return;
    // The component is told too, once the entry is committed: alive but suspected, it registers
    // again (on_voted_out).
    CanMsg told = msg(MsgType::ComponentLeave);
    told.target = target;
    told.nonce = nodes_[leader].nonce;
    LedgerEntry e{MsgType::ComponentLeave};
    e.target = target;
    if (!append_entry(leader, e, target, told)) return;
    note(leader, "Deregister", target, yes);
    assign_pending(leader);
    return;
  }
  // One membership change at a time: a removal that has to wait is voted again (its reporters
  // report it again at their next check).
  if (!may_change_members(leader)) {
    note(leader, "VoteDeferred", target, yes);
    return;
  }
  // deregisterPeer in the Registry (only the leader may: a deposed leader's transaction reverts),
  // then broadcast_node_leave: a record of the change, which the members read in the Registry.
  note(leader, "RemoveNode", target, yes);
  ++membership_txs_;
  submit(chain::registry::deregister_member(reg_, member_address(leader), member_address(target)),
         [this, leader, target](const chain::Receipt& r) {
           --membership_txs_;
           if (r.status != chain::Status::Success) return;
           ++removals_;
           record_removal(target);
           record_membership_change(leader, MsgType::NodeLeave, target);
         });
}

}  // namespace cansim::can

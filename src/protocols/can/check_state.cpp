// checkState (§4.1, Algorithm 2): failure detection by periodic pings of a member and a component.
#include "cansim/protocols/can/can.hpp"

#include <algorithm>

#include "can_internal.hpp"
#include "cansim/model/chain/contracts/registry.hpp"

namespace cansim::can {

using detail::msg;

void Can::check_state(NodeId n) {
  // Algorithm 2: ping a random member; a silent leader starts LeadElect, a silent member is
  // reported to the leader.
  MemberState& node = nodes_[n];
  if (!net_.is_up(n) || !(is_member(n) || node.leader == n)) {
    checking_[n] = 0;  // arm_check begins the loop again when it recovers or joins
    return;
  }
  sim_.after(config_.check_interval, [this, n] { check_state(n); });
  if (const NodeId named = registry_leader(); node.leader != named) {
    // A member that missed the LeaderChanged of a new leader would otherwise follow the old one
    // for good while it answers pings (a deposed leader: it neither checks nor promises, so nobody
    // votes it out). Every member reads the Registry at every tick and follows the leader it names.
    note(n, node.leader == n ? "Deposed" : "FollowRegistry", named);
    node.leader = named;
    node.nonce = std::max(node.nonce, registry_nonce());
    if (!is_member(n)) return;  // removed while it was cut off: the next tick ends the loop
  }
  repair_replicas(n);
  if (node.leader == n) return leader_duties(n);  // the leader does not check; it offers work
  // Entries it found missing and asked for without an answer: it asks the leader again.
  if (node.want_from != 0 && (node.fetch_at.us < 0 || sim_.now() - node.fetch_at >= config_.vote_timeout)) {
    ask_missing(n, node.leader);
  }
  if (member_list_.size() < 2) return;
  NodeId peer = n;
  while (peer == n) peer = member_list_[rng_.below(member_list_.size())];
  probe(
      n, peer, [] {},
      [this, n, peer] {
        if (!net_.is_up(n)) return;
        if (peer == nodes_[n].leader) {
          lead_elect(n);
        } else {
          CanMsg r = msg(MsgType::RemoveRequest);
          r.target = peer;
          note(n, "RemoveRequest", peer);
          send(n, nodes_[n].leader, r);
        }
      });
  // §4.2: "a node will also check the state of a randomly selected Component".
  const auto& components = node.ledger.components();
  if (components.empty()) return;
  const NodeId comp = components[rng_.below(components.size())];
  probe(
      n, comp, [] {},
      [this, n, comp] {
        if (!net_.is_up(n)) return;
        CanMsg r = msg(MsgType::RemoveRequest);
        r.target = comp;
        note(n, "RemoveRequest", comp);
        send(n, nodes_[n].leader, r);
      });
}

}  // namespace cansim::can

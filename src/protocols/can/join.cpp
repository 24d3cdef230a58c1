// Join (§4.1.1, Algorithm 1): listenJoin in closed form for the step model, and askJoin/listenJoin over
// messages with the registration in the Registry.
#include "cansim/protocols/can/join.hpp"

#include <algorithm>

#include "can_internal.hpp"
#include "cansim/model/chain/contracts/registry.hpp"

namespace cansim::can {

namespace {

// floor(a / b) for b > 0 and any sign of a.
std::int64_t floor_div(std::int64_t a, std::int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

}  // namespace

std::int64_t accepted_joins(const JoinState& s, std::int64_t requests, std::int64_t drop, Admission rule) {
  if (requests <= 0) return 0;
  // The i-th request (from 0) sees current + i nodes and churn - drop * i.
  const std::int64_t room = s.nmax - s.current;  // i < room
  const std::int64_t slack = s.churn + s.nmin - s.current;
  std::int64_t last_ok;  // the largest i that listenJoin accepts, ignoring nmax
  if (rule == Admission::Pseudocode) {
    // current + i <= nmin, or current + i - nmin <= churn - drop * i
    last_ok = std::max(s.nmin - s.current, floor_div(slack, 1 + drop));
  } else {
    // current + i < nmin, or current + i - nmin < churn - drop * i
    last_ok = std::max(s.nmin - s.current - 1, floor_div(slack - 1, 1 + drop));
  }
  return std::clamp<std::int64_t>(std::min(last_ok + 1, room), 0, requests);
}

using detail::msg;

void Can::ask_join(NodeId candidate, std::function<void(bool)> on_answer) {
  if (!net_.is_up(candidate) || is_member(candidate)) return;
  if (member_list_.size() >= chain::registry::nmax(chain_.state(), reg_)) return;  // askJoin: only below Nmax
  if (!chain::registry::is_candidate(chain_.state(), reg_, member_address(candidate))) {
    // Voted out, its contact was cleared: it registers as a candidate again, then asks.
    if (registering_[candidate] != 0) return;
    registering_[candidate] = 1;
    submit(chain::registry::register_candidate(reg_, member_address(candidate), member_contact(candidate)),
           [this, candidate, on_answer = std::move(on_answer)](const chain::Receipt& r) mutable {
             registering_[candidate] = 0;
             if (r.status == chain::Status::Success) ask_join(candidate, std::move(on_answer));
           });
    return;
  }
  const NodeId leader = registry_leader();
  request(
      candidate, leader, msg(MsgType::JoinRequest), config_.vote_timeout + probe_time() + chain_.config().block_interval * 2,
      [this, candidate, on_answer](const CanMsg& r) {
        if (r.yes) {  // a new member reads who leads, and by which nonce, from the Registry
          nodes_[candidate].leader = registry_leader();
          nodes_[candidate].nonce = std::max(nodes_[candidate].nonce, registry_nonce());
          ask_missing(candidate, nodes_[candidate].leader);  // and asks for the ledger
        }
        if (on_answer) on_answer(r.yes);
      },
      [] {});
}

void Can::keep_joining(NodeId candidate, SimTime retry, std::function<void()> on_member) {
  if (is_member(candidate)) {
    if (on_member) on_member();
    return;
  }
  ask_join(candidate);
  sim_.after(retry, [this, candidate, retry, on_member = std::move(on_member)]() mutable {
    keep_joining(candidate, retry, std::move(on_member));
  });
}

bool Can::may_change_members(NodeId leader) {
  if (!config_.serial_membership) return true;
  if (membership_txs_ > 0 || !may_append(leader)) return false;
  const LeaderState& l = leading(leader);
  // Its own first entry committed (a change its predecessor began is behind it), and the record
  // of its last change: a majority of the members as they are now holds every entry before. (The
  // appointed leader of a new CAN has no first entry: nothing came before it.)
  return nodes_[leader].ledger.commit() >= std::max(l.first_own, l.change_record);
}

void Can::record_membership_change(NodeId leader, MsgType type, NodeId target) {
  // Appended after the Registry's members changed, so that it commits on a majority of the new
  // members; a leader that may not append any more leaves it to its successor's NewLeader entry.
  LedgerEntry e{type};
  e.target = target;
  if (append_entry(leader, e)) leading(leader).change_record = nodes_[leader].ledger.last();
}

void Can::rejoin_tick() {
  // A node voted out while alive comes back through Join; Algorithm 1 decides whether it may.
  for (NodeId n = 0; n < nodes_.size(); ++n) {
    if (was_member_[n] && !is_member(n) && net_.is_up(n)) ask_join(n);
  }
  sim_.after(config_.rejoin_interval, [this] { rejoin_tick(); });
}

void Can::listen_join(NodeId leader, NodeId candidate, std::uint64_t request_id) {
  // listenJoin (Algorithm 1): reject at Nmax or if the candidate's endpoint does not answer;
  // above Nmin, accept only while the surplus does not exceed the churn.
  if (nodes_[leader].leader != leader || is_member(candidate) ||
      !chain::registry::is_candidate(chain_.state(), reg_, member_address(candidate)) || !may_change_members(leader)) {
    send(leader, candidate, msg(MsgType::JoinReply, request_id));
    return;
  }
  probe(
      leader, candidate,
      [this, leader, candidate, request_id] {
        MemberState& node = nodes_[leader];
        const auto& st = chain_.state();
        const JoinState js{static_cast<std::int64_t>(member_list_.size() + node.joining),
                           static_cast<std::int64_t>(chain::registry::nmin(st, reg_)),
                           static_cast<std::int64_t>(chain::registry::nmax(st, reg_)),
                           static_cast<std::int64_t>(members_left_) - static_cast<std::int64_t>(joins_ + node.joining)};
        if (node.leader != leader || !can::join_admits(js) || !may_change_members(leader)) {
          send(leader, candidate, msg(MsgType::JoinReply, request_id));
          return;
        }
        ++node.joining;
        ++membership_txs_;
        submit(chain::registry::register_member(reg_, member_address(leader), member_address(candidate)),
               [this, leader, candidate, request_id](const chain::Receipt& r) {
                 MemberState& me = nodes_[leader];
                 if (me.joining > 0) --me.joining;
                 --membership_txs_;
                 const bool ok = r.status == chain::Status::Success;
                 if (ok) {
                   ++joins_;
                   note(leader, "Join", candidate);
                   record_membership_change(leader, MsgType::NodeJoin, candidate);  // broadcast_node_join
                 }
                 send(leader, candidate, msg(MsgType::JoinReply, request_id, 0, 0, ok));
               });
      },
      [this, leader, candidate, request_id] { send(leader, candidate, msg(MsgType::JoinReply, request_id)); });
}

}  // namespace cansim::can

// LeadElect (§4.1.3, Algorithms 3 and 4): promises, signed accepts, one registerLeader transaction.
#include "cansim/protocols/can/can.hpp"

#include <algorithm>

#include "cansim/model/chain/contracts/registry.hpp"
#include "cansim/protocols/can/rules.hpp"
#include "can_internal.hpp"

namespace cansim::can {

using detail::msg;

bool Can::may_promise(const MemberState& node, std::uint64_t nonce, NodeId proposer) const {
  return can::may_promise({node.nonce, node.promised_to, sim_.now() >= node.promise_expires}, nonce, proposer);
}

std::size_t Can::elections_in_progress() const {
  return static_cast<std::size_t>(
      std::count_if(nodes_.begin(), nodes_.end(), [](const MemberState& x) { return x.proposing != 0; }));
}

void Can::lead_elect(NodeId p) {
  MemberState& node = nodes_[p];
  if (!net_.is_up(p) || node.proposing != 0) return;
  // Algorithm 3: n = read(SC, leaderNonce) + 1; the proposer promises to itself.
  const std::uint64_t nonce = registry_nonce() + 1;
  if (!may_promise(node, nonce, p)) return;  // it promised someone else this nonce, for now
  node.proposing = nonce;
  ++lead_elect_attempts_;
  note(p, "LeadElect", nonce);
  node.nonce = nonce;
  node.promised_to = p;
  node.promise_expires = sim_.now() + config_.promise_ttl;
  if (!is_member(p)) {  // removed meanwhile: nobody would count its votes
    node.proposing = 0;
    return;
  }
  proposals_[p] = Proposal{{p}, {chain::sign(keys_[p], chain::registry::accept_digest(reg_, nonce, member_address(p)))}};
  for (NodeId q : member_list_) {
    if (q == p) continue;
    request(
        p, q, msg(MsgType::Promise, 0, nonce, p), config_.vote_timeout + probe_time(),
        [this, p, q, nonce](const CanMsg& r) {
          if (r.yes && nodes_[p].proposing == nonce) proposals_[p].promised.push_back(q);
        },
        [] {});
  }
  sim_.after(config_.vote_timeout + probe_time(), [this, p, nonce] { after_promises(p, nonce); });
}

void Can::on_promise_request(NodeId self, NodeId from, const CanMsg& m) {
  // Algorithm 4: nonce <- max(nonce, Registry's); reject n <= nonce; promise only if the
  // leader does not answer a ping.
  MemberState& node = nodes_[self];
  node.nonce = std::max(node.nonce, registry_nonce());
  if (!may_promise(node, m.nonce, m.proposer) || node.leader == self || !is_member(self)) {
    send(self, from, msg(MsgType::PromiseReply, m.request, m.nonce, m.proposer, false));
    return;
  }
  const std::uint64_t request_id = m.request, nonce = m.nonce;
  const NodeId proposer = m.proposer, leader = node.leader;
  probe(
      self, leader,
      [this, self, from, request_id, nonce, proposer] {
        send(self, from, msg(MsgType::PromiseReply, request_id, nonce, proposer, false));  // the leader lives
      },
      [this, self, from, request_id, nonce, proposer] { grant_promise(self, from, proposer, nonce, request_id); });
}

void Can::grant_promise(NodeId self, NodeId from, NodeId proposer, std::uint64_t nonce, std::uint64_t request_id) {
  MemberState& node = nodes_[self];
  const bool yes = may_promise(node, nonce, proposer);
  if (yes) {
    node.nonce = nonce;
    node.promised_to = proposer;
    node.promise_expires = sim_.now() + config_.promise_ttl;
  }
  send(self, from, msg(MsgType::PromiseReply, request_id, nonce, proposer, yes));
}

void Can::after_promises(NodeId p, std::uint64_t nonce) {
  MemberState& node = nodes_[p];
  if (node.proposing != nonce || !net_.is_up(p)) return;
  const Proposal& proposal = proposals_[p];
  if (!majority(proposal.promised.size(), member_list_.size())) return give_up(p);
  for (NodeId q : proposal.promised) {
    if (q == p) continue;
    request(
        p, q, msg(MsgType::Accept, 0, nonce, p), config_.vote_timeout,
        [this, p, nonce](const CanMsg& r) {
          if (r.yes && nodes_[p].proposing == nonce) proposals_[p].accepts.push_back(r.signature);
        },
        [] {});
  }
  sim_.after(config_.vote_timeout, [this, p, nonce] { after_accepts(p, nonce); });
}

void Can::after_accepts(NodeId p, std::uint64_t nonce) {
  MemberState& node = nodes_[p];
  if (node.proposing != nonce || !net_.is_up(p)) return;
  const Proposal& proposal = proposals_[p];
  if (!majority(proposal.accepts.size(), member_list_.size())) return give_up(p);
  // The Registry reverts on any accept that is not valid (§4: the leader changes only if all
  // are), so the proposer sends each member's once (the network may have duplicated a reply) and
  // only those of members the Registry lists (a free read: one voted out meanwhile would void the
  // election).
  std::vector<chain::Signature> accepts;
  for (const chain::Signature& s : proposal.accepts) {
    const bool repeated = std::any_of(accepts.begin(), accepts.end(), [&](const chain::Signature& a) { return a.signer == s.signer; });
    if (!repeated && chain::registry::is_member(chain_.state(), reg_, s.signer)) accepts.push_back(s);
  }
  // One transaction carries the signed accepts; the Registry checks them and the nonce.
  submit(chain::registry::register_leader(reg_, member_address(p), nonce, std::move(accepts), 1000 + p),
         [this, p, nonce](const chain::Receipt& r) {
           MemberState& me = nodes_[p];
           if (me.proposing == nonce) {
             me.proposing = 0;
             proposals_.erase(p);
           }
           if (r.status != chain::Status::Success || !net_.is_up(p)) return;
           me.leader = p;
           for (NodeId q : member_list_) {
             if (q != p) send(p, q, msg(MsgType::LeaderChanged, 0, nonce, p));
           }
           start_sync(p);  // it commits nothing before it caught up
         });
}

void Can::give_up(NodeId p) {
  // It releases its own promise, so that it can back another proposer of the same nonce.
  MemberState& node = nodes_[p];
  node.proposing = 0;
  proposals_.erase(p);
  if (node.promised_to == p) node.promise_expires = sim_.now();
}

void Can::on_accept_request(NodeId self, NodeId from, const CanMsg& m) {
  // Algorithm 4: a signed accept only for the proposer promised this nonce.
  MemberState& node = nodes_[self];
  CanMsg reply = msg(MsgType::AcceptReply, m.request, m.nonce, m.proposer);
  if (may_accept({node.nonce, node.promised_to, false}, m.nonce, m.proposer)) {
    reply.yes = true;
    reply.signature = chain::sign(keys_[self], chain::registry::accept_digest(reg_, m.nonce, member_address(m.proposer)));
  }
  send(self, from, reply);
}

void Can::on_leader_changed(NodeId self, const CanMsg& m) {
  // The new leader's broadcast of its registerLeader receipt.
  MemberState& node = nodes_[self];
  if (m.nonce < node.nonce && m.nonce < registry_nonce()) return;  // stale news
  node.leader = m.proposer;
  node.nonce = std::max(node.nonce, m.nonce);
  if (node.proposing != 0 && node.proposing <= m.nonce) {  // its own election lost
    node.proposing = 0;
    proposals_.erase(self);
  }
}

}  // namespace cansim::can

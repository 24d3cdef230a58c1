// The CAN's core: members' state, the Registry as they read it, messages, requests, ledger entries.
#include "cansim/protocols/can/can.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "cansim/model/chain/contracts/registry.hpp"
#include "can_internal.hpp"
#include "cansim/sim/invariant.hpp"

namespace cansim::can {

using chain::Address;
using detail::msg;

Can::Can(Simulator& sim, Network<CanMsg>& net, chain::Chain& chain, Address reg, std::vector<chain::KeyPair> keys,
         CanConfig config, Rng rng)
    : sim_(sim), net_(net), chain_(chain), reg_(reg), keys_(std::move(keys)), config_(config), rng_(rng), nodes_(keys_.size()) {
  for (MemberState& node : nodes_) node.ledger = LedgerCopy(&genesis_);
  // What members read from the Registry, kept as an index: built from its state now, then
  // followed through its MemberJoined / MemberLeft events.
  member_pos_.assign(nodes_.size(), -1);
  checking_.assign(nodes_.size(), 0);
  was_member_.assign(nodes_.size(), 0);
  registering_.assign(nodes_.size(), 0);
  first_component_ = static_cast<NodeId>(nodes_.size());
  component_pos_.assign(net_.size() - nodes_.size(), -1);
  component_life_.assign(net_.size() - nodes_.size(), 0);
  comps_.resize(net_.size() - nodes_.size());
  reg_nonce_ = chain::registry::leader_nonce(chain_.state(), reg_);
  reg_leader_ = member_node(chain::registry::leader(chain_.state(), reg_));
  for (Address a : chain::registry::members(chain_.state(), reg_)) index_member(member_node(a), true);
  chain_.subscribe(reg_, [this](const chain::Log& log) {
    if (log.event == "MemberJoined") index_member(member_node(chain::address_of(log.args[0])), true);
    if (log.event == "MemberLeft") {
      index_member(member_node(chain::address_of(log.args[0])), false);
      ++members_left_;
    }
  });
  for (NodeId n = 0; n < nodes_.size(); ++n) on_recover(n);
  // The leader at the start has nothing to catch up with: every copy is empty.
  if (const NodeId first = registry_leader(); first < nodes_.size()) nodes_[first].synced_for = registry_nonce();
  net_.on_message([this](NodeId to, NodeId from, const CanMsg& m) { handle(to, from, m); });
  // The Registry's LeaderChanged events: the record of elections, and the invariants.
  chain_.subscribe(reg_, [this](const chain::Log& log) {
    if (log.event != "LeaderChanged") return;
    const auto nonce = static_cast<std::uint64_t>(log.args[0]);
    const NodeId leader = member_node(chain::address_of(log.args[1]));
    reg_nonce_ = nonce;  // what a member reads from the Registry from now on
    reg_leader_ = leader;
    auto [it, fresh] = leader_of_nonce_.emplace(nonce, leader);
    if (!fresh && it->second != leader) {
      throw InvariantViolation(sim_.now(), fmt::format("LeaderChanged({}, {})", nonce, leader),
                               fmt::format("two leaders for nonce {}: {} and {}", nonce, it->second, leader));
    }
    if (!elections_.empty() && nonce <= elections_.back().nonce) {
      throw InvariantViolation(sim_.now(), fmt::format("LeaderChanged({}, {})", nonce, leader),
                               fmt::format("the Registry's nonce went from {} to {}", elections_.back().nonce, nonce));
    }
    elections_.push_back({sim_.now(), nonce, leader});
    note(leader, "LeaderChanged", nonce);
    // The leader the Registry names learns it from the event (LeadElect's proposer knows already;
    // one the owner appointed does not).
    if (leader < nodes_.size() && net_.is_up(leader) && nodes_[leader].nonce <= nonce) {
      nodes_[leader].leader = leader;
      nodes_[leader].nonce = nonce;
    }
  });
}

void Can::index_member(NodeId n, bool member) {
  if (member && member_pos_[n] < 0) {
    ++members_version_;
    // A member back in the CAN brings back what it still stores (the only copy, maybe, with
    // replication 1); a crash while it was out cleared it.
    if (was_member_[n]) audit_.returned(n, [this, n](std::uint32_t w, std::uint32_t p) { return nodes_[n].store.contains(w, p); });
    was_member_[n] = 1;
    member_pos_[n] = static_cast<std::int32_t>(member_list_.size());
    member_list_.push_back(n);
    arm_check(n);
  } else if (!member && member_pos_[n] >= 0) {
    ++members_version_;
    nodes_[n].ledger.forget_commit();
    // A member that left takes no part in the CAN's storage (it stores nothing new, and counts as
    // no replica), but what it holds is still on it: a member repairing a replica may fetch it
    // from there (with replication 1, a storage peer voted out while alive had the only copy).
    audit_.lost(n, false);
    const NodeId last = member_list_.back();
    member_list_[static_cast<std::size_t>(member_pos_[n])] = last;
    member_pos_[last] = member_pos_[n];
    member_list_.pop_back();
    member_pos_[n] = -1;
  }
}

void Can::on_crash(NodeId n) {
  // Volatile state is gone (a member's checkpoint replicas with it), and so are the requests it
  // was waiting on.
  crashed_at_[n] = sim_.now();
  if (n < nodes_.size()) {
    reset_node(n);
    proposals_.erase(n);
    votes_.erase(votes_.lower_bound({n, 0}), votes_.lower_bound({n + 1, 0}));
    audit_.lost(n, true);
  } else {
    ComponentState& comp = comps_[n - first_component_];
    runs_.erase(n);
    comp.shut_down.clear();
    ++comp.incarnation;
  }
  for (std::uint32_t slot = 0; slot < pending_.size(); ++slot) {
    Pending& p = pending_[slot];
    if (!p.live || p.requester != n) continue;
    sim_.cancel(p.timer);
    release(slot);
  }
}

void Can::on_recover(NodeId n) {
  if (n >= nodes_.size()) {
    // A restarted component registers again; the leader restarts its work from the checkpoints.
    const ComponentState& comp = comps_[n - first_component_];
    if (comp.registered_once || comp.asked) register_component(n);
    return;
  }
  // A (re)started member reads the leader and the nonce from the Registry, as at system start.
  reset_node(n);
  MemberState& node = nodes_[n];
  node.leader = registry_leader();
  node.nonce = registry_nonce();
  // It may have missed entries while it was down: it asks the leader.
  if (started_ && is_member(n) && node.leader != n) ask_missing(n, node.leader);
  arm_check(n);
}

void Can::start() {
  started_ = true;
  for (NodeId n = 0; n < nodes_.size(); ++n) arm_check(n);
  if (config_.rejoin_interval.us > 0) sim_.after(config_.rejoin_interval, [this] { rejoin_tick(); });
}

void Can::arm_check(NodeId n) {
  // One checkState loop per live member, begun at a random point of its period. A loop that
  // finds its node down or outside the CAN ends; recovering or joining begins one again.
  if (!started_ || checking_[n] || !net_.is_up(n) || !(is_member(n) || nodes_[n].leader == n)) return;
  checking_[n] = 1;
  sim_.after(SimTime{rng_.uniform_int(1, config_.check_interval.us)}, [this, n] { check_state(n); });
}

void Can::send(NodeId from, NodeId to, CanMsg m) {
  ++messages_;
  ++by_type_[static_cast<std::size_t>(m.type)];
  net_.send(from, to, m);
}

void Can::request(NodeId from, NodeId to, CanMsg m, SimTime timeout, std::function<void(const CanMsg&)> on_reply,
                  std::function<void()> on_timeout) {
  const std::uint32_t slot = pending_.acquire();
  Pending& p = pending_[slot];
  p.requester = from;
  p.live = true;
  p.on_reply = std::move(on_reply);
  p.on_timeout = std::move(on_timeout);
  const std::uint64_t id = (static_cast<std::uint64_t>(++p.uses) << 32) | (slot + 1);
  p.timer = sim_.after(timeout, [this, id] {
    Pending* q = waiting(id);
    if (q == nullptr) return;
    auto fn = std::move(q->on_timeout);
    release(static_cast<std::uint32_t>((id & 0xffffffffU) - 1));
    fn();
  });
  m.request = id;
  send(from, to, m);
}

Can::Pending* Can::waiting(std::uint64_t id) {
  const std::uint64_t low = id & 0xffffffffU;
  if (low == 0 || low > pending_.size()) return nullptr;
  Pending& p = pending_[low - 1];
  return p.live && p.uses == static_cast<std::uint32_t>(id >> 32) ? &p : nullptr;
}

void Can::release(std::uint32_t slot) {
  Pending& p = pending_[slot];
  p.live = false;
  p.on_reply = nullptr;
  p.on_timeout = nullptr;
  pending_.release(slot);
}

void Can::probe(NodeId from, NodeId to, std::function<void()> on_alive, std::function<void()> on_silent, std::uint32_t attempt) {
  request(
      from, to, msg(MsgType::Ping), config_.ping_timeout, [on_alive](const CanMsg&) { on_alive(); },
      [this, from, to, on_alive, on_silent, attempt] {
        if (attempt + 1 < config_.ping_attempts) {
          probe(from, to, on_alive, on_silent, attempt + 1);
        } else {
          on_silent();
        }
      });
}

void Can::handle(NodeId self, NodeId from, const CanMsg& m) {
  switch (m.type) {
    case MsgType::Ping: send(self, from, msg(MsgType::Pong, m.request)); break;
    case MsgType::Pong:
    case MsgType::PromiseReply:
    case MsgType::AcceptReply:
    case MsgType::VoteReply:
    case MsgType::JoinReply:
    case MsgType::RegisterReply:
    case MsgType::WorkAccept:
    case MsgType::CheckpointPeer:
    case MsgType::UploadAck:
    case MsgType::CheckpointAck:
    case MsgType::FetchReply:
    case MsgType::ShutdownDone:
    case MsgType::LedgerSyncReply: {
      Pending* p = waiting(m.request);
      if (p == nullptr) break;  // late: the timeout has run
      sim_.cancel(p->timer);
      auto fn = std::move(p->on_reply);
      release(static_cast<std::uint32_t>((m.request & 0xffffffffU) - 1));
      fn(m);
      break;
    }
    case MsgType::Promise: on_promise_request(self, from, m); break;
    case MsgType::JoinRequest: listen_join(self, from, m.request); break;
    case MsgType::NodeJoin:
    case MsgType::NodeLeave:
    case MsgType::ComponentJoin:
    case MsgType::NewLeader: on_entry(self, from, m); break;
    case MsgType::ComponentLeave:
      if (self >= first_component_) {
        on_voted_out(self, m);
      } else {
        on_entry(self, from, m);
      }
      break;
    case MsgType::LedgerAck: on_ledger_ack(self, from, m); break;
    case MsgType::LedgerFetch: on_ledger_fetch(self, from, m); break;
    case MsgType::Snapshot: on_snapshot(self, from, m); break;
    case MsgType::LedgerSync: {
      const LedgerCopy& copy = nodes_[self].ledger;
      CanMsg r = msg(MsgType::LedgerSyncReply, m.request, m.nonce);
      r.index = copy.last();
      r.entry_nonce = copy.nonce_at(copy.last());
      send(self, from, r);
      break;
    }
    case MsgType::Register: listen_register(self, from, m.request, m.incarnation); break;
    case MsgType::RemoveRequest: listen_remove(self, m.target); break;
    case MsgType::Vote: on_vote_request(self, from, m); break;
    case MsgType::Accept: on_accept_request(self, from, m); break;
    case MsgType::LeaderChanged: on_leader_changed(self, m); break;
    case MsgType::WorkOffer: on_offer(self, from, m); break;
    case MsgType::AssignWork:
    case MsgType::ReassignWork:
      if (self >= first_component_) {
        on_assignment(self, m);
      } else {
        on_entry(self, from, m);
      }
      break;
    case MsgType::CheckpointRequest: on_checkpoint_request(self, from, m); break;
    case MsgType::Upload: on_upload(self, from, m); break;
    case MsgType::CheckpointStored: checkpoint_work(self, from, m); break;
    case MsgType::CheckpointWork:
    case MsgType::FinishWork: on_entry(self, from, m); break;
    case MsgType::Replicate:
      if (store_replica(self, m.work, m.progress) && m.request != 0) send(self, from, msg(MsgType::UploadAck, m.request, 0, 0, true));
      break;
    case MsgType::Fetch: on_fetch(self, from, m); break;
    case MsgType::WorkDone: finish_work(self, from, m); break;
    case MsgType::Shutdown: on_shutdown(self, from, m); break;
  }
}

bool Can::leads(NodeId n) const {
  return n < nodes_.size() && net_.is_up(n) && nodes_[n].leader == n && nodes_[n].nonce >= registry_nonce();
}

void Can::submit(chain::Transaction tx, std::function<void(const chain::Receipt&)> on_receipt) {
  const std::string name = tx.name;
  ++transactions_[name].sent;
  chain_.submit(std::move(tx), [this, name, on_receipt = std::move(on_receipt)](const chain::Receipt& r) {
    TxCount& t = transactions_[name];
    t.gas += r.gas_used;
    if (r.status == chain::Status::Success) ++t.succeeded;
    on_receipt(r);
  });
}

void Can::record_removal(NodeId n) {
  if (crashed_at(n).us >= 0 && !net_.is_up(n)) detections_.push_back({n, crashed_at(n), sim_.now()});
}

}  // namespace cansim::can

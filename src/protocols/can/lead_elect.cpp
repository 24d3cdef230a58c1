#include "cansim/protocols/can/lead_elect.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "cansim/model/chain/contracts/registry.hpp"
#include "cansim/protocols/can/join.hpp"
#include "cansim/sim/invariant.hpp"

namespace cansim::can {

using chain::Address;

chain::Address member_address(NodeId n) { return Address{100 + static_cast<std::uint64_t>(n)}; }

namespace {

NodeId node_of(Address a) { return static_cast<NodeId>(a.id - 100); }

CanMsg msg(MsgType type, std::uint64_t request = 0, std::uint64_t n = 0, NodeId proposer = 0, bool yes = false) {
  CanMsg m{};
  m.type = type;
  m.request = request;
  m.n = n;
  m.proposer = proposer;
  m.yes = yes;
  return m;
}

}  // namespace

CanMembership::CanMembership(Simulator& sim, Network<CanMsg>& net, chain::Chain& chain, Address reg,
                             std::vector<chain::KeyPair> keys, CanConfig config, Rng rng)
    : sim_(sim), net_(net), chain_(chain), reg_(reg), keys_(std::move(keys)), config_(config), rng_(rng),
      requests_(sim), nodes_(keys_.size()) {
  // What members read from the Registry, kept as an index: built from its state now, then
  // followed through its MemberJoined / MemberLeft events.
  member_pos_.assign(nodes_.size(), -1);
  first_component_ = static_cast<NodeId>(nodes_.size());
  component_pos_.assign(net_.size() - nodes_.size(), -1);
  for (Address a : chain::registry::members(chain_.state(), reg_)) index_member(node_of(a), true);
  chain_.subscribe(reg_, [this](const chain::Log& log) {
    if (log.event == "MemberJoined") index_member(node_of(chain::address_of(log.args[0])), true);
    if (log.event == "MemberLeft") index_member(node_of(chain::address_of(log.args[0])), false);
  });
  for (NodeId n = 0; n < nodes_.size(); ++n) on_recover(n);
  net_.on_message([this](NodeId to, NodeId from, const CanMsg& m) { handle(to, from, m); });
  // The Registry's LeaderChanged events: the record of elections, and the invariants.
  chain_.subscribe(reg_, [this](const chain::Log& log) {
    if (log.event != "LeaderChanged") return;
    const auto nonce = static_cast<std::uint64_t>(log.args[0]);
    const NodeId leader = node_of(chain::address_of(log.args[1]));
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
  });
}

std::uint64_t CanMembership::registry_nonce() const { return chain::registry::leader_nonce(chain_.state(), reg_); }

void CanMembership::index_member(NodeId n, bool member) {
  if (member && member_pos_[n] < 0) {
    member_pos_[n] = static_cast<std::int32_t>(member_list_.size());
    member_list_.push_back(n);
  } else if (!member && member_pos_[n] >= 0) {
    const NodeId last = member_list_.back();
    member_list_[static_cast<std::size_t>(member_pos_[n])] = last;
    member_pos_[last] = member_pos_[n];
    member_list_.pop_back();
    member_pos_[n] = -1;
  }
}

void CanMembership::on_crash(NodeId n) {
  // Volatile state is gone, and so are the requests it was waiting on.
  if (n < nodes_.size()) nodes_[n] = Node{};
  std::vector<std::uint64_t> mine;
  for (const auto& [id, pending] : on_reply_) {
    if (pending.requester == n) mine.push_back(id);
  }
  std::sort(mine.begin(), mine.end());  // cancelling in a fixed order, though order cannot matter here
  for (std::uint64_t id : mine) {
    requests_.complete(id);
    on_reply_.erase(id);
  }
}

void CanMembership::on_recover(NodeId n) {
  if (n >= nodes_.size()) return;  // a component: nothing of the CAN's to rebuild
  // A (re)started member reads the leader and the nonce from the Registry, as at system start.
  Node& node = nodes_[n];
  node = Node{};
  node.leader = node_of(chain::registry::leader(chain_.state(), reg_));
  node.nonce = registry_nonce();
  if (started_) {
    sim_.after(SimTime{rng_.uniform_int(1, config_.check_interval.us)}, [this, n] { check_state(n); });
  }
}

void CanMembership::start() {
  started_ = true;
  for (NodeId n = 0; n < nodes_.size(); ++n) {
    sim_.after(SimTime{rng_.uniform_int(1, config_.check_interval.us)}, [this, n] { check_state(n); });
  }
}

void CanMembership::send(NodeId from, NodeId to, CanMsg m) {
  ++messages_;
  ++by_type_[static_cast<std::size_t>(m.type)];
  net_.send(from, to, m);
}

void CanMembership::request(NodeId from, NodeId to, CanMsg m, SimTime timeout, std::function<void(const CanMsg&)> on_reply,
                            std::function<void()> on_timeout) {
  const std::uint64_t id = requests_.start(
      timeout, std::function<void(std::uint64_t)>([this, on_timeout = std::move(on_timeout)](std::uint64_t expired) {
        on_reply_.erase(expired);
        on_timeout();
      }));
  on_reply_[id] = {from, std::move(on_reply)};
  m.request = id;
  send(from, to, m);
}

void CanMembership::probe(NodeId from, NodeId to, std::function<void()> on_alive, std::function<void()> on_silent,
                          std::uint32_t attempt) {
  request(from, to, msg(MsgType::Ping), config_.ping_timeout, [on_alive](const CanMsg&) { on_alive(); },
          [this, from, to, on_alive, on_silent, attempt] {
            if (attempt + 1 < config_.ping_attempts) {
              probe(from, to, on_alive, on_silent, attempt + 1);
            } else {
              on_silent();
            }
          });
}

void CanMembership::handle(NodeId self, NodeId from, const CanMsg& m) {
  switch (m.type) {
    case MsgType::Ping: send(self, from, msg(MsgType::Pong, m.request)); break;
    case MsgType::Pong:
    case MsgType::PromiseReply:
    case MsgType::AcceptReply:
    case MsgType::VoteReply:
    case MsgType::JoinReply:
    case MsgType::RegisterReply: {
      if (!requests_.complete(m.request)) break;  // late: the timeout has run
      auto it = on_reply_.find(m.request);
      if (it == on_reply_.end()) break;
      auto fn = std::move(it->second.fn);
      on_reply_.erase(it);
      fn(m);
      break;
    }
    case MsgType::Promise: on_promise_request(self, from, m); break;
    case MsgType::JoinRequest: listen_join(self, from, m.request); break;
    case MsgType::NodeJoin:
    case MsgType::NodeLeave:
    case MsgType::ComponentJoin:
    case MsgType::ComponentLeave: apply_entry(self, m); break;
    case MsgType::Register: listen_register(self, from, m.request); break;
    case MsgType::RemoveRequest: listen_remove(self, m.target); break;
    case MsgType::Vote: on_vote_request(self, from, m); break;
    case MsgType::Accept: {
      // Algorithm 4: a signed accept only for the proposer promised this nonce.
      Node& node = nodes_[self];
      CanMsg reply = msg(MsgType::AcceptReply, m.request, m.n, m.proposer);
      if (node.nonce == m.n && node.promised_to == m.proposer) {
        reply.yes = true;
        reply.signature = chain::sign(keys_[self], chain::registry::accept_digest(m.n, member_address(m.proposer)));
      }
      send(self, from, reply);
      break;
    }
    case MsgType::LeaderChanged: {
      Node& node = nodes_[self];
      if (m.n < node.nonce && m.n < registry_nonce()) break;  // stale news
      node.leader = m.proposer;
      node.nonce = std::max(node.nonce, m.n);
      if (node.n != 0 && node.n <= m.n) node.n = 0;  // its own election lost
      break;
    }
  }
}

void CanMembership::check_state(NodeId n) {
  // Algorithm 2: ping a random member; a silent leader starts LeadElect, a silent member is
  // reported to the leader.
  if (!net_.is_up(n)) return;  // the loop resumes in on_recover
  sim_.after(config_.check_interval, [this, n] { check_state(n); });
  Node& node = nodes_[n];
  if (node.leader == n || !is_member(n)) return;  // the leader, and non-members, do not check
  if (member_list_.size() < 2) return;
  NodeId peer = n;
  while (peer == n) peer = member_list_[rng_.below(member_list_.size())];
  probe(n, peer, [] {},
          [this, n, peer] {
            if (!net_.is_up(n)) return;
            if (peer == nodes_[n].leader) {
              lead_elect(n);
            } else {
              CanMsg r = msg(MsgType::RemoveRequest);
              r.target = peer;
              send(n, nodes_[n].leader, r);
            }
          });
  // §4.2: "a node will also check the state of a randomly selected Component".
  if (component_list_.empty()) return;
  const NodeId comp = component_list_[rng_.below(component_list_.size())];
  probe(n, comp, [] {}, [this, n, comp] {
    if (!net_.is_up(n)) return;
    CanMsg r = msg(MsgType::RemoveRequest);
    r.target = comp;
    send(n, nodes_[n].leader, r);
  });
}

void CanMembership::index_component(NodeId c, bool registered) {
  std::int32_t& pos = component_pos_[c - first_component_];
  if (registered && pos < 0) {
    pos = static_cast<std::int32_t>(component_list_.size());
    component_list_.push_back(c);
  } else if (!registered && pos >= 0) {
    const NodeId last = component_list_.back();
    component_list_[static_cast<std::size_t>(pos)] = last;
    component_pos_[last - first_component_] = pos;
    component_list_.pop_back();
    pos = -1;
  }
}

void CanMembership::register_component(NodeId component, std::function<void(bool)> on_answer) {
  if (component < first_component_ || !net_.is_up(component) || is_registered_component(component)) return;
  const NodeId leader = node_of(chain::registry::leader(chain_.state(), reg_));
  request(component, leader, msg(MsgType::Register), config_.vote_timeout + probe_time(),
          [on_answer](const CanMsg& r) {
            if (on_answer) on_answer(r.yes);
          },
          [] {});
}

void CanMembership::listen_register(NodeId leader, NodeId component, std::uint64_t request_id) {
  // Register: the leader checks the component's endpoint, then commits the entry to the CAN
  // ledger and broadcasts it.
  if (nodes_[leader].leader != leader || component < first_component_) {
    send(leader, component, msg(MsgType::RegisterReply, request_id));
    return;
  }
  probe(leader, component,
        [this, leader, component, request_id] {
          if (nodes_[leader].leader != leader) return send(leader, component, msg(MsgType::RegisterReply, request_id));
          index_component(component, true);
          broadcast_entry(leader, MsgType::ComponentJoin, component);
          send(leader, component, msg(MsgType::RegisterReply, request_id, 0, 0, true));
        },
        [this, leader, component, request_id] { send(leader, component, msg(MsgType::RegisterReply, request_id)); });
}

void CanMembership::ask_join(NodeId candidate, std::function<void(bool)> on_answer) {
  if (!net_.is_up(candidate) || is_member(candidate)) return;
  const auto current = chain::registry::members(chain_.state(), reg_).size();
  if (current >= chain::registry::nmax(chain_.state(), reg_)) return;  // askJoin: only below Nmax
  const NodeId leader = node_of(chain::registry::leader(chain_.state(), reg_));
  request(candidate, leader, msg(MsgType::JoinRequest), config_.vote_timeout + probe_time() +
                                                             chain_.config().block_interval * 2,
          [on_answer](const CanMsg& r) {
            if (on_answer) on_answer(r.yes);
          },
          [] {});
}

void CanMembership::listen_join(NodeId leader, NodeId candidate, std::uint64_t request_id) {
  // listenJoin (Algorithm 1): reject at Nmax or if the candidate's endpoint does not answer;
  // above Nmin, accept only while the surplus does not exceed the churn.
  if (nodes_[leader].leader != leader || is_member(candidate) ||
      !chain::registry::is_candidate(chain_.state(), reg_, member_address(candidate))) {
    send(leader, candidate, msg(MsgType::JoinReply, request_id));
    return;
  }
  probe(leader, candidate, [this, leader, candidate, request_id] {
            Node& node = nodes_[leader];
            const auto& st = chain_.state();
            const JoinState js{static_cast<std::int64_t>(chain::registry::members(st, reg_).size() + node.joining),
                               static_cast<std::int64_t>(chain::registry::nmin(st, reg_)),
                               static_cast<std::int64_t>(chain::registry::nmax(st, reg_)),
                               static_cast<std::int64_t>(removals_) - static_cast<std::int64_t>(joins_ + node.joining)};
            if (node.leader != leader || !can::listen_join(js)) {
              send(leader, candidate, msg(MsgType::JoinReply, request_id));
              return;
            }
            ++node.joining;
            chain_.submit(chain::registry::register_member(reg_, member_address(leader), member_address(candidate)),
                          [this, leader, candidate, request_id](const chain::Receipt& r) {
                            Node& me = nodes_[leader];
                            if (me.joining > 0) --me.joining;
                            const bool ok = r.status == chain::Status::Success;
                            if (ok) {
                              ++joins_;
                              broadcast_entry(leader, MsgType::NodeJoin, candidate);  // broadcast_node_join
                            }
                            send(leader, candidate, msg(MsgType::JoinReply, request_id, 0, 0, ok));
                          });
          },
          [this, leader, candidate, request_id] { send(leader, candidate, msg(MsgType::JoinReply, request_id)); });
}

void CanMembership::broadcast_entry(NodeId leader, MsgType type, NodeId target) {
  CanMsg e = msg(type, 0, nodes_[leader].nonce);
  e.target = target;
  for (NodeId q : member_list_) {
    if (q != leader && q != target) send(leader, q, e);
  }
}

void CanMembership::apply_entry(NodeId self, const CanMsg& m) {
  // Fencing: an entry carries the nonce of the leader that issued it; one from an older nonce
  // than this member knows (its own, or the Registry's) is refused.
  Node& node = nodes_[self];
  if (m.n < std::max(node.nonce, registry_nonce())) {
    ++stale_entries_;
    return;
  }
  ++node.entries;
}

void CanMembership::listen_remove(NodeId leader, NodeId target) {
  // listenRemove: a vote among the members, the leader's own included; each voter pings the
  // target itself. Removed only by a simple majority (the reporter may be the one cut off).
  Node& node = nodes_[leader];
  if (node.leader != leader || !(is_member(target) || is_registered_component(target)) || node.votes.count(target)) return;
  node.votes[target] = 0;
  ++removal_votes_;
  probe(leader, target, [] {},
          [this, leader, target] {
            auto it = nodes_[leader].votes.find(target);
            if (it != nodes_[leader].votes.end()) ++it->second;
          });
  for (NodeId q : member_list_) {
    if (q == leader || q == target) continue;
    CanMsg v = msg(MsgType::Vote);
    v.target = target;
    request(leader, q, v, config_.vote_timeout + probe_time(),
            [this, leader, target](const CanMsg& r) {
              auto it = nodes_[leader].votes.find(target);
              if (r.yes && it != nodes_[leader].votes.end()) ++it->second;
            },
            [] {});
  }
  sim_.after(config_.vote_timeout + probe_time() + config_.ping_timeout, [this, leader, target] { tally(leader, target); });
}

void CanMembership::on_vote_request(NodeId self, NodeId from, const CanMsg& m) {
  const std::uint64_t request_id = m.request;
  const NodeId target = m.target;
  probe(self, target, [this, self, from, request_id] { send(self, from, msg(MsgType::VoteReply, request_id)); },
          [this, self, from, request_id] { send(self, from, msg(MsgType::VoteReply, request_id, 0, 0, true)); });
}

void CanMembership::tally(NodeId leader, NodeId target) {
  Node& node = nodes_[leader];
  auto it = node.votes.find(target);
  if (it == node.votes.end()) return;  // the leader crashed meanwhile
  const std::uint32_t yes = it->second;
  node.votes.erase(it);
  if (2 * yes <= member_list_.size() || !net_.is_up(leader)) return;
  if (target >= first_component_) {
    // Deregister (§4.2): a ledger entry, no Registry transaction.
    if (!is_registered_component(target)) return;
    index_component(target, false);
    ++component_removals_;
    broadcast_entry(leader, MsgType::ComponentLeave, target);
    return;
  }
  // broadcast_node_leave, then deregisterPeer in the Registry (only the leader may: a deposed
  // leader's transaction reverts).
  broadcast_entry(leader, MsgType::NodeLeave, target);
  chain_.submit(chain::registry::deregister_member(reg_, member_address(leader), member_address(target)),
                [this](const chain::Receipt& r) {
                  if (r.status == chain::Status::Success) ++removals_;
                });
}

bool CanMembership::may_promise(const Node& node, std::uint64_t n, NodeId proposer) const {
  if (n > node.nonce) return true;
  return n == node.nonce && (node.promised_to == proposer || sim_.now() >= node.promise_expires);
}

void CanMembership::lead_elect(NodeId p) {
  Node& node = nodes_[p];
  if (!net_.is_up(p) || node.n != 0) return;
  // Algorithm 3: n = read(SC, leaderNonce) + 1; the proposer promises to itself.
  const std::uint64_t n = registry_nonce() + 1;
  if (!may_promise(node, n, p)) return;  // it promised someone else this nonce, for now
  node.n = n;
  node.nonce = n;
  node.promised_to = p;
  node.promise_expires = sim_.now() + config_.promise_ttl;
  node.promised = {p};
  node.accepts = {chain::sign(keys_[p], chain::registry::accept_digest(n, member_address(p)))};
  if (!is_member(p)) {
    node.n = 0;
    return;
  }
  for (NodeId q : member_list_) {
    if (q == p) continue;
    request(p, q, msg(MsgType::Promise, 0, n, p), config_.vote_timeout + probe_time(),
            [this, p, q, n](const CanMsg& r) {
              if (r.yes && nodes_[p].n == n) nodes_[p].promised.push_back(q);
            },
            [] {});
  }
  sim_.after(config_.vote_timeout + probe_time(), [this, p, n] { after_promises(p, n); });
}

void CanMembership::on_promise_request(NodeId self, NodeId from, const CanMsg& m) {
  // Algorithm 4: nonce <- max(nonce, Registry's); reject n <= nonce; promise only if the
  // leader does not answer a ping.
  Node& node = nodes_[self];
  node.nonce = std::max(node.nonce, registry_nonce());
  if (!may_promise(node, m.n, m.proposer) || node.leader == self || !is_member(self)) {
    send(self, from, msg(MsgType::PromiseReply, m.request, m.n, m.proposer, false));
    return;
  }
  const std::uint64_t request_id = m.request, n = m.n;
  const NodeId proposer = m.proposer, leader = node.leader;
  probe(self, leader, [this, self, from, request_id, n, proposer] {
            send(self, from, msg(MsgType::PromiseReply, request_id, n, proposer, false));  // the leader lives
          },
          [this, self, from, request_id, n, proposer] { grant_promise(self, from, proposer, n, request_id); });
}

void CanMembership::grant_promise(NodeId self, NodeId from, NodeId proposer, std::uint64_t n, std::uint64_t request_id) {
  Node& node = nodes_[self];
  const bool yes = may_promise(node, n, proposer);
  if (yes) {
    node.nonce = n;
    node.promised_to = proposer;
    node.promise_expires = sim_.now() + config_.promise_ttl;
  }
  send(self, from, msg(MsgType::PromiseReply, request_id, n, proposer, yes));
}

void CanMembership::after_promises(NodeId p, std::uint64_t n) {
  Node& node = nodes_[p];
  if (node.n != n || !net_.is_up(p)) return;
  if (2 * node.promised.size() <= member_list_.size()) return give_up(p);
  for (NodeId q : node.promised) {
    if (q == p) continue;
    request(p, q, msg(MsgType::Accept, 0, n, p), config_.vote_timeout,
            [this, p, n](const CanMsg& r) {
              if (r.yes && nodes_[p].n == n) nodes_[p].accepts.push_back(r.signature);
            },
            [] {});
  }
  sim_.after(config_.vote_timeout, [this, p, n] { after_accepts(p, n); });
}

void CanMembership::after_accepts(NodeId p, std::uint64_t n) {
  Node& node = nodes_[p];
  if (node.n != n || !net_.is_up(p)) return;
  if (2 * node.accepts.size() <= member_list_.size()) return give_up(p);
  // One transaction carries the signed accepts; the Registry checks them and the nonce.
  chain_.submit(chain::registry::register_leader(reg_, member_address(p), n, node.accepts, 1000 + p),
                [this, p, n](const chain::Receipt& r) {
                  Node& me = nodes_[p];
                  if (me.n == n) me.n = 0;
                  if (r.status != chain::Status::Success || !net_.is_up(p)) return;
                  me.leader = p;
                  for (NodeId q : member_list_) {
                    if (q != p) send(p, q, msg(MsgType::LeaderChanged, 0, n, p));
                  }
                });
}

void CanMembership::give_up(NodeId p) {
  // It releases its own promise, so that it can back another proposer of the same nonce.
  Node& node = nodes_[p];
  node.n = 0;
  if (node.promised_to == p) node.promise_expires = sim_.now();
}

}  // namespace cansim::can

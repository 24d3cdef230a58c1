#include "cansim/protocols/can/lead_elect.hpp"

#include <fmt/format.h>

#include "cansim/model/chain/contracts/registry.hpp"
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

void CanMembership::on_crash(NodeId n) {
  // Volatile state is gone, and so are the requests it was waiting on.
  nodes_[n] = Node{};
  for (auto it = on_reply_.begin(); it != on_reply_.end();) {
    if (it->second.requester == n) {
      requests_.complete(it->first);
      it = on_reply_.erase(it);
    } else {
      ++it;
    }
  }
}

void CanMembership::on_recover(NodeId n) {
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

void CanMembership::handle(NodeId self, NodeId from, const CanMsg& m) {
  switch (m.type) {
    case MsgType::Ping: send(self, from, msg(MsgType::Pong, m.request)); break;
    case MsgType::Pong:
    case MsgType::PromiseReply:
    case MsgType::AcceptReply: {
      if (!requests_.complete(m.request)) break;  // late: the timeout has run
      auto it = on_reply_.find(m.request);
      if (it == on_reply_.end()) break;
      auto fn = std::move(it->second.fn);
      on_reply_.erase(it);
      fn(m);
      break;
    }
    case MsgType::Promise: on_promise_request(self, from, m); break;
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
  // Algorithm 2: ping a random peer; a silent leader starts LeadElect. (A silent ordinary member
  // would be reported to the leader for a RemoveNode vote: not in this part yet.)
  if (!net_.is_up(n)) return;  // the loop resumes in on_recover
  sim_.after(config_.check_interval, [this, n] { check_state(n); });
  Node& node = nodes_[n];
  if (node.leader == n || members() < 2) return;  // the leader does not run checkState
  NodeId peer = static_cast<NodeId>(rng_.below(members() - 1));
  if (peer >= n) ++peer;
  request(n, peer, msg(MsgType::Ping), config_.ping_timeout, [](const CanMsg&) {},
          [this, n, peer] {
            if (net_.is_up(n) && peer == nodes_[n].leader) lead_elect(n);
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
  for (NodeId q = 0; q < members(); ++q) {
    if (q == p) continue;
    request(p, q, msg(MsgType::Promise, 0, n, p), config_.vote_timeout,
            [this, p, q, n](const CanMsg& r) {
              if (r.yes && nodes_[p].n == n) nodes_[p].promised.push_back(q);
            },
            [] {});
  }
  sim_.after(config_.vote_timeout, [this, p, n] { after_promises(p, n); });
}

void CanMembership::on_promise_request(NodeId self, NodeId from, const CanMsg& m) {
  // Algorithm 4: nonce <- max(nonce, Registry's); reject n <= nonce; promise only if the
  // leader does not answer a ping.
  Node& node = nodes_[self];
  node.nonce = std::max(node.nonce, registry_nonce());
  if (!may_promise(node, m.n, m.proposer) || node.leader == self) {
    send(self, from, msg(MsgType::PromiseReply, m.request, m.n, m.proposer, false));
    return;
  }
  const std::uint64_t request_id = m.request, n = m.n;
  const NodeId proposer = m.proposer, leader = node.leader;
  request(self, leader, msg(MsgType::Ping), config_.ping_timeout,
          [this, self, from, request_id, n, proposer](const CanMsg&) {
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
  if (2 * node.promised.size() <= members()) return give_up(p);
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
  if (2 * node.accepts.size() <= members()) return give_up(p);
  // One transaction carries the signed accepts; the Registry checks them and the nonce.
  chain_.submit(chain::registry::register_leader(reg_, member_address(p), n, node.accepts, 1000 + p),
                [this, p, n](const chain::Receipt& r) {
                  Node& me = nodes_[p];
                  if (me.n == n) me.n = 0;
                  if (r.status != chain::Status::Success || !net_.is_up(p)) return;
                  me.leader = p;
                  for (NodeId q = 0; q < members(); ++q) {
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

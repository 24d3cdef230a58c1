#pragma once
// The network between simulated endpoints: per-link latency (constant, uniform or log-normal),
// loss, duplication and reordering; partitions into groups, one-way cuts, isolation of a node;
// crash and recovery of endpoints (a crashed endpoint neither sends nor receives, and messages
// in flight to it are lost). Every fault is recorded in a trace. Endpoints are plain indices
// and their state is a few bytes in vectors, so that 10^5 of them cost little.
//
// `Network<M>` carries messages of type M to one handler, which dispatches on the receiver.
#include <cmath>
#include <cstdint>
#include <functional>
#include <deque>
#include <map>
#include <unordered_map>
#include <string>
#include <vector>

#include "cansim/sim/rng.hpp"
#include "cansim/sim/simulator.hpp"
#include "cansim/sim/slot_pool.hpp"

namespace cansim {

using NodeId = std::uint32_t;

struct LinkModel {
  enum class Latency { Constant, Uniform, LogNormal };
  Latency latency = Latency::Constant;
  SimTime base = millis(10);  // Constant: the delay; Uniform: the low end
  SimTime high = millis(10);  // Uniform: the high end
  double log_mu = -4.6;       // LogNormal: of the delay in seconds (e^-4.6 ~ 10 ms)
  double log_sigma = 0.5;
  // LogNormal: no delay longer than this (a scenario sets the law's one-in-a-billion delay,
  // e^(mu + 6 sigma)): the tail is unbounded, the clock is not.
  SimTime log_max{std::numeric_limits<std::int64_t>::max() / 2};
  double loss = 0;       // probability that a message is lost
  double duplicate = 0;  // probability that it is delivered twice
  double reorder = 0;    // probability of an extra delay of up to `reorder_window`
  SimTime reorder_window = millis(50);
};

struct FaultRecord {
  SimTime time;
  std::string kind;  // "crash", "recover", "partition", "heal", "cut", "uncut", "isolate"
  std::vector<NodeId> nodes;
};

template <class M>
class Network {
 public:
  using Handler = std::function<void(NodeId to, NodeId from, const M& msg)>;

  Network(Simulator& sim, Rng rng, std::size_t nodes, LinkModel link = {})
      : sim_(sim), rng_(rng), default_link_(link), up_(nodes, 1), incarnation_(nodes, 0), group_(nodes, 0) {}

  void on_message(Handler h) { handler_ = std::move(h); }
  // The handler in place (a test wraps it to filter messages).
  const Handler& handler() const { return handler_; }
  std::size_t size() const { return up_.size(); }

  // A link model for the directed link from -> to, instead of the default.
  void set_link(NodeId from, NodeId to, LinkModel link) { links_[{from, to}] = link; }
  // The model of every link without one of its own, from now on (messages in flight keep theirs).
  void set_default_link(LinkModel link) { default_link_ = link; }
  // Every link, the default and each of its own, keeps its latency law (jitter included) and
  // loses, duplicates and reorders nothing from now on: faults stop, the network's nature stays.
  void stop_link_faults() {
    const auto calm = [](LinkModel& l) { l.loss = l.duplicate = l.reorder = 0; };
    calm(default_link_);
    for (auto& [ends, link] : links_) calm(link);
  }

  // Sends `msg`; it arrives after the link's delay unless lost, cut or the receiver crashed.
  void send(NodeId from, NodeId to, M msg) {
    if (!up_[from]) return;  // a crashed endpoint sends nothing: not even counted as sent
    ++sent_;
    const LinkModel& link = link_of(from, to);
    if (!reachable(from, to) || rng_.bernoulli(link.loss)) {
      ++dropped_;
      return;
    }
    const int copies = rng_.bernoulli(link.duplicate) ? 2 : 1;
    duplicated_ += copies - 1;
    for (int c = 0; c < copies; ++c) {
      ++in_flight_;
      // The message waits in a slot of its own; the event holds only the slot's index, so that
      // sending allocates nothing once the slots have grown to what is in flight.
      const std::uint32_t slot = c + 1 < copies ? park(M(msg), from, to) : park(std::move(msg), from, to);
      sim_.after(delay(link), [this, slot] { deliver(slot); });
    }
  }

  bool is_up(NodeId n) const { return up_[n] != 0; }
  // Crashing loses the endpoint's volatile state: its owner clears it in on_crash.
  void crash(NodeId n) {
    if (!up_[n]) return;
    up_[n] = 0;
    ++incarnation_[n];
    record("crash", {n});
  }
  void recover(NodeId n) {
    if (up_[n]) return;
    up_[n] = 1;
    record("recover", {n});
  }

  // Splits the nodes into groups: nodes in different groups cannot reach each other. Nodes not
  // listed form one more group together.
  void partition(const std::vector<std::vector<NodeId>>& groups) {
    std::fill(group_.begin(), group_.end(), 0);
    std::vector<NodeId> all;
    for (std::size_t g = 0; g < groups.size(); ++g) {
      for (NodeId n : groups[g]) {
        group_[n] = static_cast<std::uint32_t>(g + 1);
        all.push_back(n);
      }
    }
    record("partition", all);
  }
  // One node alone: it reaches no one and no one reaches it.
  void isolate(NodeId n) {
    group_[n] = next_group_++;
    record("isolate", {n});
  }
  // One-way: `from` can no longer reach `to` (to still reaches from).
  void cut(NodeId from, NodeId to) {
    cuts_[{from, to}] = true;
    record("cut", {from, to});
  }
  void uncut(NodeId from, NodeId to) {
    cuts_.erase({from, to});
    record("uncut", {from, to});
  }
  // Ends every partition, isolation and cut.
  void heal() {
    std::fill(group_.begin(), group_.end(), 0);
    cuts_.clear();
    record("heal", {});
  }
  bool reachable(NodeId from, NodeId to) const {
    return group_[from] == group_[to] && (cuts_.empty() || !cuts_.count({from, to}));
  }

  const std::vector<FaultRecord>& faults() const { return faults_; }
  // Keep every fault applied (for a faults table or a trace); on by default. Off, a run under
  // millions of faults keeps no record of them.
  void record_faults(bool on) { record_faults_ = on; }
  std::uint64_t sent() const { return sent_; }
  std::uint64_t delivered() const { return delivered_; }
  std::uint64_t dropped() const { return dropped_; }
  // Second copies made by duplication: sent + duplicated = delivered + dropped + in flight.
  std::uint64_t duplicated() const { return duplicated_; }
  // Messages on their way (each copy of a duplicated one counts).
  std::uint64_t in_flight() const { return in_flight_; }

 private:
  struct Flight {
    M msg;
    NodeId from, to;
    std::uint32_t incarnation;  // the receiver's when sent
  };
  std::uint32_t park(M&& msg, NodeId from, NodeId to) {
    const std::uint32_t slot = flights_.acquire();
    Flight& f = flights_[slot];
    f.msg = std::move(msg);
    f.from = from;
    f.to = to;
    f.incarnation = incarnation_[to];
    return slot;
  }
  void deliver(std::uint32_t slot) {
    // Handed to the receiver where it waited (a deque: the handler's own sends never move it);
    // the slot is free again once the handler returns.
    const Flight& f = flights_[slot];
    --in_flight_;
    // The run's fingerprint sees who sent what to whom, not only when: a change of behaviour at
    // the same times changes it (OMNeT++'s fingerprints mix in the same).
    std::uint64_t what = (std::uint64_t{f.from} << 32) | f.to;
    if constexpr (requires { f.msg.type; }) what ^= static_cast<std::uint64_t>(f.msg.type) * 0x9e3779b97f4a7c15ULL;
    sim_.mix_fingerprint(what);
    // Lost if the receiver crashed (even if it recovered since) or a partition came between.
    if (!up_[f.to] || incarnation_[f.to] != f.incarnation || !reachable(f.from, f.to)) {
      ++dropped_;
    } else {
      ++delivered_;
      handler_(f.to, f.from, f.msg);
    }
    flights_.release(slot);
  }
  const LinkModel& link_of(NodeId from, NodeId to) const {
    if (links_.empty()) return default_link_;
    auto it = links_.find({from, to});
    return it == links_.end() ? default_link_ : it->second;
  }
  SimTime delay(const LinkModel& l) {
    SimTime d = l.base;
    switch (l.latency) {
      case LinkModel::Latency::Constant: break;
      case LinkModel::Latency::Uniform: d = SimTime{rng_.uniform_int(l.base.us, std::max(l.base.us, l.high.us))}; break;
      case LinkModel::Latency::LogNormal:
        d = SimTime{static_cast<std::int64_t>(
            std::llround(std::min(rng_.lognormal(l.log_mu, l.log_sigma) * 1e6, static_cast<double>(l.log_max.us))))};
        break;
    }
    if (l.reorder > 0 && rng_.bernoulli(l.reorder)) d += SimTime{rng_.uniform_int(0, l.reorder_window.us)};
    return d;
  }
  void record(std::string kind, std::vector<NodeId> nodes) {
    if (record_faults_) faults_.push_back({sim_.now(), std::move(kind), std::move(nodes)});
  }

  Simulator& sim_;
  Rng rng_;
  LinkModel default_link_;
  std::map<std::pair<NodeId, NodeId>, LinkModel> links_;
  std::vector<std::uint8_t> up_;
  std::vector<std::uint32_t> incarnation_;
  std::vector<std::uint32_t> group_;
  std::uint32_t next_group_ = 1u << 30;  // isolation groups, apart from partition groups
  std::map<std::pair<NodeId, NodeId>, bool> cuts_;
  Handler handler_ = [](NodeId, NodeId, const M&) {};
  std::vector<FaultRecord> faults_;
  bool record_faults_ = true;
  SlotPool<Flight, std::deque<Flight>> flights_;
  std::uint64_t sent_ = 0, delivered_ = 0, dropped_ = 0, in_flight_ = 0, duplicated_ = 0;
};

// Request/response on top of a network: a request gets an id and a timeout; the reply that
// completes it in time cancels the timeout, and a late or repeated reply is ignored. The
// protocol puts the id in its request and reply messages.
class Requests {
 public:
  explicit Requests(Simulator& sim) : sim_(sim) {}

  // Starts a request; `on_timeout` runs if no reply completes it within `timeout`.
  std::uint64_t start(SimTime timeout, std::function<void()> on_timeout) {
    return start(timeout, [f = std::move(on_timeout)](std::uint64_t) { f(); });
  }
  // The same, telling the timeout which request it was.
  std::uint64_t start(SimTime timeout, std::function<void(std::uint64_t id)> on_timeout) {
    const std::uint64_t id = next_++;
    pending_[id] = sim_.after(timeout, [this, id, on_timeout = std::move(on_timeout)] {
      pending_.erase(id);
      on_timeout(id);
    });
    return id;
  }
  // True if `id` was waiting (the reply counts); false if it timed out, completed or is unknown.
  bool complete(std::uint64_t id) {
    auto it = pending_.find(id);
    if (it == pending_.end()) return false;
    sim_.cancel(it->second);
    pending_.erase(it);
    return true;
  }
  // Forgets every pending request without running its timeout (the requester crashed).
  void clear() {
    for (const auto& [_, ev] : pending_) sim_.cancel(ev);  // cancellation order changes nothing
    pending_.clear();
  }
  std::size_t pending() const { return pending_.size(); }

 private:
  Simulator& sim_;
  std::uint64_t next_ = 1;
  std::unordered_map<std::uint64_t, EventId> pending_;  // looked up by id only
};

}  // namespace cansim

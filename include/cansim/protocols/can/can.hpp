#pragma once
// A Component Administration Network at message level. Members read who is in the CAN and who
// leads from the Registry (free reads, as in §4.1). checkState (Algorithm 2) pings a random
// member; a silent member is reported to the leader, which removes it only if more than half of
// the members find it silent too (RemoveNode: the reporter may be the one cut off); a silent
// leader starts LeadElect (Algorithms 3 and 4), which replaces it: the proposer reads the nonce from the Registry, collects
// promises and then signed accepts from more than half of the members, and sends one registerLeader transaction; the new leader
// broadcasts the change. "At most one leader per nonce" and "the Registry's nonce never decreases" are checked as the run goes.
//
// A promise lapses after `promise_ttl`. Algorithm 4 as written rejects every n <= nonce for ever;
// since the Registry accepts only nonce + 1, proposers that split the promises for the same n
// could then never finish. Letting the promise lapse restores progress; safety (one leader per
// nonce) still rests on the Registry's compare-and-swap.
//
// Join follows Algorithm 1: the leader checks the candidate's endpoint, answers by listenJoin
// with the churn counted as members that left the Registry minus members that joined through Join
// since the start (the cumulative reading, as in the abstract churn model; any leader can count
// both from the Registry's events), and registers the member through a Registry transaction
// before it broadcasts the join.
//
// Every member holds its own copy of the CAN ledger (ledger.hpp, ledger_sync.cpp): entries carry
// an index and the issuing leader's nonce, members refuse stale ones (fencing) and fetch what they
// miss, and an entry is committed once a majority holds it; a leader appends only while it leads
// by the Registry's nonce and after it caught up with a majority. Components register
// (Register) and are deregistered by vote (Deregister); the leader gives them Work Entries
// (AssignWork), stores and replicates their checkpoints (CheckpointWork), moves the work of a
// removed or restarted component (ReassignWork) and ends it (FinishWork).
//
// One source file per protocol in src/protocols/can/, under the paper's name: check_state, join,
// remove_node, lead_elect, register, assign_work, reassign_work, checkpoint_work (replicas: the
// checkpoint store), finish_work, ledger_sync; component.cpp is a component's built-in worker,
// liveness.cpp the liveness check, can.cpp what they share.
#include <algorithm>
#include <cstdint>
#include <deque>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/container/flat_set.hpp>

#include "cansim/model/chain/chain.hpp"
#include "cansim/protocols/can/component_state.hpp"
#include "cansim/protocols/can/leader_state.hpp"
#include "cansim/protocols/can/ledger.hpp"
#include "cansim/protocols/can/member_state.hpp"
#include "cansim/protocols/can/messages.hpp"
#include "cansim/protocols/can/replica_store.hpp"
#include "cansim/protocols/can/work_ledger.hpp"
#include "cansim/sim/network.hpp"
#include "cansim/sim/slot_pool.hpp"

namespace cansim::can {

struct CanConfig {
  SimTime check_interval = seconds(1);  // each member's checkState period (first one jittered)
  SimTime ping_timeout = millis(200);
  // Pings tried before a peer counts as silent. 1 is Algorithm 2 as written: a single lost
  // message then looks like a crash.
  std::uint32_t ping_attempts = 1;
  SimTime vote_timeout = millis(500);  // how long a proposer waits for promises, then accepts
  SimTime promise_ttl = seconds(2);    // a promise no proposer followed up lapses after this
  // Work (§4.2.1). The paper fixes none of these.
  std::uint32_t replication = 3;             // copies of a checkpoint, the initial storage peer's included
  SimTime checkpoint_interval = seconds(5);  // a component saves a checkpoint after each such stretch of work
  std::uint32_t component_capacity = 0;      // Work Entries a component accepts at once; 0: no limit
  // A registered component registers again this long after each registration (a Register of the
  // same life is a retry and changes nothing), so that one voted out while alive whose
  // ComponentLeave was lost finds out. 0: never.
  SimTime register_refresh = seconds(30);
  // A node that was a member and is up but out of the CAN (voted out while it was down or cut off)
  // reads so in the Registry (a free read) and asks to join again (askJoin, Algorithm 1) this
  // often, so that a CAN does not dwindle for good. 0: it stays out.
  SimTime rejoin_interval = seconds(10);
  // One membership change at a time (Raft's single-server rule, §4.1 of its thesis): a leader
  // changes the Registry's members (a Join, a RemoveNode) only when no other change is on its
  // way and the ledger record of the last one (NodeJoin, NodeLeave, appended once the Registry
  // changed) is committed by a majority of the members as they are now. Two changes at once can
  // leave two majorities with no member in common: three stale copies joining a CAN of two
  // outvoted the two that held the committed entries (docs/model.md). false: Algorithm 1 as the
  // paper's experiment runs it, several joins at once (the churn figures count sizes only).
  bool serial_membership = true;
  bool record_events = false;  // keep a log of protocol events (Can::events)
};

// One protocol event, for the event log: what happened (the paper's name where it has one), at which
// node, with up to two numbers (a nonce, a target, a Work Entry, a checkpoint).
struct ProtocolEvent {
  SimTime at;
  NodeId node;
  const char* what;
  std::uint64_t a = 0, b = 0;
};

// What a component does with a Work Entry when it is not the built-in worker (which computes
// `length` checkpoint intervals and saves a checkpoint after each). The OCAN's Orchestrators
// (§5) use it: the CAN keeps administering the work (AssignWork, CheckpointWork, ReassignWork,
// FinishWork) and the behaviour decides what the work is and when a checkpoint is due.
struct ComponentBehaviour {
  // Component c begins Work Entry w (progress 0), or resumes it from its newest checkpoint
  // `progress` after a ReassignWork (the checkpoint array came from the members).
  std::function<void(NodeId c, std::uint32_t w, std::uint32_t progress)> start;
  // c no longer runs w: it was shut down (FinishWork follows), or told that w is not its any more.
  std::function<void(NodeId c, std::uint32_t w)> stop;
  // The leader committed CheckpointWork (w, progress): the entry is in the CAN ledger.
  std::function<void(NodeId leader, std::uint32_t w, std::uint32_t progress)> committed;
};

struct ElectionRecord {
  SimTime at;
  std::uint64_t nonce;
  NodeId leader;
};

class Can {
  friend struct CanTestAccess;  // tests plant failures the protocols no longer make (tests/can_fixture.hpp)

 public:
  // Members 0..n-1 (one key each) with chain accounts member_address(i), registered in the
  // Registry `reg` with member 0 as the appointed leader (nonce 1); the network's endpoints after
  // them are components, which register with the CAN itself (§4.2). The chain must already hold
  // the Registry.
  Can(Simulator& sim, Network<CanMsg>& net, chain::Chain& chain, chain::Address reg, std::vector<chain::KeyPair> keys,
      CanConfig config, Rng rng);

  void start();  // begins every member's checkState loop
  const CanConfig& config() const { return config_; }
  // Begins LeadElect at `proposer` now (also what checkState does on a leader timeout).
  void lead_elect(NodeId proposer);
  // askJoin (Algorithm 1): a registered candidate asks the leader, if the CAN is below Nmax.
  // `on_answer(accepted)` runs when the leader answers (not if the request is lost).
  void ask_join(NodeId candidate, std::function<void(bool)> on_answer = {});
  // §3.1 step 2.iv-v, a CAN's bootstrap: the candidate asks to join every `retry` (while it is up)
  // until it is a member; a lost request or a refusal is asked again. `on_member` runs once, when
  // it is one.
  void keep_joining(NodeId candidate, SimTime retry, std::function<void()> on_member = {});
  // Rejoin (CanConfig::rejoin_interval): every former member up and out of the CAN asks to join.
  void rejoin_tick();
  // Register (§4.2): a component asks the leader, which checks its endpoint, registers it in the
  // CAN ledger and broadcasts the entry. Registered components are pinged by checkState and
  // deregistered by a vote like members.
  void register_component(NodeId component, std::function<void(bool)> on_answer = {});
  // A component registered before the run starts (as a genesis state of the CAN ledger): no
  // messages. Registering 10^5 components through Register would broadcast 10^5 entries to every
  // member.
  void preregister_component(NodeId component);
  // Registered in the committed CAN ledger (members decide from their own copies).
  bool is_registered_component(NodeId c) const { return c >= first_component_ && component_pos_[c - first_component_] >= 0; }
  std::size_t registered_components() const { return component_list_.size(); }
  std::uint64_t component_removals() const { return component_removals_; }

  // AssignWork (§4.2.1): a client hands the leader a Work Entry needing `length` checkpoint
  // intervals of computation. The leader offers it round robin to the registered components; the
  // first that accepts gets it through an AssignWork entry. Returns the Work Entry's id.
  std::uint32_t submit_work(std::uint32_t length);
  // Components run Work Entries by `b` from now on instead of the built-in worker.
  void set_behaviour(ComponentBehaviour b) { behaviour_ = std::move(b); }
  // CheckpointWork (§4.2.1) from a component with a behaviour: asks the leader for a storage
  // peer, uploads checkpoint `progress` of w (progress numbers grow), and reports it stored;
  // `done(true)` once the leader committed it, `done(false)` if a step timed out or was refused
  // (the component tries again or moves on; it is not told if it crashes meanwhile).
  void checkpoint(NodeId c, std::uint32_t w, std::uint32_t progress, std::function<void(bool)> done);
  // The component reports w complete (WorkDone); the leader asks it to shut w down and commits
  // FinishWork. Unanswered reports are for the component to repeat.
  void work_done(NodeId c, std::uint32_t w);
  // The leader the Registry names, and whether it may commit entries now (it is up and leads by
  // the Registry's nonce): for duties a leader has beyond the CAN's own.
  NodeId current_leader() const { return registry_leader(); }
  bool may_commit(NodeId n) const { return net_.is_up(n) && may_append(n); }
  // The work table as committed (an oracle: what every copy agrees on), and Work Entry w as
  // member n's copy has it.
  const WorkLedger& work_ledger() const { return ledger_; }
  const WorkView& work_seen_by(NodeId n, std::uint32_t w) const { return nodes_[n].ledger.work(w); }
  // Member n's copy of the CAN ledger, and the committed ledger.
  const LedgerCopy& ledger_copy(NodeId n) const { return nodes_[n].ledger; }
  const std::vector<LedgerEntry>& committed_entries() const { return committed_; }
  // Whether component `c` is running Work Entry `w` (what it believes, not what the ledger says).
  bool is_running(NodeId c, std::uint32_t w) const { return find_run(c, w) != nullptr; }
  // The index of the AssignWork or ReassignWork entry component c runs Work Entry w under (0: it
  // does not run it): an epoch that orders the assignments, for fencing outside the CAN.
  std::uint32_t assignment_of(NodeId c, std::uint32_t w) const {
    const WorkRun* r = find_run(c, w);
    return r == nullptr ? 0 : r->assignment;
  }
  const ReplicaAudit& replica_audit() const { return audit_; }
  // Replicas of Work Entry `w` that the members' own stores hold now (not the audit's account).
  std::size_t replicas_held(std::uint32_t w) const;
  // Liveness, for a moment when faults have stopped long enough (issue: the invariants only say
  // nothing bad happened): the Registry's leader is up and leads; every live member follows it and
  // no other live node believes it leads; every unfinished Work Entry runs on a live, registered
  // assignee; the newest acknowledged checkpoint of each is held by min(replication, live members)
  // live members. What does not hold, one line each (empty: live).
  //
  // Beyond those: the leader may commit (it caught up, not only leads); the CAN is back to
  // min(Nmin, live nodes) members; every live member's committed entries are the committed
  // ledger's and it learnt of every entry committed longer than commit_bound() ago; the leader's
  // oldest uncommitted entry is younger than commit_bound(); the newest checkpoint's holders are
  // counted in the members' own stores (one lost because `replication` holders all crashed is not
  // a problem: checkpoints_lost_by_crash); no live component runs work it is not assigned.
  std::vector<std::string> liveness_problems() const;
  // How long an entry may wait to be committed once faults have stopped (two vote timeouts and a
  // check interval: a lost entry or acknowledgement is sent again by the next check).
  SimTime commit_bound() const { return config_.vote_timeout * 2 + config_.check_interval; }
  // For each entry the leaders committed of their own: the time from its append to its commit.
  const std::vector<SimTime>& commit_lags() const { return commit_lags_; }
  struct Reassignment {
    SimTime at;  // ReassignWork committed
    std::uint32_t work;
    NodeId from, to;
    SimTime from_crashed;  // when `from` crashed (negative: it had not crashed, only been voted out)
  };
  const std::vector<Reassignment>& reassignments() const { return reassignments_; }
  struct Resume {
    SimTime at;
    std::uint32_t work;
    NodeId component;
    std::uint32_t progress;  // the checkpoint it restarted from
    std::uint32_t lost;      // intervals computed before that have to be computed again
    bool conclusive;         // every member answered its Fetch
  };
  const std::vector<Resume>& resumes() const { return resumes_; }
  // A crashed member or component removed by vote: when it crashed and when the removal was
  // committed (the time to detect a failure).
  struct Detection {
    NodeId node;
    SimTime crashed, removed;
  };
  const std::vector<Detection>& detections() const { return detections_; }
  // Chain transactions the CAN sent, by function.
  struct TxCount {
    std::uint64_t sent = 0, succeeded = 0;
    chain::Gas gas = 0;
  };
  const std::map<std::string, TxCount>& transactions() const { return transactions_; }
  // With CanConfig::record_events: LeadElect (a = nonce), LeaderChanged (nonce), RemoveRequest (a =
  // suspect), RemoveNode and VoteKept (target, votes), Join, Register, Deregister (member or
  // component), AssignWork and ReassignWork (at the component: work, previous assignee),
  // CheckpointWork (at the component: work, checkpoint), Resume (work, checkpoint), FinishWork
  // (work), StaleEntry (the entry's nonce), in the order they happened.
  const std::vector<ProtocolEvent>& events() const { return events_; }

  // The Registry's members as the CAN follows them (in no particular order).
  const std::vector<NodeId>& members() const { return member_list_; }
  bool is_member(NodeId n) const { return n < member_pos_.size() && member_pos_[n] >= 0; }  // components are not
  // What a member believes, and what the Registry says.
  NodeId believed_leader(NodeId n) const { return nodes_[n].leader; }
  const std::vector<ElectionRecord>& elections() const { return elections_; }
  std::uint64_t messages_sent() const { return messages_; }
  std::uint64_t messages_sent(MsgType t) const { return by_type_[static_cast<std::size_t>(t)]; }
  std::uint64_t removal_votes() const { return removal_votes_; }              // votes the leaders held
  std::uint64_t lead_elect_attempts() const { return lead_elect_attempts_; }  // proposals begun
  // Proposals whose promises and accepts are kept, and members with an election of their own in
  // progress: the two are always equal (a proposal is dropped when its election ends).
  std::size_t open_proposals() const { return proposals_.size(); }
  std::size_t elections_in_progress() const;
  std::uint64_t removals() const { return removals_; }  // members deregistered
  std::uint64_t joins() const { return joins_; }        // members registered by Join
  // CAN ledger entries (NodeJoin, NodeLeave) a member applied, and those refused as stale.
  std::uint64_t entries_applied(NodeId n) const { return nodes_[n].entries; }
  std::uint64_t stale_entries() const { return stale_entries_; }
  // Committed entries the ledger lost because every member that held them left the CAN.
  std::uint64_t entries_lost() const { return entries_lost_; }

  // Network hooks for the fault injector: a crashed member loses its volatile state.
  void on_crash(NodeId n);
  void on_recover(NodeId n);

 private:
  // The runs of a component (only those that were given work have an entry).
  std::vector<WorkRun>& runs_of(NodeId c) { return runs_[c]; }
  void handle(NodeId to, NodeId from, const CanMsg& m);
  // Pings `to` up to ping_attempts times; on_alive at the first answer, on_silent if none.
  void probe(NodeId from, NodeId to, std::function<void()> on_alive, std::function<void()> on_silent, std::uint32_t attempt = 0);
  SimTime probe_time() const { return config_.ping_timeout * static_cast<std::int64_t>(config_.ping_attempts); }
  // Sends a request; exactly one of on_reply and on_timeout runs (neither if `from` crashes).
  void request(NodeId from, NodeId to, CanMsg m, SimTime timeout, std::function<void(const CanMsg&)> on_reply,
               std::function<void()> on_timeout);
  void check_state(NodeId n);
  void arm_check(NodeId n);
  void send(NodeId from, NodeId to, CanMsg m);
  void on_promise_request(NodeId self, NodeId from, const CanMsg& m);
  void grant_promise(NodeId self, NodeId from, NodeId proposer, std::uint64_t nonce, std::uint64_t request);
  void after_promises(NodeId p, std::uint64_t nonce);
  void after_accepts(NodeId p, std::uint64_t nonce);
  void give_up(NodeId p);
  void on_accept_request(NodeId self, NodeId from, const CanMsg& m);
  void on_leader_changed(NodeId self, const CanMsg& m);
  // Whether `node` may promise `nonce` to `proposer` now (Algorithm 4, with lapsing promises).
  bool may_promise(const MemberState& node, std::uint64_t nonce, NodeId proposer) const;
  void listen_join(NodeId leader, NodeId candidate, std::uint64_t request);
  void listen_register(NodeId leader, NodeId component, std::uint64_t request, std::uint32_t incarnation);
  void arm_refresh(NodeId component);
  void on_voted_out(NodeId component, const CanMsg& m);
  void index_component(NodeId c, bool registered);
  void listen_remove(NodeId leader, NodeId target);
  // Whether `leader` may begin a membership change now (CanConfig::serial_membership).
  bool may_change_members(NodeId leader);
  // The Registry changed the members: the leader appends the ledger record of the change.
  void record_membership_change(NodeId leader, MsgType type, NodeId target);
  // The CAN ledger kept by every member (ledger_sync.cpp).
  // Whether `n` may commit entries now: it leads by the Registry's nonce and caught up.
  bool may_append(NodeId n) const { return leads(n) && nodes_[n].synced_for == nodes_[n].nonce; }
  // Appends an entry to the leader's copy and sends it to every member; `owed` goes out once a
  // majority holds it (to = kNobody: nothing). Returns false if the leader may not append.
  bool append_entry(NodeId leader, LedgerEntry e, NodeId to = kNobody, CanMsg owed = {});
  void send_entry(NodeId from, NodeId to, std::uint32_t index, bool relay);
  bool admits(NodeId self, NodeId from, const CanMsg& m);
  void finish_sync_if_caught_up(NodeId leader);
  // A Snapshot up to the sender's commit index: state transfer, or only word of the commit.
  CanMsg commit_notice(NodeId from, bool relay) const;
  void on_entry(NodeId self, NodeId from, const CanMsg& m);
  // Puts an entry into self's copy (appended and applied, or kept ahead of a gap).
  LedgerCopy::Put take_entry(NodeId self, std::uint32_t index, std::uint64_t prev, const LedgerEntry& e, std::uint32_t commit,
                             std::uint64_t sender_nonce);
  // Takes the entries kept ahead that follow on now; the highest index taken (0: none).
  std::uint32_t take_ahead(NodeId self);
  static constexpr std::size_t kMaxAhead = 4096;  // entries kept ahead of a gap, at most
  void ack_ledger(NodeId self, NodeId to, std::uint64_t nonce, std::uint32_t matched);
  void on_ledger_ack(NodeId leader, NodeId from, const CanMsg& m);
  void on_ledger_fetch(NodeId self, NodeId from, const CanMsg& m);
  void on_snapshot(NodeId self, NodeId from, const CanMsg& m);
  void ask_missing(NodeId self, NodeId to);
  void send_catch_up(NodeId from, NodeId to, std::uint32_t from_index, bool relay);
  LeaderState& leading(NodeId leader);
  // An offer or a shutdown request of `leader` about w was answered or timed out: w is no longer
  // busy, if it still leads by `nonce` (a reply after its term ended finds nothing to clear).
  void release_busy(NodeId leader, std::uint64_t nonce, std::uint32_t w);
  void advance_commit(NodeId leader);
  void committed(NodeId leader, std::uint32_t index);
  void apply_committed(const LedgerEntry& e);
  void start_sync(NodeId leader);
  void on_sync_reply(NodeId leader, NodeId from, const CanMsg& r);
  void finish_sync(NodeId leader);
  void resend_lagging(NodeId leader);
  void reset_node(NodeId n);  // volatile state gone: a crash, a restart
  // The side effects of an entry on the member that appended it (replication, dropped replicas).
  void apply_entry(NodeId self, const LedgerEntry& e);
  void apply_commits(NodeId self);
  const LedgerCopy& view(NodeId n) const { return nodes_[n].ledger; }
  void on_vote_request(NodeId self, NodeId from, const CanMsg& m);
  void tally(NodeId leader, NodeId target);
  // The Registry's leader and nonce, as its LeaderChanged events set them (a free read, §4.1).
  std::uint64_t registry_nonce() const { return reg_nonce_; }
  void index_member(NodeId n, bool member);
  // Whether `n` may commit CAN ledger entries: it leads, by the Registry's current nonce.
  bool leads(NodeId n) const;
  NodeId registry_leader() const { return reg_leader_; }
  void submit(chain::Transaction tx, std::function<void(const chain::Receipt&)> on_receipt);
  void record_removal(NodeId n);
  void note(NodeId node, const char* what, std::uint64_t a = 0, std::uint64_t b = 0) {
    if (config_.record_events) events_.push_back({sim_.now(), node, what, a, b});
  }
  // AssignWork (assign_work.cpp): the leader's rounds, offers, and the entry.
  void leader_duties(NodeId leader);
  void assign_pending(NodeId leader);
  NodeId next_component(NodeId leader);
  void offer(NodeId leader, std::uint32_t w, NodeId component);
  void assign_work(NodeId leader, std::uint32_t w, NodeId component);  // AssignWork, or ReassignWork to another
  void on_offer(NodeId self, NodeId from, const CanMsg& m);
  void on_assignment(NodeId self, const CanMsg& m);
  // ReassignWork (reassign_work.cpp): a restarted component's work to itself, and the resume.
  void reassign_work(NodeId leader, NodeId component);
  // `wanted`: the newest checkpoint the ReassignWork names, `peer` its storage peer.
  void resume_work(NodeId self, std::uint32_t w, std::uint32_t assignment, std::uint32_t wanted, NodeId peer,
                   std::uint32_t attempt = 0);
  static constexpr std::uint32_t kResumeAttempts = 3;
  void on_fetch(NodeId self, NodeId from, const CanMsg& m);
  // CheckpointWork (checkpoint_work.cpp): the component's three steps and the leader's entry.
  void save_checkpoint(NodeId c, std::uint32_t w, std::uint32_t progress, std::function<void(bool)> done = {});
  bool from_assignee(NodeId leader, NodeId from, const CanMsg& m, CanMsg& reply) const;
  void on_checkpoint_request(NodeId leader, NodeId from, const CanMsg& m);
  void on_upload(NodeId self, NodeId from, const CanMsg& m);
  // Whether self holds the replica now (a node outside the CAN never does).
  bool store_replica(NodeId self, std::uint32_t w, std::uint32_t progress);
  void checkpoint_work(NodeId leader, NodeId from, const CanMsg& m);
  // The checkpoint store (replicas.cpp): where replicas live, copies and repairs.
  void replicate(NodeId self, std::uint32_t w, std::uint32_t progress);
  std::vector<NodeId> replica_holders(std::uint32_t w, NodeId peer) const;
  // How high member q ranks for Work Entry w's replicas (rendezvous hashing).
  static std::uint64_t replica_rank(std::uint32_t w, NodeId q) { return mix64((static_cast<std::uint64_t>(w) << 32) ^ q); }
  bool holds_replicas(std::uint32_t w, NodeId peer, NodeId q) const;
  void repair_replicas(NodeId self);
  void push_replica(NodeId self, NodeId to, std::uint32_t w, std::uint32_t progress);
  void drop_replicas(NodeId member, std::uint32_t w);
  // FinishWork (finish_work.cpp).
  void finish_work(NodeId leader, NodeId from, const CanMsg& m);
  void on_shutdown(NodeId self, NodeId from, const CanMsg& m);
  // The built-in worker (component.cpp).
  void start_run(NodeId c, std::uint32_t w, std::uint32_t progress, std::uint32_t assignment);
  void tick(NodeId c, std::uint32_t w, std::uint32_t incarnation);
  WorkRun* find_run(NodeId c, std::uint32_t w);
  const WorkRun* find_run(NodeId c, std::uint32_t w) const;
  void drop_run(NodeId c, std::uint32_t w);

  Simulator& sim_;
  Network<CanMsg>& net_;
  chain::Chain& chain_;
  chain::Address reg_;
  std::vector<chain::KeyPair> keys_;
  CanConfig config_;
  Rng rng_;
  std::vector<MemberState> nodes_;
  struct Proposal {
    std::vector<NodeId> promised;
    std::vector<chain::Signature> accepts;
  };
  std::map<NodeId, Proposal> proposals_;  // by proposer
  // RemoveNode votes in progress: (leader, target) -> votes to remove.
  std::map<std::pair<NodeId, NodeId>, std::uint32_t> votes_;
  // Requests waiting for a reply, in slots reused as they complete; a request id is the slot + 1
  // in its low 32 bits and the slot's use count in its high ones (a late reply finds the slot
  // reused and is dropped). No table lookups and no allocations beyond the continuations'.
  struct Pending {
    NodeId requester = 0;
    std::uint32_t uses = 0;
    bool live = false;
    EventId timer{};
    std::function<void(const CanMsg&)> on_reply;
    std::function<void()> on_timeout;
  };
  SlotPool<Pending> pending_;
  Pending* waiting(std::uint64_t id);
  void release(std::uint32_t slot);
  // The Registry's member list as the members read it (see the constructor).
  std::vector<NodeId> member_list_;
  std::vector<std::int32_t> member_pos_;  // index in member_list_, -1 if not a member
  // The ledger as committed, in order: the oracle the copies are checked against (a committed
  // entry never changes) and what snapshots carry; the protocols never read it otherwise.
  std::vector<LedgerEntry> committed_;
  std::vector<SimTime> committed_at_;  // when each was committed (the last time)
  std::vector<SimTime> commit_lags_;
  // When `leader` appended entry `index` of its copy (its term's start for a predecessor's entry).
  SimTime appended_at(NodeId leader, std::uint32_t index) const;
  std::vector<NodeId> genesis_;  // components registered before the run
  std::map<NodeId, LeaderState> leading_;
  std::uint64_t members_version_ = 0;  // member_list_ changes
  std::uint64_t reg_nonce_ = 0;
  NodeId reg_leader_ = 0;
  std::uint64_t entries_lost_ = 0;
  // The components registered in the committed ledger (the oracle), the same way.
  NodeId first_component_ = 0;
  std::vector<NodeId> component_list_;
  std::vector<std::int32_t> component_pos_;
  // The life each registered component registered in: a Register of the same life is a retry
  // (its reply was lost), one of a later life a restart whose work must resume.
  std::vector<std::uint32_t> component_life_;
  bool started_ = false;
  std::vector<ElectionRecord> elections_;
  std::map<std::uint64_t, NodeId> leader_of_nonce_;
  std::uint64_t messages_ = 0, removal_votes_ = 0, removals_ = 0, joins_ = 0, stale_entries_ = 0;
  std::uint64_t by_type_[kMsgTypes] = {};
  std::uint64_t component_removals_ = 0;
  // Members the Registry saw leave (removed by vote, or cleared by a bootstrap): Algorithm 1's
  // "left", which any leader can count from the Registry's events.
  std::uint64_t members_left_ = 0;
  std::uint64_t lead_elect_attempts_ = 0;
  std::uint32_t membership_txs_ = 0;  // registerMember / deregisterMember transactions on their way
  std::vector<char> checking_;            // per member: a checkState loop is scheduled
  std::vector<char> was_member_;          // per node: it was a member once (it may rejoin)
  std::vector<char> registering_;         // per node: its registerCandidate is on its way
  std::map<NodeId, SimTime> crashed_at_;  // endpoints that crashed: the last time
  SimTime crashed_at(NodeId n) const {
    auto it = crashed_at_.find(n);
    return it == crashed_at_.end() ? SimTime{-1} : it->second;
  }
  std::vector<Detection> detections_;
  std::map<std::string, TxCount> transactions_;
  // Work: the committed table, the replica ground truth, the components' runs.
  WorkLedger ledger_;
  ReplicaAudit audit_;
  std::vector<ComponentState> comps_;
  std::map<NodeId, std::vector<WorkRun>> runs_;
  // Per Work Entry, what the run measures: the most progress any component made (recomputed work).
  std::vector<std::uint32_t> reached_;
  // Work Entries not finished, for the leader's rounds: a sorted vector, walked every second.
  boost::container::flat_set<std::uint32_t> open_work_;
  std::vector<Reassignment> reassignments_;
  std::vector<Resume> resumes_;
  std::vector<ProtocolEvent> events_;
  ComponentBehaviour behaviour_;
};

// A member's chain account, and back.
inline chain::Address member_address(NodeId n) { return chain::Address{100 + static_cast<std::uint64_t>(n)}; }
inline NodeId member_node(chain::Address a) { return static_cast<NodeId>(a.id - 100); }
// The contact information a node registers as a candidate (at genesis, and again after it was
// voted out: removal clears it).
inline chain::Word member_contact(NodeId n) { return 1 + static_cast<chain::Word>(n); }

}  // namespace cansim::can

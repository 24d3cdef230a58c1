// The CAN ledger each member holds (§4, a replicated state machine): a member's copy on its own
// (LedgerCopy), and the protocol that keeps the copies together (ledger_sync.cpp): catch-up after
// a lost entry, commit on a majority, a new leader that learns committed entries from the members.
#include <catch2/catch.hpp>

#include "can_fixture.hpp"
#include "cansim/protocols/can/ledger.hpp"

using namespace cansim;
using namespace cansim::can;
using cansim::testing::TestCan;

namespace {

LedgerEntry entry(MsgType type, std::uint64_t nonce, NodeId target = 0, std::uint32_t work = 0, std::uint32_t progress = 0) {
  LedgerEntry e{type, nonce};
  e.target = target;
  e.work = work;
  e.progress = progress;
  return e;
}

using Put = LedgerCopy::Put;
const SimTime t0{0};

}  // namespace

TEST_CASE("a ledger copy appends only after the entry it follows", "[can][ledger]") {
  LedgerCopy copy;
  CHECK(copy.put(2, 1, entry(MsgType::NodeJoin, 1, 7), t0) == Put::Gap);  // entry 1 is missing
  CHECK(copy.last() == 0);
  CHECK(copy.put(1, 0, entry(MsgType::NodeJoin, 1, 7), t0) == Put::Appended);
  CHECK(copy.put(1, 0, entry(MsgType::NodeJoin, 1, 7), t0) == Put::Held);  // a duplicate
  CHECK(copy.put(2, 1, entry(MsgType::ComponentJoin, 1, 20), t0) == Put::Appended);
  CHECK(copy.last() == 2);
  CHECK(copy.registered(20));
  // Entry 3 of a leader by nonce 2 following an entry 2 of nonce 2 that this copy does not hold:
  // its uncommitted entries after `commit` go.
  copy.set_commit(1);
  CHECK(copy.put(3, 2, entry(MsgType::NewLeader, 2), t0) == Put::Mismatch);
  CHECK(copy.last() == 1);
  CHECK_FALSE(copy.registered(20));  // the state follows the entries
  // Entry 2 replaced by a later leader's, at the same index.
  CHECK(copy.put(2, 1, entry(MsgType::ComponentJoin, 1, 21), t0) == Put::Appended);
  CHECK(copy.put(2, 1, entry(MsgType::NewLeader, 2), t0) == Put::Appended);
  CHECK(copy.last() == 2);
  CHECK_FALSE(copy.registered(21));
  // A committed entry is never replaced: exactly at the commit index, refused.
  copy.set_commit(2);
  CHECK(copy.commit() == 2);
  CHECK(copy.put(2, 1, entry(MsgType::NodeLeave, 3, 5), t0) == Put::Refused);
  CHECK(copy.put(3, 1, entry(MsgType::NodeLeave, 3, 5), t0) == Put::Refused);  // the entry before differs, committed
  CHECK(copy.at(2).type == MsgType::NewLeader);
  copy.set_commit(9);  // never beyond what it holds
  CHECK(copy.commit() == 2);
}

TEST_CASE("a ledger copy's work table and components follow its entries", "[can][ledger]") {
  const std::vector<NodeId> genesis{10, 11};
  LedgerCopy copy(&genesis);
  CHECK(copy.components() == genesis);  // read from the shared genesis list
  copy.append(entry(MsgType::ComponentLeave, 1, 10), t0);
  copy.append(entry(MsgType::ComponentJoin, 1, 12), t0);
  CHECK(copy.components() == std::vector<NodeId>{11, 12});
  CHECK(genesis == std::vector<NodeId>{10, 11});  // its own list now, the genesis untouched
  copy.append(entry(MsgType::AssignWork, 1, 11, 0), t0);
  copy.append(entry(MsgType::AssignWork, 1, 12, 1), t0);
  copy.append(entry(MsgType::CheckpointWork, 1, 3, 0, 4), SimTime{5});
  copy.append(entry(MsgType::ReassignWork, 1, 12, 0), t0);
  copy.append(entry(MsgType::FinishWork, 1, 0, 1), t0);
  CHECK(copy.work(0).assignee == 12);
  CHECK(copy.work(0).reassignments == 1);
  CHECK(copy.work(0).latest == 4);
  CHECK(copy.work(0).latest_index == 5);
  CHECK(copy.work(0).peer == 3);
  CHECK(copy.work(1).finished);
  CHECK(copy.open_work() == std::vector<std::uint32_t>{0});
  CHECK(copy.work(7).assignee == kNoComponent);  // never heard of
  // Truncated back to entry 4: the same state as after four entries.
  copy.truncate(4);
  CHECK(copy.work(0).assignee == 11);
  CHECK(copy.work(0).reassignments == 0);
  CHECK_FALSE(copy.work(1).finished);
  CHECK(copy.open_work() == std::vector<std::uint32_t>{0, 1});
  CHECK(copy.work(0).latest == 0);
}

TEST_CASE("a snapshot keeps a copy that holds the committed entries, and replaces one that does not", "[can][ledger]") {
  std::vector<LedgerEntry> committed{entry(MsgType::NodeJoin, 1, 5), entry(MsgType::ComponentJoin, 1, 20),
                                     entry(MsgType::NewLeader, 2)};
  LedgerCopy behind;
  behind.append(committed[0], t0);
  behind.install(committed, 3, t0);
  CHECK(behind.last() == 3);
  CHECK(behind.commit() == 3);
  CHECK(behind.registered(20));
  LedgerCopy ahead;  // holds them and one more of the same leader
  for (const auto& e : committed) ahead.append(e, t0);
  ahead.append(entry(MsgType::ComponentJoin, 2, 21), t0);
  ahead.install(committed, 3, t0);
  CHECK(ahead.last() == 4);  // kept
  CHECK(ahead.commit() == 3);
  LedgerCopy diverged;  // an old leader's entry 2
  diverged.append(committed[0], t0);
  diverged.append(entry(MsgType::ComponentJoin, 1, 99), t0);
  diverged.install(committed, 3, t0);
  CHECK(diverged.last() == 3);
  CHECK_FALSE(diverged.registered(99));
}

TEST_CASE("a member that missed an entry finds the gap and catches up", "[can][ledger]") {
  // Before the ledger was per member, a lost ComponentJoin changed nobody's view, because nobody
  // had one. Member 3 is cut off from the leader while component 5 registers: its copy lacks the
  // entry. When the link is back, the next entry shows it the gap; it fetches and holds the same
  // entries as the leader.
  TestCan c(5, 3, {}, 0, 1, 100, 3);
  c.sim.at(millis(50), [&] { c.net.cut(0, 3); });
  c.sim.at(millis(100), [&] { c.can->register_component(5); });
  c.sim.run_until(seconds(3));
  REQUIRE(c.can->is_registered_component(5));  // committed: four members of five hold it
  CHECK(c.can->ledger_copy(0).registered(5));
  CHECK_FALSE(c.can->ledger_copy(3).registered(5));
  c.sim.at(millis(3000), [&] { c.net.uncut(0, 3); });
  c.sim.at(millis(3100), [&] { c.can->register_component(6); });
  c.sim.run_until(seconds(6));
  CHECK(c.can->ledger_copy(3).registered(5));
  CHECK(c.can->ledger_copy(3).registered(6));
  CHECK(c.can->ledger_copy(3).entries() == c.can->ledger_copy(0).entries());
  CHECK(c.can->ledger_copy(3).commit() >= 1);
  CHECK(c.can->messages_sent(MsgType::LedgerFetch) >= 1);  // it asked, rather than wait for the leader
}

TEST_CASE("an idle leader brings a lagging member up to date", "[can][ledger]") {
  // No entry follows the one member 2 missed: the leader sees from the acknowledgements that it is
  // behind and sends what it lacks at its next tick.
  TestCan c(5, 4, {}, 0, 1, 100, 1);
  c.sim.at(millis(50), [&] { c.net.cut(0, 2); });
  c.sim.at(millis(100), [&] { c.can->register_component(5); });
  c.sim.at(millis(2500), [&] { c.net.uncut(0, 2); });
  c.sim.run_until(millis(2400));
  CHECK(c.can->ledger_copy(2).last() == 0);
  c.sim.run_until(seconds(5));
  CHECK(c.can->ledger_copy(2).registered(5));
  CHECK(c.can->ledger_copy(2).commit() == c.can->ledger_copy(0).commit());
  // Member 1 held the entry from the start; that it is committed came after, with no entry to
  // carry it: the leader told it.
  CHECK(c.can->ledger_copy(1).commit() == 1);
}

TEST_CASE("an entry is committed only on a majority, and only then acted on", "[can][ledger]") {
  // The leader reaches one member of four: with 2 of 5 copies the ComponentJoin is not committed,
  // the component gets no answer and is not registered. Once the links are back it is.
  TestCan c(5, 5, {}, 0, 1, 100, 1);
  bool answered = false;
  c.sim.at(millis(50), [&] {
    for (NodeId q : {2, 3, 4}) c.net.cut(0, static_cast<NodeId>(q));
  });
  c.sim.at(millis(100), [&] { c.can->register_component(5, [&](bool yes) { answered = answered || yes; }); });
  c.sim.run_until(millis(900));                // before the members' pings find the leader cut off (check_interval 1 s)
  CHECK(c.can->ledger_copy(0).registered(5));  // in the leader's copy
  CHECK(c.can->ledger_copy(1).registered(5));
  CHECK_FALSE(c.can->is_registered_component(5));  // not committed
  CHECK_FALSE(answered);
  CHECK(c.can->ledger_copy(0).commit() == 0);
  c.sim.at(millis(950), [&] {
    for (NodeId q : {2, 3, 4}) c.net.uncut(0, static_cast<NodeId>(q));
  });
  c.sim.run_until(seconds(8));
  CHECK(c.can->is_registered_component(5));
  CHECK(c.can->ledger_copy(0).commit() >= 1);
}

TEST_CASE("a new leader that missed committed entries learns them from the members before it commits", "[can][ledger]") {
  // Member 4 is cut off from the leader while three components register: the entries are
  // committed on members 0-3 without it. Then the leader crashes and member 4 wins LeadElect. Its
  // own copy lacks the entries; it asks a majority how far theirs go, fetches them, and its first
  // entry (NewLeader) follows them. Without that, its NewLeader would replace committed entry 1
  // (the oracle throws).
  TestCan c(5, 6, {}, 0, 1, 100, 3);
  c.sim.at(millis(50), [&] { c.net.cut(0, 4); });
  for (NodeId k = 5; k < 8; ++k) c.sim.at(millis(100), [&c, k] { c.can->register_component(k); });
  c.sim.run_until(seconds(3));
  REQUIRE(c.can->committed_entries().size() == 3);
  CHECK(c.can->ledger_copy(4).last() == 0);
  c.sim.at(millis(3000), [&] {
    c.net.crash(0);
    c.can->on_crash(0);
    c.net.uncut(0, 4);
  });
  c.sim.at(millis(3050), [&] { c.can->lead_elect(4); });
  c.sim.run_until(seconds(8));
  REQUIRE(c.leader() == member_address(4));
  const LedgerCopy& copy = c.can->ledger_copy(4);
  REQUIRE(copy.last() >= 4);
  for (std::uint32_t i = 1; i <= 3; ++i) CHECK(copy.at(i) == c.can->committed_entries()[i - 1]);
  CHECK(copy.at(4).type == MsgType::NewLeader);
  CHECK(copy.at(4).nonce == 2);
  CHECK(c.can->committed_entries().size() >= 4);  // its NewLeader committed too
  CHECK(c.can->entries_lost() == 0);
  CHECK(c.can->may_commit(4));
}

TEST_CASE("committed entries are lost when every member that held them leaves, and counted", "[can][ledger]") {
  // A bootstrap restarts the CAN from one node: what only the others held is gone. The new leader
  // commits its own entries at the same indices, and entries_lost counts what was replaced.
  TestCan c(5, 7, {}, 4, 1, 100, 2);  // members 0-3; node 4 a candidate with an empty copy
  for (NodeId k = 5; k < 7; ++k) c.sim.at(millis(100), [&c, k] { c.can->register_component(k); });
  c.sim.run_until(seconds(3));
  REQUIRE(c.can->committed_entries().size() == 2);
  c.sim.at(millis(3000), [&] {
    for (NodeId q = 0; q < 4; ++q) {
      c.net.crash(q);
      c.can->on_crash(q);
    }
    c.chain.submit(chain::registry::bootstrap(c.reg, c.owner, member_address(4)));
  });
  c.sim.run_until(seconds(10));
  REQUIRE(c.leader() == member_address(4));
  CHECK(c.can->entries_lost() == 2);
  REQUIRE_FALSE(c.can->committed_entries().empty());
  CHECK(c.can->committed_entries()[0].type == MsgType::NewLeader);
}

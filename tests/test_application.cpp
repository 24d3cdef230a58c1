// The Application contract: Algorithms 5 and 6 on hand-computed examples, the funds that run
// out, shutdown and destroy, and a property test of conservation over random call sequences.
#include <catch2/catch.hpp>

#include "cansim/model/chain/contracts/application.hpp"
#include "cansim/model/chain/contracts/registry.hpp"
#include "cansim/sim/rng.hpp"
#include "chain_fixture.hpp"

using namespace cansim;
using namespace cansim::chain;
namespace app = cansim::chain::application;
using app::CheckpointType;

namespace {

// Prices per minute: resource 10 (service 0, owner R1) and 2 (service 1, owner R2); cloud 3;
// CAN (Registry) 1; orchestration 4.
struct World : testing::Ledger {
  Address owner{2}, client{3}, leader{4}, cloud{5}, r1{6}, r2{7}, o1{8}, o2{9};
  Address reg = contract_address(owner, 0);
  Address application = contract_address(client, 0);

  explicit World(Wei deposit, Wei orchestration_price = 4) {
    block.timestamp_ms = 1000 * 60000;  // later than every checkpoint the cases append
    fund({owner, client, leader});
    must(registry::deploy(owner, reg, 1, 5));
    must(registry::register_candidate(reg, leader, 1));
    must(registry::appoint_leader(reg, owner, leader));
    must(registry::set_ften_price(reg, owner, 1));
    app::Terms t;
    t.client = client;
    t.registry = reg;
    t.cloud = cloud;
    t.cloud_price_per_minute = 3;
    t.orchestration_price_per_minute = orchestration_price;
    t.max_failed_payments = 3;
    t.services = {{r1, 10}, {r2, 2}};
    must(app::deploy(application, t, deposit));
  }
  void cp(CheckpointType type, std::uint64_t minute, std::uint64_t service, Address orc) {
    must(app::add_checkpoint(application, leader, {type, minute * 60000, {}, service, orc}));
  }
  // The ray-tracing example of §5: both services up, APP_OK, the web front end down under a new
  // orchestrator, then shutdown.
  void ray_tracing_checkpoints(bool with_shutdown = true) {
    cp(CheckpointType::ServiceUp, 0, 0, o1);
    cp(CheckpointType::ServiceUp, 1, 1, o1);
    cp(CheckpointType::AppOk, 10, 0, o1);
    cp(CheckpointType::ServiceDown, 15, 1, o2);
    if (with_shutdown) cp(CheckpointType::AppShutdown, 20, 0, o2);
  }
  // (steps, total) from the InterimPayment event.
  std::pair<Word, Word> pay(std::uint64_t k) {
    const Receipt r = must(app::interim_payment(application, leader, k));
    for (const Log& l : r.logs) {
      if (l.event == "InterimPayment") return {l.args[0], l.args[1]};
    }
    FAIL("no InterimPayment event");
    return {};
  }
  Wei salary(Address a) const { return app::salary(state, application, a); }
};

}  // namespace

TEST_CASE("Algorithms 5 and 6 on the ray-tracing example, with an orchestrator hand-over", "[application]") {
  World w(1000);
  w.ray_tracing_checkpoints();
  CHECK(w.pay(10) == std::pair<Word, Word>{5, 500});
  // APP_OK at minute 10: service 0 for 10 minutes (10+3+1+4 a minute), service 1 for 9 (2+3+1+4).
  // SERVICE_DOWN at 15: service 1 for 5 minutes, orchestration split between o1 and o2.
  // APP_SHUTDOWN at 20: service 0 from the APP_OK, 10 minutes, orchestration split.
  CHECK(w.salary(w.r1) == 100 + 100);
  CHECK(w.salary(w.r2) == 18 + 10);
  CHECK(w.salary(w.cloud) == 30 + 27 + 15 + 30);
  CHECK(w.salary(w.reg) == 10 + 9 + 5 + 10);
  CHECK(w.salary(w.o1) == 40 + 36 + 10 + 20);
  CHECK(w.salary(w.o2) == 10 + 20);
  CHECK(app::locked(w.state, w.application) == 500);
  CHECK(app::paid_count(w.state, w.application) == 5);
  CHECK(app::is_shutdown(w.state, w.application));
  // Withdrawals pay the entitled and release what was locked.
  const Wei before = w.state.balance(w.r1);
  w.state.set_balance(w.r1, before + (Wei{1} << 60));  // gas money
  w.state.forget_journal();
  w.must(app::withdraw(w.application, w.r1));
  CHECK(w.salary(w.r1) == 0);
  CHECK(app::locked(w.state, w.application) == 300);
  CHECK(w.state.balance(w.application) == 800);
  CHECK(w.run(app::withdraw(w.application, w.r1)).reason == "nothing to withdraw");
}

TEST_CASE("interim payments stop where the funds run out, and go on after a deposit", "[application]") {
  World w(300);
  w.ray_tracing_checkpoints(false);  // no APP_SHUTDOWN yet: one would be honoured at once
  // 270 for the APP_OK fits in 300; the SERVICE_DOWN's 50 more would not.
  CHECK(w.pay(10) == std::pair<Word, Word>{3, 270});
  CHECK(app::locked(w.state, w.application) == 270);
  CHECK(w.salary(w.r2) == 18);
  CHECK_FALSE(app::is_shutdown(w.state, w.application));
  w.must(app::deposit(w.application, w.client, 300));
  // k bounds the checkpoints processed per call.
  CHECK(w.pay(1) == std::pair<Word, Word>{1, 50});
  w.cp(CheckpointType::AppShutdown, 20, 0, w.o2);
  CHECK(w.pay(1) == std::pair<Word, Word>{1, 180});
  CHECK(app::locked(w.state, w.application) == 500);
  CHECK(w.pay(1) == std::pair<Word, Word>{0, 0});  // nothing left to pay
}

TEST_CASE("interim payments that pay nothing shut the application down, and destroy pays everyone", "[application]") {
  World w(100);
  w.ray_tracing_checkpoints(false);
  CHECK(w.pay(10) == std::pair<Word, Word>{2, 0});  // the two SERVICE_UPs; the APP_OK needs 270
  CHECK(w.run(app::destroy(w.application, w.client)).reason == "the application is not shut down");
  w.pay(10);
  w.pay(10);
  CHECK_FALSE(app::is_shutdown(w.state, w.application));
  w.pay(10);  // the third in a row that paid nothing
  CHECK(app::is_shutdown(w.state, w.application));
  CHECK(w.run(app::add_checkpoint(w.application, w.leader, {CheckpointType::AppOk, 2000000, {}, 0, w.o1})).reason ==
        "the application is shut down");
  CHECK(w.run(app::deposit(w.application, w.client, 50)).reason == "the application is shut down");
  CHECK(w.run(app::destroy(w.application, w.leader)).reason == "only the client");
  const Wei client_before = w.state.balance(w.client);
  const Receipt r = w.must(app::destroy(w.application, w.client));
  CHECK(w.state.balance(w.application) == 0);
  CHECK(w.state.balance(w.client) == client_before - r.fee + 100);  // nothing was owed: all back
  CHECK(app::is_destroyed(w.state, w.application));
}

TEST_CASE("destroy sends unpaid salaries at the client's cost and refunds the rest", "[application]") {
  World w(1000);
  w.ray_tracing_checkpoints();
  w.pay(10);
  const Wei client_before = w.state.balance(w.client);
  const std::size_t slots_before = w.state.slot_count();
  REQUIRE(app::checkpoint_count(w.state, w.application) > 0);
  const Receipt r = w.must(app::destroy(w.application, w.client));
  // SELFDESTRUCT (London): the application's storage is gone, but for the flag that says so.
  CHECK(app::checkpoint_count(w.state, w.application) == 0);
  CHECK(w.state.slot_count() < slots_before - 10);
  CHECK(app::is_destroyed(w.state, w.application));
  CHECK(w.state.balance(w.r1) == 200);
  CHECK(w.state.balance(w.o2) == 30);
  CHECK(w.state.balance(w.cloud) == 102);
  CHECK(w.state.balance(w.client) == client_before - r.fee + 500);
  CHECK(w.run(app::destroy(w.application, w.client)).reason == "destroyed already");
}

TEST_CASE("a destroyed application keeps no storage table and no account, only the mark that it was destroyed",
          "[application][memory]") {
  // Issue 32: a placement run's memory grew with the applications it had served, about 300 bytes
  // each: the destroyed flag, written after SELFDESTRUCT cleared the storage, kept a storage table
  // for every destroyed contract, and its account (nonce 1) stayed. What a destroyed contract
  // keeps is now one compact mark; a revert of the destroy brings everything back.
  World w(1000);
  w.ray_tracing_checkpoints();
  w.pay(10);
  const std::size_t tables_before = w.state.storage_table_count();
  const auto has_account = [](const State& st, Address a) {
    bool found = false;
    st.for_each_account([&](Address x, const auto&) { found = found || x == a; });
    return found;
  };
  REQUIRE(has_account(w.state, w.application));
  REQUIRE(w.state.nonce(w.application) == 1);
  const State before = w.state;
  w.must(app::destroy(w.application, w.client));
  CHECK(w.state.storage_table_count() == tables_before - 1);
  CHECK_FALSE(has_account(w.state, w.application));
  CHECK(w.state.nonce(w.application) == 0);
  CHECK(w.state.balance(w.application) == 0);
  CHECK(app::is_destroyed(w.state, w.application));
  CHECK(w.run(app::destroy(w.application, w.client)).reason == "destroyed already");
  // Undone (a reverted transaction's journal): storage, account and all, and no mark.
  State undone = before;
  const State::Snapshot snap = undone.snapshot();
  detail::run_transaction(undone, w.gas, app::destroy(w.application, w.client), w.block, false);
  REQUIRE(app::is_destroyed(undone, w.application));
  undone.revert_to(snap);
  CHECK_FALSE(app::is_destroyed(undone, w.application));
  CHECK(undone.nonce(w.application) == 1);
  CHECK(has_account(undone, w.application));
  CHECK(undone.storage_table_count() == tables_before);
  CHECK(app::checkpoint_count(undone, w.application) == app::checkpoint_count(before, w.application));
}

TEST_CASE("a payee that refuses wei blocks no one: destroy pays the others and keeps its salary for it", "[application]") {
  // SWC-113: a push that must succeed lets one payee block every other and the client's refund.
  World w(1000);
  w.ray_tracing_checkpoints();
  w.pay(10);
  w.state.set_refuses_wei(w.o2, true);  // a contract whose receive() reverts
  const Wei client_before = w.state.balance(w.client);
  const Receipt r = w.must(app::destroy(w.application, w.client));
  CHECK(w.state.balance(w.r1) == 200);
  CHECK(w.state.balance(w.cloud) == 102);
  CHECK(w.state.balance(w.o2) == 0);
  CHECK(w.salary(w.o2) == 30);  // still owed, still locked
  CHECK(app::locked(w.state, w.application) == 30);
  CHECK(w.state.balance(w.application) == 30);
  CHECK(w.state.balance(w.client) == client_before - r.fee + 500);  // the refund did not wait
  CHECK_FALSE(app::is_destroyed(w.state, w.application));  // it holds what it owes
  w.fund({w.o2}, Wei{1} << 60);  // gas money
  const Receipt refused = w.run(app::withdraw(w.application, w.o2));
  CHECK(refused.reason == "send failed");
  // Once the payee takes wei, it withdraws (pull); a second destroy then ends the contract.
  w.state.set_refuses_wei(w.o2, false);
  const Receipt pulled = w.must(app::withdraw(w.application, w.o2));
  CHECK(w.state.balance(w.o2) == (Wei{1} << 60) + 30 - refused.fee - pulled.fee);
  CHECK(app::locked(w.state, w.application) == 0);
  w.must(app::destroy(w.application, w.client));
  CHECK(app::is_destroyed(w.state, w.application));
}

TEST_CASE("a client takes back what no checkpoint can still claim, before and after shutdown", "[application]") {
  World w(1000);
  w.block.timestamp_ms = 20 * 60000;
  w.ray_tracing_checkpoints(false);  // up at 0 and 1, APP_OK at 10, service 1 down at 15: unpaid
  // Unpaid time starts at minute 0; the two services cost 18 + 10 a minute: 20 minutes may claim 560.
  CHECK(w.run(app::refund(w.application, w.client, 441)).reason == "more than the checkpoints can leave");
  CHECK(w.run(app::refund(w.application, w.leader, 1)).reason == "only the client");
  const Wei client_before = w.state.balance(w.client);
  const Receipt r = w.must(app::refund(w.application, w.client, 440));
  CHECK(w.state.balance(w.client) == client_before - r.fee + 440);
  CHECK(w.pay(10) == std::pair<Word, Word>{4, 320});
  // Paid up to 15. Service 0 counts from the APP_OK at 10 (10 minutes of 18); service 1 may come
  // back from 15, the last checkpoint, on (5 minutes of 10): 230 may still be claimed.
  CHECK(app::locked(w.state, w.application) == 320);
  CHECK(w.run(app::refund(w.application, w.client, 11)).reason == "more than the checkpoints can leave");
  w.must(app::refund(w.application, w.client, 10));
  // Exactly what was kept pays the worst case: service 1 back at 15, shutdown at 20.
  w.cp(CheckpointType::ServiceUp, 15, 1, w.o2);
  w.cp(CheckpointType::AppShutdown, 20, 0, w.o2);
  CHECK(w.pay(10) == std::pair<Word, Word>{2, 230});
  CHECK(app::is_shutdown(w.state, w.application));
  CHECK(w.state.balance(w.application) == app::locked(w.state, w.application));
  CHECK(w.run(app::refund(w.application, w.client, 1)).reason == "more than the checkpoints can leave");
  CHECK(w.run(app::refund(w.application, w.client, 0)).reason == "nothing to refund");
}

TEST_CASE("only the OCAN leader appends checkpoints, in time order", "[application]") {
  World w(1000);
  CHECK(w.run(app::add_checkpoint(w.application, w.client, {CheckpointType::ServiceUp, 0, {}, 0, w.o1})).reason ==
        "only the OCAN leader");
  w.cp(CheckpointType::ServiceUp, 5, 0, w.o1);
  CHECK(w.run(app::add_checkpoint(w.application, w.leader, {CheckpointType::ServiceUp, 60000, {}, 1, w.o1})).reason ==
        "checkpoint timestamps never go back");
  CHECK(w.run(app::add_checkpoint(w.application, w.leader, {CheckpointType::ServiceUp, 600000, {}, 7, w.o1})).reason ==
        "no such service");
  const app::Checkpoint c = app::checkpoint(w.state, w.application, 0);
  CHECK(c.type == CheckpointType::ServiceUp);
  CHECK(c.timestamp_ms == 300000);
  CHECK(c.issuer == w.leader);
  CHECK(c.orchestrator == w.o1);
  CHECK(w.run(app::interim_payment(w.application, w.client, 5)).reason == "only the OCAN leader");
}

TEST_CASE("funds are conserved over random sequences of calls", "[application][property]") {
  int paid_something = 0, withdrawn = 0, destroyed = 0, refunded = 0;  // the sequences must reach these paths
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    World w(static_cast<Wei>(200 + seed * 37));
    Rng rng(seed);
    const std::vector<Address> payees{w.r1, w.r2, w.cloud, w.reg, w.o1, w.o2};
    for (Address p : payees) w.state.set_balance(p, w.state.balance(p) + (Wei{1} << 60));  // gas money
    w.state.forget_journal();
    if (seed % 3 == 0) w.state.set_refuses_wei(w.o1, true);  // a payee that never takes wei
    const Wei total = w.state.total_balance();
    std::uint64_t minute = 0;
    for (int step = 0; step < 150; ++step) {
      Transaction tx;
      switch (rng.below(6)) {
        case 0: tx = app::deposit(w.application, w.client, static_cast<Wei>(rng.below(200))); break;
        case 1:
        case 2: {
          minute += rng.below(7);
          const auto type = static_cast<CheckpointType>(1 + rng.below(4));
          tx = app::add_checkpoint(w.application, w.leader,
                                   {type, minute * 60000, {}, rng.below(2), rng.bernoulli(0.5) ? w.o1 : w.o2});
          break;
        }
        case 3: tx = app::interim_payment(w.application, w.leader, 1 + rng.below(5)); break;
        case 4: tx = app::withdraw(w.application, payees[rng.below(payees.size())]); break;
        default:
          tx = rng.bernoulli(0.04)  ? app::destroy(w.application, w.client)
               : rng.bernoulli(0.3) ? app::refund(w.application, w.client, static_cast<Wei>(rng.below(30)))
                                    : app::deposit(w.application, w.client, 1);
      }
      const Receipt r = w.run(tx);
      if (r.status == Status::Success) {
        for (const Log& l : r.logs) paid_something += l.event == "InterimPayment" && l.args[1] > 0;
        withdrawn += tx.name == "Application.withdraw";
        destroyed += tx.name == "Application.destroy";
        refunded += tx.name == "Application.refund";
      }
      INFO("seed " << seed << " step " << step << " " << tx.name);
      REQUIRE(w.state.total_balance() == total);  // wei held by all accounts, the fees included
      REQUIRE(w.state.balance(w.application) >= app::locked(w.state, w.application));
      Wei owed = 0;
      for (Address p : payees) owed += w.salary(p);
      REQUIRE(owed == app::locked(w.state, w.application));  // locked is exactly what is owed
      w.state.for_each_account([&](Address, const Account& acc) { REQUIRE(acc.balance <= total); });  // nothing went below 0
    }
  }
  CHECK(paid_something > 15);
  CHECK(withdrawn > 20);
  CHECK(destroyed > 0);
  CHECK(refunded > 20);
}

TEST_CASE("the open choices of Algorithms 5 and 6 are pinned", "[application][choices]") {
  SECTION("time is paid in whole minutes, rounded down") {
    World w(1000);
    w.must(app::add_checkpoint(w.application, w.leader, {CheckpointType::ServiceUp, 0, {}, 0, w.o1}));
    w.must(app::add_checkpoint(w.application, w.leader, {CheckpointType::ServiceDown, 119999, {}, 0, w.o1}));
    CHECK(w.pay(2) == std::pair<Word, Word>{2, 18});  // 1 minute of 10 + 3 + 1 + 4
  }
  SECTION("funds already locked are not available again") {
    World w(300);
    w.ray_tracing_checkpoints(false);
    w.pay(10);  // locks 270 of 300
    w.must(app::deposit(w.application, w.client, 30));
    w.cp(CheckpointType::AppShutdown, 20, 0, w.o2);
    // Balance 330, locked 270: 60 available. The SERVICE_DOWN (50) fits; the APP_SHUTDOWN (180)
    // would also fit under the whole balance (50 + 180 < 330) but not under what is available:
    // it is honoured unpaid.
    CHECK(w.pay(10) == std::pair<Word, Word>{2, 50});
    CHECK(app::locked(w.state, w.application) == 320);
  }
  SECTION("an odd wei of a split orchestration price goes to the later orchestrator") {
    World w(1000, 5);
    w.must(app::add_checkpoint(w.application, w.leader, {CheckpointType::ServiceUp, 0, {}, 0, w.o1}));
    w.must(app::add_checkpoint(w.application, w.leader, {CheckpointType::ServiceDown, 60000, {}, 0, w.o2}));
    w.pay(2);  // 1 minute: orchestration 5 splits 2 (earlier) / 3 (later)
    CHECK(w.salary(w.o1) == 2);
    CHECK(w.salary(w.o2) == 3);
  }
  SECTION("SERVICE_UP checkpoints advance lp although they pay nothing") {
    World w(1000);
    w.must(app::add_checkpoint(w.application, w.leader, {CheckpointType::ServiceUp, 0, {}, 0, w.o1}));
    w.must(app::add_checkpoint(w.application, w.leader, {CheckpointType::ServiceUp, 0, {}, 1, w.o1}));
    CHECK(w.pay(5) == std::pair<Word, Word>{2, 0});
    CHECK(app::paid_count(w.state, w.application) == 2);
  }
}

TEST_CASE("interim payments with funds exactly equal to what is due go through, and one wei less does not", "[application]") {
  // The ray-tracing example costs 500 in all: APP_OK at minute 10, 180 + 90; SERVICE_DOWN at 15,
  // 50; APP_SHUTDOWN at 20, 180. (Mutant: funds must exceed what is due, rather than cover it.)
  World exact(500);
  exact.ray_tracing_checkpoints();
  CHECK(exact.pay(10) == std::pair<Word, Word>{5, 500});
  CHECK(app::locked(exact.state, exact.application) == 500);
  World short_by_one(499);
  short_by_one.ray_tracing_checkpoints();
  const auto [steps, total] = short_by_one.pay(10);
  CHECK(steps == 5);    // the APP_SHUTDOWN (180) no longer fits: it is honoured all the same,
  CHECK(total == 320);  // with nothing of it paid (its one running service costs 180 > 179)
  CHECK(app::is_shutdown(short_by_one.state, short_by_one.application));
  // The same boundary where a SERVICE_DOWN pays: 270 up to the APP_OK, then 50.
  World down_exact(320);
  down_exact.ray_tracing_checkpoints(false);
  CHECK(down_exact.pay(10) == std::pair<Word, Word>{4, 320});
  World down_short(319);
  down_short.ray_tracing_checkpoints(false);
  CHECK(down_short.pay(10) == std::pair<Word, Word>{3, 270});
}

TEST_CASE("a checkpoint is never later than the block that records it", "[application]") {
  // A leader must not bill time that has not happened yet.
  World w(1000);
  w.block.timestamp_ms = 120000;
  w.must(app::add_checkpoint(w.application, w.leader, {CheckpointType::ServiceUp, 120000, {}, 0, w.o1}));  // exactly equal
  CHECK(w.run(app::add_checkpoint(w.application, w.leader, {CheckpointType::AppOk, 120001, {}, 0, w.o1})).reason ==
        "a checkpoint cannot be later than the block that records it");
}

TEST_CASE("interimPayment(k) with k near 2^64 pays every checkpoint, and k = 0 is not a failed payment", "[application]") {
  World w(1000);
  w.ray_tracing_checkpoints();
  // paid + k used to wrap around: min(count, paid + k) was then below paid and nothing was paid.
  CHECK(w.pay(~std::uint64_t{0}) == std::pair<Word, Word>{5, 500});
  World z(100);
  z.ray_tracing_checkpoints();
  for (int i = 0; i < 5; ++i) CHECK(z.pay(0) == std::pair<Word, Word>{0, 0});
  CHECK_FALSE(app::is_shutdown(z.state, z.application));  // a call that asked for nothing did not fail
  World big(1000);
  big.ray_tracing_checkpoints();
  CHECK(big.pay(2) == std::pair<Word, Word>{2, 0});
  CHECK(big.pay(~std::uint64_t{0} - 1) == std::pair<Word, Word>{3, 500});  // paid = 2: paid + k wraps too
}

TEST_CASE("the Orchestrator reads the retry limit and the APP_OK interval from the contract", "[application]") {
  World w(1000);
  CHECK(app::retry_limit(w.state, w.application) == 3);
  CHECK(app::app_ok_interval_ms(w.state, w.application) == 60000);
}

TEST_CASE("counted_since: what the next APP_SHUTDOWN pays, the same whether or not the checkpoints were paid yet",
          "[application]") {
  // After every prefix of the ray-tracing checkpoints, paid in full, in part (k = 1 at each step)
  // or not at all, the contract counts the same services up since the same checkpoint (ms).
  using V = std::vector<std::optional<std::uint64_t>>;
  constexpr std::uint64_t m = 60000;
  const std::vector<V> after = {
      {std::nullopt, std::nullopt},  // nothing appended
      {0, std::nullopt},             // SERVICE_UP 0 at minute 0
      {0, 1 * m},                    // SERVICE_UP 1 at minute 1
      {10 * m, 10 * m},              // APP_OK at minute 10: both from there
      {10 * m, std::nullopt},        // SERVICE_DOWN 1 at minute 15
      {std::nullopt, std::nullopt},  // APP_SHUTDOWN
  };
  for (int paying : {0, 1, 2}) {
    INFO("paying " << paying);
    World w(1000);
    const std::vector<std::tuple<CheckpointType, std::uint64_t, std::uint64_t>> cps = {{CheckpointType::ServiceUp, 0, 0},
                                                                                       {CheckpointType::ServiceUp, 1, 1},
                                                                                       {CheckpointType::AppOk, 10, 0},
                                                                                       {CheckpointType::ServiceDown, 15, 1},
                                                                                       {CheckpointType::AppShutdown, 20, 0}};
    CHECK(app::counted_since(w.state, w.application) == after[0]);
    for (std::size_t i = 0; i < cps.size(); ++i) {
      w.cp(std::get<0>(cps[i]), std::get<1>(cps[i]), std::get<2>(cps[i]), w.o1);
      if (paying == 1) w.pay(1);
      if (paying == 2 && i % 2 == 1) w.pay(10);
      CHECK(app::counted_since(w.state, w.application) == after[i + 1]);
    }
  }
  // APP_OK counts every service up, also one that was never up on its own; a SERVICE_UP after it
  // starts that service's stretch again.
  World w(1000);
  w.cp(CheckpointType::ServiceUp, 0, 0, w.o1);
  w.cp(CheckpointType::AppOk, 1, 0, w.o1);
  CHECK(app::counted_since(w.state, w.application) == V{1 * m, 1 * m});
  w.cp(CheckpointType::ServiceUp, 2, 1, w.o1);
  w.pay(10);
  CHECK(app::counted_since(w.state, w.application) == V{1 * m, 2 * m});
}

TEST_CASE("APP_SHUTDOWN is terminal: nothing is appended after it, whether or not it was paid", "[application]") {
  // §5.1: checkpoints appended after an unpaid APP_SHUTDOWN were accepted and paid (a probe paid
  // 1,360 wei where 280 were owed).
  World w(1000);
  w.cp(CheckpointType::ServiceUp, 0, 0, w.o1);
  w.cp(CheckpointType::AppShutdown, 10, 0, w.o1);
  for (const auto type : {CheckpointType::ServiceUp, CheckpointType::ServiceDown, CheckpointType::AppOk, CheckpointType::AppShutdown}) {
    CHECK(w.run(app::add_checkpoint(w.application, w.leader, {type, 20 * 60000, {}, 0, w.o1})).reason ==
          "the application is shut down");
  }
  CHECK(w.pay(10) == std::pair<Word, Word>{2, 180});  // 10 minutes of service 0, nothing more
  CHECK(app::is_shutdown(w.state, w.application));
}

TEST_CASE("an APP_SHUTDOWN the funds cannot cover is honoured: what fits is paid, in service order, then it shuts down",
          "[application]") {
  // Both services up from minute 0, APP_SHUTDOWN at minute 10: service 0 costs 10 x 18 = 180,
  // service 1 10 x 10 = 100.
  const auto run = [](Wei deposit) {
    auto w = std::make_unique<World>(deposit);
    w->cp(CheckpointType::ServiceUp, 0, 0, w->o1);
    w->cp(CheckpointType::ServiceUp, 0, 1, w->o1);
    w->cp(CheckpointType::AppShutdown, 10, 0, w->o1);
    return w;
  };
  SECTION("exactly enough for both") {
    auto w = run(280);
    CHECK(w->pay(10) == std::pair<Word, Word>{3, 280});
    CHECK(app::is_shutdown(w->state, w->application));
  }
  SECTION("one wei short of both: service 0 fits, service 1 no longer does") {
    auto w = run(279);
    CHECK(w->pay(10) == std::pair<Word, Word>{3, 180});
    CHECK(w->salary(w->r1) == 100);
    CHECK(w->salary(w->r2) == 0);
    CHECK(app::is_shutdown(w->state, w->application));
    CHECK(app::paid_count(w->state, w->application) == 3);
    CHECK(app::counted_since(w->state, w->application) == std::vector<std::optional<std::uint64_t>>{std::nullopt, std::nullopt});
  }
  SECTION("exactly enough for service 1 alone: service 0 is skipped, service 1 paid") {
    auto w = run(100);
    CHECK(w->pay(10) == std::pair<Word, Word>{3, 100});
    CHECK(w->salary(w->r1) == 0);
    CHECK(w->salary(w->r2) == 20);
  }
  SECTION("one wei short of either: nothing is paid, and it shuts down all the same") {
    auto w = run(99);
    CHECK(w->pay(10) == std::pair<Word, Word>{3, 0});
    CHECK(app::is_shutdown(w->state, w->application));
    const Wei client_before = w->state.balance(w->client);
    const Receipt r = w->must(app::destroy(w->application, w->client));
    CHECK(w->state.balance(w->client) == client_before - r.fee + 99);
  }
  SECTION("a shortfall before the APP_SHUTDOWN pays what fits up to that checkpoint, never beyond it") {
    auto w = std::make_unique<World>(150);
    w->cp(CheckpointType::ServiceUp, 0, 0, w->o1);
    w->cp(CheckpointType::ServiceUp, 0, 1, w->o1);
    w->cp(CheckpointType::AppOk, 10, 0, w->o1);        // 280: does not fit
    w->cp(CheckpointType::AppShutdown, 20, 0, w->o1);  // honoured: the APP_OK's 100 for service 1 fits
    CHECK(w->pay(10) == std::pair<Word, Word>{4, 100});
    CHECK(w->salary(w->r2) == 20);
    CHECK(app::is_shutdown(w->state, w->application));
  }
}

// The chain's execution model: the London gas schedule as the EIPs specify it, reverts that
// undo everything but the gas, and conservation of wei.
#include <catch2/catch.hpp>

#include "cansim/model/chain/execution.hpp"
#include "cansim/model/chain/abi.hpp"
#include "cansim/sim/rng.hpp"

using namespace cansim;
using namespace cansim::chain;

namespace {

const GasSchedule kGas;
const Address kAlice{100}, kContract{200};
const BlockContext kBlock{1, 1000, Address{1}};

Transaction call_tx(CallBody body, Gas limit = 1000000) {
  Transaction tx;
  tx.from = kAlice;
  tx.to = kContract;
  tx.gas_limit = limit;
  tx.gas_price = 2;
  tx.body = std::move(body);
  return tx;
}

State funded() {
  State s;
  s.set_balance(kAlice, Wei{1000000000000});
  s.forget_journal();
  return s;
}

}  // namespace

TEST_CASE("SSTORE gas and refunds follow EIP-2200 as amended by EIP-3529", "[chain][gas]") {
  // The test table of EIP-3529 (slot warm; "used" there includes 3 gas per PUSH, 12 or 18 here).
  struct Case {
    Word original;
    std::vector<Word> writes;
    Gas used;
    std::int64_t refund;
  };
  const std::vector<Case> cases = {
      {0, {0, 0}, 212, 0},        {0, {0, 1}, 20112, 0},   {0, {1, 0}, 20112, 19900}, {0, {1, 2}, 20112, 0},
      {0, {1, 1}, 20112, 0},      {1, {0, 0}, 3012, 4800}, {1, {0, 1}, 3012, 2800},   {1, {0, 2}, 3012, 0},
      {1, {2, 0}, 3012, 4800},    {1, {2, 3}, 3012, 0},    {1, {2, 1}, 3012, 2800},   {1, {2, 2}, 3012, 0},
      {1, {1, 0}, 3012, 4800},    {1, {1, 2}, 3012, 0},    {1, {1, 1}, 212, 0},       {0, {1, 0, 1}, 40118, 19900},
      {1, {0, 1, 0}, 5918, 7600},
  };
  const SlotKey slot{kContract, 0, 0};
  for (const Case& c : cases) {
    State s = funded();
    s.store(slot, c.original);
    s.forget_journal();
    Gas sstore_gas = 0;
    std::int64_t refund = 0;
    const Receipt r = execute(s, kGas, call_tx([&](Call& call) {
                                call.sload(slot);  // warm the slot, as the EIP's table assumes
                                const Gas before = call.used();
                                for (Word w : c.writes) call.sstore(slot, w);
                                sstore_gas = call.used() - before;
                                refund = call.refund_counter();
                              }),
                              kBlock);
    INFO("original " << static_cast<std::uint64_t>(c.original) << ", " << c.writes.size() << " writes");
    REQUIRE(r.status == Status::Success);
    CHECK(sstore_gas == c.used - 6 * c.writes.size());
    CHECK(refund == c.refund);
    const Gas before_refund = 21000 + 2100 + sstore_gas;
    CHECK(r.refund == std::min<Gas>(static_cast<Gas>(c.refund), before_refund / 5));
    CHECK(r.gas_used == before_refund - r.refund);
    CHECK(s.load(slot) == c.writes.back());
  }
}

TEST_CASE("cold and warm storage reads", "[chain][gas]") {
  State s = funded();
  Gas first = 0, second = 0;
  execute(s, kGas, call_tx([&](Call& call) {
            Gas g = call.used();
            call.sload({kContract, 1, 7});
            first = call.used() - g;
            g = call.used();
            call.sload({kContract, 1, 7});
            second = call.used() - g;
          }),
          kBlock);
  CHECK(first == 2100);
  CHECK(second == 100);
}

TEST_CASE("intrinsic gas: base, calldata and contract creation", "[chain][gas]") {
  Transaction tx;
  CHECK(intrinsic_gas(kGas, tx) == 21000);
  tx.calldata_zero_bytes = 10;
  tx.calldata_nonzero_bytes = 3;
  CHECK(intrinsic_gas(kGas, tx) == 21000 + 40 + 48);
  tx.created_code_bytes = 1000;
  CHECK(intrinsic_gas(kGas, tx) == 53000 + 200000 + 40 + 48);
}

TEST_CASE("events cost 375 + 375 per topic + 8 per byte", "[chain][gas]") {
  State s = funded();
  Gas cost = 0;
  const Receipt r = execute(s, kGas, call_tx([&](Call& call) {
                              const Gas g = call.used();
                              call.emit({{}, "Paid", {1, 2}, 2, 64});
                              cost = call.used() - g;
                            }),
                            kBlock);
  CHECK(cost == 375 + 2 * 375 + 8 * 64);
  REQUIRE(r.logs.size() == 1);
  CHECK(r.logs[0].event == "Paid");
  CHECK(r.logs[0].contract == kContract);
}

TEST_CASE("a revert undoes the call but pays for its gas", "[chain]") {
  State s = funded();
  const SlotKey slot{kContract, 2, 0};
  const Wei before = s.balance(kAlice);
  Transaction tx = call_tx([&](Call& call) {
    call.sstore(slot, 42);
    call.emit({{}, "Changed", {42}, 1, 32});
    call.require(false, "not the leader");
  });
  tx.value = 5000;
  const Receipt r = execute(s, kGas, tx, kBlock);
  CHECK(r.status == Status::Reverted);
  CHECK(r.reason == "not the leader");
  CHECK(s.load(slot) == 0);          // the store is undone
  CHECK(s.balance(kContract) == 0);  // so is the value transfer
  CHECK(r.logs.empty());             // and the event
  CHECK(r.gas_used == 21000 + 2100 + 20000 + 375 + 375 + 256);
  CHECK(r.refund == 0);
  CHECK(s.balance(kAlice) == before - r.fee);
  CHECK(s.balance(kBlock.coinbase) == r.fee);
  CHECK(s.nonce(kAlice) == 1);  // the nonce is spent all the same
}

TEST_CASE("running out of gas consumes the whole limit and undoes the call", "[chain]") {
  State s = funded();
  const Receipt r = execute(s, kGas,
                            call_tx(
                                [&](Call& call) {
                                  for (std::uint64_t i = 0; i < 100; ++i) call.sstore({kContract, 3, i}, 1);
                                },
                                100000),
                            kBlock);
  CHECK(r.status == Status::OutOfGas);
  CHECK(r.gas_used == 100000);
  CHECK(s.load({kContract, 3, 0}) == 0);
  CHECK(s.balance(kAlice) == Wei{1000000000000} - Wei{200000});
}

TEST_CASE("a call whose gas limit is exactly what it uses succeeds, and one unit less runs out", "[chain][gas]") {
  const auto body = [](Call& call) {
    for (std::uint64_t i = 0; i < 3; ++i) call.sstore({kContract, 3, i}, 1);
  };
  State probe = funded();
  const Gas used = execute(probe, kGas, call_tx(body, 1000000), kBlock).gas_used;
  REQUIRE(used > 0);
  State exact = funded();
  const Receipt at_limit = execute(exact, kGas, call_tx(body, used), kBlock);
  CHECK(at_limit.status == Status::Success);
  CHECK(at_limit.gas_used == used);
  CHECK(exact.load({kContract, 3, 2}) == 1);
  State short_by_one = funded();
  const Receipt below = execute(short_by_one, kGas, call_tx(body, used - 1), kBlock);
  CHECK(below.status == Status::OutOfGas);
  CHECK(below.gas_used == used - 1);
  CHECK(short_by_one.load({kContract, 3, 0}) == 0);
}

TEST_CASE("an invalid transaction changes nothing", "[chain]") {
  State s = funded();
  const Wei total = s.total_balance();
  Transaction low = call_tx({}, 20000);  // below the intrinsic gas
  CHECK(execute(s, kGas, low, kBlock).status == Status::Invalid);
  Transaction rich = call_tx({});
  rich.value = Wei{1000000000000};  // more than Alice has, with the gas
  CHECK(execute(s, kGas, rich, kBlock).status == Status::Invalid);
  Transaction huge = call_tx({}, 40000000);  // above the block gas limit
  CHECK(execute(s, kGas, huge, kBlock).status == Status::Invalid);
  CHECK(s.nonce(kAlice) == 0);
  CHECK(s.total_balance() == total);
  CHECK(s.balance(kAlice) == Wei{1000000000000});
}

TEST_CASE("a dry run reports the gas of the real execution and changes nothing", "[chain]") {
  State s = funded();
  auto body = [](Call& call) {
    call.sstore({kContract, 4, 0}, 9);
    call.sstore({kContract, 4, 1}, 9);
  };
  const std::size_t accounts = s.account_count();
  const Wei total = s.total_balance();
  const Receipt dry = dry_run(s, kGas, call_tx(body), kBlock);
  CHECK(s.account_count() == accounts);  // not even the coinbase's account was left behind
  CHECK(s.total_balance() == total);
  CHECK(s.load({kContract, 4, 0}) == 0);
  CHECK(s.nonce(kAlice) == 0);
  const Receipt real = execute(s, kGas, call_tx(body), kBlock);
  CHECK(dry.gas_used == real.gas_used);
  CHECK(dry.status == real.status);
  CHECK(s.load({kContract, 4, 0}) == 9);
}

TEST_CASE("wei are conserved over random transactions", "[chain][property]") {
  Rng rng(31);
  State s;
  const std::vector<Address> people{Address{10}, Address{11}, Address{12}, Address{13}};
  for (Address a : people) s.set_balance(a, Wei{1} << 70);  // ~1180 ether each
  s.forget_journal();
  const Wei total = s.total_balance();
  for (int i = 0; i < 2000; ++i) {
    Transaction tx;
    tx.from = people[rng.below(people.size())];
    tx.to = Address{200 + rng.below(3)};
    tx.value = static_cast<Wei>(rng.below(1000000));
    tx.gas_limit = 21000 + rng.below(200000);
    tx.gas_price = static_cast<Wei>(1 + rng.below(50)) * 1000000000;
    const bool fail = rng.bernoulli(0.3);
    const Address payee = people[rng.below(people.size())];
    tx.body = [&, fail, payee](Call& call) {
      call.sstore({call.self(), 0, rng.below(10)}, rng.below(3));
      if (call.value() > 10) call.send(payee, call.value() / 2);
      call.require(!fail, "random failure");
    };
    execute(s, kGas, tx, kBlock);
    REQUIRE(s.total_balance() == total);
    s.for_each_account([&](Address, const Account& acc) { REQUIRE(acc.balance <= total); });  // no wrap-around below 0
  }
}

TEST_CASE("wei and addresses print exactly", "[chain]") {
  CHECK(wei_to_string(0) == "0");
  CHECK(wei_to_string(Wei{1000000000000000000ULL} * 1000000000000ULL) == "1000000000000000000000000000000");
  CHECK(to_string(Address{42}) == "0x000000000000000000000000000000000000002a");
}

// ---- blocks, the pool and delivery through the engine ----

#include "cansim/model/chain/chain.hpp"

namespace {

Transaction tagged(Address from, Wei price, int tag, std::vector<int>& order, Gas limit = 50000) {
  Transaction tx;
  tx.from = from;
  tx.to = kContract;
  tx.gas_limit = limit;
  tx.gas_price = price;
  tx.body = [&order, tag](Call&) { order.push_back(tag); };
  return tx;
}

}  // namespace

TEST_CASE("blocks take the pool by gas price, then arrival, each sender in order", "[chain][blocks]") {
  Simulator sim;
  Chain chain(sim, {});
  const Address a{10}, b{11}, c{12};
  for (Address x : {a, b, c}) chain.genesis_state().set_balance(x, Wei{1} << 80);
  std::vector<int> order;
  chain.submit(tagged(a, 1, 1, order));    // a's first, cheap
  chain.submit(tagged(a, 100, 2, order));  // a's second, dear: must still follow a's first
  chain.submit(tagged(b, 50, 3, order));
  chain.submit(tagged(c, 50, 4, order));  // same price as b, later
  sim.run_until(seconds(12));
  CHECK(order == std::vector<int>{3, 4, 1, 2});
  REQUIRE(chain.block_count() == 1);
  CHECK(chain.transactions_total() == 4);
  CHECK(chain.pool_size() == 0);
}

TEST_CASE("a block never exceeds its gas limit and the rest waits", "[chain][blocks]") {
  Simulator sim;
  ChainConfig cfg;
  cfg.gas.block_gas_limit = 100000;
  Chain chain(sim, cfg);
  const Address a{10};
  chain.genesis_state().set_balance(a, Wei{1} << 80);
  std::vector<int> order;
  std::vector<BlockInfo> blocks;
  chain.on_sealed([&](const BlockInfo& b) { blocks.push_back(b); });
  for (int i = 0; i < 5; ++i) chain.submit(tagged(a, 1, i, order, 30000));
  sim.run_until(seconds(12));
  // As in go-ethereum, a transaction fits while its gas limit fits in what the block has not
  // used: 3 x 21000 used leaves 37000 >= 30000 for the fourth, and 16000 for the fifth.
  CHECK(order == std::vector<int>{0, 1, 2, 3});
  sim.run_until(seconds(24));
  CHECK(order == std::vector<int>{0, 1, 2, 3, 4});
  REQUIRE(blocks.size() == 2);
  for (const auto& blk : blocks) CHECK(blk.gas_used <= 100000);
  CHECK(chain.gas_used_total() == blocks[0].gas_used + blocks[1].gas_used);
  CHECK(chain.transactions_total() == 5);
}

TEST_CASE("a sender whose next transaction does not fit waits whole while cheaper senders that fit go on", "[chain][blocks]") {
  Simulator sim;
  ChainConfig cfg;
  cfg.gas.block_gas_limit = 100000;
  Chain chain(sim, cfg);
  const Address a{10}, b{11}, c{12};
  for (Address x : {a, b, c}) chain.genesis_state().set_balance(x, Wei{1} << 80);
  std::vector<int> order;
  chain.submit(tagged(a, 10, 1, order, 45000));  // uses 21000: 42000 used after a's two
  chain.submit(tagged(a, 10, 2, order, 45000));
  chain.submit(tagged(b, 5, 3, order, 60000));  // 42000 + 60000 > 100000: b waits
  chain.submit(tagged(b, 100, 4, order));       // dearest of all, but behind b's first
  chain.submit(tagged(c, 1, 5, order, 58000));  // 42000 + 58000 = 100000 exactly: fits
  sim.run_until(seconds(12));
  CHECK(order == std::vector<int>{1, 2, 5});
  sim.run_until(seconds(24));
  CHECK(order == std::vector<int>{1, 2, 5, 3, 4});
}

TEST_CASE("receipts and events arrive after the confirmation depth", "[chain][blocks]") {
  Simulator sim;
  ChainConfig cfg;
  cfg.block_interval = seconds(5);
  cfg.confirmations = 2;
  Chain chain(sim, cfg);
  const Address a{10};
  chain.genesis_state().set_balance(a, Wei{1} << 80);
  SimTime receipt_at{-1}, event_at{-1};
  Status status = Status::Invalid;
  chain.subscribe(kContract, [&](const Log& log) {
    CHECK(log.event == "Registered");
    event_at = sim.now();
  });
  Transaction tx = call_tx([](Call& call) { call.emit({{}, "Registered", {7}, 2, 0}); });
  tx.from = a;
  sim.at(seconds(3), [&] {
    chain.submit(tx, [&](const Receipt& r) {
      status = r.status;
      receipt_at = sim.now();
    });
  });
  Transaction bad = call_tx([](Call& call) { call.require(false, "no"); });
  bad.from = a;
  Status bad_status = Status::Success;
  chain.submit(bad, [&](const Receipt& r) { bad_status = r.status; });
  sim.run_until(seconds(30));
  CHECK(status == Status::Success);
  CHECK(receipt_at == seconds(15));  // sealed at 5 s, delivered 2 blocks later
  CHECK(event_at == seconds(15));
  CHECK(bad_status == Status::Reverted);
}

TEST_CASE("a handler may subscribe while it is handling an event, and goes on with its own state", "[chain][blocks]") {
  // The CAN subscribes to the Registry when an OCAN starts, inside a LeaderChanged handler. The
  // running handler must survive the new subscriptions (it once lived in a vector that moved;
  // AddressSanitizer saw the use after free).
  Simulator sim;
  Chain chain(sim, {});
  const Address a{10};
  chain.genesis_state().set_balance(a, Wei{1} << 80);
  struct Counts {
    Chain* chain;
    int seen = 0, later = 0;
  } n{&chain};
  chain.subscribe(kContract, [s = &n](const Log&) {  // one pointer: it lives inside the std::function
    for (int i = 0; i < 64; ++i) s->chain->subscribe(kContract, [s](const Log&) { ++s->later; });
    ++s->seen;
  });
  Transaction tx = call_tx([](Call& call) { call.emit({{}, "Registered", {7}, 2, 0}); });
  tx.from = a;
  chain.submit(tx);
  sim.run_until(seconds(13));
  CHECK(n.seen == 1);
  CHECK(n.later == 0);  // handlers subscribed during a delivery hear the next events, not this one
  chain.submit(tx);
  sim.run_until(seconds(25));
  CHECK(n.seen == 2);
  CHECK(n.later == 64);
}

TEST_CASE("estimate is a dry run against the current state", "[chain][blocks]") {
  Simulator sim;
  Chain chain(sim, {});
  chain.genesis_state().set_balance(kAlice, Wei{1} << 80);
  const Receipt r = chain.estimate(call_tx([](Call& call) { call.sstore({kContract, 0, 0}, 1); }));
  CHECK(r.status == Status::Success);
  CHECK(r.gas_used == 21000 + 2100 + 20000);
  CHECK(chain.state().load({kContract, 0, 0}) == 0);
}

TEST_CASE("signatures verify, and forged or altered ones do not", "[chain][signature]") {
  Keyring keys;
  Rng rng(4);
  const KeyPair alice = keys.create(Address{10}, rng);
  const KeyPair bob = keys.create(Address{11}, rng);
  const std::uint64_t msg = digest({2, 10});  // (nonce, proposer)
  const Signature s = sign(alice, msg);
  CHECK(keys.recover(s, msg) == alice.address);
  CHECK(keys.recover(s, digest({3, 10})).is_zero());  // another message
  Signature altered = s;
  altered.digest = digest({3, 10});
  CHECK(keys.recover(altered, digest({3, 10})).is_zero());  // digest swapped, tag kept
  Signature forged = sign(bob, msg);
  forged.signer = alice.address;  // Bob's key, Alice's name
  CHECK(keys.recover(forged, msg).is_zero());
  CHECK(keys.recover({alice.address, msg, s.tag ^ 1}, msg).is_zero());
  CHECK(keys.recover(sign({Address{99}, 123}, msg), msg).is_zero());  // a key the keyring never made
  CHECK_THROWS(keys.create(Address{10}, rng));
  CHECK(digest({1, 2}) != digest({2, 1}));
}

TEST_CASE("ecrecover in a contract costs 3000 gas and its call to the (warm) precompile", "[chain][signature]") {
  Simulator sim;
  Chain chain(sim, {});
  Rng rng(5);
  const KeyPair alice = chain.keyring().create(kAlice, rng);
  chain.genesis_state().set_balance(kAlice, Wei{1} << 80);
  const std::uint64_t msg = digest({1, 100});
  Address got{7};
  Gas cost = 0;
  chain.submit(call_tx([&](Call& call) {
    const Gas g = call.used();
    got = call.ecrecover(sign(alice, msg), msg);
    cost = call.used() - g;
  }));
  sim.run_until(seconds(12));
  CHECK(got == kAlice);
  CHECK(cost == 3000 + 100);
}

TEST_CASE("sending wei is a CALL with value: access, 9000 less the stipend, 25000 for an empty account", "[chain][gas]") {
  State s = funded();
  s.set_balance(kContract, 1000);
  s.set_nonce(kContract, 1);
  const Address empty{300}, funded_account{301}, contract_account{302};
  s.set_balance(funded_account, 1);
  s.set_nonce(contract_account, 1);  // a contract with no balance is not empty (EIP-161)
  s.forget_journal();
  std::vector<Gas> costs;
  const Receipt r = execute(s, kGas, call_tx([&](Call& call) {
                              auto cost_of = [&](Address to, Wei amount) {
                                const Gas before = call.used();
                                call.send(to, amount);
                                costs.push_back(call.used() - before);
                              };
                              cost_of(empty, 0);             // nothing sent: the account access only
                              cost_of(empty, 1);             // warm now, but still empty: it had no wei
                              cost_of(empty, 1);             // warm, and no longer empty
                              cost_of(funded_account, 1);    // cold, exists
                              cost_of(contract_account, 1);  // cold, a contract
                            }),
                            kBlock);
  REQUIRE(r.status == Status::Success);
  CHECK(costs == std::vector<Gas>{2600, 100 + 6700 + 25000, 100 + 6700, 2600 + 6700, 2600 + 6700});
  CHECK(s.balance(empty) == 2);
}

TEST_CASE("another contract's state is read through a call: 2600 cold, 100 warm, then the SLOAD", "[chain][gas]") {
  State s = funded();
  const Address other{400};
  s.store({other, 3, 0}, 42);
  s.forget_journal();
  std::vector<Gas> costs;
  std::vector<Word> values;
  execute(s, kGas, call_tx([&](Call& call) {
            for (const SlotKey k : {SlotKey{other, 3, 0}, SlotKey{other, 3, 0}, SlotKey{other, 4, 0}}) {
              const Gas before = call.used();
              values.push_back(call.read_external(other, k));
              costs.push_back(call.used() - before);
            }
          }),
          kBlock);
  CHECK(values == std::vector<Word>{42, 42, 0});
  CHECK(costs == std::vector<Gas>{2600 + 2100, 100 + 100, 100 + 2100});
}

TEST_CASE("calldata counts addresses, signatures and arrays as the ABI encodes them", "[chain][gas]") {
  const Calldata selector;
  CHECK(selector.nonzero == 4);
  CHECK(selector.zero == 0);
  Calldata a;
  a.address(Address{1});  // a real address: 20 bytes, not the model's small number
  CHECK(a.nonzero == 4 + 20);
  CHECK(a.zero == 12);
  Calldata sig;
  sig.signature();  // v, r, s: 1 + 32 + 32 bytes in three words
  CHECK(sig.nonzero == 4 + 65);
  CHECK(sig.zero == 31);
  Calldata arr;
  arr.array(3);  // offset 32 and length 3: one non-zero byte each
  CHECK(arr.nonzero == 4 + 2);
  CHECK(arr.zero == 62);
  const Calldata init = Calldata::creation({100, 7, 93});
  CHECK(init.nonzero == 93);  // no selector
  CHECK(init.zero == 7);
}

TEST_CASE("missing blocks: a slot without a block leaves the pool for the next one", "[chain][blocks]") {
  for (double p : {0.0, 0.5, 1.0}) {
    INFO("p " << p);
    Simulator sim;
    ChainConfig cfg;
    cfg.block_interval = seconds(1);
    cfg.missing_block_probability = p;
    cfg.missing_seed = 9;
    Chain chain(sim, cfg);
    chain.genesis_state().set_balance(kAlice, Wei{1} << 80);
    bool sealed = false;
    chain.submit(call_tx([](Call&) {}), [&](const Receipt&) { sealed = true; });
    sim.run_until(millis(1000500));  // 1000 slots
    CHECK(chain.block_count() + chain.missed_slots() == 1000);
    if (p == 0.0) CHECK(chain.missed_slots() == 0);
    if (p == 1.0) CHECK(chain.block_count() == 0);
    if (p == 0.5) CHECK(chain.missed_slots() == Approx(500).margin(60));
    CHECK(sealed == (p < 1.0));
  }
}

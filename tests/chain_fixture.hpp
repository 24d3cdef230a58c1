#pragma once
// A ledger to run contract transactions against in tests, without the event engine.
#include <catch2/catch.hpp>

#include <initializer_list>

#include "cansim/model/chain/execution.hpp"

namespace cansim::chain::testing {

struct Ledger {
  State state;
  GasSchedule gas;
  Keyring keys;
  BlockContext block{1, 0, Address{1}, &keys};

  Receipt run(const Transaction& tx) { return execute(state, gas, tx, block); }
  // Runs a transaction that must succeed.
  Receipt must(const Transaction& tx) {
    Receipt r = run(tx);
    INFO(tx.name << ": " << r.reason);
    REQUIRE(r.status == Status::Success);
    return r;
  }
  void fund(std::initializer_list<Address> accounts, Wei amount = Wei{1} << 90) {
    for (Address a : accounts) state.set_balance(a, amount);
    state.forget_journal();
  }
};

}  // namespace cansim::chain::testing

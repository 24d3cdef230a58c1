#include "cansim/model/chain/execution.hpp"

#include <algorithm>
#include <memory>

#include "cansim/model/chain/abi.hpp"

#include <fmt/format.h>

namespace cansim::chain {

std::string_view status_name(Status s) {
  switch (s) {
    case Status::Success: return "success";
    case Status::Reverted: return "reverted";
    case Status::OutOfGas: return "out of gas";
    case Status::Invalid: return "invalid";
  }
  return "?";
}

// Scratch tables not in use, per thread (runs go on in parallel). A Call made while another is
// running (a dry run from a contract's code, say) takes a second one.
std::vector<std::unique_ptr<Call::Scratch>>& Call::free_scratch() {
  thread_local std::vector<std::unique_ptr<Scratch>> pool;
  return pool;
}

Call::Scratch* Call::take_scratch() {
  auto& pool = free_scratch();
  if (pool.empty()) return new Scratch;
  Scratch* s = pool.back().release();
  pool.pop_back();
  return s;
}

Call::Call(State& state, const GasSchedule& gas, const Transaction& tx, const BlockContext& block, Gas limit)
    : state_(state), gas_(gas), tx_(tx), block_(block), limit_(limit), scratch_(take_scratch()), frames_(scratch_->frames),
      warm_accounts_(scratch_->warm_accounts), touched_(scratch_->touched) {
  frames_.push_back({tx.to, tx.from, tx.value});
  warm_accounts_.try_emplace(tx.from, 0);  // EIP-2929: sender and recipient start warm
  warm_accounts_.try_emplace(tx.to, 0);
}

Call::~Call() {
  frames_.clear();
  warm_accounts_.clear();
  touched_.clear();
  free_scratch().emplace_back(scratch_);
}

Gas Call::account_access(Address a) { return warm_accounts_.try_emplace(a, 0).second ? gas_.cold_account : gas_.warm_access; }

void Call::call(Address to, Wei value, const CallBody& body) {
  charge(account_access(to) + (value > 0 ? gas_.call_value : 0));
  require(state_.transfer(self(), to, value), "call value: balance too low");
  frames_.push_back({to, self(), value});
  body(*this);
  frames_.pop_back();
}

Address Call::create(Wei value, std::size_t code_bytes, const CallBody& constructor) {
  charge(gas_.create + gas_.create_per_code_byte * code_bytes);
  const Address creator = self();
  const Address at = contract_address(creator, state_.nonce(creator));
  state_.set_nonce(creator, state_.nonce(creator) + 1);
  require(state_.nonce(at) == 0 && state_.balance(at) == 0, "address collision");
  state_.set_nonce(at, 1);  // EIP-161: a new contract starts at nonce 1
  warm_accounts_.try_emplace(at, 0);
  require(state_.transfer(creator, at, value), "create value: balance too low");
  frames_.push_back({at, creator, value});
  constructor(*this);
  frames_.pop_back();
  return at;
}

void Call::charge(Gas g) {
  if (g > limit_ - used_) {
    used_ = limit_;
    throw OutOfGas();
  }
  used_ += g;
}

Word Call::sload(const SlotKey& k) {
  // A slot touched first is cold (EIP-2929); its value then is its original (EIP-2200).
  auto [t, cold] = touched_.try_emplace(k, Touched{});
  if (cold) {
    t->original = t->current = state_.load(k);
    charge(gas_.cold_sload);
    return t->current;
  }
  charge(gas_.warm_access);
  return t->current;
}

void Call::sstore(const SlotKey& k, Word v) {
  // EIP-2929: a cold slot costs the cold charge first.
  auto [t, cold] = touched_.try_emplace(k, Touched{});
  if (cold) t->original = t->current = state_.load(k);
  const Word current = t->current;
  Gas cost = cold ? gas_.cold_sload : 0;
  const Word original = t->original;
  const auto clears = static_cast<std::int64_t>(gas_.sstore_clears_refund);
  // EIP-2200 as amended by EIP-3529.
  if (v == current) {
    cost += gas_.warm_access;
  } else if (original == current) {
    if (original == 0) {
      cost += gas_.sstore_set;
    } else {
      cost += gas_.sstore_reset;
      if (v == 0) refund_counter_ += clears;
    }
  } else {
    cost += gas_.warm_access;
    if (original != 0) {
      if (current == 0) refund_counter_ -= clears;
      if (v == 0) refund_counter_ += clears;
    }
    if (v == original) {
      refund_counter_ += original == 0 ? static_cast<std::int64_t>(gas_.sstore_set - gas_.warm_access)
                                       : static_cast<std::int64_t>(gas_.sstore_reset - gas_.warm_access);
    }
  }
  charge(cost);
  t->current = v;
  state_.store(k, v);
}

void Call::emit(Log log) {
  charge(gas_.log_base + gas_.log_per_topic * log.topics + gas_.log_per_byte * log.data_bytes);
  log.contract = self();
  logs_.push_back(std::move(log));
}

Word Call::read_external(Address contract, const SlotKey& k) {
  charge(account_access(contract));
  return sload(k);
}

void Call::send(Address to, Wei amount) {
  require(try_send(to, amount), state_.refuses_wei(to) && amount > 0
                                    ? std::string("send failed")
                                    : fmt::format("send of {} wei: balance too low", wei_to_string(amount)));
}

bool Call::try_send(Address to, Wei amount) {
  // Solidity's `to.call{value: amount}("")`: the account access, and for a non-zero amount the
  // value transfer less the stipend the recipient returns unspent, and 25000 more when the
  // recipient is an empty account (EIP-161).
  Gas cost = account_access(to);
  if (amount > 0) cost += gas_.call_value - gas_.call_stipend + (state_.is_empty(to) ? gas_.new_account : 0);
  charge(cost);
  if (amount > 0 && state_.refuses_wei(to)) return false;
  return state_.transfer(self(), to, amount);
}

void Call::self_destruct() {
  charge(gas_.selfdestruct);
  state_.clear_storage(self());
}

Wei Call::balance_of(Address a) {
  charge(a == self() ? 5 : gas_.warm_access);
  return state_.balance(a);
}

Address Call::ecrecover(const Signature& sig, std::uint64_t message_digest) {
  charge(gas_.ecrecover + gas_.warm_access);  // the precompile, and its STATICCALL (precompiles are warm)
  return block_.keyring ? block_.keyring->recover(sig, message_digest) : Address{};
}

Gas intrinsic_gas(const GasSchedule& gas, const Transaction& tx) {
  Gas g = tx.created_code_bytes > 0 ? gas.tx_create + gas.create_per_code_byte * tx.created_code_bytes : gas.tx_base;
  return g + gas.calldata_zero_byte * tx.calldata_zero_bytes + gas.calldata_nonzero_byte * tx.calldata_nonzero_bytes;
}

namespace detail {

// `final`: the journal is dropped at the end (a real transaction); a dry run keeps it to undo.
Receipt run_transaction(State& state, const GasSchedule& gas, const Transaction& tx, const BlockContext& block, bool final) {
  Receipt r;
  const Gas intrinsic = intrinsic_gas(gas, tx);
  const Wei upfront = static_cast<Wei>(tx.gas_limit) * tx.gas_price;
  if (tx.gas_limit < intrinsic) {
    r.reason = fmt::format("gas limit {} below the intrinsic gas {}", tx.gas_limit, intrinsic);
    return r;
  }
  if (tx.gas_limit > gas.block_gas_limit) {
    r.reason = fmt::format("gas limit {} above the block gas limit {}", tx.gas_limit, gas.block_gas_limit);
    return r;
  }
  if (state.balance(tx.from) < upfront + tx.value) {
    r.reason = "sender cannot pay gas limit x gas price + value";
    return r;
  }
  // Buy the gas and bump the nonce: these stay even if the call reverts.
  state.set_balance(tx.from, state.balance(tx.from) - upfront);
  state.set_nonce(tx.from, state.nonce(tx.from) + 1);

  Call call(state, gas, tx, block, tx.gas_limit);
  call.used_ = intrinsic;
  const State::Snapshot snap = state.snapshot();
  r.status = Status::Success;
  try {
    // EIP-161: a contract starts at nonce 1 (and so is never an empty account).
    if (tx.created_code_bytes > 0 && state.nonce(tx.to) == 0) state.set_nonce(tx.to, 1);
    if (!state.transfer(tx.from, tx.to, tx.value)) throw Revert("value transfer failed");
    call.charge(tx.execution);
    if (tx.body) tx.body(call);
  } catch (const Revert& e) {
    r.status = Status::Reverted;
    r.reason = e.what();
  } catch (const OutOfGas&) {
    r.status = Status::OutOfGas;
    r.reason = "out of gas";
  }
  if (r.status != Status::Success) {
    state.revert_to(snap);
  } else {
    r.refund = std::min<Gas>(static_cast<Gas>(std::max<std::int64_t>(call.refund_counter_, 0)), call.used_ / gas.refund_quotient);
    r.logs = std::move(call.logs_);
  }
  r.gas_used = call.used_ - r.refund;
  r.fee = static_cast<Wei>(r.gas_used) * tx.gas_price;
  // Return what was not used; the fee goes to the coinbase.
  state.set_balance(tx.from, state.balance(tx.from) + (upfront - r.fee));
  state.set_balance(block.coinbase, state.balance(block.coinbase) + r.fee);
  if (final) state.forget_journal();
  return r;
}

}  // namespace detail

Receipt execute(State& state, const GasSchedule& gas, const Transaction& tx, const BlockContext& block) {
  return detail::run_transaction(state, gas, tx, block, true);
}

Receipt dry_run(State& state, const GasSchedule& gas, const Transaction& tx, const BlockContext& block) {
  // Undone through the journal rather than run on a copy: a copy of a world with 10^4 live
  // contracts would cost more than the call.
  const State::Snapshot before = state.snapshot();
  Receipt r = detail::run_transaction(state, gas, tx, block, false);
  state.revert_to(before);
  return r;
}

}  // namespace cansim::chain

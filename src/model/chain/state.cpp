#include "cansim/model/chain/state.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace cansim::chain {

std::string to_string(Address a) { return fmt::format("0x{:040x}", a.id); }

std::string wei_to_string(Wei w) {
  if (w == 0) return "0";
  std::string s;
  while (w > 0) {
    s.insert(s.begin(), static_cast<char>('0' + static_cast<int>(w % 10)));
    w /= 10;
  }
  return s;
}

Wei State::balance(Address a) const {
  const Account* acc = accounts_.find(a);
  return acc == nullptr ? 0 : acc->balance;
}

std::uint64_t State::nonce(Address a) const {
  const Account* acc = accounts_.find(a);
  return acc == nullptr ? 0 : acc->nonce;
}

State::Slots* State::slots_of(Address contract) const {
  if (recent_[0].slots != nullptr && recent_[0].contract == contract) return recent_[0].slots;
  if (recent_[1].slots != nullptr && recent_[1].contract == contract) {
    std::swap(recent_[0], recent_[1]);
    return recent_[0].slots;
  }
  Slots* slots = const_cast<Slots*>(storage_.find(contract));
  if (slots == nullptr) return nullptr;
  recent_[1] = recent_[0];
  recent_[0] = {contract, slots};
  return slots;
}

Word State::load(const SlotKey& k) const {
  const Slots* slots = slots_of(k.contract);
  if (slots != nullptr) {
    const Value* v = slots->find(SubKey::of(k));
    return v == nullptr ? 0 : v->word();
  }
  // No storage at all: never written, or destroyed (a destroyed contract keeps only its mark).
  if (!tombs_.empty()) {
    const std::uint32_t* flag = tombs_.find(k.contract);
    if (flag != nullptr && tomb_flags_[*flag] == SubKey::of(k)) return 1;
  }
  return 0;
}

void State::mark_destroyed(const SlotKey& flag) {
  journal_.push_back({Undo::Kind::Tomb, flag.contract, flag, 0});
  auto known = std::find(tomb_flags_.begin(), tomb_flags_.end(), SubKey::of(flag));
  if (known == tomb_flags_.end()) known = tomb_flags_.insert(known, SubKey::of(flag));
  *tombs_.try_emplace(flag.contract, 0).first = static_cast<std::uint32_t>(known - tomb_flags_.begin());
  // EIP-161: an account with no balance and nonce 0 does not exist.
  const Account* acc = accounts_.find(flag.contract);
  if (acc != nullptr && acc->balance == 0) {
    set_nonce(flag.contract, 0);
    accounts_.erase(flag.contract);
  }
}

void State::put(const SlotKey& k, Word v) {
  if (v != 0) {
    Slots* slots = slots_of(k.contract);
    if (slots == nullptr) {
      forget_recent();
      slots = storage_.try_emplace(k.contract, Slots{}).first;
    }
    *slots->try_emplace(SubKey::of(k), Value::of(v)).first = Value::of(v);
    return;
  }
  Slots* slots = slots_of(k.contract);
  if (slots == nullptr) return;
  slots->erase(SubKey::of(k));
  if (slots->empty()) {
    forget_recent();
    storage_.erase(k.contract);
  }
}

void State::clear_storage(Address contract) {
  Slots* slots = slots_of(contract);
  if (slots == nullptr) return;
  slots->for_each([&](const SubKey& sub, Value value) {
    journal_.push_back({Undo::Kind::Slot, {}, {contract, sub.field, sub.key()}, value.word()});
  });
  forget_recent();
  storage_.erase(contract);
}

std::size_t State::slot_count() const {
  std::size_t n = 0;
  storage_.for_each([&](Address, const Slots& slots) { n += slots.size(); });
  return n;
}

void State::set_balance(Address a, Wei v) {
  Account& acc = *accounts_.try_emplace(a, Account{}).first;
  journal_.push_back({Undo::Kind::Balance, a, {}, acc.balance});
  acc.balance = v;
}

void State::set_nonce(Address a, std::uint64_t n) {
  Account& acc = *accounts_.try_emplace(a, Account{}).first;
  journal_.push_back({Undo::Kind::Nonce, a, {}, acc.nonce});
  acc.nonce = n;
}

void State::store(const SlotKey& k, Word v) {
  journal_.push_back({Undo::Kind::Slot, {}, k, load(k)});
  put(k, v);
}

bool State::transfer(Address from, Address to, Wei amount) {
  if (balance(from) < amount) return false;
  if (from == to || amount == 0) return true;
  set_balance(from, balance(from) - amount);
  set_balance(to, balance(to) + amount);
  return true;
}

void State::set_refuses_wei(Address a, bool refuses) {
  if (refuses) {
    refusing_.insert(a);
  } else {
    refusing_.erase(a);
  }
}

void State::revert_to(Snapshot s) {
  while (journal_.size() > s) {
    const Undo u = journal_.back();
    journal_.pop_back();
    switch (u.kind) {
      case Undo::Kind::Balance: accounts_.try_emplace(u.address, Account{}).first->balance = u.old_value; break;
      case Undo::Kind::Nonce:
        accounts_.try_emplace(u.address, Account{}).first->nonce = static_cast<std::uint64_t>(u.old_value);
        break;
      case Undo::Kind::Slot: put(u.slot, u.old_value); break;
      case Undo::Kind::Tomb: tombs_.erase(u.address); break;
    }
    // An account the undone change created goes again (an empty account does not exist, EIP-161).
    if (u.kind == Undo::Kind::Balance || u.kind == Undo::Kind::Nonce) {
      const Account* acc = accounts_.find(u.address);
      if (acc != nullptr && acc->balance == 0 && acc->nonce == 0) accounts_.erase(u.address);
    }
  }
}

Wei State::total_balance() const {
  Wei sum = 0;
  accounts_.for_each([&sum](Address, const Account& acc) { sum += acc.balance; });
  return sum;
}

}  // namespace cansim::chain

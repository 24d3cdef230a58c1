#pragma once
// The world state: accounts (balance, nonce) and contract storage, with a journal so that a
// failed call undoes every change it made (snapshot / revert_to), as the EVM does.
#include <map>
#include <set>
#include <vector>

#include "cansim/sim/flat_table.hpp"
#include "cansim/model/chain/types.hpp"

namespace cansim::chain {

struct Account {
  Wei balance = 0;
  std::uint64_t nonce = 0;
};

class State {
 public:
  State() = default;
  // Copies and moves leave the lookup cache behind (it points into one object's map).
  State(const State& o)
      : accounts_(o.accounts_),
        storage_(o.storage_),
        tombs_(o.tombs_),
        tomb_flags_(o.tomb_flags_),
        journal_(o.journal_),
        refusing_(o.refusing_) {}
  State(State&& o) noexcept
      : accounts_(std::move(o.accounts_)),
        storage_(std::move(o.storage_)),
        tombs_(std::move(o.tombs_)),
        tomb_flags_(std::move(o.tomb_flags_)),
        journal_(std::move(o.journal_)),
        refusing_(std::move(o.refusing_)) {
    o.forget_recent();
  }
  State& operator=(const State& o) {
    if (this != &o) *this = State(o);
    return *this;
  }
  State& operator=(State&& o) noexcept {
    accounts_ = std::move(o.accounts_);
    storage_ = std::move(o.storage_);
    tombs_ = std::move(o.tombs_);
    tomb_flags_ = std::move(o.tomb_flags_);
    journal_ = std::move(o.journal_);
    refusing_ = std::move(o.refusing_);
    forget_recent();
    o.forget_recent();
    return *this;
  }

  Wei balance(Address a) const;
  std::uint64_t nonce(Address a) const;
  Word load(const SlotKey& k) const;  // unmetered: for reads outside transactions (eth_call)
  // EIP-161's empty account (no balance, nonce 0; a contract has nonce 1 from its creation): the
  // EVM charges 25000 for sending wei to one.
  bool is_empty(Address a) const { return balance(a) == 0 && nonce(a) == 0; }

  void set_balance(Address a, Wei v);
  void set_nonce(Address a, std::uint64_t n);
  void store(const SlotKey& k, Word v);  // 0 erases the slot, as in the EVM
  // SELFDESTRUCT as London has it: every slot of `contract` goes (journaled, so a revert brings
  // them back). A contract's slots are kept together so that this costs its own slots only.
  void clear_storage(Address contract);
  // After its SELFDESTRUCT: the contract's account goes if it holds nothing (journaled), and `flag`,
  // a slot of the contract that says "no code here any more", reads 1 from then on, kept as one
  // compact mark per contract rather than a storage table (a long run destroys every application
  // it served: its memory must not grow with them).
  void mark_destroyed(const SlotKey& flag);
  std::size_t storage_table_count() const { return storage_.size(); }  // contracts with storage
  std::size_t slot_count() const;  // slots held by every contract, for memory checks
  // Moves wei between accounts; false (and nothing changed) if `from` holds too little.
  bool transfer(Address from, Address to, Wei amount);
  // An account whose code reverts on receiving wei (a contract with no receive(), or one that
  // refuses): a call sending it wei fails, as on a real chain. Code, not state: not journaled.
  void set_refuses_wei(Address a, bool refuses);
  bool refuses_wei(Address a) const { return !refusing_.empty() && refusing_.count(a) != 0; }

  using Snapshot = std::size_t;
  Snapshot snapshot() const { return journal_.size(); }
  void revert_to(Snapshot s);
  // Once a transaction is final. A journal that grew large (balances set one by one at genesis)
  // gives its memory back; a transaction's few entries keep theirs for the next one.
  void forget_journal() {
    if (journal_.capacity() > 4096) {
      std::vector<Undo>().swap(journal_);
    } else {
      journal_.clear();
    }
  }

  // Sum of all balances: with the fees credited to an account, this never changes.
  Wei total_balance() const;
  std::size_t account_count() const { return accounts_.size(); }
  // f(address, account) for every account, in no particular order.
  template <class F>
  void for_each_account(F f) const {
    accounts_.for_each(f);
  }

 private:
  struct Undo {
    enum class Kind { Balance, Nonce, Slot, Tomb } kind;
    Address address;
    SlotKey slot;
    Word old_value;  // balance, nonce or slot value before the change
  };
  FlatTable<Address, Account, AddressHash> accounts_;
  // A slot within its contract, and its value, in 8-byte halves: a table entry is then 40 bytes
  // (a 16-byte-aligned Word would pad it to 64).
  struct SubKey {
    std::uint64_t field, lo, hi;
    bool operator==(const SubKey&) const = default;
    static SubKey of(const SlotKey& k) {
      return {k.field, static_cast<std::uint64_t>(k.key), static_cast<std::uint64_t>(k.key >> 64)};
    }
    Word key() const { return (static_cast<Word>(hi) << 64) | lo; }
  };
  struct SubKeyHash {
    std::size_t operator()(const SubKey& k) const noexcept {
      std::uint64_t h = AddressHash::mix(k.field);
      h = AddressHash::mix(h ^ k.lo);
      return static_cast<std::size_t>(AddressHash::mix(h ^ k.hi));
    }
  };
  struct Value {
    std::uint64_t lo = 0, hi = 0;
    static Value of(Word w) { return {static_cast<std::uint64_t>(w), static_cast<std::uint64_t>(w >> 64)}; }
    Word word() const { return (static_cast<Word>(hi) << 64) | lo; }
  };
  using Slots = FlatTable<SubKey, Value, SubKeyHash>;
  // By contract, then slot. Iterated only to clear a contract's slots, where the order reaches
  // nothing (each slot is journaled and erased alike).
  FlatTable<Address, Slots, AddressHash> storage_;
  // Destroyed contracts, each with the index in tomb_flags_ of its slot that reads 1
  // (mark_destroyed): 16 bytes an entry, the flags themselves few (one per kind of contract).
  FlatTable<Address, std::uint32_t, AddressHash> tombs_;
  std::vector<SubKey> tomb_flags_;
  // The two contracts looked up last (a call reads its own contract and the one it asks, in
  // turn). Adding or removing a contract moves the tables: that forgets them.
  struct Recent {
    Address contract;
    Slots* slots = nullptr;
  };
  mutable Recent recent_[2];
  void forget_recent() const { recent_[0].slots = recent_[1].slots = nullptr; }
  Slots* slots_of(Address contract) const;
  void put(const SlotKey& k, Word v);
  std::vector<Undo> journal_;
  std::set<Address> refusing_;
};

}  // namespace cansim::chain

#pragma once
// Value types of the simulated Ethereum-like chain (§1, §3 of the paper; docs/contracts.md, "Gas" and "Transactions
// and blocks"). Money is an integer count of wei, 128 bits wide (3.4e38 wei: far beyond any price);
// never floating point.
#include <compare>
#include <cstdint>
#include <string>

namespace cansim::chain {

using Wei = unsigned __int128;
// A storage slot's value. EVM words are 256 bits; every value cansim's contracts store (amounts,
// timestamps, addresses, indices) fits in 128, and gas does not depend on the width.
using Word = unsigned __int128;
using Gas = std::uint64_t;

// A simulated account's address: a number, printed as Ethereum's 20-byte hex.
struct Address {
  std::uint64_t id = 0;
  constexpr auto operator<=>(const Address&) const = default;
  constexpr bool is_zero() const { return id == 0; }
};

std::string to_string(Address a);  // "0x000...002a"
std::string wei_to_string(Wei w);  // decimal

// Names one storage slot: the contract and two keys (a field and an index/map key), the way
// Solidity derives slots from a field number and a key.
struct SlotKey {
  Address contract;
  std::uint64_t field = 0;
  Word key = 0;
  constexpr auto operator<=>(const SlotKey&) const = default;
};

// Hashes for the lookup-only tables (storage, a transaction's warm sets): never iterated, so their
// order cannot reach a result.
struct AddressHash {
  std::size_t operator()(Address a) const noexcept { return static_cast<std::size_t>(mix(a.id)); }
  static std::uint64_t mix(std::uint64_t x) {  // splitmix64's finaliser
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
  }
};
struct SlotKeyHash {
  std::size_t operator()(const SlotKey& k) const noexcept {
    std::uint64_t h = AddressHash::mix(k.contract.id);
    h = AddressHash::mix(h ^ k.field);
    h = AddressHash::mix(h ^ static_cast<std::uint64_t>(k.key));
    return static_cast<std::size_t>(AddressHash::mix(h ^ static_cast<std::uint64_t>(k.key >> 64)));
  }
};

}  // namespace cansim::chain

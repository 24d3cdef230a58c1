#pragma once
// What a contract call costs in calldata: the ABI encoding is a 4-byte selector and 32 bytes per
// argument word, and gas counts its zero and non-zero bytes separately.
#include <vector>

#include "cansim/model/chain/calibration.hpp"
#include "cansim/model/chain/execution.hpp"

namespace cansim::chain {

struct Calldata {
  std::size_t zero = 0, nonzero = 4;  // the selector

  // A creating transaction's calldata: the contract's init code (no selector), then the
  // constructor's arguments.
  static Calldata creation(const calibration::Code& code) { return {code.init_zero_bytes, code.init_nonzero_bytes}; }

  Calldata& word(Word w);  // one ABI word (32 bytes, big-endian)
  // An address as the ABI encodes it: 20 bytes, all taken as non-zero (a real address's bytes
  // are zero one time in 256), in a 32-byte word. The model's addresses are small numbers; a real
  // one is not.
  Calldata& address(Address) {
    nonzero += 20;
    zero += 12;
    return *this;
  }
  // A 65-byte signature as (uint8 v, bytes32 r, bytes32 s): three words, 65 bytes non-zero.
  Calldata& signature() {
    nonzero += 65;
    zero += 31;
    return *this;
  }
  // The head of a dynamic array: its offset word and its length word.
  Calldata& array(std::size_t length) { return word(32).word(length); }
  // Bytes counted as they are (a contract's init code in a creating transaction).
  Calldata& bytes(std::size_t zero_bytes, std::size_t nonzero_bytes) {
    zero += zero_bytes;
    nonzero += nonzero_bytes;
    return *this;
  }
  Calldata& words(const std::vector<Word>& ws) {
    word(ws.size());  // the array length (offset word omitted: it is one more small word)
    for (Word w : ws) word(w);
    return *this;
  }
  void apply(Transaction& tx) const {
    tx.calldata_zero_bytes = zero;
    tx.calldata_nonzero_bytes = nonzero;
  }
};

// A transaction calling `name` of contract `to`, with its calldata and code.
Transaction contract_call(Address to, Address from, std::string name, const Calldata& data, CallBody body, Gas gas_limit,
                          Wei gas_price);

// The address of the contract that `deployer` creates with its transaction of nonce `nonce`
// (Ethereum derives it from the pair too).
Address contract_address(Address deployer, std::uint64_t nonce);

inline Word word_of(Address a) { return a.id; }
inline Address address_of(Word w) { return Address{static_cast<std::uint64_t>(w)}; }

}  // namespace cansim::chain

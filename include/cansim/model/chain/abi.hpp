#pragma once
// What a contract call costs in calldata: the ABI encoding is a 4-byte selector and 32 bytes per
// argument word, and gas counts its zero and non-zero bytes separately.
#include <vector>

#include "cansim/model/chain/execution.hpp"

namespace cansim::chain {

struct Calldata {
  std::size_t zero = 0, nonzero = 4;  // the selector

  Calldata& word(Word w);  // one ABI word (32 bytes, big-endian)
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
Transaction contract_call(Address to, Address from, std::string name, const Calldata& data, CallBody body,
                          Gas gas_limit, Wei gas_price);

// The address of the contract that `deployer` creates with its transaction of nonce `nonce`
// (Ethereum derives it from the pair too).
Address contract_address(Address deployer, std::uint64_t nonce);

inline Word word_of(Address a) { return a.id; }
inline Address address_of(Word w) { return Address{static_cast<std::uint64_t>(w)}; }

}  // namespace cansim::chain

#pragma once
// Simulated signatures. Every actor owns a deterministic key pair; a signature names its signer
// and the digest of the message, and carries a tag only the signer's secret produces. Verifying
// one (ecrecover) costs 3000 gas. A forged signature (a tag made without the secret) or an
// altered one (another digest) fails.
#include <cstdint>
#include <map>

#include "cansim/model/chain/types.hpp"
#include "cansim/sim/rng.hpp"

namespace cansim::chain {

struct KeyPair {
  Address address;
  std::uint64_t secret;
};

struct Signature {
  Address signer;
  std::uint64_t digest = 0;
  std::uint64_t tag = 0;
  constexpr auto operator<=>(const Signature&) const = default;
};

// A digest of a message of words, e.g. digest({nonce, proposer}).
std::uint64_t digest(std::initializer_list<Word> words);

Signature sign(const KeyPair& key, std::uint64_t message_digest);

// Knows every simulated actor's secret, as the mathematics of real keys would: the simulation's
// stand-in for ecrecover.
class Keyring {
 public:
  // A new key pair for `address`, its secret drawn from `rng`.
  KeyPair create(Address address, Rng& rng);
  // The signer, if `sig` is a valid signature of `message_digest`; a zero address otherwise.
  Address recover(const Signature& sig, std::uint64_t message_digest) const;

 private:
  std::map<Address, std::uint64_t> secrets_;
};

}  // namespace cansim::chain

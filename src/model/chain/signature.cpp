#include "cansim/model/chain/signature.hpp"

#include <stdexcept>

namespace cansim::chain {

namespace {

std::uint64_t tag_of(std::uint64_t secret, std::uint64_t message_digest) {
  return mix64(secret ^ mix64(message_digest + 0x243f6a8885a308d3ULL));
}

}  // namespace

std::uint64_t digest(std::initializer_list<Word> words) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (Word w : words) {
    h = mix64(h ^ static_cast<std::uint64_t>(w));
    h = mix64(h ^ static_cast<std::uint64_t>(w >> 64));
  }
  return h;
}

Signature sign(const KeyPair& key, std::uint64_t message_digest) {
  return {key.address, message_digest, tag_of(key.secret, message_digest)};
}

KeyPair Keyring::create(Address address, Rng& rng) {
  if (address.is_zero()) throw std::invalid_argument("Keyring: the zero address has no key");
  const std::uint64_t secret = rng.next_u64();
  if (!secrets_.emplace(address, secret).second) throw std::invalid_argument("Keyring: address already has a key");
  return {address, secret};
}

Address Keyring::recover(const Signature& sig, std::uint64_t message_digest) const {
  if (sig.digest != message_digest) return {};
  auto it = secrets_.find(sig.signer);
  if (it == secrets_.end() || tag_of(it->second, message_digest) != sig.tag) return {};
  return sig.signer;
}

}  // namespace cansim::chain

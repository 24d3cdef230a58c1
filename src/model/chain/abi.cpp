#include "cansim/model/chain/abi.hpp"

#include "cansim/sim/rng.hpp"

namespace cansim::chain {

Calldata& Calldata::word(Word w) {
  std::size_t significant = 0;  // bytes from the lowest up to the highest non-zero one
  for (Word v = w; v != 0; v >>= 8) ++significant;
  std::size_t nz = 0;
  for (std::size_t i = 0; i < significant; ++i) nz += ((w >> (8 * i)) & 0xff) != 0 ? 1 : 0;
  nonzero += nz;
  zero += 32 - nz;
  return *this;
}

Transaction contract_call(Address to, Address from, std::string name, const Calldata& data, CallBody body, Gas gas_limit,
                          Wei gas_price) {
  Transaction tx;
  tx.from = from;
  tx.to = to;
  tx.gas_limit = gas_limit;
  tx.gas_price = gas_price;
  tx.execution = calibration::base_after_checks(name) ? 0 : calibration::function_base(name);
  tx.name = std::move(name);
  data.apply(tx);
  tx.body = std::move(body);
  return tx;
}

Address contract_address(Address deployer, std::uint64_t nonce) {
  // Far above the small numbers simulated actors use, and never zero.
  return Address{mix64(deployer.id ^ mix64(nonce + 0xc0ffee)) | (std::uint64_t{1} << 63)};
}

}  // namespace cansim::chain

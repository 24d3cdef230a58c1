#include "cansim/model/chain/chain.hpp"

#include <fmt/format.h>

#include "cansim/sim/invariant.hpp"

namespace cansim::chain {

Chain::Chain(Simulator& sim, ChainConfig config) : sim_(sim), config_(config), missing_(config.missing_seed) {
  if (config_.block_interval <= SimTime{}) throw std::invalid_argument("Chain: block_interval must be positive");
  sim_.after(config_.block_interval, [this] { seal(); });
}

void Chain::on_sealed(std::function<void(const BlockInfo&)> f) { sealed_hooks_.push_back(std::move(f)); }

Receipt Chain::genesis(const Transaction& tx) {
  const BlockContext block0{0, static_cast<std::uint64_t>(sim_.now().us / 1000), config_.coinbase, &keyring_};
  return execute(state_, config_.gas, tx, block0);
}

void Chain::submit(Transaction tx, ReceiptHandler on_receipt) {
  pool_[tx.from].push_back({std::move(tx), std::move(on_receipt), arrivals_++});
}

void Chain::subscribe(Address contract, LogHandler handler) { subscribers_.emplace_back(contract, std::move(handler)); }

Receipt Chain::estimate(const Transaction& tx) {
  const BlockContext next{blocks_.size() + 1, static_cast<std::uint64_t>(sim_.now().us / 1000), config_.coinbase,
                          &keyring_};
  return dry_run(state_, config_.gas, tx, next);
}

std::size_t Chain::pool_size() const {
  std::size_t n = 0;
  for (const auto& [_, q] : pool_) n += q.size();
  return n;
}

void Chain::seal() {
  if (config_.missing_block_probability > 0 && missing_.bernoulli(config_.missing_block_probability)) {
    ++missed_;
    sim_.after(config_.block_interval, [this] { seal(); });
    return;
  }
  const BlockContext block{blocks_.size() + 1, static_cast<std::uint64_t>(sim_.now().us / 1000), config_.coinbase,
                           &keyring_};
  const Gas limit = config_.gas.block_gas_limit;
  Gas used = 0;
  std::vector<std::pair<Receipt, ReceiptHandler>> sealed;
  std::map<Address, bool> blocked;  // senders whose next transaction does not fit in this block
  for (;;) {
    // The best head of a sender queue: highest gas price, then earliest arrival.
    std::deque<Pending>* best = nullptr;
    for (auto& [sender, q] : pool_) {
      if (q.empty() || blocked[sender]) continue;
      const Pending& p = q.front();
      if (!best || p.tx.gas_price > best->front().tx.gas_price ||
          (p.tx.gas_price == best->front().tx.gas_price && p.arrival < best->front().arrival)) {
        best = &q;
      }
    }
    if (!best) break;
    if (used + best->front().tx.gas_limit > limit) {
      blocked[best->front().tx.from] = true;  // waits for the next block, keeping its sender's order
      continue;
    }
    Pending p = std::move(best->front());
    best->pop_front();
    Receipt r = execute(state_, config_.gas, p.tx, block);
    used += r.gas_used;
    sealed.emplace_back(std::move(r), std::move(p.on_receipt));
  }
  for (auto it = pool_.begin(); it != pool_.end();) it = it->second.empty() ? pool_.erase(it) : std::next(it);
  if (used > limit) {
    throw InvariantViolation(sim_.now(), fmt::format("sealing block {}", block.number),
                             fmt::format("block gas {} exceeds the limit {}", used, limit));
  }
  blocks_.push_back({block.number, sim_.now(), used, sealed.size()});

  // Receipts and events become visible once the block is `confirmations` blocks deep.
  const SimTime visible = config_.block_interval * static_cast<std::int64_t>(config_.confirmations);
  for (auto& [receipt, handler] : sealed) {
    for (const Log& log : receipt.logs) {
      for (const auto& [contract, h] : subscribers_) {
        if (contract.is_zero() || contract == log.contract) {
          sim_.after(visible, [h, log] { h(log); });
        }
      }
    }
    if (handler) sim_.after(visible, [handler = std::move(handler), receipt] { handler(receipt); });
  }
  for (const auto& f : sealed_hooks_) f(blocks_.back());
  sim_.after(config_.block_interval, [this] { seal(); });
}

}  // namespace cansim::chain

#include "cansim/model/chain/chain.hpp"

#include <algorithm>

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
  Transaction t = tx;
  t.gas_limit = std::min(t.gas_limit, config_.gas.block_gas_limit);
  return execute(state_, config_.gas, t, block0);
}

void Chain::submit(Transaction tx, ReceiptHandler on_receipt) {
  // A sender never asks for more gas than a block holds (a wallet caps its limit so): a call that
  // needs more runs out of gas, rather than waiting for a block that can never take it.
  tx.gas_limit = std::min(tx.gas_limit, config_.gas.block_gas_limit);
  pool_[tx.from].push_back({std::move(tx), std::move(on_receipt), arrivals_++});
}

void Chain::subscribe(Address contract, LogHandler handler) { subscribers_.emplace_back(contract, std::move(handler)); }

Receipt Chain::estimate(const Transaction& tx) {
  const BlockContext next{block_count_ + 1, static_cast<std::uint64_t>(sim_.now().us / 1000), config_.coinbase, &keyring_};
  return dry_run(state_, config_.gas, tx, next);
}

std::size_t Chain::pool_size() const {
  std::size_t n = 0;
  for (const auto& [_, q] : pool_) n += q.size();
  return n;
}

void Chain::deliver() {
  Delivery d = std::move(deliveries_.front());
  deliveries_.pop_front();
  for (auto& [receipt, handler] : d.sealed) {
    for (const Log& log : receipt.logs) {
      // By index: a handler may subscribe while it runs (the deque keeps it in place).
      for (std::size_t i = 0; i < d.subscribers; ++i) {
        if (subscribers_[i].first.is_zero() || subscribers_[i].first == log.contract) subscribers_[i].second(log);
      }
    }
    if (handler) handler(receipt);
  }
}

void Chain::seal() {
  if (config_.missing_block_probability > 0 && missing_.bernoulli(config_.missing_block_probability)) {
    ++missed_;
    sim_.after(config_.block_interval, [this] { seal(); });
    return;
  }
  const BlockContext block{block_count_ + 1, static_cast<std::uint64_t>(sim_.now().us / 1000), config_.coinbase, &keyring_};
  const Gas limit = config_.gas.block_gas_limit;
  Gas used = 0;
  std::vector<std::pair<Receipt, ReceiptHandler>> sealed;
  // The best head of a sender queue first: highest gas price, then earliest arrival (arrivals are
  // unique). A sender whose head does not fit waits for the next block, keeping its order: it
  // leaves the heap for this block.
  struct Head {
    Wei gas_price;
    std::uint64_t arrival;
    std::deque<Pending>* queue;
  };
  const auto worse = [](const Head& a, const Head& b) {
    return a.gas_price != b.gas_price ? a.gas_price < b.gas_price : a.arrival > b.arrival;
  };
  std::vector<Head> heads;
  heads.reserve(pool_.size());
  for (auto& [sender, q] : pool_) {
    if (!q.empty()) heads.push_back({q.front().tx.gas_price, q.front().arrival, &q});
  }
  std::make_heap(heads.begin(), heads.end(), worse);
  while (!heads.empty()) {
    std::pop_heap(heads.begin(), heads.end(), worse);
    std::deque<Pending>& q = *heads.back().queue;
    heads.pop_back();
    if (used + q.front().tx.gas_limit > limit) continue;
    Pending p = std::move(q.front());
    q.pop_front();
    Receipt r = execute(state_, config_.gas, p.tx, block);
    used += r.gas_used;
    sealed.emplace_back(std::move(r), std::move(p.on_receipt));
    if (!q.empty()) {
      heads.push_back({q.front().tx.gas_price, q.front().arrival, &q});
      std::push_heap(heads.begin(), heads.end(), worse);
    }
  }
  for (auto it = pool_.begin(); it != pool_.end();) it = it->second.empty() ? pool_.erase(it) : std::next(it);
  if (used > limit) {
    throw InvariantViolation(sim_.now(), fmt::format("sealing block {}", block.number),
                             fmt::format("block gas {} exceeds the limit {}", used, limit));
  }
  const BlockInfo info{block.number, sim_.now(), used, sealed.size()};
  ++block_count_;
  gas_used_total_ += used;
  transactions_total_ += sealed.size();

  // Receipts and events become visible once the block is `confirmations` blocks deep.
  const SimTime visible = config_.block_interval * static_cast<std::int64_t>(config_.confirmations);
  // One event delivers the block's logs and receipts in order, to the subscribers there were at
  // sealing (one that subscribes meanwhile sees later blocks only). Every block takes the same
  // delay, so deliveries leave the queue in the order they joined it.
  if (!sealed.empty()) {
    deliveries_.push_back({std::move(sealed), subscribers_.size()});
    sim_.after(visible, [this] { deliver(); });
  }
  for (const auto& f : sealed_hooks_) f(info);
  sim_.after(config_.block_interval, [this] { seal(); });
}

}  // namespace cansim::chain

#include "cansim/cloud/gateway.hpp"

#include <fmt/format.h>

#include "cansim/model/chain/contracts/application.hpp"
#include "cansim/model/chain/contracts/cloud.hpp"
#include "cansim/sim/invariant.hpp"

namespace cansim::cloud {

namespace cc = chain::cloud_contract;
namespace ac = chain::application;

namespace {
chain::Address user_account(std::uint64_t u) { return chain::Address{500000 + u}; }
}  // namespace

Gateway::Gateway(CloudWorld& world, GatewayConfig cfg, Rng rng) : w_(world), cfg_(cfg), rng_(rng), timeouts_(world.sim) {
  chain::State& g = w_.chain.genesis_state();
  for (std::uint32_t u = 0; u < cfg_.users; ++u) g.set_balance(user_account(u), chain::Wei{1} << 100);
  g.forget_journal();
  w_.on_gateway_message = [this](const CloudMsg& m) { receive(m); };
}

void Gateway::submit(chain::Transaction tx, chain::ReceiptHandler on_receipt) {
  tx.gas_price = w_.config.gas_price;
  w_.chain.submit(std::move(tx), std::move(on_receipt));
}

void Gateway::request(const app::Topology& app, SimTime duration, std::function<void(const Outcome&)> on_outcome,
                      std::function<void()> on_end) {
  const std::uint64_t id = next_id_++;
  Live l;
  l.app = &app;
  l.duration = duration;
  l.outcome.requested = w_.sim.now();
  l.client = user_account(next_user_++ % cfg_.users);
  for (std::uint32_t p = 0; p < w_.providers.size(); ++p) l.order.push_back(p);
  rng_.shuffle(l.order);
  if (l.order.size() > cfg_.max_providers_tried) l.order.resize(cfg_.max_providers_tried);
  std::reverse(l.order.begin(), l.order.end());  // taken from the back
  l.on_outcome = std::move(on_outcome);
  l.on_end = std::move(on_end);
  live_.emplace(id, std::move(l));
  next_provider(id);
}

void Gateway::next_provider(std::uint64_t id) {
  Live& l = live_.at(id);
  while (!l.order.empty()) {
    const std::uint32_t p = l.order.back();
    l.order.pop_back();
    auto bp = make_blueprint(*l.app, *w_.providers[p].scheduler, w_.config.soe);
    if (!bp) continue;  // this provider has no hardware for some service
    ++l.outcome.tries;
    l.outcome.provider = p;
    l.outcome.blueprint = std::move(*bp);
    CloudMsg m;
    m.type = CloudMsgType::Blueprint;
    m.request = id;
    m.client = l.client;
    m.services = l.outcome.blueprint.requests;
    l.timeout = timeouts_.start(cfg_.reply_timeout, [this, id] { next_provider(id); });
    w_.net.send(w_.gateway_node(), w_.scheduler_node(p), std::move(m));
    return;
  }
  // Every provider tried: refused.
  Outcome o = std::move(l.outcome);
  o.accepted = false;
  auto done = std::move(l.on_outcome);
  live_.erase(id);
  if (done) done(o);
}

void Gateway::receive(const CloudMsg& m) {
  auto it = live_.find(m.request);
  if (it == live_.end() || !timeouts_.complete(it->second.timeout)) {
    // A late answer: give a reservation back at once.
    if (m.type == CloudMsgType::Reserved) {
      CloudMsg rel;
      rel.type = CloudMsgType::Release;
      rel.reservation = m.reservation;
      for (std::uint32_t p = 0; p < w_.providers.size(); ++p) {
        if (w_.providers[p].scheduler_key.address == m.signature.signer) {
          w_.net.send(w_.gateway_node(), w_.scheduler_node(p), std::move(rel));
        }
      }
    }
    return;
  }
  if (m.type == CloudMsgType::Refused) {
    next_provider(m.request);
    return;
  }
  if (m.type == CloudMsgType::Reserved) instantiate(m.request, m);
}

void Gateway::instantiate(std::uint64_t id, const CloudMsg& m) {
  Live& l = live_.at(id);
  l.hosts = m.hosts;
  const std::uint32_t p = l.outcome.provider;
  const std::uint64_t reservation = m.reservation;
  submit(cc::instantiate(w_.providers[p].cloud, m.signed_for, m.signature, cfg_.deposit),
         [this, id, p, reservation](const chain::Receipt& r) {
           Live& l = live_.at(id);
           l.outcome.gas += r.gas_used;
           if (r.status != chain::Status::Success) {
             ++l.outcome.reverted;
             CloudMsg rel;
             rel.type = CloudMsgType::Release;
             rel.reservation = reservation;
             w_.net.send(w_.gateway_node(), w_.scheduler_node(p), std::move(rel));
             next_provider(id);
             return;
           }
           for (const chain::Log& log : r.logs) {
             if (log.event == "Instantiated") l.outcome.application = chain::address_of(log.args[0]);
           }
           l.outcome.accepted = true;
           l.outcome.sealed = w_.sim.now();
           if (l.on_outcome) l.on_outcome(l.outcome);
           w_.sim.after(l.duration, [this, id] { shut_down(id); });
         });
}

// The application's time is up: APP_SHUTDOWN, paid, then the resources released on chain.
void Gateway::shut_down(std::uint64_t id) {
  Live& l = live_.at(id);
  const chain::Address app = l.outcome.application;
  submit(ac::add_checkpoint(app, w_.ocan_leader,
                            {ac::CheckpointType::AppShutdown, static_cast<std::uint64_t>(w_.sim.now().us / 1000),
                             w_.ocan_leader, 0, w_.ocan_leader}),
         {});
  submit(ac::interim_payment(app, w_.ocan_leader, 1), [this, id, app](const chain::Receipt&) {
    Live& l = live_.at(id);
    if (!ac::is_shutdown(w_.chain.state(), app)) {
      throw InvariantViolation(w_.sim.now(), "shutting an application down",
                               fmt::format("application {} is not shut down after its APP_SHUTDOWN was paid", chain::to_string(app)));
    }
    submit(cc::release(w_.providers[l.outcome.provider].cloud, l.client, app), [this, id](const chain::Receipt& r) {
      if (r.status != chain::Status::Success) {
        throw InvariantViolation(w_.sim.now(), "Cloud.release", fmt::format("release failed: {}", r.reason));
      }
      finish(id);
    });
    // The client takes back what is left and frees the contract's storage (§5.1).
    submit(ac::destroy(app, l.client), [this, app](const chain::Receipt& r) {
      if (r.status != chain::Status::Success) {
        throw InvariantViolation(w_.sim.now(), "Application.destroy",
                                 fmt::format("destroy of {} failed: {}", chain::to_string(app), r.reason));
      }
    });
  });
}

void Gateway::finish(std::uint64_t id) {
  Live& l = live_.at(id);
  CloudMsg done;
  done.type = CloudMsgType::Done;
  done.hosts = l.hosts;
  done.services = l.outcome.blueprint.requests;
  w_.net.send(w_.gateway_node(), w_.scheduler_node(l.outcome.provider), std::move(done));
  auto on_end = std::move(l.on_end);
  live_.erase(id);
  if (on_end) on_end();
}

}  // namespace cansim::cloud

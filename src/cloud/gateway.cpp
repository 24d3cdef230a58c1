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
  if (cfg_.selection != Selection::Scheduler) {
    std::vector<chain::Address> clouds;
    for (const Provider& p : w_.providers) clouds.push_back(p.cloud);
    view_ = std::make_unique<ChainView>(w_.chain, std::move(clouds), w_.hosts, cfg_.view_depth);
  }
}

namespace {
ServiceRequest units_only(ServiceRequest r) {
  const std::uint64_t u = units_of(r);
  r.demand =
      r.hardware == Hardware::Cpu ? Demand{static_cast<std::uint32_t>(u), 0, 0} : Demand{0, 0, static_cast<std::uint32_t>(u)};
  return r;
}
}  // namespace

// A client's own offer from what it reads: the cheapest class of the right hardware and
// hypervisor with some resource that has the units free (memory is not on chain).
std::optional<std::uint64_t> Gateway::offer_from_view(std::uint32_t p, const ServiceRequest& r) const {
  std::optional<std::uint64_t> best;
  for (HostId h = 0; h < w_.hosts.size(); ++h) {
    const HostClass& c = w_.hosts.host_class(h);
    if (w_.hosts.provider(h) != p || c.hardware != r.hardware || c.hypervisor != r.hypervisor) continue;
    if (view_->free_units(h) < units_of(r)) continue;
    if (!best || c.price_per_minute < *best) best = c.price_per_minute;
  }
  return best;
}

void Gateway::submit(chain::Transaction tx, chain::ReceiptHandler on_receipt) {
  tx.gas_price = w_.config.gas_price;
  if (cfg_.on_gas) {
    on_receipt = [this, name = tx.name, f = std::move(on_receipt)](const chain::Receipt& r) {
      cfg_.on_gas(name, r.gas_used);
      if (f) f(r);
    };
  }
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
    auto bp = cfg_.selection == Selection::Scheduler
                  ? make_blueprint(*l.app, *w_.providers[p].scheduler, w_.config.soe)
                  : make_blueprint(
                        *l.app, [this, p](const ServiceRequest& r) { return offer_from_view(p, r); }, w_.config.soe);
    if (!bp) continue;  // this provider has no hardware for some service
    if (cfg_.units_only) {
      for (ServiceRequest& r : bp->requests) r = units_only(r);
    }
    ++l.outcome.tries;
    l.outcome.provider = p;
    l.outcome.blueprint = std::move(*bp);
    // The Scheduler reserves, or (for the client's or the contract's selection) admits.
    CloudMsg m;
    m.type = cfg_.selection == Selection::Scheduler ? CloudMsgType::Blueprint : CloudMsgType::Admit;
    m.request = id;
    m.client = l.client;
    if (cfg_.selection == Selection::Scheduler) m.services = l.outcome.blueprint.requests;
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

// §3's alternatives: the client picks resources from its view of the chain and seals the choice,
// or asks the contract to pick.
void Gateway::select_on_chain(std::uint64_t id, std::uint32_t p, std::uint32_t attempt) {
  Live& l = live_.at(id);
  const Provider& pr = w_.providers[p];
  if (static_cast<std::uint64_t>(w_.sim.now().us / 1000) > l.admission.expires_ms) {  // the chain would refuse it
    next_provider(id);
    return;
  }
  chain::Transaction tx;
  if (cfg_.selection == Selection::Contract) {
    std::vector<std::pair<cc::ResourceKind, std::uint64_t>> services;
    for (const ServiceRequest& r : l.outcome.blueprint.requests) services.emplace_back(resource_kind(r.hardware), units_of(r));
    tx = cc::instantiate_search(pr.cloud, l.admission, l.admission_signature, services, cfg_.deposit);
  } else {
    std::vector<cc::ReservedResource> chosen;
    std::map<HostId, std::uint64_t> mine;  // units this selection already took, by host
    for (const ServiceRequest& r : l.outcome.blueprint.requests) {
      std::vector<HostId> fit;
      for (HostId h = 0; h < w_.hosts.size(); ++h) {
        const HostClass& c = w_.hosts.host_class(h);
        if (w_.hosts.provider(h) != p || c.hardware != r.hardware || c.hypervisor != r.hypervisor) continue;
        if (view_->free_units(h) >= units_of(r) + mine[h]) {
          fit.push_back(h);
          if (!cfg_.client_random) break;
        }
      }
      if (fit.empty()) {  // its view changed since the blueprint: nothing to try here
        next_provider(id);
        return;
      }
      const HostId h = cfg_.client_random ? fit[rng_.below(fit.size())] : fit.front();
      mine[h] += units_of(r);
      chosen.push_back({h, 0, units_of(r)});
    }
    tx = cc::instantiate_direct(pr.cloud, l.admission, l.admission_signature, chosen, cfg_.deposit);
  }
  submit(std::move(tx), [this, id, p, attempt](const chain::Receipt& r) {
    Live& l = live_.at(id);
    l.outcome.gas += r.gas_used;
    if (r.status == chain::Status::Success) {
      for (const chain::Log& log : r.logs) {
        if (log.event == "Instantiated") l.outcome.application = chain::address_of(log.args[0]);
      }
      // The provider's hosts run what the chain sealed.
      const auto res = cc::application_resources(w_.chain.state(), w_.providers[p].cloud, l.outcome.application);
      l.hosts.clear();
      for (std::size_t i = 0; i < res.size(); ++i) {
        l.hosts.push_back(static_cast<HostId>(res[i].id));
        w_.providers[p].scheduler->adopt(l.hosts.back(), l.outcome.blueprint.requests[i].demand, w_.sim.now());
      }
      sealed(id, r);
      return;
    }
    ++l.outcome.reverted;  // a conflict (Client) or nothing with room (Contract)
    if (cfg_.selection == Selection::Client && attempt < cfg_.max_attempts) {
      select_on_chain(id, p, attempt + 1);  // the receipt came with a new block: a fresher view
    } else {
      next_provider(id);
    }
  });
}

void Gateway::sealed(std::uint64_t id, const chain::Receipt&) {
  Live& l = live_.at(id);
  l.outcome.accepted = true;
  l.outcome.sealed = w_.sim.now();
  by_application_[l.outcome.application] = id;
  if (l.on_outcome) l.on_outcome(l.outcome);
  live_.at(id).planned_end = w_.sim.after(l.duration, [this, id] { shut_down(id); });
}

void Gateway::ended_early(chain::Address application) {
  const auto it = by_application_.find(application);
  if (it == by_application_.end()) return;
  const std::uint64_t id = it->second;
  if (live_.at(id).ending) return;
  w_.sim.cancel(live_.at(id).planned_end);
  shut_down(id);
}

void Gateway::receive(const CloudMsg& m) {
  auto it = live_.find(m.request);
  if (it == live_.end() || !timeouts_.complete(it->second.timeout)) {
    // A late answer: give a reservation back at once, unless it is a copy (the network duplicated
    // it) of the one being instantiated: releasing that would hand its hosts out twice.
    if (m.type == CloudMsgType::Reserved) {
      for (std::uint32_t p = 0; p < w_.providers.size(); ++p) {
        if (w_.providers[p].scheduler_key.address != m.signature.signer) continue;
        if (it != live_.end() && it->second.outcome.provider == p && it->second.reservation == m.reservation) return;
        CloudMsg rel;
        rel.type = CloudMsgType::Release;
        rel.reservation = m.reservation;
        w_.net.send(w_.gateway_node(), w_.scheduler_node(p), std::move(rel));
      }
    }
    return;
  }
  if (m.type == CloudMsgType::Refused) {
    next_provider(m.request);
    return;
  }
  if (m.type == CloudMsgType::Reserved) instantiate(m.request, m);
  if (m.type == CloudMsgType::Admitted) {
    Live& l = it->second;
    l.admission = m.admission;
    l.admission_signature = m.signature;
    select_on_chain(m.request, l.outcome.provider, 1);
  }
}

void Gateway::instantiate(std::uint64_t id, const CloudMsg& m) {
  Live& l = live_.at(id);
  l.hosts = m.hosts;
  l.reservation = m.reservation;
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
           sealed(id, r);
         });
}

// The application's time is up: APP_SHUTDOWN, paid, then the resources released on chain.
void Gateway::shut_down(std::uint64_t id) {
  Live& l = live_.at(id);
  l.ending = true;
  const chain::Address app = l.outcome.application;
  if (cfg_.selection != Selection::Scheduler) {
    // The services stop now and the hosts have their units back; the contract still counts them
    // until Cloud.release, so no one can seal them before that. (A Scheduler instead frees them
    // only after the release, so that its next reservation cannot meet them still in use.)
    Provider& pr = w_.providers[l.outcome.provider];
    for (std::size_t i = 0; i < l.hosts.size(); ++i)
      pr.scheduler->free(l.hosts[i], l.outcome.blueprint.requests[i].demand, w_.sim.now());
  }
  if (cfg_.end_application) {
    cfg_.end_application(app, [this, id] { release_and_destroy(id); });
    return;
  }
  submit(ac::add_checkpoint(app, w_.ocan_leader,
                            {ac::CheckpointType::AppShutdown, static_cast<std::uint64_t>(w_.sim.now().us / 1000), w_.ocan_leader,
                             0, w_.ocan_leader}),
         {});
  submit(ac::interim_payment(app, w_.ocan_leader, 1), [this, id, app](const chain::Receipt&) {
    if (!ac::is_shutdown(w_.chain.state(), app)) {
      throw InvariantViolation(
          w_.sim.now(), "shutting an application down",
          fmt::format("application {} is not shut down after its APP_SHUTDOWN was paid", chain::to_string(app)));
    }
    release_and_destroy(id);
  });
}

void Gateway::release_and_destroy(std::uint64_t id) {
  Live& l = live_.at(id);
  const chain::Address app = l.outcome.application;
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
}

void Gateway::finish(std::uint64_t id) {
  Live& l = live_.at(id);
  if (cfg_.selection == Selection::Scheduler) {
    CloudMsg done;
    done.type = CloudMsgType::Done;
    done.reservation = l.reservation;  // a Done duplicated on the network frees once
    done.hosts = l.hosts;
    done.services = l.outcome.blueprint.requests;
    w_.net.send(w_.gateway_node(), w_.scheduler_node(l.outcome.provider), std::move(done));
  }
  auto on_end = std::move(l.on_end);
  by_application_.erase(l.outcome.application);
  live_.erase(id);
  if (on_end) on_end();
}

}  // namespace cansim::cloud

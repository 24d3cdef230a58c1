#include "cansim/cloud/cloud_world.hpp"

#include <memory>

#include <fmt/format.h>

#include "cansim/model/chain/contracts/cloud.hpp"
#include "cansim/model/chain/contracts/registry.hpp"
#include "cansim/protocols/can/build.hpp"
#include "cansim/protocols/can/can.hpp"
#include "cansim/sim/invariant.hpp"

namespace cansim::cloud {

namespace cc = chain::cloud_contract;

namespace {

chain::Receipt setup(chain::Chain& chain, const chain::Transaction& tx) {
  chain::Receipt r = chain.genesis(tx);
  if (r.status != chain::Status::Success) {
    throw InvariantViolation(SimTime{}, "building the cloud", fmt::format("{} failed: {}", tx.name, r.reason));
  }
  return r;
}

}  // namespace

cc::ResourceKind resource_kind(Hardware h) {
  switch (h) {
    case Hardware::Cpu: return cc::ResourceKind::Cpu;
    case Hardware::Gpu: return cc::ResourceKind::Gpu;
    case Hardware::Mic: return cc::ResourceKind::Mic;
    case Hardware::Fpga: return cc::ResourceKind::Fpga;
  }
  return cc::ResourceKind::Cpu;
}

Hosts make_hosts(const std::vector<HostClass>& classes, const std::vector<std::uint32_t>& counts, std::uint32_t providers,
                 const PowerModel& power) {
  Hosts hosts(classes);
  hosts.set_power(power);
  std::uint32_t next_provider = 0;
  for (std::size_t k = 0; k < classes.size(); ++k) {
    for (std::uint32_t i = 0; i < counts.at(k); ++i) {
      hosts.add(static_cast<std::uint16_t>(k), next_provider, static_cast<std::uint32_t>(hosts.size()));
      next_provider = (next_provider + 1) % providers;
    }
  }
  return hosts;
}

chain::Address owner_account(HostId h) { return chain::Address{1000000 + h}; }

CloudWorld::CloudWorld(const CloudConfig& cfg, const Rng& root)
    : config(cfg), chain(sim, cfg.chain), hosts(make_hosts(cfg.classes, cfg.hosts_per_class, cfg.providers, cfg.power)),
      net(sim, root.stream("cloud-network"), hosts.size() + 2 * cfg.providers + 1 + cfg.extra_endpoints, cfg.link) {
  Rng keys = root.stream("cloud-keys");
  chain::State& g = chain.genesis_state();
  for (chain::Address a : {registry_owner, ocan_leader}) g.set_balance(a, chain::Wei{1} << 100);
  registry = chain::contract_address(registry_owner, 0);
  // The OCAN's member accounts, the first the leader.
  for (std::uint32_t i = 0; i < cfg.ocan_members; ++i) g.set_balance(can::member_address(i), chain::Wei{1} << 100);
  if (cfg.ocan_members > 0) ocan_leader = can::member_address(0);
  if (cfg.prebuilt && cfg.ocan_members > 0) {
    for (const chain::Transaction& tx :
         can::registry_genesis(registry_owner, registry, cfg.ocan_nmin, cfg.ocan_nmax, cfg.ocan_members, cfg.ocan_members)) {
      setup(chain, tx);
    }
  } else if (cfg.prebuilt) {
    // No OCAN members: a stand-in leader account is the Registry's only member.
    setup(chain, chain::registry::deploy(registry_owner, registry, cfg.ocan_nmin, cfg.ocan_nmax));
    for (const chain::Transaction& tx : ocan_candidacies()) setup(chain, tx);
    setup(chain, chain::registry::appoint_leader(registry, registry_owner, ocan_leader));
  }
  active_.assign(cfg.providers, std::vector<std::uint8_t>(hosts.size(), 0));
  closed_.resize(cfg.providers);
  for (std::uint32_t p = 0; p < cfg.providers; ++p) {
    Provider pr;
    // Apart from the OCAN's member accounts (100 and on).
    pr.account = chain::Address{200000 + 4 * static_cast<std::uint64_t>(p)};
    pr.plug_and_play = chain::Address{200001 + 4 * static_cast<std::uint64_t>(p)};
    pr.scheduler_key = chain.keyring().create(chain::Address{200002 + 4 * static_cast<std::uint64_t>(p)}, keys);
    for (chain::Address a : {pr.account, pr.plug_and_play}) g.set_balance(a, chain::Wei{1} << 100);
    pr.cloud = chain::contract_address(pr.account, 0);
    if (cfg.prebuilt) {
      setup(chain, cc::deploy(pr.cloud, {pr.account, registry, pr.scheduler_key.address, pr.plug_and_play, p, p,
                                         cfg.cloud_price_per_minute}));
      setup(chain, chain::registry::register_cloud(registry, registry_owner, pr.cloud));
    }
    pr.scheduler = std::make_unique<Scheduler>(hosts, p, cfg.policy, cfg.sosm, root.stream(fmt::format("scheduler-{}", p)));
    PnpConfig pnp = cfg.pnp;
    pnp.gas_price = cfg.gas_price;
    pnp.telemetry_interval = cfg.agents.telemetry_interval;
    pr.plug_and_play_actor =
        std::make_unique<PlugAndPlay>(sim, net, chain, pnp_node(p), pr.plug_and_play, pr.cloud, *pr.scheduler, hosts, pnp);
    providers.push_back(std::move(pr));
  }
  for (HostId h = 0; h < hosts.size(); ++h) {
    Provider& pr = providers[hosts.provider(h)];
    if (cfg.prebuilt) {
      const HostClass& c = hosts.host_class(h);
      setup(chain, cc::register_resource(pr.cloud, pr.plug_and_play, h,
                                         {owner_account(h), resource_kind(c.hardware), c.units(), c.price_per_minute}));
      active_[hosts.provider(h)][h] = 1;
    } else {
      pr.scheduler->set_available(h, false);  // until it joins through Plug&Play
    }
  }
  g.forget_journal();
  for (std::uint32_t p = 0; p < cfg.providers; ++p) watch_cloud(p);
  agents = std::make_unique<ResourceAgents>(sim, net, hosts, cfg.agents, root.stream("agents"),
                                            [this](std::uint32_t p) { return pnp_node(p); });
  hypervisors = std::make_unique<HypervisorApis>(sim, net, hosts, cfg.hypervisor, root.stream("hypervisors"));
  net.on_message([this](NodeId to, NodeId from, const CloudMsg& m) {
    if (to < hosts.size()) {
      if (m.type >= CloudMsgType::Deploy) return hypervisors->receive(to, from, m);
      agents->receive(to, m);
    } else if (to < gateway_node()) {
      scheduler_receive(to - static_cast<NodeId>(hosts.size()), m);
    } else if (to == gateway_node()) {
      if (on_gateway_message) on_gateway_message(m);
    } else if (to < extra_node(0)) {
      providers[to - pnp_node(0)].plug_and_play_actor->receive(from, m);
    } else if (on_extra_message) {
      on_extra_message(to, from, m);
    }
  });
}

void CloudWorld::watch_cloud(std::uint32_t p) {
  chain.subscribe(providers[p].cloud, [this, p](const chain::Log& log) {
    if (log.event == "ResourceRegistered") active_[p][static_cast<HostId>(log.args[0])] = 1;
    if (log.event == "ResourceDeregistered") active_[p][static_cast<HostId>(log.args[0])] = 0;
    if (log.event != "Instantiated") return;
    auto it = signed_.find({p, static_cast<std::uint64_t>(log.args[1])});
    if (it == signed_.end()) return;
    for (HostId h : it->second) {
      if (!active_[p][h]) {
        throw InvariantViolation(sim.now(), "Cloud.instantiate",
                                 fmt::format("reservation {} of provider {} was instantiated with host {}, deregistered before",
                                             it->first.second, p, h));
      }
    }
    signed_.erase(it);
  });
}

void CloudWorld::deploy_contracts(std::function<void()> done) {
  auto pending = std::make_shared<std::size_t>(0);
  auto submit = [this, pending, done](chain::Transaction tx) {
    tx.gas_price = config.gas_price;
    ++*pending;
    const std::string name = tx.name;
    chain.submit(std::move(tx), [this, pending, done, name](const chain::Receipt& r) {
      if (r.status != chain::Status::Success) {
        throw InvariantViolation(sim.now(), name, fmt::format("{} failed: {}", name, r.reason));
      }
      setup_gas[name] += r.gas_used;
      if (--*pending == 0 && done) done();
    });
  };
  // Step 1, then (from the same owner, in order) the OCAN's appointed leader; step 4 by every
  // provider, whose transactions follow the Registry's in the sealing order only if they come
  // later: each provider waits for the Registry's receipt.
  submit(chain::registry::deploy(registry_owner, registry, config.ocan_nmin, config.ocan_nmax));
  for (chain::Transaction& tx : ocan_candidacies()) submit(std::move(tx));
  chain::Transaction appoint = chain::registry::appoint_leader(registry, registry_owner, ocan_leader);
  appoint.gas_price = config.gas_price;
  ++*pending;
  chain.submit(std::move(appoint), [this, pending, done, submit](const chain::Receipt& r) {
    if (r.status != chain::Status::Success) throw InvariantViolation(sim.now(), "Registry.appointLeader", r.reason);
    setup_gas["Registry.appointLeader"] += r.gas_used;
    for (std::uint32_t p = 0; p < providers.size(); ++p) {
      const Provider& pr = providers[p];
      submit(cc::deploy(pr.cloud,
                        {pr.account, registry, pr.scheduler_key.address, pr.plug_and_play, p, p, config.cloud_price_per_minute}));
      submit(chain::registry::register_cloud(registry, registry_owner, pr.cloud));
    }
    if (--*pending == 0 && done) done();
  });
}

std::vector<chain::Transaction> CloudWorld::ocan_candidacies() const {
  std::vector<chain::Transaction> txs;
  if (config.ocan_members == 0) txs.push_back(chain::registry::register_candidate(registry, ocan_leader, 1));
  for (std::uint32_t i = 0; i < config.ocan_members; ++i) {
    txs.push_back(chain::registry::register_candidate(registry, can::member_address(i), can::member_contact(i)));
  }
  return txs;
}

void CloudWorld::join_all() {
  for (HostId h = 0; h < hosts.size(); ++h) agents->ask_join(h);
  for (Provider& p : providers) p.plug_and_play_actor->start();
}

std::size_t CloudWorld::held_reservations() const {
  std::size_t n = 0;
  for (const Provider& p : providers) n += p.scheduler->held();
  return n;
}

std::uint64_t units_of(const ServiceRequest& r) { return r.hardware == Hardware::Cpu ? r.demand.cores : r.demand.accelerators; }

void CloudWorld::scheduler_receive(std::uint32_t p, const CloudMsg& m) {
  Provider& pr = providers[p];
  switch (m.type) {
    case CloudMsgType::Blueprint: {
      const SimTime expires = sim.now() + config.reservation_ttl;
      CloudMsg reply;
      reply.request = m.request;
      const auto res = pr.scheduler->reserve(m.services, sim.now(), expires);
      if (!res) {
        reply.type = CloudMsgType::Refused;
        net.send(scheduler_node(p), gateway_node(), std::move(reply));
        return;
      }
      cc::Reservation& r = reply.signed_for;
      r.id = res->id;
      r.client = m.client;
      r.expires_ms = static_cast<std::uint64_t>(expires.us / 1000);
      for (std::size_t i = 0; i < res->hosts.size(); ++i) {
        const HostId h = res->hosts[i];
        r.resources.push_back({h, cc::generation(chain.state(), pr.cloud, h), units_of(m.services[i])});
      }
      r.orchestration_price_per_minute = config.orchestration_price_per_minute;
      r.retry_limit = config.retry_limit;
      r.app_ok_interval_ms = config.app_ok_interval_ms;
      r.max_failed_payments = config.max_failed_payments;
      reply.type = CloudMsgType::Reserved;
      reply.reservation = res->id;
      reply.signature = chain::sign(pr.scheduler_key, cc::reservation_digest(pr.cloud, r));
      reply.hosts = res->hosts;
      // Held until the chain can no longer accept it: a block after the expiry (its timestamp is
      // later) refuses it, so the Scheduler looks at the chain 1 ms after the expiry.
      sim.at(expires + millis(1), [this, p, id = res->id] { expire(p, id); });
      signed_[{p, res->id}] = res->hosts;
      net.send(scheduler_node(p), gateway_node(), std::move(reply));
      return;
    }
    case CloudMsgType::Admit: {
      // Admission only: the selection is the client's or the contract's (§3), the consent the
      // Scheduler's (§3.2).
      const SimTime expires = sim.now() + config.reservation_ttl;
      CloudMsg reply;
      reply.type = CloudMsgType::Admitted;
      reply.request = m.request;
      reply.admission = {next_admission_++, m.client, static_cast<std::uint64_t>(expires.us / 1000),
                         {config.orchestration_price_per_minute, config.retry_limit, config.app_ok_interval_ms,
                          config.max_failed_payments}};
      reply.signature = chain::sign(pr.scheduler_key, cc::admission_digest(pr.cloud, reply.admission));
      net.send(scheduler_node(p), gateway_node(), std::move(reply));
      return;
    }
    case CloudMsgType::Release: pr.scheduler->release(m.reservation, sim.now()); return;
    case CloudMsgType::Done:
      if (!closed_[p].insert(m.reservation)) return;  // a copy: freed already
      for (std::size_t i = 0; i < m.hosts.size(); ++i) pr.scheduler->free(m.hosts[i], m.services[i].demand, sim.now());
      return;
    default: return;  // not for a Scheduler
  }
}

void CloudWorld::expire(std::uint32_t p, std::uint64_t reservation) {
  Provider& pr = providers[p];
  // An instantiated reservation's capacity stays taken (the application frees it with Done);
  // any other is given back.
  if (cc::reservation_used(chain.state(), pr.cloud, reservation)) {
    pr.scheduler->confirm(reservation, sim.now() - millis(1));
  } else {
    pr.scheduler->release(reservation, sim.now());
    signed_.erase({p, reservation});
    closed_[p].insert(reservation);
  }
}

}  // namespace cansim::cloud

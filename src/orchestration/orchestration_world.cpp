#include "cansim/orchestration/orchestration_world.hpp"

#include <set>

#include <fmt/format.h>

#include "cansim/model/chain/contracts/application.hpp"
#include "cansim/model/chain/contracts/cloud.hpp"
#include "cansim/model/chain/contracts/registry.hpp"
#include "cansim/protocols/can/build.hpp"
#include "cansim/sim/invariant.hpp"

namespace cansim::orchestration {

namespace cc = chain::cloud_contract;

namespace {

cloud::CloudConfig cloud_of(const OrchestrationConfig& cfg, const Rng& root) {
  cloud::CloudConfig c = cfg.cloud;
  c.chain.missing_seed = root.stream("missing-blocks").seed();
  c.prebuilt = true;
  c.ocan_members = cfg.members;
  c.ocan_nmin = cfg.members;  // Join (Algorithm 1) admits a member whenever the OCAN is below its size
  c.ocan_nmax = std::max<std::uint64_t>(c.ocan_nmax, cfg.members);
  c.extra_endpoints = cfg.orchestrators;
  return c;
}

struct Paid {
  std::vector<std::uint64_t> minutes;
  // Per service, the time the APP_SHUTDOWN paid in which the service did not run: failures no
  // checkpoint reported before it (it pays every open stretch up to the shutdown).
  std::vector<SimTime> unreported;
};

// Minutes of each service that the first `paid` checkpoints paid, as Algorithms 5 and 6 count
// them (whole minutes per checkpoint pair): the oracle the run checks payments against.
Paid paid_minutes(const std::vector<CheckpointData>& cps, std::size_t paid, std::size_t services, const cloud::Instances& inst,
                  std::uint64_t app) {
  Paid out{std::vector<std::uint64_t>(services, 0), std::vector<SimTime>(services)};
  std::vector<std::int64_t> start(services, -1);  // ms, -1: null
  const auto minutes_between = [](std::int64_t a, std::int64_t b) { return static_cast<std::uint64_t>((b - a) / 60000); };
  for (std::size_t i = 0; i < paid && i < cps.size(); ++i) {
    const CheckpointData& c = cps[i];
    const std::int64_t ts = c.at.us / 1000;
    if (c.type == CheckpointType::ServiceUp) {
      start[c.service] = ts;
    } else if (c.type == CheckpointType::ServiceDown) {
      if (start[c.service] >= 0) out.minutes[c.service] += minutes_between(start[c.service], ts);
      start[c.service] = -1;
    } else {
      for (std::size_t s = 0; s < services; ++s) {
        if (start[s] >= 0) {
          out.minutes[s] += minutes_between(start[s], ts);
          if (c.type == CheckpointType::AppShutdown)
            out.unreported[s] += inst.down_within(app, static_cast<std::uint32_t>(s), millis(start[s]), c.at);
        }
        start[s] = c.type == CheckpointType::AppOk ? ts : -1;
      }
    }
  }
  return out;
}

// The OCAN: the CAN protocols over the cloud's engine and chain; its members are the accounts the
// cloud's Registry holds (cloud_world.cpp).
std::unique_ptr<can::Can> ocan_of(const OrchestrationConfig& cfg, cloud::CloudWorld& cloud, Network<can::CanMsg>& net,
                                  const Rng& root) {
  net.record_faults(cfg.fault_log);
  cloud.net.record_faults(cfg.fault_log);
  return can::build_can(cloud.sim, net, cloud.chain, cloud.registry, cfg.members, cfg.can, root.stream("ocan-keys"),
                        root.stream("ocan"));
}

}  // namespace

OrchestrationWorld::OrchestrationWorld(const OrchestrationConfig& config, const Rng& root)
    : cfg(config), cloud(cloud_of(config, root), root),
      ocan_net(cloud.sim, root.stream("ocan-network"), config.members + config.orchestrators, config.ocan_link),
      ocan(ocan_of(config, cloud, ocan_net, root)), orchestrators(orchestrator_context()), leader(leader_context()),
      payments(payment_context()), fault_rng_(root.stream("orchestration-faults")) {
  listen();
  can::ComponentBehaviour b;
  b.start = [this](NodeId c, std::uint32_t w, std::uint32_t progress) { orchestrators.start(c, w, progress); };
  b.stop = [this](NodeId c, std::uint32_t w) { orchestrators.stop(c, w); };
  b.committed = [this](NodeId l, std::uint32_t w, std::uint32_t progress) { leader.committed(l, w, progress); };
  ocan->set_behaviour(std::move(b));
  for (std::uint32_t k = 0; k < cfg.orchestrators; ++k) ocan->preregister_component(orchestrator_node(k));

  // The OCAN's price, in the Registry (§5.1).
  if (cloud.chain.genesis(chain::registry::set_ften_price(cloud.registry, cloud.registry_owner, cfg.ften_price_per_minute))
          .status != chain::Status::Success) {
    throw InvariantViolation(SimTime{}, "building the orchestration", "Registry.setFtenPrice failed");
  }
  // Accounts that pay gas: the Orchestrators and the resource owners withdraw.
  chain::State& g = cloud.chain.genesis_state();
  for (std::uint32_t k = 0; k < cfg.orchestrators; ++k)
    g.set_balance(orchestrator_account(orchestrator_node(k)), chain::Wei{1} << 90);
  for (cloud::HostId h = 0; h < cloud.hosts.size(); ++h) g.set_balance(cloud::owner_account(h), chain::Wei{1} << 90);
  g.forget_journal();

  cloud::GatewayConfig gw = cfg.gateway;
  gw.end_application = [this](chain::Address app, std::function<void()> settled) {
    const std::ptrdiff_t r = record_of(app);
    if (r < 0) throw InvariantViolation(cloud.sim.now(), "ending an application", "an application the OCAN never heard of");
    payments.when_settled(static_cast<std::size_t>(r), std::move(settled));
    ask_to_end(static_cast<std::size_t>(r));
  };
  gw.on_gas = [this](const std::string& function, chain::Gas gas) {
    gas_by_function[function] += gas;
    gas_by_role["client"] += gas;
    ++transactions;
  };
  gateway = std::make_unique<cloud::Gateway>(cloud, gw, root.stream("gateway"));
  for (const cloud::Provider& p : cloud.providers) {
    cloud.chain.subscribe(p.cloud, [this](const chain::Log& log) {
      if (log.event == "Instantiated") leader.instantiated(chain::address_of(log.args[0]));
    });
  }
  cloud.on_extra_message = [this](NodeId to, NodeId from, const cloud::CloudMsg& m) {
    orchestrators.receive(orchestrator_node(static_cast<std::uint32_t>(to - cloud.extra_node(0))), from, m);
  };

  cloud.hypervisors->ended = [this](std::uint64_t app) {
    return chain::application::has_ended(cloud.chain.state(), chain::Address{app});
  };
  cloud.hypervisors->assignment = [this](std::uint64_t app) -> std::uint32_t {
    const std::ptrdiff_t r = record_of(chain::Address{app});
    const std::uint32_t work = r < 0 ? UINT32_MAX : leader.work_of(static_cast<std::size_t>(r));
    if (work == UINT32_MAX) return 0;
    return ocan->work_ledger().work.at(work).assigned_index;
  };
  cloud.hypervisors->on_call.connect([this](cloud::HostId h, NodeId from, const cloud::CloudMsg& m) { audit_call(h, from, m); });
  // Faults.
  cloud.hypervisors->on_fault.connect([this](const char* kind, cloud::HostId h) { fault(kind, fmt::format("Hypervisor {}", h)); });
  ocan_injector_ = std::make_unique<FaultInjector<can::CanMsg>>(
      cloud.sim, ocan_net, root.stream("ocan-faults"), cfg.ocan_faults, [this](NodeId n) { crashed(n); },
      [this](NodeId n) { recovered(n); });
  cloud_injector_ = std::make_unique<FaultInjector<cloud::CloudMsg>>(
      cloud.sim, cloud.net, root.stream("cloud-faults"), cfg.cloud_faults,
      [this](NodeId n) {
        if (n >= cloud.hosts.size()) return;
        fault("host-crash", fmt::format("Hypervisor {}", n));
        cloud.agents->on_crash(n);
        cloud.hypervisors->host_crashed(n);
      },
      [this](NodeId n) {
        if (n >= cloud.hosts.size()) return;
        fault("host-recover", fmt::format("Hypervisor {}", n));
        cloud.agents->on_recover(n);
      });
  // The parts' crashes and recoveries, from one stream in event order.
  const auto hosts = static_cast<std::uint32_t>(cloud.hosts.size());
  renewals_[0] = std::make_unique<Renewal>(
      cloud.sim, fault_rng_, cfg.orchestrators, cfg.orchestrator_crash_rate, cfg.orchestrator_recovery_rate,
      Renewal::Part{[this](std::uint32_t k) { return ocan_net.is_up(orchestrator_node(k)); },
                    [this](std::uint32_t k) { ocan_injector_->crash(orchestrator_node(k)); },
                    [this](std::uint32_t k) { ocan_injector_->recover(orchestrator_node(k)); }});
  renewals_[1] = std::make_unique<Renewal>(cloud.sim, fault_rng_, cfg.members, cfg.member_crash_rate, cfg.member_recovery_rate,
                                           Renewal::Part{[this](std::uint32_t i) { return ocan_net.is_up(i); },
                                                         [this](std::uint32_t i) { ocan_injector_->crash(i); },
                                                         [this](std::uint32_t i) { ocan_injector_->recover(i); }});
  renewals_[2] = std::make_unique<Renewal>(cloud.sim, fault_rng_, hosts, cfg.host_crash_rate, cfg.host_recovery_rate,
                                           Renewal::Part{[this](std::uint32_t h) { return cloud.net.is_up(h); },
                                                         [this](std::uint32_t h) { cloud_injector_->crash(h); },
                                                         [this](std::uint32_t h) { cloud_injector_->recover(h); }});
  renewals_[3] = std::make_unique<Renewal>(cloud.sim, fault_rng_, hosts, cfg.api_crash_rate, cfg.api_recovery_rate,
                                           Renewal::Part{[this](std::uint32_t h) { return cloud.hypervisors->api_up(h); },
                                                         [this](std::uint32_t h) { cloud.hypervisors->api_crashed(h); },
                                                         [this](std::uint32_t h) { cloud.hypervisors->api_recovered(h); }});

  // Funds are conserved: with the fees credited to the coinbase, the chain's total never changes.
  total_balance_ = cloud.chain.state().total_balance();
  cloud.chain.on_sealed([this](const chain::BlockInfo& b) {
    if (b.number % kFundsCheckEvery != 0) return;
    check_funds();
  });
}

std::function<const AppDescription&(std::size_t)> OrchestrationWorld::descriptions() {
  return [this](std::size_t r) -> const AppDescription& { return apps[r]; };
}

Note OrchestrationWorld::noter() {
  return [this](const std::string& from, const std::string& to, const std::string& what, std::int64_t app) {
    note(from, to, what, app);
  };
}

Submit OrchestrationWorld::submitter() {
  return [this](chain::Transaction tx, const std::string& role, chain::ReceiptHandler h) {
    submit(std::move(tx), role, std::move(h));
  };
}

OrchestratorContext OrchestrationWorld::orchestrator_context() {
  return OrchestratorContext{
      cloud.sim,
      cloud.chain,
      *ocan,
      contents,
      cfg,
      cfg.cloud.hypervisor.reconfigure_time,
      [this](std::uint32_t work) { return leader.record_of_work(work); },
      descriptions(),
      [this](cloud::HostId h) {
        return cfg.cloud.hypervisor.times[static_cast<std::size_t>(cloud.hosts.host_class(h).hypervisor)].deploy_mean;
      },
      [this](NodeId c, cloud::HostId h, cloud::CloudMsg m) {
        cloud.net.send(orchestrator_endpoint(c), static_cast<NodeId>(h), std::move(m));
      },
      [this](NodeId c) { return orchestrator_up(c); },
      [this](NodeId c) { return orchestrator_name(c); },
      noter()};
}

LeaderContext OrchestrationWorld::leader_context() {
  return LeaderContext{cloud.sim,
                       cloud.chain,
                       *ocan,
                       contents,
                       cfg.checkpoint_gas_limit,
                       [this](chain::Address a) { return record_of(a); },
                       descriptions(),
                       [this](NodeId c) { return orchestrator_account(c); },
                       submitter(),
                       noter()};
}

PaymentContext OrchestrationWorld::payment_context() {
  std::vector<std::pair<chain::Address, chain::Address>> providers;
  for (const cloud::Provider& p : cloud.providers) providers.emplace_back(p.cloud, p.account);
  return PaymentContext{cloud.sim,
                        cloud.chain,
                        *ocan,
                        leader,
                        cloud.registry,
                        std::move(providers),
                        cfg.payment_interval,
                        cfg.payment_gas_budget,
                        cfg.gas_price,
                        cfg.payees_withdraw,
                        [this] { return apps.size(); },
                        descriptions(),
                        submitter(),
                        noter()};
}

void OrchestrationWorld::listen() {
  orchestrators.all_up.connect([this](std::size_t r) {
    if (apps[r].all_up.us != 0) return;
    apps[r].all_up = cloud.sim.now();
    first_all_up(r);
  });
  orchestrators.failed.connect([this](std::size_t r, std::uint32_t s, SimTime claimed, bool redeployed) {
    // What the run measures (not what the Orchestrator knows): how long the service had not run
    // while the contract counted it up, which the client pays for until a checkpoint reports it.
    // In a stretch taken from the contract, every gap since it began; otherwise since the last
    // instance ended.
    AppRecord& rec = apps[r];
    ++rec.failures_seen;
    if (redeployed) ++rec.redeploys;
    const cloud::Instances& inst = cloud.hypervisors->instances();
    const SimTime now = cloud.sim.now();
    if (claimed.us >= 0) {
      rec.detection_lag += inst.down_within(rec.address.id, s, claimed, now);
    } else if (const auto since = inst.down_since(rec.address.id, s)) {
      rec.detection_lag += now - *since;
    }
  });
  orchestrators.ended_by_client.connect([this](std::size_t r) { apps[r].ended_by_client = true; });
  orchestrators.shutdown_committed.connect([this](std::size_t r, SimTime stamped) {
    AppRecord& rec = apps[r];
    rec.shutdown_checkpoint = cloud.sim.now();
    rec.ended_at = stamped;
    // The hypervisors read the chain: what still runs of it is stopped.
    cloud.hypervisors->application_ended(rec.address.id, static_cast<std::uint32_t>(rec.topology->services.size()));
  });
  leader.appended.connect([this](std::size_t r, const CheckpointData& d) {
    apps[r].appended.push_back(d);
    if (d.type == CheckpointType::AppShutdown) payments.pay(r);
  });
  payments.settled.connect([this](std::size_t r) {
    AppRecord& rec = apps[r];
    rec.settled = true;
    rec.settled_at = cloud.sim.now();
    if (const auto at = payments.short_at(r)) {
      rec.short_of_funds = true;
      rec.short_at = *at;
    }
    // The hypervisors that run it read the chain too: what still runs of it is stopped.
    cloud.hypervisors->application_ended(rec.address.id, static_cast<std::uint32_t>(rec.topology->services.size()));
    check_paid_was_run(r);
    // Each party's salary, before anyone withdraws.
    const chain::State& state = cloud.chain.state();
    std::set<chain::Address> owners, orcs;
    for (cloud::HostId h : rec.hosts) owners.insert(cloud::owner_account(h));
    for (const CheckpointData& c : rec.appended) orcs.insert(orchestrator_account(c.orchestrator));
    for (chain::Address a : owners) rec.paid_resources += chain::application::salary(state, rec.address, a);
    for (chain::Address a : orcs) rec.paid_orchestration += chain::application::salary(state, rec.address, a);
    rec.paid_cloud = chain::application::salary(state, rec.address, cloud.providers[rec.provider].cloud);
    rec.paid_can = chain::application::salary(state, rec.address, cloud.registry);
    note("Application contract", "Gateway", "settled", static_cast<std::int64_t>(r));
    // §5.1: the shutdown releases the resources. The client, who watches its contract, ends it
    // now if the contract ended before the client's time was up.
    if (gateway) gateway->ended_early(rec.address);
  });
}

void OrchestrationWorld::check_paid_was_run(std::size_t r) {
  namespace ac = chain::application;
  AppRecord& rec = apps[r];
  const chain::State& state = cloud.chain.state();
  // Every minute paid was run (design invariant): per service, paid <= up + the time each failure
  // went unseen before its SERVICE_DOWN + one APP_OK interval + one monitoring round + what the
  // APP_SHUTDOWN paid while the service did not run (failures no checkpoint reported before it).
  const std::size_t services = rec.topology->services.size();
  const cloud::Instances& inst = cloud.hypervisors->instances();
  // Short of funds, the contract paid part of checkpoint `short_at` and none after it: counting
  // that one in full bounds what was billed from above, which is what the check needs.
  const std::uint64_t counted = rec.short_of_funds ? rec.short_at + 1 : ac::paid_count(state, rec.address);
  const auto paid = paid_minutes(rec.appended, counted, services, inst, rec.address.id);
  const SimTime slack = rec.detection_lag + millis(static_cast<std::int64_t>(ac::app_ok_interval_ms(state, rec.address))) +
                        cfg.monitor_interval + cfg.status_timeout * static_cast<std::int64_t>(cfg.status_attempts);
  for (std::uint32_t s = 0; s < services; ++s) {
    const SimTime up = inst.up_time(rec.address.id, s, cloud.sim.now());
    const SimTime billed = minutes(static_cast<std::int64_t>(paid.minutes[s]));
    rec.paid_time += billed;
    rec.up_time += up;
    if (billed > up + slack + paid.unreported[s]) {
      throw InvariantViolation(
          cloud.sim.now(), fmt::format("settling {}", chain::to_string(rec.address)),
          fmt::format("service {} was paid {} min but was up {:.1f} min (+ {:.1f} min allowed, + {:.1f} min "
                      "the APP_SHUTDOWN paid unreported)",
                      s, paid.minutes[s], up.to_seconds() / 60, slack.to_seconds() / 60, paid.unreported[s].to_seconds() / 60));
    }
  }
}

void OrchestrationWorld::audit_call(cloud::HostId h, NodeId from, const cloud::CloudMsg& m) {
  const std::ptrdiff_t r = record_of(chain::Address{m.app});
  if (r < 0 || from < cloud.extra_node(0) || from >= cloud.extra_node(cfg.orchestrators)) return;
  const AppRecord& rec = apps[static_cast<std::size_t>(r)];
  const std::uint32_t work = leader.work_of(static_cast<std::size_t>(r));
  if (work == UINT32_MAX) return;
  const NodeId sender = orchestrator_node(static_cast<std::uint32_t>(from - cloud.extra_node(0)));
  const can::WorkEntry& e = ocan->work_ledger().work.at(work);
  if (e.assignee != sender) {
    ++foreign_actions_;
    note(orchestrator_name(sender), fmt::format("Hypervisor {}", h), "foreign call (not the assignee)",
         static_cast<std::int64_t>(r));
  }
  if (m.type == cloud::CloudMsgType::Deploy && !cloud.hypervisors->instances().live_instance(m.app, m.service) &&
      live_units(h) + rec.units.at(m.service) > cloud.hosts.host_class(h).units()) {
    // The deploy starts an instance the host has no room for: capacity released (or reserved)
    // while what used it still runs.
    ++overcommitted_deploys_;
    note(orchestrator_name(sender), fmt::format("Hypervisor {}", h), "deploy beyond the host's capacity",
         static_cast<std::int64_t>(r));
  }
  if (m.type == cloud::CloudMsgType::Deploy && (e.finished || rec.shutdown_checkpoint.us > 0 || rec.settled)) {
    ++deploys_after_shutdown_;
    note(orchestrator_name(sender), fmt::format("Hypervisor {}", h), "deploy after APP_SHUTDOWN", static_cast<std::int64_t>(r));
  }
}

std::uint64_t OrchestrationWorld::live_units(cloud::HostId h) const {
  const cloud::Instances& inst = cloud.hypervisors->instances();
  std::uint64_t used = 0;
  for (cloud::InstanceId id : inst.live_on(h)) {
    const std::ptrdiff_t r = record_of(chain::Address{inst[id].app});
    if (r >= 0) used += apps[static_cast<std::size_t>(r)].units.at(inst[id].service);
  }
  return used;
}

std::size_t OrchestrationWorld::orphan_instances(SimTime grace) const {
  const cloud::Instances& inst = cloud.hypervisors->instances();
  std::size_t n = 0;
  for (const AppRecord& rec : apps) {
    const SimTime ended = rec.shutdown_checkpoint.us > 0 ? rec.shutdown_checkpoint : (rec.settled ? rec.settled_at : SimTime{-1});
    if (ended.us < 0 || cloud.sim.now() - ended <= grace) continue;
    for (std::uint32_t s = 0; s < rec.topology->services.size(); ++s) {
      const auto id = inst.live_instance(rec.address.id, s);
      if (!id) continue;
      // One no one can stop (its hypervisor's API is down, or came back within the grace) is not
      // counted: the grace runs from when the application ended and its API answers.
      const cloud::HostId h = inst[*id].host;
      if (!cloud.hypervisors->api_up(h) || cloud.sim.now() - cloud.hypervisors->api_up_since(h) <= grace) continue;
      ++n;
    }
  }
  return n;
}

void OrchestrationWorld::drain_chain() {
  while (cloud.chain.pool_size() > 0) cloud.sim.run_until(cloud.sim.now() + cloud.chain.config().block_interval);
}

void OrchestrationWorld::check_funds() {
  const chain::Wei now = cloud.chain.state().total_balance();
  if (now != total_balance_) {
    throw InvariantViolation(cloud.sim.now(), fmt::format("block {}", cloud.chain.block_count()),
                             "funds are not conserved: the chain's total balance changed");
  }
}

void OrchestrationWorld::start() {
  ocan->start();
  payments.start();
  tick_leader();  // the leader's duties run on the members' check interval
}

void OrchestrationWorld::tick_leader() {
  leader.tick();
  cloud.sim.after(cfg.can.check_interval, [this] { tick_leader(); });
}

void OrchestrationWorld::ask_to_end(std::size_t r) {
  // The client's time is up: the Gateway asks any OCAN node who orchestrates the application and
  // tells that Orchestrator, again each reply timeout until the APP_SHUTDOWN is committed.
  AppRecord& rec = apps[r];
  if (rec.settled || rec.shutdown_checkpoint.us != 0) return;
  const NodeId c = leader.orchestrator_of(r);
  if (c != can::kNoComponent) {
    cloud::CloudMsg m;
    m.type = cloud::CloudMsgType::ShutdownApp;
    m.app = rec.address.id;
    note("Gateway", orchestrator_name(c), "end the application", static_cast<std::int64_t>(r));
    cloud.net.send(cloud.gateway_node(), orchestrator_endpoint(c), std::move(m));
  }
  cloud.sim.after(cfg.gateway.reply_timeout, [this, r] { ask_to_end(r); });
}

void OrchestrationWorld::request(const app::Topology& app, SimTime duration,
                                 std::function<void(const cloud::Outcome&)> on_outcome, std::function<void(std::size_t)> on_end) {
  auto record = std::make_shared<std::ptrdiff_t>(-1);
  gateway->request(
      app, duration,
      [this, &app, record, on_outcome](const cloud::Outcome& o) {
        if (o.accepted) {
          AppRecord rec;
          rec.address = o.application;
          rec.provider = o.provider;
          rec.topology = &app;
          for (const auto& res :
               cc::application_resources(cloud.chain.state(), cloud.providers[o.provider].cloud, o.application)) {
            rec.hosts.push_back(static_cast<cloud::HostId>(res.id));
            rec.units.push_back(res.units);
          }
          rec.instantiated = o.sealed;
          *record = static_cast<std::ptrdiff_t>(apps.size());
          by_address_.try_emplace(rec.address, apps.size());
          apps.push_back(std::move(rec));
          note("Gateway", "Cloud contract", "instantiate", *record);
        }
        if (on_outcome) on_outcome(o);
      },
      [this, record, on_end] {
        if (*record < 0) return;
        apps[static_cast<std::size_t>(*record)].released = true;
        payments.share_ften();  // the contract was destroyed: the Registry holds its salary
        if (on_end) on_end(static_cast<std::size_t>(*record));
      });
}

void OrchestrationWorld::fail_service(std::size_t record, std::uint32_t service) {
  if (auto id = cloud.hypervisors->instances().live_instance(apps.at(record).address.id, service)) {
    cloud.hypervisors->fail_instance(*id);
  }
}

chain::Address OrchestrationWorld::orchestrator_account(NodeId c) const {
  return chain::Address{300000 + static_cast<std::uint64_t>(orchestrator_index(c))};
}

std::string OrchestrationWorld::orchestrator_name(NodeId c) const {
  return fmt::format("Orchestrator {}", orchestrator_index(c) + 1);
}

std::ptrdiff_t OrchestrationWorld::record_of(chain::Address a) const {
  const std::size_t* r = by_address_.find(a);
  return r == nullptr ? -1 : static_cast<std::ptrdiff_t>(*r);
}

void OrchestrationWorld::note(const std::string& from, const std::string& to, const std::string& what, std::int64_t app) {
  if (cfg.sequence) sequence.push_back({cloud.sim.now(), from, to, what, app});
}

void OrchestrationWorld::fault(const char* kind, const std::string& who) {
  ++fault_counts[kind];
  if (cfg.fault_log) {
    faults.push_back({cloud.sim.now(), kind, {}});
    fault_names.push_back(who);
  }
  note(who, who, kind);
}

void OrchestrationWorld::submit(chain::Transaction tx, const std::string& role, chain::ReceiptHandler on_receipt) {
  tx.gas_price = cfg.gas_price;
  const std::string name = tx.name;
  cloud.chain.submit(std::move(tx), [this, name, role, f = std::move(on_receipt)](const chain::Receipt& r) {
    ++transactions;  // sealed, as the Gateway's are counted
    gas_by_function[name] += r.gas_used;
    gas_by_role[role] += r.gas_used;
    if (f) f(r);
  });
}

void OrchestrationWorld::crashed(NodeId n) {
  ocan->on_crash(n);
  if (n >= cfg.members) {
    fault("orchestrator-crash", orchestrator_name(n));
    cloud.net.crash(orchestrator_endpoint(n));
    orchestrators.on_crash(n);
  } else {
    fault(n == ocan->current_leader() ? "ocan-leader-crash" : "ocan-member-crash", fmt::format("OCAN member {}", n));
  }
}

void OrchestrationWorld::recovered(NodeId n) {
  if (n >= cfg.members) {
    fault("orchestrator-recover", orchestrator_name(n));
    cloud.net.recover(orchestrator_endpoint(n));
  } else {
    fault("ocan-member-recover", fmt::format("OCAN member {}", n));
  }
  ocan->on_recover(n);
}

}  // namespace cansim::orchestration

// Experiment kind "payment": one application on the chain from instantiation to destroy (§3.2,
// §5, §5.1). Its services fail and are redeployed; the OCAN leader appends SERVICE_UP,
// SERVICE_DOWN, APP_OK and APP_SHUTDOWN checkpoints and calls interimPayment(k) periodically;
// at the end every payee withdraws and the client destroys the contract. It measures what each
// party is paid, what the gas costs them, and how much of the running time is billed.
//
// The leader and the orchestrator here are single actors that never fail: the message-level
// CAN of issue 5 replaces them.
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "cansim/model/chain/chain.hpp"
#include "cansim/model/chain/contracts/application.hpp"
#include "cansim/model/chain/contracts/cloud.hpp"
#include "cansim/model/chain/contracts/registry.hpp"
#include "cansim/sim/invariant.hpp"
#include "experiments.hpp"

namespace cansim::scenario {

namespace {

using namespace cansim::chain;
namespace app = cansim::chain::application;

struct PaymentRun {
  Simulator sim;
  Chain chain;
  Rng failures;
  const ParamValues& p;
  std::int64_t services;
  Address owner{2}, client{3}, leader{4}, provider{5}, pnp{6}, orchestrator{7};
  Address reg, cloud_addr, application;
  std::vector<Address> resource_owners;
  std::vector<bool> up;
  std::vector<SimTime> up_since;
  double up_minutes = 0;  // the time services actually ran, for the billed share
  std::map<Address, Gas> gas_by_sender;
  std::int64_t checkpoints = 0, interim_payments = 0;
  bool ended = false;       // no more checkpoints: the planned end, or the contract shut down
  bool ended_early = false; // the contract shut itself down (funds ran out) before the end
  bool settled = false;     // withdrawals and destroy submitted
  std::map<Address, Wei> paid_to;  // each payee's salary once everything is paid

  static ChainConfig chain_config(const ParamValues& p) {
    ChainConfig c;
    c.block_interval = SimTime{static_cast<std::int64_t>(std::llround(p.real("block_interval_s") * 1e6))};
    c.confirmations = static_cast<std::uint64_t>(p.integer("confirmations"));
    c.gas.block_gas_limit = static_cast<Gas>(p.integer("block_gas_limit"));
    return c;
  }

  PaymentRun(const ParamValues& params, std::uint64_t seed)
      : chain(sim, chain_config(params)), failures(Rng(seed).stream("failures")), p(params),
        services(params.integer("services")) {
    Rng keys = Rng(seed).stream("keys");
    State& g = chain.genesis_state();
    for (Address a : {owner, client, leader, provider, pnp, orchestrator}) g.set_balance(a, Wei{1} << 100);
    const KeyPair scheduler = chain.keyring().create(Address{8}, keys);
    reg = contract_address(owner, 0);
    cloud_addr = contract_address(provider, 0);
    setup(registry::deploy(owner, reg, 1, 8));
    setup(registry::register_candidate(reg, leader, 1));
    setup(registry::appoint_leader(reg, owner, leader));
    setup(registry::set_ften_price(reg, owner, static_cast<Wei>(p.integer("can_price"))));
    setup(cloud_contract::deploy(cloud_addr, {provider, reg, scheduler.address, pnp, 1, 2, static_cast<Wei>(p.integer("cloud_price"))}));
    cloud_contract::Reservation r;
    r.id = 1;
    r.client = client;
    r.expires_ms = 1;
    r.orchestration_price_per_minute = static_cast<Wei>(p.integer("orchestration_price"));
    r.max_failed_payments = static_cast<std::uint64_t>(p.integer("max_failed_payments"));
    for (std::int64_t i = 0; i < services; ++i) {
      resource_owners.push_back(Address{1000 + static_cast<std::uint64_t>(i)});
      g.set_balance(resource_owners.back(), Wei{1} << 80);
      setup(cloud_contract::register_resource(cloud_addr, pnp, static_cast<std::uint64_t>(i),
                                     {resource_owners.back(), cloud_contract::ResourceKind::Cpu, 1, static_cast<Wei>(p.integer("resource_price"))}));
      r.resources.push_back({static_cast<std::uint64_t>(i), 1, 1});
    }
    const Receipt created = setup(cloud_contract::instantiate(cloud_addr, r, sign(scheduler, cloud_contract::reservation_digest(cloud_addr, r)),
                                                     static_cast<Wei>(p.integer("deposit"))));
    for (const Log& l : created.logs) {
      if (l.event == "Instantiated") application = address_of(l.args[0]);
    }
    g.forget_journal();
    up.assign(static_cast<std::size_t>(services), false);
    up_since.assign(static_cast<std::size_t>(services), SimTime{});
  }

  Receipt setup(const Transaction& tx) {
    Receipt r = chain.genesis(tx);
    if (r.status != Status::Success) {
      throw InvariantViolation(sim.now(), "setting up the contracts", fmt::format("{} failed: {}", tx.name, r.reason));
    }
    return r;
  }

  void submit(Transaction tx) {
    tx.gas_price = static_cast<Wei>(std::llround(p.real("gas_price_gwei") * 1e9));
    const Address from = tx.from;
    const std::string name = tx.name;
    chain.submit(std::move(tx), [this, from, name](const Receipt& r) {
      gas_by_sender[from] += r.gas_used;
      if (r.status == Status::Success) return;
      // Once the contract shut itself down (its funds ran out), checkpoints are refused: the
      // application ends there. Any other failure is a bug in a contract or here.
      if (app::is_shutdown(chain.state(), application)) {
        if (!ended) {
          stop_services();
          ended = ended_early = true;
          sim.after(SimTime{}, [this] { settle(); });
        }
        return;
      }
      throw InvariantViolation(sim.now(), name, fmt::format("transaction failed: {}", r.reason));
    });
  }

  void checkpoint(app::CheckpointType type, std::uint64_t service) {
    ++checkpoints;
    submit(app::add_checkpoint(application, leader,
                               {type, static_cast<std::uint64_t>(sim.now().us / 1000), {}, service, orchestrator}));
  }

  void service_up(std::size_t s) {
    if (ended) return;
    up[s] = true;
    up_since[s] = sim.now();
    checkpoint(app::CheckpointType::ServiceUp, s);
    const double mtbf_us = p.real("service_mtbf_min") * 60e6;
    sim.after(SimTime{static_cast<std::int64_t>(failures.exponential(mtbf_us))}, [this, s] { service_down(s); });
  }

  void service_down(std::size_t s) {
    if (ended) return;
    up[s] = false;
    up_minutes += (sim.now() - up_since[s]).to_seconds() / 60;
    checkpoint(app::CheckpointType::ServiceDown, s);
    sim.after(seconds(p.integer("redeploy_s")), [this, s] { service_up(s); });
  }

  void app_ok() {
    if (ended) return;
    if (std::all_of(up.begin(), up.end(), [](bool u) { return u; })) checkpoint(app::CheckpointType::AppOk, 0);
    sim.after(seconds(p.integer("app_ok_interval_s")), [this] { app_ok(); });
  }

  void pay() {
    ++interim_payments;
    submit(app::interim_payment(application, leader, static_cast<std::uint64_t>(p.integer("payment_k"))));
  }

  void periodic_payment() {
    if (ended) return;
    pay();
    sim.after(minutes(p.integer("payment_interval_min")), [this] { periodic_payment(); });
  }

  void stop_services() {
    for (std::size_t s = 0; s < up.size(); ++s) {
      if (up[s]) up_minutes += (sim.now() - up_since[s]).to_seconds() / 60;
      up[s] = false;
    }
  }

  void end() {
    if (ended) return;
    stop_services();
    checkpoint(app::CheckpointType::AppShutdown, 0);
    ended = true;
    settle();
  }

  // After the shutdown checkpoint: interim payments block after block until it is paid, then
  // every payee withdraws and the client destroys the contract.
  void settle() {
    const State& s = chain.state();
    if (settled) return;
    // Pay until the contract is shut down: by its paid APP_SHUTDOWN, or by failed payments.
    if (!app::is_shutdown(s, application)) {
      pay();
      sim.after(chain.config().block_interval * 2, [this] { settle(); });
      return;
    }
    settled = true;
    std::vector<Address> payees = resource_owners;
    for (Address a : {cloud_addr, reg, orchestrator}) payees.push_back(a);
    for (Address a : payees) paid_to[a] = app::salary(s, application, a);
    // People withdraw; the cloud's and the Registry's salaries are sent by destroy.
    for (Address a : resource_owners) {
      if (paid_to[a] > 0) submit(app::withdraw(application, a));
    }
    if (paid_to[orchestrator] > 0) submit(app::withdraw(application, orchestrator));
    submit(app::destroy(application, client));
  }
};

RunResult run(const RunContext& ctx) {
  PaymentRun m(ctx.params, ctx.seed);
  const State& s = m.chain.state();
  const Wei total_before = s.total_balance();
  for (std::size_t i = 0; i < m.up.size(); ++i) m.sim.at(SimTime{}, [&m, i] { m.service_up(i); });
  m.sim.at(seconds(ctx.params.integer("app_ok_interval_s")), [&m] { m.app_ok(); });
  m.sim.at(minutes(ctx.params.integer("payment_interval_min")), [&m] { m.periodic_payment(); });
  const SimTime end = minutes(ctx.params.integer("duration_min"));
  m.sim.at(end, [&m] { m.end(); });
  // Settling takes a few blocks; stop once the contract is destroyed (or after a long margin).
  for (SimTime t = end; t < end + minutes(24 * 60); t += m.chain.config().block_interval * 10) {
    m.sim.run_until(t);
    if (app::is_destroyed(s, m.application)) break;
  }
  m.sim.run_until(m.sim.now() + m.chain.config().block_interval * static_cast<std::int64_t>(m.chain.config().confirmations + 2));
  if (!app::is_destroyed(s, m.application)) {
    throw InvariantViolation(m.sim.now(), "settling", "the application was not destroyed within a day of its end");
  }
  if (s.total_balance() != total_before) {
    throw InvariantViolation(m.sim.now(), "settling", "wei were created or lost");
  }
  auto wei = [](Wei w) { return static_cast<double>(w); };
  double resources = 0;
  for (Address a : m.resource_owners) resources += wei(m.paid_to[a]);
  const double cloud = wei(m.paid_to[m.cloud_addr]), can = wei(m.paid_to[m.reg]), orc = wei(m.paid_to[m.orchestrator]);
  const auto& p = ctx.params;
  const double per_minute = static_cast<double>(p.integer("resource_price") + p.integer("cloud_price") + p.integer("can_price") +
                                                p.integer("orchestration_price"));
  Gas gas_payees = 0;
  for (Address a : m.resource_owners) gas_payees += m.gas_by_sender[a];
  gas_payees += m.gas_by_sender[m.orchestrator];
  RunResult r;
  r.metrics = {
      static_cast<double>(m.checkpoints),
      static_cast<double>(m.interim_payments),
      static_cast<double>(m.gas_by_sender[m.leader]),
      static_cast<double>(m.gas_by_sender[m.client]),
      static_cast<double>(gas_payees),
      resources,
      cloud,
      can,
      orc,
      m.up_minutes,
      per_minute > 0 && m.up_minutes > 0 ? (resources + cloud + can + orc) / (m.up_minutes * per_minute) : std::nan(""),
      static_cast<double>(m.chain.blocks().size()),
      m.ended_early ? 1.0 : 0.0,
  };
  r.trace_hash = m.sim.trace_hash();
  return r;
}

}  // namespace

ExperimentKind payment_kind() {
  ExperimentKind k;
  k.name = "payment";
  k.description =
      "One application on the chain from instantiation to destroy (§3.2, §5.1): checkpoints, interim payments "
      "(Algorithms 5, 6), withdrawals; what each party is paid and what gas costs.";
  k.params = {
      ParamSpec::integer("duration_min", "how long the application runs").at_least(1).at_most(1e6).def(600).in_unit("min"),
      ParamSpec::integer("services", "services of the application, one resource each").at_least(1).at_most(50).def(2),
      ParamSpec::integer("resource_price", "each resource's price").at_least(0).at_most(1e15).def(10).in_unit("wei/min"),
      ParamSpec::integer("cloud_price", "the cloud's price").at_least(0).at_most(1e15).def(3).in_unit("wei/min"),
      ParamSpec::integer("can_price", "the CAN's price (Registry ftenPrice)").at_least(0).at_most(1e15).def(1).in_unit("wei/min"),
      ParamSpec::integer("orchestration_price", "the orchestration price").at_least(0).at_most(1e15).def(4).in_unit("wei/min"),
      ParamSpec::integer("deposit", "the client's deposit").at_least(0).at_most(1e18).def(1000000000).in_unit("wei"),
      ParamSpec::integer("app_ok_interval_s", "APP_OK checkpoints while every service runs").at_least(1).at_most(1e6).def(60).in_unit("s"),
      ParamSpec::real("service_mtbf_min", "mean time between failures of a service (exponential)").above(0).at_most(1e9).def(120.0).in_unit("min"),
      ParamSpec::integer("redeploy_s", "time to redeploy a failed service").at_least(0).at_most(1e6).def(30).in_unit("s"),
      ParamSpec::integer("payment_interval_min", "time between interim payments").at_least(1).at_most(1e6).def(30).in_unit("min"),
      ParamSpec::integer("payment_k", "checkpoints paid at most per interimPayment(k)").at_least(1).at_most(1e6).def(50),
      ParamSpec::integer("max_failed_payments", "interim payments in a row that pay nothing before the contract shuts down").at_least(1).at_most(1e6).def(3),
      ParamSpec::real("block_interval_s", "time between blocks").above(0).at_most(1e6).def(12.0).in_unit("s"),
      ParamSpec::integer("block_gas_limit", "gas per block").at_least(21000).at_most(1e12).def(30000000),
      ParamSpec::real("gas_price_gwei", "gas price of every transaction").at_least(0).at_most(1e6).def(1.0).in_unit("gwei"),
      ParamSpec::integer("confirmations", "blocks on top before receipts and events are seen").at_least(0).at_most(1000).def(0),
  };
  k.metrics = {
      {"checkpoints", "checkpoints appended, the final APP_SHUTDOWN included"},
      {"interim_payments", "interimPayment transactions"},
      {"gas_leader", "gas the OCAN leader spent (checkpoints and interim payments)"},
      {"gas_client", "gas the client spent after instantiation (destroy)"},
      {"gas_payees", "gas the resource owners and the orchestrator spent withdrawing"},
      {"paid_resources_wei", "paid to the resources' owners"},
      {"paid_cloud_wei", "paid to the cloud"},
      {"paid_can_wei", "paid to the CAN (Registry)"},
      {"paid_orchestration_wei", "paid to the orchestrator"},
      {"service_minutes", "minutes the services ran, summed over services"},
      {"billed_share", "wei paid over what the running time is worth at the per-minute prices"},
      {"blocks", "blocks sealed"},
      {"ended_early", "1 if the contract shut itself down (funds ran out) before the planned end"},
  };
  k.run = run;
  k.headline = {"checkpoints", "gas_leader", "paid_resources_wei", "billed_share"};
  return k;
}

}  // namespace cansim::scenario

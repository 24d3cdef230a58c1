#include "cansim/scenario/gas_report.hpp"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "cansim/model/chain/contracts/application.hpp"
#include "cansim/model/chain/contracts/cloud.hpp"
#include "cansim/model/chain/contracts/registry.hpp"
#include "cansim/sim/rng.hpp"

namespace cansim::chain {

namespace {

namespace app = application;

struct Bench {
  State state;
  GasSchedule gas;
  Keyring keys;
  BlockContext block{1, 0, Address{1}, &keys};
  Address owner{2}, client{3};
  Address reg = contract_address(owner, 0);
  std::vector<KeyPair> nodes;

  Bench() {
    Rng rng(1);
    state.set_balance(owner, Wei{1} << 100);
    state.set_balance(client, Wei{1} << 100);
    for (std::uint64_t i = 0; i < 8; ++i) {
      nodes.push_back(keys.create(Address{100 + i}, rng));
      state.set_balance(nodes.back().address, Wei{1} << 100);
    }
    state.forget_journal();
  }
  Receipt run(Transaction tx) {
    tx.gas_limit = gas.block_gas_limit;
    Receipt r = execute(state, gas, tx, block);
    if (r.status != Status::Success) throw std::logic_error(tx.name + ": " + r.reason);
    return r;
  }
  Address leader() const { return nodes[0].address; }
  // A Registry with a CAN of `members` nodes, node 0 leading; returns registerLeader's receipt
  // for a new leader backed by a bare majority when `elect` is set.
  void registry_with(std::size_t members) {
    run(registry::deploy(owner, reg, 1, 8));
    for (std::size_t i = 0; i < members; ++i) run(registry::register_candidate(reg, nodes[i].address, 1 + i));
    run(registry::appoint_leader(reg, owner, leader()));
    for (std::size_t i = 1; i < members; ++i) run(registry::register_member(reg, leader(), nodes[i].address));
    run(registry::set_ften_price(reg, owner, 1));
  }
  Address application_with(std::size_t services, Wei deposit) {
    app::Terms t;
    t.client = client;
    t.registry = reg;
    t.cloud = Address{5};
    t.cloud_price_per_minute = 3;
    t.orchestration_price_per_minute = 4;
    for (std::size_t i = 0; i < services; ++i) t.services.push_back({Address{1000 + i}, 10});
    const Address at = contract_address(client, state.nonce(client));
    run(app::deploy(at, t, deposit));
    return at;
  }
};

}  // namespace

namespace {

// The largest-k setting: an Application with `services` services, one SERVICE_UP each, then
// APP_OK checkpoints a minute apart, appended as needed.
struct InterimBench {
  Bench b;
  Address a;
  std::size_t services;
  std::uint64_t checkpoints;

  InterimBench(std::size_t s, Gas block_gas_limit) : services(s), checkpoints(s) {
    b.gas.block_gas_limit = block_gas_limit;
    b.block.timestamp_ms = 1000000000000;  // later than every checkpoint appended
    b.registry_with(1);
    a = b.application_with(services, Wei{1} << 80);
    for (std::size_t sv = 0; sv < services; ++sv) {
      b.run(app::add_checkpoint(a, b.leader(), {app::CheckpointType::ServiceUp, 0, {}, sv, Address{9}}));
    }
  }
  void append(std::uint64_t n) {
    for (std::uint64_t i = 0; i < n; ++i, ++checkpoints) {
      b.run(app::add_checkpoint(a, b.leader(),
                                {app::CheckpointType::AppOk, (checkpoints - services + 1) * 60000, {}, 0, Address{9}}));
    }
  }
  Receipt try_pay(std::uint64_t k) {
    Transaction tx = app::interim_payment(a, b.leader(), k);
    tx.gas_limit = b.gas.block_gas_limit;
    return dry_run(b.state, b.gas, tx, b.block);
  }
  bool fits(std::uint64_t k) { return try_pay(k).status == Status::Success; }
};

}  // namespace

Lifecycle contract_lifecycle() {
  namespace cc = cloud_contract;
  Bench b;
  Lifecycle out;
  std::map<Address, Wei> fees;
  const Address provider = b.nodes[5].address, pnp = b.nodes[6].address, orc1{8}, orc2{9}, owner_a{1000};
  const KeyPair& scheduler = b.nodes[7];
  b.state.set_balance(owner_a, Wei{1} << 100);
  b.state.set_balance(provider, Wei{1} << 100);
  // A payee whose code refuses wei: a contract (nonce 1) with no receive().
  const Address refuser{77};
  b.state.set_nonce(refuser, 1);
  b.state.set_refuses_wei(refuser, true);
  b.state.forget_journal();
  const std::map<std::string, Address> actors{{"owner", b.owner},  {"client", b.client},       {"leader", b.leader()},
                                               {"provider", provider}, {"plug_and_play", pnp}, {"owner_a", owner_a}};
  std::map<Address, Wei> start;
  for (const auto& [name, a] : actors) start[a] = b.state.balance(a);
  const auto step = [&](const std::string& label, Transaction tx) {
    tx.gas_limit = b.gas.block_gas_limit;
    Receipt r = execute(b.state, b.gas, tx, b.block);
    fees[tx.from] += r.fee;
    out.steps.push_back({label, tx.name, r.status == Status::Success ? "ok" : fmt::format("reverted: {}", r.reason), r.gas_used});
    return r;
  };
  const Address reg = b.reg;
  step("deploy the Registry", registry::deploy(b.owner, reg, 1, 8));
  step("the first node is a candidate", registry::register_candidate(reg, b.leader(), 1));
  step("the owner appoints it leader", registry::appoint_leader(reg, b.owner, b.leader()));
  step("the CAN's price", registry::set_ften_price(reg, b.owner, 1));
  const Address cloud = contract_address(provider, b.state.nonce(provider));
  step("deploy the Cloud", cc::deploy(cloud, {provider, reg, scheduler.address, pnp, 1, 2, 3}));
  step("a stranger registers the Cloud", registry::register_cloud(reg, b.client, cloud));
  step("the Registry owner registers the Cloud", registry::register_cloud(reg, b.owner, cloud));
  step("Plug&Play registers a GPU", cc::register_resource(cloud, pnp, 1, {owner_a, cc::ResourceKind::Gpu, 2, 10}));
  step("Plug&Play registers a CPU owned by the refusing payee",
       cc::register_resource(cloud, pnp, 2, {refuser, cc::ResourceKind::Cpu, 8, 2}));
  cc::Reservation r;
  r.id = 1;
  r.client = b.client;
  r.expires_ms = 600000;
  r.resources = {{1, cc::generation(b.state, cloud, 1), 1}, {2, cc::generation(b.state, cloud, 2), 1}};
  r.orchestration_price_per_minute = 4;
  const Signature sig = sign(scheduler, cc::reservation_digest(cloud, r));
  const Receipt made = step("the client instantiates its reservation", cc::instantiate(cloud, r, sig, 1000000));
  Address application;
  for (const Log& l : made.logs) {
    if (l.event == "Instantiated") application = address_of(l.args[0]);
  }
  step("the reservation again", cc::instantiate(cloud, r, sig, 1000000));
  const cc::Admission a1{1, b.client, 600000, {4, 3, 60000, 3}}, a2{2, b.client, 600000, {4, 3, 60000, 3}};
  step("the client's own selection, with a forged signature",
       cc::instantiate_direct(cloud, a1, sign(b.nodes[6], cc::admission_digest(cloud, a1)), {{2, 0, 2}}, 1000));
  step("the client's own selection",
       cc::instantiate_direct(cloud, a1, sign(scheduler, cc::admission_digest(cloud, a1)), {{2, 0, 2}}, 1000));
  step("the contract's selection",
       cc::instantiate_search(cloud, a2, sign(scheduler, cc::admission_digest(cloud, a2)), {{cc::ResourceKind::Cpu, 3}}, 1000));
  using T = app::CheckpointType;
  const auto cp = [&](const std::string& label, T type, std::uint64_t ts, std::uint64_t sv, Address orc) {
    step(label, app::add_checkpoint(application, b.leader(), {type, ts, {}, sv, orc}));
  };
  b.block.timestamp_ms = 60000;
  cp("SERVICE_UP of the GPU service", T::ServiceUp, 0, 0, orc1);
  cp("SERVICE_UP of the CPU service", T::ServiceUp, 60000, 1, orc1);
  b.block.timestamp_ms = 600000;
  cp("APP_OK", T::AppOk, 600000, 0, orc1);
  step("interim payment: both services to the APP_OK", app::interim_payment(application, b.leader(), 10));
  b.block.timestamp_ms = 900000;
  step("the client asks one wei more than it may take back", app::refund(application, b.client, 999591));
  step("the client takes back what no checkpoint can claim, but for 1000", app::refund(application, b.client, 999000));
  cp("SERVICE_DOWN of the CPU service, under the second Orchestrator", T::ServiceDown, 900000, 1, orc2);
  b.block.timestamp_ms = 1200000;
  cp("APP_SHUTDOWN", T::AppShutdown, 1200000, 0, orc2);
  step("interim payment: the rest, and shutdown", app::interim_payment(application, b.leader(), 10));
  step("the GPU's owner withdraws", app::withdraw(application, owner_a));
  step("the client releases the resources", cc::release(cloud, b.client, application));
  step("the client destroys the application", app::destroy(application, b.client));
  step("the provider takes the Cloud's share", cc::withdraw_share(cloud, provider));

  for (const auto& [name, a] : actors) {
    // Balances start at 2^100, so the signed net fits a Word's two's complement.
    const Word net = b.state.balance(a) - start[a] + fees[a];
    const bool negative = (net >> 127) != 0;
    out.net_wei[name] = negative ? fmt::format("-{}", wei_to_string(Word{0} - net)) : wei_to_string(net);
  }
  for (const auto& [name, a] : std::map<std::string, Address>{{"registry", reg},
                                                               {"cloud", cloud},
                                                               {"application", application},
                                                               {"refusing_payee", refuser},
                                                               {"orchestrator_1", orc1},
                                                               {"orchestrator_2", orc2}}) {
    out.net_wei[name] = wei_to_string(b.state.balance(a));
  }
  return out;
}

std::uint64_t largest_interim_k(std::size_t services, Gas block_gas_limit) {
  InterimBench ib(services, block_gas_limit);
  // The gas grows linearly with k: two small payments give a guess, and the search starts from a
  // bracket around it (each try pays up to thousands of checkpoints) unless the guess is off.
  ib.append(20);
  const std::uint64_t k1 = services + 10, k2 = services + 20;
  const Receipt r1 = ib.try_pay(k1), r2 = ib.try_pay(k2);
  std::uint64_t guess = k2;
  if (r2.status == Status::Success && r2.gas_used > r1.gas_used && block_gas_limit > r2.gas_used) {
    guess = k2 + (block_gas_limit - r2.gas_used) * (k2 - k1) / (r2.gas_used - r1.gas_used);
  }
  if (const std::uint64_t enough = guess + guess / 20 + 2; enough > ib.checkpoints) ib.append(enough - ib.checkpoints);
  // APP_OKs appended until paying all of them no longer fits.
  for (std::uint64_t more = ib.checkpoints; ib.fits(ib.checkpoints); more = ib.checkpoints) ib.append(more);
  std::uint64_t lo = 0, hi = ib.checkpoints;  // fits(lo), not fits(hi)
  if (const std::uint64_t a = guess - guess / 50; a < hi && ib.fits(a)) lo = a;
  if (const std::uint64_t z = guess + guess / 50 + 1; z > lo && z < hi && !ib.fits(z)) hi = z;
  while (hi - lo > 1) {
    const std::uint64_t mid = (lo + hi) / 2;
    (ib.fits(mid) ? lo : hi) = mid;
  }
  return lo;
}

Gas interim_payment_gas(std::size_t services, std::uint64_t k) {
  InterimBench ib(services, Gas{1} << 40);  // no block limit in the way
  ib.append(k);
  return ib.try_pay(k).gas_used;
}

Gas one_checkpoint_gas(std::size_t services) {
  const auto worst = [services](bool short_of_funds) {
    Bench b;
    b.gas.block_gas_limit = Gas{1} << 40;
    b.block.timestamp_ms = 1000000000000;
    b.registry_with(1);
    // A minute of every service costs (10 + 3 + 1 + 4) wei: the deposit covers all but one wei.
    const Wei due = Wei{18} * services;
    const Address a = b.application_with(services, short_of_funds ? due - 1 : Wei{1} << 80);
    for (std::size_t sv = 0; sv < services; ++sv) {
      b.run(app::add_checkpoint(a, b.leader(), {app::CheckpointType::ServiceUp, 0, {}, sv, Address{8}}));
    }
    b.run(app::interim_payment(a, b.leader(), services));  // the SERVICE_UPs, which pay nothing
    const auto type = short_of_funds ? app::CheckpointType::AppShutdown : app::CheckpointType::AppOk;
    b.run(app::add_checkpoint(a, b.leader(), {type, 60000, {}, 0, Address{9}}));
    Transaction tx = app::interim_payment(a, b.leader(), 1);
    tx.gas_limit = b.gas.block_gas_limit;
    const Receipt r = dry_run(b.state, b.gas, tx, b.block);
    if (r.status != Status::Success) throw std::logic_error("one_checkpoint_gas: " + r.reason);
    return r.gas_used + r.refund;
  };
  return std::max(worst(false), worst(true));
}

namespace {
Gas row_gas(std::string_view function, std::string_view what) {
  static const std::vector<GasRow> rows = contract_gas_rows();  // computed once: about a millisecond
  for (const GasRow& r : rows) {
    if (r.contract + "." + r.function == function && r.what == what) return r.gas;
  }
  throw std::logic_error(fmt::format("no gas row {} ({})", function, what));
}
}  // namespace

// It creates no storage it then clears: the gas used is the gas the call needs.
Gas cloud_deployment_gas() { return row_gas("Cloud.constructor", "deployment"); }
Gas add_checkpoint_gas() {
  // The first checkpoint (every slot it writes new), a SERVICE_UP (which also reads the service
  // count), with the costliest calldata: the timestamp's bytes non-zero (the row's are zeros).
  Bench b;
  b.block.timestamp_ms = (std::uint64_t{1} << 48) - 1;
  b.registry_with(1);
  const Address a = b.application_with(1, Wei{1} << 80);
  Transaction tx = app::add_checkpoint(a, b.leader(), {app::CheckpointType::ServiceUp, b.block.timestamp_ms, {}, 0, Address{9}});
  tx.gas_limit = b.gas.block_gas_limit;
  const Receipt r = dry_run(b.state, b.gas, tx, b.block);
  if (r.status != Status::Success) throw std::logic_error("add_checkpoint_gas: " + r.reason);
  // Its service is 0 here; an index of up to three non-zero bytes costs 12 gas more a byte.
  return r.gas_used + r.refund + 3 * 12;
}

std::vector<GasRow> contract_gas_rows() {
  std::vector<GasRow> out;
  auto row = [&](const char* contract, const std::string& fn, const std::string& what, const Receipt& r) {
    out.push_back({contract, fn, what, r.gas_used});
  };
  {
    Bench b;
    row("Registry", "constructor", "deployment", b.run(registry::deploy(b.owner, b.reg, 3, 8)));
    row("Registry", "registerCandidate", "first registration", b.run(registry::register_candidate(b.reg, b.nodes[0].address, 1)));
    row("Registry", "appointLeader", "first leader", b.run(registry::appoint_leader(b.reg, b.owner, b.leader())));
    for (std::size_t i = 1; i < 5; ++i) b.run(registry::register_candidate(b.reg, b.nodes[i].address, 1 + i));
    row("Registry", "registerMember", "second member", b.run(registry::register_member(b.reg, b.leader(), b.nodes[1].address)));
    for (std::size_t i = 2; i < 5; ++i) b.run(registry::register_member(b.reg, b.leader(), b.nodes[i].address));
    const Address p = b.nodes[1].address;
    std::vector<Signature> acc;
    for (std::size_t i : {1, 2, 3}) acc.push_back(sign(b.nodes[i], registry::accept_digest(b.reg, 2, p)));
    row("Registry", "registerLeader", "5 members, 3 signed accepts", b.run(registry::register_leader(b.reg, p, 2, acc, 7)));
    row("Registry", "deregisterMember", "a middle member of 5", b.run(registry::deregister_member(b.reg, p, b.nodes[2].address)));
    row("Registry", "setParams", "both changed", b.run(registry::set_params(b.reg, b.owner, 2, 6)));
    row("Registry", "registerService", "new id", b.run(registry::register_service(b.reg, b.client, 1, 0xabc)));
    b.block.timestamp_ms = 60000;
    b.run(registry::record_availability(b.reg, p));
    b.block.timestamp_ms = 660000;
    row("Registry", "recordAvailability", "4 members, 10 minutes, first time", b.run(registry::record_availability(b.reg, p)));
    b.block.timestamp_ms = 1260000;
    row("Registry", "recordAvailability", "4 members, 10 minutes", b.run(registry::record_availability(b.reg, p)));
    b.state.set_balance(b.reg, 1000000);
    b.state.forget_journal();
    row("Registry", "distributeFten", "4 nodes with availability", b.run(registry::distribute_ften(b.reg, b.client)));
    row("Registry", "withdrawFten", "one node", b.run(registry::withdraw_ften(b.reg, p)));
    // The same functions at another size, so that what grows with the members is checked too.
    // Node 2, voted out above, registers again (removal cleared its contact).
    for (std::size_t i : {2, 5, 6}) b.run(registry::register_candidate(b.reg, b.nodes[i].address, 1 + i));
    for (std::size_t i : {2, 5}) b.run(registry::register_member(b.reg, p, b.nodes[i].address));
    const Address q = b.nodes[3].address;
    acc.clear();
    for (std::size_t i : {3, 4, 2, 5}) acc.push_back(sign(b.nodes[i], registry::accept_digest(b.reg, 3, q)));
    row("Registry", "registerLeader", "6 members, 4 signed accepts", b.run(registry::register_leader(b.reg, q, 3, acc, 8)));
    b.block.timestamp_ms = 1860000;
    row("Registry", "recordAvailability", "6 members, 10 minutes, 2 of them new", b.run(registry::record_availability(b.reg, q)));
    b.block.timestamp_ms = 2460000;
    row("Registry", "recordAvailability", "6 members, 10 minutes", b.run(registry::record_availability(b.reg, q)));
    b.state.set_balance(b.reg, 2000000);
    b.state.forget_journal();
    row("Registry", "distributeFten", "6 nodes with availability", b.run(registry::distribute_ften(b.reg, b.client)));
  }
  {
    Bench b;
    b.block.timestamp_ms = 1000000000000;  // later than every checkpoint appended
    b.registry_with(1);
    Receipt created = b.run(app::deploy(
        contract_address(b.client, 0),
        app::Terms{b.client, b.reg, Address{5}, 3, 4, 3, 60000, 3, {{Address{1000}, 10}, {Address{1001}, 2}}}, 1000000));
    row("Application", "constructor", "2 services", created);
    const Address a = contract_address(b.client, 0);
    const Address o1{8}, o2{9};
    row("Application", "addCheckpoint", "first (SERVICE_UP)",
        b.run(app::add_checkpoint(a, b.leader(), {app::CheckpointType::ServiceUp, 0, {}, 0, o1})));
    row("Application", "addCheckpoint", "later (SERVICE_UP)",
        b.run(app::add_checkpoint(a, b.leader(), {app::CheckpointType::ServiceUp, 60000, {}, 1, o1})));
    b.run(app::add_checkpoint(a, b.leader(), {app::CheckpointType::AppOk, 600000, {}, 0, o1}));
    b.run(app::add_checkpoint(a, b.leader(), {app::CheckpointType::ServiceDown, 900000, {}, 1, o2}));
    b.run(app::add_checkpoint(a, b.leader(), {app::CheckpointType::AppShutdown, 1200000, {}, 0, o2}));
    row("Application", "interimPayment", "k = 5 of the ray-tracing example (2 services, 6 payees)",
        b.run(app::interim_payment(a, b.leader(), 5)));
    b.state.set_balance(Address{1000}, Wei{1} << 70);  // gas money for the payee
    b.state.forget_journal();
    row("Application", "withdraw", "one payee", b.run(app::withdraw(a, Address{1000})));
    row("Application", "destroy", "after shutdown, 5 unpaid payees", b.run(app::destroy(a, b.client)));
  }
  {
    Bench b;
    b.registry_with(1);
    const Address provider = b.nodes[5].address, pnp = b.nodes[6].address;
    const Address c = contract_address(provider, 0);
    row("Cloud", "constructor", "deployment",
        b.run(cloud_contract::deploy(c, {provider, b.reg, b.nodes[7].address, pnp, 1, 2, 3})));
    row("Cloud", "registerResource", "new resource",
        b.run(cloud_contract::register_resource(c, pnp, 1, {Address{1000}, cloud_contract::ResourceKind::Gpu, 2, 10})));
    b.run(cloud_contract::register_resource(c, pnp, 2, {Address{1001}, cloud_contract::ResourceKind::Cpu, 8, 2}));
    cloud_contract::Reservation r;
    r.id = 1;
    r.client = b.client;
    r.expires_ms = 1000;
    r.resources = {{1, 1, 1}, {2, 1, 1}};
    r.orchestration_price_per_minute = 4;
    row("Cloud", "instantiate", "2 resources: creates the Application",
        b.run(cloud_contract::instantiate(c, r, sign(b.nodes[7], cloud_contract::reservation_digest(c, r)), 1000000)));
    row("Cloud", "deregisterResource", "a free resource", b.run(cloud_contract::deregister_resource(c, pnp, 1)));
    b.state.set_balance(c, b.state.balance(c) + 1000);  // a share arriving
    b.state.forget_journal();
    row("Cloud", "withdrawShare", "the provider takes the contract's balance", b.run(cloud_contract::withdraw_share(c, provider)));
  }
  return out;
}

std::string contract_gas_report(const GasCalibration& real) {
  std::string out = "| contract | function | case | model | real EVM | model / real |\n|---|---|---|---|---|---|\n";
  for (const GasRow& m : contract_gas_rows()) {
    const GasRow* r = nullptr;
    for (const GasRow& x : real.rows) {
      if (x.contract == m.contract && x.function == m.function && x.what == m.what) r = &x;
    }
    out += r ? fmt::format("| {} | {} | {} | {} | {} | {:.3f} |\n", m.contract, m.function, m.what, m.gas, r->gas,
                           static_cast<double>(m.gas) / static_cast<double>(r->gas))
             : fmt::format("| {} | {} | {} | {} | not measured | |\n", m.contract, m.function, m.what, m.gas);
  }
  std::vector<Gas> limits;
  for (const auto& l : real.largest_k) {
    if (std::find(limits.begin(), limits.end(), l.block_gas_limit) == limits.end()) limits.push_back(l.block_gas_limit);
  }
  out += "\n| services |";
  std::string rule = "|---|";
  for (Gas g : limits) {
    out += fmt::format(" {}M gas: model | real EVM |", g / 1000000);
    rule += "---|---|";
  }
  out += "\n" + rule + "\n";
  std::vector<std::size_t> services;
  for (const auto& l : real.largest_k) {
    if (std::find(services.begin(), services.end(), l.services) == services.end()) services.push_back(l.services);
  }
  for (std::size_t s : services) {
    out += fmt::format("| {} |", s);
    for (Gas g : limits) {
      std::string measured = "not measured";
      for (const auto& l : real.largest_k) {
        if (l.services == s && l.block_gas_limit == g) measured = std::to_string(l.k);
      }
      out += fmt::format(" {} | {} |", largest_interim_k(s, g), measured);
    }
    out += "\n";
  }
  // The lifecycle, step by step, and where its wei ended.
  const Lifecycle model = contract_lifecycle();
  out += "\n| lifecycle step | function | status | model | real EVM | model / real |\n|---|---|---|---|---|---|\n";
  for (std::size_t i = 0; i < model.steps.size(); ++i) {
    const LifecycleStep& m = model.steps[i];
    const LifecycleStep* r = i < real.lifecycle.steps.size() ? &real.lifecycle.steps[i] : nullptr;
    out += r ? fmt::format("| {} | {} | {} | {} | {} | {:.3f} |\n", m.step, m.function,
                           m.status == r->status ? m.status : m.status + " (real: " + r->status + ")", m.gas, r->gas,
                           static_cast<double>(m.gas) / static_cast<double>(r->gas))
             : fmt::format("| {} | {} | {} | {} | not measured | |\n", m.step, m.function, m.status, m.gas);
  }
  out += "\n| net wei | model | real EVM |\n|---|---|---|\n";
  for (const auto& [who, wei] : model.net_wei) {
    const auto it = real.lifecycle.net_wei.find(who);
    out += fmt::format("| {} | {} | {} |\n", who, wei, it == real.lifecycle.net_wei.end() ? "not measured" : it->second);
  }
  out += fmt::format("\nReal EVM: {}; {}; contracts/ at sha256 {}.\n", real.evm, real.compiler, real.sources_sha256);
  return out;
}

}  // namespace cansim::chain

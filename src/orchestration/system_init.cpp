// The system initialization of §3.1 (system_init.hpp).
#include "cansim/orchestration/system_init.hpp"

#include "cansim/model/chain/contracts/registry.hpp"
#include "cansim/model/chain/signature.hpp"
#include "cansim/protocols/can/build.hpp"
#include "cansim/sim/invariant.hpp"

namespace cansim::orchestration {

SystemInit::SystemInit(cloud::CloudWorld& world, const SystemInitConfig& cfg, const Rng& root)
    : w_(world), cfg_(cfg), root_(root), ocan_net_(w_.sim, root.stream("ocan-network"), cfg.ocan_members, w_.config.link) {
  // Step 2: the OCAN's CAN starts once the appointment is seen.
  w_.chain.subscribe(w_.registry, [this](const chain::Log& log) {
    if (log.event != "LeaderChanged" || ocan_) return;
    ocan_ = can::build_can(w_.sim, ocan_net_, w_.chain, w_.registry, cfg_.ocan_members, cfg_.ocan, root_.stream("ocan-keys"),
                           root_.stream("ocan"));
    ocan_->start();
    if (cfg_.ocan_members == 1) ocan_ready_ = w_.sim.now();
    for (NodeId i = 1; i < cfg_.ocan_members; ++i) {
      ocan_->keep_joining(i, cfg_.ocan_join_retry, [this] {
        if (++ocan_joined_ == cfg_.ocan_members) ocan_ready_ = w_.sim.now();
      });
    }
  });
}

void SystemInit::start() {
  w_.deploy_contracts([this] {
    contracts_done_ = w_.sim.now();
    w_.join_all();
  });
  w_.sim.at(w_.chain.config().block_interval * 2, [this] { register_catalogue(); });
}

void SystemInit::register_catalogue() {
  // Step 3: services and applications, by the system initiator, with their TOSCA digests.
  for (std::size_t a = 0; a < cfg_.catalogue.size(); ++a) {
    const app::Topology& t = *cfg_.catalogue[a];
    std::vector<chain::Transaction> txs;
    txs.push_back(chain::registry::register_application(w_.registry, w_.registry_owner, a + 1, t.digest));
    for (std::size_t s = 0; s < t.services.size(); ++s) {
      txs.push_back(chain::registry::register_service(w_.registry, w_.registry_owner, chain::digest({t.digest, s}), t.digest));
    }
    for (chain::Transaction& tx : txs) {
      tx.gas_price = w_.config.gas_price;
      ++catalogue_pending_;
      w_.chain.submit(std::move(tx), [this](const chain::Receipt& r) {
        if (r.status != chain::Status::Success) throw InvariantViolation(w_.sim.now(), "registering the catalogue", r.reason);
        catalogue_gas_ += r.gas_used;
        if (--catalogue_pending_ == 0) catalogue_done_ = w_.sim.now();
      });
    }
  }
}

std::size_t SystemInit::expected_resources() const {
  std::size_t n = 0;
  for (cloud::HostId h = 0; h < w_.hosts.size(); ++h) n += w_.net.is_up(h) && w_.agents->api_works(h) && w_.agents->telemetry_works(h);
  return n;
}

std::size_t SystemInit::registered_resources() const {
  std::size_t n = 0;
  for (const cloud::Provider& pr : w_.providers) n += pr.plug_and_play_actor->registered();
  return n;
}

bool SystemInit::ready() const {
  return catalogue_done_.us >= 0 && contracts_done_.us >= 0 && ocan_ready_.us >= 0 &&
         registered_resources() >= expected_resources();
}

}  // namespace cansim::orchestration

// Defaults declared once (issue 31): every parameter of the cloud and orchestration kinds takes its
// default from the configuration it sets, so a scenario that sets nothing builds exactly the
// default configuration. Each field a parameter sets is compared; a default written twice that
// drifts (three did: the Orchestrators, the deposit, the SOE's price weight) fails here.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include "cloud_params.hpp"
#include "orchestration_params.hpp"
#include "scenario_fixture.hpp"

using namespace cansim;
using namespace cansim::scenario;
using namespace cansim::scenario::testing;

namespace {

// Every parameter of `kind` at its default.
ParamValues defaults_of(const char* kind) {
  static std::map<std::string, Scenario> loaded;
  auto [it, fresh] = loaded.try_emplace(kind);
  if (fresh) {
    it->second = load_text(fmt::format(R"({{"experiment": "{}", "seed": 1, "applications": [{{"file": "{}/apps/web_shop.yaml"}}]}})",
                                       kind, CANSIM_SOURCE_DIR));
  }
  return it->second.configs.at(0).params;
}

void same_cloud(const cloud::CloudConfig& a, const cloud::CloudConfig& d) {
  CHECK(a.providers == d.providers);
  CHECK(a.power.exponent == d.power.exponent);
  CHECK(a.power.off_when_idle == d.power.off_when_idle);
  CHECK(a.power.off_after_idle_s == d.power.off_after_idle_s);
  CHECK(a.power.off_w == d.power.off_w);
  CHECK(a.power.wake_s == d.power.wake_s);
  CHECK(a.policy == d.policy);
  CHECK(a.sosm.strategy == d.sosm.strategy);
  CHECK(a.sosm.vrm_size == d.sosm.vrm_size);
  CHECK(a.sosm.switch_size == d.sosm.switch_size);
  CHECK(a.sosm.n_opt == d.sosm.n_opt);
  for (int i = 0; i < 5; ++i) CHECK(a.sosm.weights[i] == d.sosm.weights[i]);
  CHECK(a.soe.performance == d.soe.performance);
  CHECK(a.soe.price == d.soe.price);
  CHECK(a.reservation_ttl == d.reservation_ttl);
  CHECK(a.link.base == d.link.base);
  CHECK(a.chain.block_interval == d.chain.block_interval);
  CHECK(a.chain.gas.block_gas_limit == d.chain.gas.block_gas_limit);
  CHECK(a.chain.confirmations == d.chain.confirmations);
  CHECK(a.cloud_price_per_minute == d.cloud_price_per_minute);
}

}  // namespace

TEST_CASE("defaults: a placement scenario that sets nothing builds the default cloud and Gateway", "[defaults]") {
  const ParamValues p = defaults_of("placement");
  same_cloud(cloud_config(p), cloud::CloudConfig{});
  const cloud::GatewayConfig g = gateway_config(p), d;
  CHECK(g.max_providers_tried == d.max_providers_tried);
  CHECK(g.reply_timeout == d.reply_timeout);
  CHECK(g.users == d.users);
}

TEST_CASE("defaults: an orchestration scenario that sets nothing builds the default orchestration", "[defaults]") {
  const orchestration::OrchestrationConfig c = orchestration_config(defaults_of("orchestration"), FaultPlan{}), d;
  same_cloud(c.cloud, d.cloud);
  CHECK(c.members == d.members);
  CHECK(c.orchestrators == d.orchestrators);
  CHECK(c.can.rejoin_interval == d.can.rejoin_interval);
  CHECK(c.can.replication == d.can.replication);
  CHECK(c.can.check_interval == d.can.check_interval);
  CHECK(c.can.ping_timeout == d.can.ping_timeout);
  CHECK(c.cloud.link.loss == d.cloud.link.loss);
  CHECK(c.monitor_interval == d.monitor_interval);
  CHECK(c.status_timeout == d.status_timeout);
  CHECK(c.status_attempts == d.status_attempts);
  CHECK(c.deploy_timeout_factor == d.deploy_timeout_factor);
  CHECK(c.retry_delay == d.retry_delay);
  CHECK(c.stop_wait == d.stop_wait);
  for (std::size_t k = 0; k < 3; ++k) CHECK(c.cloud.hypervisor.times[k].deploy_mean == d.cloud.hypervisor.times[k].deploy_mean);
  // One spread for every hypervisor kind: a container's (the model's own differ by kind).
  for (std::size_t k = 0; k < 3; ++k) CHECK(c.cloud.hypervisor.times[k].deploy_cv == d.cloud.hypervisor.times[1].deploy_cv);
  CHECK(c.cloud.app_ok_interval_ms == d.cloud.app_ok_interval_ms);
  CHECK(c.cloud.retry_limit == d.cloud.retry_limit);
  CHECK(c.cloud.max_failed_payments == d.cloud.max_failed_payments);
  CHECK(c.cloud.orchestration_price_per_minute == d.cloud.orchestration_price_per_minute);
  CHECK(c.ften_price_per_minute == d.ften_price_per_minute);
  CHECK(c.gateway.deposit == d.gateway.deposit);
  CHECK(c.payment_interval == d.payment_interval);
  CHECK(c.payment_gas_budget == d.payment_gas_budget);
  CHECK(c.checkpoint_gas_limit == d.checkpoint_gas_limit);
  CHECK(c.cloud.chain.missing_block_probability == d.cloud.chain.missing_block_probability);
  CHECK(c.payees_withdraw == d.payees_withdraw);
  CHECK(c.orchestrator_crash_rate == d.orchestrator_crash_rate);
  CHECK(c.orchestrator_recovery_rate == d.orchestrator_recovery_rate);
  CHECK(c.member_crash_rate == d.member_crash_rate);
  CHECK(c.member_recovery_rate == d.member_recovery_rate);
  CHECK(c.host_crash_rate == d.host_crash_rate);
  CHECK(c.host_recovery_rate == d.host_recovery_rate);
  CHECK(c.api_crash_rate == d.api_crash_rate);
  CHECK(c.api_recovery_rate == d.api_recovery_rate);
  CHECK(c.cloud.hypervisor.service_failure_rate_per_s == d.cloud.hypervisor.service_failure_rate_per_s);
  CHECK(c.cloud.hypervisor.instances_survive_api_crash == d.cloud.hypervisor.instances_survive_api_crash);
  CHECK(c.cloud.hypervisor.read_assignments == d.cloud.hypervisor.read_assignments);
}

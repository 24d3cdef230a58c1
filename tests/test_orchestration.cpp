// Fault-tolerant orchestration end to end (§3.2, §5, §5.1): an OCAN of Orchestrators deploys the
// Ray Tracing application onto the simulated cloud, records its checkpoints in the Application
// contract and pays everyone; an Orchestrator's crash hands the work over (Figure 5.1); a failed
// service is redeployed up to the contract's retry limit.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include "cansim/model/chain/contracts/application.hpp"
#include "cansim/orchestration/orchestration_world.hpp"
#include "cansim/scenario/tosca.hpp"
#include "cansim/sim/invariant.hpp"

using namespace cansim;
using namespace cansim::orchestration;
namespace ac = cansim::chain::application;
using K = ScheduledFault::Kind;

namespace {

app::Topology ray_tracing() { return scenario::load_tosca(fmt::format("{}/apps/ray_tracing.yaml", CANSIM_SOURCE_DIR)); }

// A small cloud of CPU container hosts: the engine runs on its CPU implementation.
OrchestrationConfig small(std::uint32_t orchestrators = 3) {
  OrchestrationConfig c;
  cloud::HostClass cpu;
  cpu.name = "cpu";
  cpu.cores = 32;
  cpu.memory_mb = 128 * 1024;
  cpu.price_per_minute = 2;
  cpu.hypervisor = cloud::Hypervisor::Container;
  c.cloud.classes = {cpu};
  c.cloud.hosts_per_class = {6};
  c.cloud.chain.block_interval = seconds(2);
  c.cloud.app_ok_interval_ms = 60000;
  c.cloud.retry_limit = 3;
  c.gateway.deposit = chain::Wei{1} << 40;
  c.members = 5;
  c.orchestrators = orchestrators;
  c.sequence = true;
  return c;
}

std::vector<CheckpointType> on_chain(const OrchestrationWorld& w, chain::Address app) {
  std::vector<CheckpointType> out;
  for (std::uint64_t i = 0; i < ac::checkpoint_count(w.cloud.chain.state(), app); ++i) {
    out.push_back(ac::checkpoint(w.cloud.chain.state(), app, i).type);
  }
  return out;
}

}  // namespace

TEST_CASE("orchestration: an application deploys in dependency order, runs, is paid, and ends", "[orchestration]") {
  const app::Topology rt = ray_tracing();
  OrchestrationWorld w(small(), Rng(7));
  w.start();
  bool ended = false;
  std::vector<ac::Checkpoint> seen;
  w.request(rt, minutes(5), {}, [&](std::size_t) { ended = true; });
  // Watch the contract while it lives (destroy clears it).
  w.cloud.sim.run_until(minutes(4));
  REQUIRE(w.apps.size() == 1);
  const AppRecord& rec = w.apps[0];
  const auto cps = on_chain(w, rec.address);
  REQUIRE(cps.size() >= 4);
  // The engine first, then the front end that depends on it; then APP_OK each minute.
  CHECK(cps[0] == CheckpointType::ServiceUp);
  CHECK(ac::checkpoint(w.cloud.chain.state(), rec.address, 0).service == 0);
  CHECK(cps[1] == CheckpointType::ServiceUp);
  CHECK(ac::checkpoint(w.cloud.chain.state(), rec.address, 1).service == 1);
  CHECK(cps[2] == CheckpointType::AppOk);
  CHECK(rec.all_up > rec.instantiated);
  w.cloud.sim.run_until(minutes(30));
  CHECK(ended);
  CHECK(rec.settled);
  CHECK(rec.released);
  CHECK(ac::is_destroyed(w.cloud.chain.state(), rec.address));
  CHECK(rec.appended.back().type == CheckpointType::AppShutdown);
  // Paid for about five minutes of two services, never more than they ran.
  CHECK(rec.paid_time >= minutes(2 * 3));
  CHECK(rec.paid_time <= rec.up_time);
  // Every instance stopped; the Orchestrator's owner and the resource owners withdrew.
  const cloud::Instances& inst = w.cloud.hypervisors->instances();
  for (cloud::InstanceId i = 0; i < inst.size(); ++i) CHECK_FALSE(inst.live(i));
  CHECK(w.gas_by_function["Application.withdraw"] > 0);
  CHECK(w.gas_by_function["Application.interimPayment"] > 0);
  CHECK(w.ocan->work_ledger().work[0].finished);
  w.check_funds();
}

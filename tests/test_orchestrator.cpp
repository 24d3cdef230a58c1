// The Orchestrator (orchestration/orchestrator.hpp) as an actor on its own: a CAN of three
// members, one Orchestrator, an Application contract on the CAN's chain, and the hypervisors
// played by the test, which sees every call as it is sent and answers it (or not) by hand.
#include <catch2/catch.hpp>

#include <vector>

#include "cansim/model/chain/contracts/application.hpp"
#include "cansim/orchestration/orchestrator.hpp"
#include "cansim/protocols/can/can_world.hpp"

using namespace cansim;
using namespace cansim::orchestration;
namespace ac = cansim::chain::application;

namespace {

constexpr NodeId kOrchestrator = 3;  // after the three members

struct Call {
  SimTime at;
  NodeId from;
  cloud::HostId host;
  cloud::CloudMsg m;
};

struct Bench {
  can::CanWorld world;
  CheckpointContents contents;
  app::Topology topology;
  AppDescription app;
  std::vector<Call> calls;                      // to the hypervisors, in order
  std::vector<CheckpointType> committed_types;  // the checkpoints the CAN committed, in order
  Orchestrators orchestrators;
  std::uint32_t work = 0;

  static can::CanWorldConfig world_config() {
    can::CanWorldConfig c;
    c.nodes = 3;
    c.members = 3;
    c.components = 1;
    return c;
  }
  static app::Topology two_services() {
    app::Topology t;
    t.name = "two";
    t.services.resize(2);
    t.services[0].name = "db";
    t.services[1].name = "web";
    t.services[1].depends_on = {0};
    t.order = {0, 1};
    return t;
  }
  OrchestratorContext context() {
    return OrchestratorContext{
        world.sim,
        world.chain,
        *world.can,
        contents,
        OrchestratorConfig{},  // monitoring every 10 s, status timeout 2 s, retry_delay 5 s
        millis(500),
        [](std::uint32_t) -> std::size_t { return 0; },
        [this](std::size_t) -> const AppDescription& { return app; },
        [](cloud::HostId) { return seconds(2); },
        [this](NodeId c, cloud::HostId h, cloud::CloudMsg m) { calls.push_back({world.sim.now(), c, h, std::move(m)}); },
        [this](NodeId c) { return world.net.is_up(c); },
        [](NodeId c) { return "Orchestrator " + std::to_string(c); },
        [](const std::string&, const std::string&, const std::string&, std::int64_t) {}};
  }

  explicit Bench(std::uint64_t retry_limit = 3)
      : world(world_config(), Rng(11)), topology(two_services()), orchestrators(context()) {
    // The Application contract the Orchestrator reads its terms from.
    const chain::Address client{77}, owner{78};
    world.chain.genesis_state().set_balance(client, chain::Wei{1} << 80);
    ac::Terms t;
    t.client = client;
    t.registry = world.reg;
    t.cloud = chain::Address{79};
    t.retry_limit = retry_limit;
    t.app_ok_interval_ms = 3600000;  // out of the way
    t.services = {{owner, 1}, {owner, 1}};
    app.address = chain::contract_address(client, 0);
    REQUIRE(world.chain.genesis(ac::deploy(app.address, t, chain::Wei{1} << 60)).status == chain::Status::Success);
    app.topology = &topology;
    app.hosts = {0, 1};
    app.units = {1, 1};
    can::ComponentBehaviour b;
    b.start = [this](NodeId c, std::uint32_t w, std::uint32_t progress) { orchestrators.start(c, w, progress); };
    b.stop = [this](NodeId c, std::uint32_t w) { orchestrators.stop(c, w); };
    b.committed = [this](NodeId, std::uint32_t, std::uint32_t progress) {
      committed_types.push_back(contents.find(0, progress)->type);
    };
    world.can->set_behaviour(std::move(b));
    world.can->preregister_component(kOrchestrator);
    world.can->start();
    work = world.can->submit_work(1);
  }
  void run_for(SimTime t) { world.sim.run_until(world.sim.now() + t); }
  // The hypervisor's answer to call i.
  void answer(std::size_t i, bool ok, std::uint32_t instance = 0) {
    const Call& c = calls.at(i);
    cloud::CloudMsg r = c.m;
    r.type = c.m.type == cloud::CloudMsgType::Deploy ? cloud::CloudMsgType::Deployed : cloud::CloudMsgType::StatusReply;
    r.ok = ok;
    r.instance = instance;
    orchestrators.receive(c.from, static_cast<NodeId>(c.host), r);
  }
};

}  // namespace

TEST_CASE("Orchestrator: services are deployed in dependency order, each reported up before its dependants",
          "[orchestration][orchestrator]") {
  Bench b;
  b.run_for(seconds(5));
  REQUIRE(b.orchestrators.jobs() == 1);
  REQUIRE(b.calls.size() == 1);  // the database only: the web service waits for it
  CHECK(b.calls[0].m.type == cloud::CloudMsgType::Deploy);
  CHECK(b.calls[0].m.service == 0);
  CHECK(b.calls[0].host == 0);
  CHECK(b.calls[0].m.app == b.app.address.id);
  CHECK(b.calls[0].m.epoch == b.world.can->assignment_of(kOrchestrator, b.work));  // every call carries its fence
  b.answer(0, true, 7);
  REQUIRE(b.calls.size() == 2);  // then the web service, on its own host
  CHECK((b.calls[1].m.type == cloud::CloudMsgType::Deploy && b.calls[1].m.service == 1 && b.calls[1].host == 1));
  b.answer(1, true, 8);
  b.run_for(seconds(5));
  CHECK(b.committed_types == std::vector<CheckpointType>{CheckpointType::ServiceUp, CheckpointType::ServiceUp});
}

TEST_CASE("Orchestrator: a deploy unanswered in time is asked about by service before it counts as failed",
          "[orchestration][orchestrator]") {
  Bench b;
  b.run_for(seconds(5));
  REQUIRE(b.calls.size() == 1);
  // Timeout: 4 mean deploy times (2 s here) + the status timeout (2 s) = 10 s after the deploy,
  // exactly.
  const SimTime due = b.calls[0].at + seconds(10);
  b.world.sim.run_until(due - SimTime{1});
  CHECK(b.calls.size() == 1);
  b.world.sim.run_until(due);
  REQUIRE(b.calls.size() == 2);
  CHECK(b.calls[1].at == due);
  CHECK(b.calls[1].m.type == cloud::CloudMsgType::Status);
  CHECK(b.calls[1].m.service == 0);
  CHECK(b.calls[1].m.instance == cloud::kAnyInstance);  // the instance is unknown: by service
  // It was up after all (the deploy's answer was lost): no second deploy, the web service follows.
  b.answer(1, true, 7);
  REQUIRE(b.calls.size() == 3);
  CHECK((b.calls[2].m.type == cloud::CloudMsgType::Deploy && b.calls[2].m.service == 1));
}

TEST_CASE("Orchestrator: failed deploys are tried again after retry_delay, up to the contract's retry limit",
          "[orchestration][orchestrator]") {
  Bench b(2);  // retry_delay 5 s, the default
  b.run_for(seconds(5));
  REQUIRE(b.calls.size() == 1);
  b.answer(0, false);  // failure 1
  b.run_for(seconds(4));
  CHECK(b.calls.size() == 1);  // waits retry_delay
  b.run_for(seconds(2));
  REQUIRE(b.calls.size() == 2);
  CHECK((b.calls[1].m.type == cloud::CloudMsgType::Deploy && b.calls[1].m.service == 0));
  b.answer(1, false);  // failure 2 = the contract's limit: the services are stopped, nothing deployed
  b.run_for(seconds(30));
  REQUIRE(b.calls.size() >= 4);
  std::vector<std::uint32_t> stopped;
  for (std::size_t i = 2; i < b.calls.size(); ++i) {
    CHECK(b.calls[i].m.type == cloud::CloudMsgType::Stop);  // unanswered, each is asked again
    if (i < 4) stopped.push_back(b.calls[i].m.service);
  }
  CHECK(stopped == std::vector<std::uint32_t>{0, 1});  // a Stop for each service at once
}

TEST_CASE("Orchestrator: a failed deploy followed by a success starts the service's count again",
          "[orchestration][orchestrator]") {
  // Retry limit 2. The database fails once, then comes up; later it fails while running, and its
  // first redeploy fails too: one failure in a row, not two, so it is tried again (not stopped).
  Bench b(2);  // retry_delay 5 s, the default
  b.run_for(seconds(5));
  b.answer(0, false);  // the database: failure 1 of 2
  b.run_for(seconds(6));
  REQUIRE(b.calls.size() == 2);
  b.answer(1, true, 7);  // up: its count starts again
  REQUIRE(b.calls.size() == 3);
  b.answer(2, true, 8);  // the web service
  // The next monitoring round asks both; the database has failed.
  const std::size_t before = b.calls.size();
  b.run_for(seconds(11));
  REQUIRE(b.calls.size() == before + 2);
  for (std::size_t i = before; i < before + 2; ++i) {
    REQUIRE(b.calls[i].m.type == cloud::CloudMsgType::Status);
    b.answer(i, b.calls[i].m.service == 1, b.calls[i].m.service == 1 ? 8 : 0);
  }
  b.run_for(seconds(5));  // the SERVICE_DOWN is committed, then the redeploy goes out
  REQUIRE(b.calls.size() == before + 3);
  CHECK((b.calls.back().m.type == cloud::CloudMsgType::Deploy && b.calls.back().m.service == 0));
  const std::size_t failed = b.calls.size() - 1;
  b.answer(failed, false);  // its first failure in a row
  b.run_for(seconds(6));
  // Tried again after retry_delay (besides the web service's status checks), and nothing stopped.
  std::size_t deploys = 0, stops = 0;
  for (std::size_t i = failed + 1; i < b.calls.size(); ++i) {
    deploys += b.calls[i].m.type == cloud::CloudMsgType::Deploy && b.calls[i].m.service == 0;
    stops += b.calls[i].m.type == cloud::CloudMsgType::Stop;
  }
  CHECK(deploys == 1);
  CHECK(stops == 0);
}

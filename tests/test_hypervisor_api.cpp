// The hypervisors' API (cloud/hypervisor_api.hpp) as an actor on its own: two hosts and one
// caller on a network, every answer the caller gets asserted as it arrives.
#include <catch2/catch.hpp>

#include <vector>

#include "cansim/cloud/hypervisor_api.hpp"

using namespace cansim;
using namespace cansim::cloud;

namespace {

constexpr NodeId kCaller = 2;  // nodes 0 and 1 are the hosts' APIs
constexpr std::uint64_t kApp = 77;

struct Bench {
  Simulator sim;
  Hosts hosts{[] {
    HostClass c;
    c.name = "cpu";
    c.cores = 8;
    c.memory_mb = 8000;
    c.hypervisor = Hypervisor::Container;
    return std::vector<HostClass>{c};
  }()};
  Network<CloudMsg> net;
  HypervisorApis apis;
  std::vector<CloudMsg> answers;  // what the caller got, in order
  std::vector<std::pair<HostId, CloudMsgType>> calls;  // what on_call saw

  explicit Bench(HypervisorConfig cfg = {})
      : net(sim, Rng(1).stream("net"), 3, LinkModel{}), apis(sim, net, add_hosts(hosts), cfg, Rng(1).stream("apis")) {
    net.on_message([this](NodeId to, NodeId from, const CloudMsg& m) {
      if (to < 2) return apis.receive(static_cast<HostId>(to), from, m);
      answers.push_back(m);
    });
    apis.on_call.connect([this](HostId h, NodeId, const CloudMsg& m) { calls.emplace_back(h, m.type); });
  }
  static const Hosts& add_hosts(Hosts& h) {
    h.add(0, 0, 0);
    h.add(0, 0, 0);
    return h;
  }
  // Sends m to host h's API and runs for `wait`; returns the answers that came meanwhile.
  std::vector<CloudMsg> ask(HostId h, CloudMsg m, SimTime wait = seconds(60)) {
    const std::size_t before = answers.size();
    net.send(kCaller, h, m);
    sim.run_until(sim.now() + wait);
    return {answers.begin() + static_cast<std::ptrdiff_t>(before), answers.end()};
  }
  static CloudMsg call(CloudMsgType type, std::uint32_t service, std::uint32_t instance = kAnyInstance, std::uint32_t epoch = 0) {
    CloudMsg m;
    m.type = type;
    m.app = kApp;
    m.service = service;
    m.instance = instance;
    m.epoch = epoch;
    m.request = 1;
    return m;
  }
};

}  // namespace

TEST_CASE("hypervisor API: a deploy is idempotent per service, and a service lives on one host", "[cloud][hypervisor]") {
  Bench b;
  // Two deploys of one service before it is up: one instance, both answered with it.
  b.net.send(kCaller, 0, Bench::call(CloudMsgType::Deploy, 0));
  b.net.send(kCaller, 0, Bench::call(CloudMsgType::Deploy, 0));
  b.sim.run_until(seconds(60));
  REQUIRE(b.answers.size() == 2);
  for (const CloudMsg& a : b.answers) {
    CHECK(a.type == CloudMsgType::Deployed);
    CHECK(a.ok);
    CHECK(a.instance == b.answers[0].instance);
  }
  CHECK(b.apis.instances().size() == 1);
  // Once up: answered at once with the live one.
  const auto again = b.ask(0, Bench::call(CloudMsgType::Deploy, 0), seconds(1));
  REQUIRE(again.size() == 1);
  CHECK((again[0].ok && again[0].instance == b.answers[0].instance));
  // Asked on the other host: refused, it lives elsewhere; nothing starts there.
  const auto elsewhere = b.ask(1, Bench::call(CloudMsgType::Deploy, 0), seconds(1));
  REQUIRE(elsewhere.size() == 1);
  CHECK_FALSE(elsewhere[0].ok);
  CHECK(b.apis.instances().size() == 1);
  CHECK(b.calls.size() == 4);  // every Deploy the APIs accepted was seen by the audit
}

TEST_CASE("hypervisor API: status by instance or by service, and a Stop says stopped, and when, also when asked again",
          "[cloud][hypervisor]") {
  Bench b;
  const auto up = b.ask(0, Bench::call(CloudMsgType::Deploy, 0));
  REQUIRE((up.size() == 1 && up[0].ok));
  const std::uint32_t id = up[0].instance;
  const SimTime up_since = b.apis.instances()[id].up_since;
  for (std::uint32_t asked : {id, kAnyInstance}) {
    const auto s = b.ask(0, Bench::call(CloudMsgType::Status, 0, asked), seconds(1));
    REQUIRE(s.size() == 1);
    CHECK(s[0].ok);
    CHECK(s[0].instance == id);
    CHECK(s[0].since == up_since);
  }
  CHECK(b.calls.size() == 1);  // a Status is not an action: only the Deploy was audited
  // Stop: stopped from when the Stop arrived; the answer comes after the stop time.
  const SimTime sent = b.sim.now();
  const auto stopped = b.ask(0, Bench::call(CloudMsgType::Stop, 0, id));
  REQUIRE(stopped.size() == 1);
  CHECK(stopped[0].type == CloudMsgType::Stopped);
  CHECK(stopped[0].stopped);
  CHECK(stopped[0].since > sent);
  CHECK(stopped[0].since < sent + seconds(1));
  // The same Stop again (its answer lost): nothing to stop, but it was stopped, then.
  const auto again = b.ask(0, Bench::call(CloudMsgType::Stop, 0, id), seconds(1));
  REQUIRE(again.size() == 1);
  CHECK(again[0].stopped);
  CHECK(again[0].since == stopped[0].since);
  // Its status now: not up, and stopped (not failed).
  const auto status = b.ask(0, Bench::call(CloudMsgType::Status, 0, id), seconds(1));
  REQUIRE(status.size() == 1);
  CHECK_FALSE(status[0].ok);
  CHECK(status[0].stopped);
}

TEST_CASE("hypervisor API: a Stop that finds the named instance failed says so", "[cloud][hypervisor]") {
  Bench b;
  const auto up = b.ask(0, Bench::call(CloudMsgType::Deploy, 1));
  REQUIRE((up.size() == 1 && up[0].ok));
  b.apis.fail_instance(up[0].instance);
  const auto stop = b.ask(0, Bench::call(CloudMsgType::Stop, 1, up[0].instance), seconds(1));
  REQUIRE(stop.size() == 1);
  CHECK(stop[0].ok);            // nothing to stop
  CHECK_FALSE(stop[0].stopped);  // because it had failed: the caller must report it
  const auto status = b.ask(0, Bench::call(CloudMsgType::Status, 1, up[0].instance), seconds(1));
  REQUIRE(status.size() == 1);
  CHECK_FALSE(status[0].ok);
  CHECK_FALSE(status[0].stopped);
}

TEST_CASE("hypervisor API: fencing refuses an epoch below the highest seen, at exactly equal it admits", "[cloud][hypervisor]") {
  Bench b;
  CHECK_FALSE(b.ask(0, Bench::call(CloudMsgType::Status, 0, kAnyInstance, 2), seconds(1)).at(0).fenced);
  CHECK_FALSE(b.ask(0, Bench::call(CloudMsgType::Status, 0, kAnyInstance, 2), seconds(1)).at(0).fenced);  // equal
  const auto lower = b.ask(0, Bench::call(CloudMsgType::Deploy, 0, kAnyInstance, 1), seconds(1));
  REQUIRE(lower.size() == 1);
  CHECK(lower[0].fenced);
  CHECK(lower[0].type == CloudMsgType::Deployed);
  CHECK(b.apis.instances().size() == 0);  // refused before it acted
  CHECK(b.calls.empty());                 // and not audited as an action
  CHECK_FALSE(b.ask(0, Bench::call(CloudMsgType::Status, 0, kAnyInstance, 0), seconds(1)).at(0).fenced);  // 0: unfenced
  // Each host keeps its own: host 1 has seen nothing of the application.
  CHECK_FALSE(b.ask(1, Bench::call(CloudMsgType::Status, 0, kAnyInstance, 1), seconds(1)).at(0).fenced);
  // Reading the OCAN's assignment raises the fence before any call of the new assignee arrives.
  b.apis.assignment = [](std::uint64_t) { return 5u; };
  CHECK(b.ask(1, Bench::call(CloudMsgType::Status, 0, kAnyInstance, 4), seconds(1)).at(0).fenced);
  CHECK_FALSE(b.ask(1, Bench::call(CloudMsgType::Status, 0, kAnyInstance, 5), seconds(1)).at(0).fenced);
}

TEST_CASE("hypervisor API: a crashed API answers nothing, and its instances survive or fail as configured", "[cloud][hypervisor]") {
  for (const bool survive : {true, false}) {
    INFO("instances survive: " << survive);
    HypervisorConfig cfg;
    cfg.instances_survive_api_crash = survive;
    Bench b(cfg);
    const auto up = b.ask(0, Bench::call(CloudMsgType::Deploy, 0));
    REQUIRE((up.size() == 1 && up[0].ok));
    b.apis.api_crashed(0);
    CHECK(b.ask(0, Bench::call(CloudMsgType::Status, 0, up[0].instance), seconds(5)).empty());
    CHECK(b.apis.instances().live(up[0].instance) == survive);
    b.apis.api_recovered(0);
    CHECK(b.apis.api_up_since(0) == b.sim.now());
    const auto status = b.ask(0, Bench::call(CloudMsgType::Status, 0, up[0].instance), seconds(1));
    REQUIRE(status.size() == 1);
    CHECK(status[0].ok == survive);
  }
}

TEST_CASE("hypervisor API: what runs of an ended application is stopped reconcile_after later, only if the chain says it ended",
          "[cloud][hypervisor]") {
  for (const bool ended : {true, false}) {
    INFO("ended on chain: " << ended);
    Bench b;
    b.apis.ended = [ended](std::uint64_t) { return ended; };
    const auto up = b.ask(0, Bench::call(CloudMsgType::Deploy, 0));
    REQUIRE((up.size() == 1 && up[0].ok));
    b.apis.application_ended(kApp, 1);
    b.sim.run_until(b.sim.now() + HypervisorConfig{}.reconcile_after - millis(1));
    CHECK(b.apis.instances().live(up[0].instance));  // not yet
    b.sim.run_until(b.sim.now() + millis(1));
    CHECK(b.apis.instances().live(up[0].instance) != ended);
  }
}

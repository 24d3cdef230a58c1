#include <catch2/catch.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cansim/sim/rng.hpp"
#include "cansim/sim/simulator.hpp"

using namespace cansim;

TEST_CASE("SimTime prints as seconds", "[sim][time]") {
  CHECK(to_string(seconds(3)) == "3s");
  CHECK(to_string(millis(250)) == "0.25s");
  CHECK(to_string(micros(1)) == "0.000001s");
  CHECK(to_string(micros(-1500000)) == "-1.5s");
  CHECK(fmt::format("{}", minutes(2) + millis(5)) == "120.005s");
  CHECK(seconds(1) == millis(1000));
  CHECK(millis(999) < seconds(1));
}

TEST_CASE("events fire in time order, ties in scheduling order", "[sim]") {
  Simulator sim;
  std::vector<std::string> log;
  sim.at(seconds(2), [&] { log.push_back("b@2"); });
  sim.at(seconds(1), [&] { log.push_back("a@1"); });
  sim.at(seconds(2), [&] { log.push_back("c@2"); });
  sim.at(seconds(1), [&] {
    log.push_back("d@1");
    sim.after(SimTime{}, [&] { log.emplace_back("e@1 (scheduled at 1)"); });
  });
  sim.run();
  CHECK(log == std::vector<std::string>{"a@1", "d@1", "e@1 (scheduled at 1)", "b@2", "c@2"});
  CHECK(sim.now() == seconds(2));
  CHECK(sim.dispatched() == 5);
  CHECK(sim.pending() == 0);
}

TEST_CASE("cancelled events never run and cost no dispatch", "[sim]") {
  Simulator sim;
  int ran = 0;
  EventId a = sim.at(seconds(1), [&] { ran += 1; });
  EventId b = sim.at(seconds(2), [&] { ran += 10; });
  CHECK(sim.is_pending(a));
  CHECK(sim.cancel(a));
  CHECK_FALSE(sim.cancel(a));  // twice
  CHECK_FALSE(sim.is_pending(a));
  CHECK(sim.pending() == 1);
  sim.run();
  CHECK(ran == 10);
  CHECK(sim.dispatched() == 1);
  CHECK_FALSE(sim.cancel(b));  // already ran
  CHECK_FALSE(sim.cancel(EventId{}));
}

TEST_CASE("a stale id does not cancel the event that reused its slot", "[sim]") {
  Simulator sim;
  int ran = 0;
  EventId a = sim.at(seconds(1), [&] { ran += 1; });
  sim.run();
  EventId b = sim.at(seconds(2), [&] { ran += 10; });
  CHECK(a.slot == b.slot);     // the slot was reused...
  CHECK_FALSE(sim.cancel(a));  // ...but the old id no longer names it
  sim.run();
  CHECK(ran == 11);
}

TEST_CASE("an event can cancel another due at the same time", "[sim]") {
  Simulator sim;
  std::vector<int> log;
  EventId second;
  sim.at(seconds(1), [&] {
    log.push_back(1);
    CHECK(sim.cancel(second));
  });
  second = sim.at(seconds(1), [&] { log.push_back(2); });
  sim.at(seconds(1), [&] { log.push_back(3); });
  sim.run();
  CHECK(log == std::vector<int>{1, 3});
}

TEST_CASE("run_until stops at the limit and advances the clock", "[sim]") {
  Simulator sim;
  std::vector<std::int64_t> at;
  for (int i = 1; i <= 5; ++i) sim.at(seconds(i), [&] { at.push_back(sim.now().us); });
  sim.run_until(seconds(3));
  CHECK(at.size() == 3);
  CHECK(sim.now() == seconds(3));
  sim.run_until(millis(3500));
  CHECK(sim.now() == millis(3500));
  CHECK(at.size() == 3);
  sim.run();
  CHECK(at.size() == 5);
}

TEST_CASE("stop ends the run after the current event", "[sim]") {
  Simulator sim;
  int ran = 0;
  sim.at(seconds(1), [&] {
    ++ran;
    sim.stop();
  });
  sim.at(seconds(2), [&] { ++ran; });
  sim.run();
  CHECK(ran == 1);
  CHECK(sim.now() == seconds(1));
  sim.run();
  CHECK(ran == 2);
}

TEST_CASE("scheduling in the past is refused", "[sim]") {
  Simulator sim;
  sim.at(seconds(5), [] {});
  sim.run();
  CHECK_THROWS_AS(sim.at(seconds(4), [] {}), std::logic_error);
  CHECK_THROWS_AS(sim.after(SimTime{-1}, [] {}), std::logic_error);
}

TEST_CASE("large captures and non-trivial callables work", "[sim]") {
  Simulator sim;
  std::string big(1000, 'x');
  std::vector<int> payload(100, 7);
  std::size_t seen = 0;
  auto shared = std::make_shared<int>(42);
  sim.at(seconds(1), [&seen, big, payload] { seen = big.size() + payload.size(); });
  EventId c = sim.at(seconds(1), [shared] { (void)*shared; });
  CHECK(shared.use_count() == 2);
  sim.cancel(c);
  CHECK(shared.use_count() == 1);  // cancelling releases the capture at once
  sim.run();
  CHECK(seen == 1100);
}

// The same random workload through the engine and through a plain sorted reference.
static std::vector<std::pair<std::int64_t, int>> random_workload(Simulator& sim, std::uint64_t seed) {
  Rng rng(seed);
  std::vector<std::pair<std::int64_t, int>> log;
  std::vector<EventId> ids;
  int next_label = 0;
  std::function<void()> spawn = [&] {
    const int label = next_label++;
    const auto delay = SimTime{static_cast<std::int64_t>(rng.below(50))};
    ids.push_back(sim.after(delay, [&, label] {
      log.emplace_back(sim.now().us, label);
      if (next_label < 20000) {
        spawn();
        if (rng.bernoulli(0.5)) spawn();
      }
      if (!ids.empty() && rng.bernoulli(0.3)) sim.cancel(ids[rng.below(ids.size())]);
    }));
  };
  for (int i = 0; i < 200; ++i) spawn();
  sim.run();
  return log;
}

TEST_CASE("sequence renumbering keeps dispatch order", "[sim]") {
  Simulator plain;
  Simulator tiny(Simulator::Config{.sequence_limit = 1000});  // renumbers many times
  const auto a = random_workload(plain, 7);
  const auto b = random_workload(tiny, 7);
  REQUIRE(a.size() > 15000);
  CHECK(a == b);
  CHECK(plain.fingerprint() == tiny.fingerprint());
  // The log is in nondecreasing time order.
  for (std::size_t i = 1; i < a.size(); ++i) REQUIRE(a[i - 1].first <= a[i].first);
}

TEST_CASE("sweeping many cancelled events keeps the rest in order", "[sim]") {
  Simulator sim;
  std::vector<EventId> ids;
  std::vector<int> fired;
  for (int i = 0; i < 10000; ++i) {
    ids.push_back(sim.at(SimTime{10000 - i}, [&fired, i] { fired.push_back(i); }));
  }
  for (int i = 0; i < 10000; ++i) {
    if (i % 10 != 0) sim.cancel(ids[i]);
  }
  CHECK(sim.pending() == 1000);
  sim.run();
  REQUIRE(fired.size() == 1000);
  for (std::size_t k = 0; k < fired.size(); ++k) CHECK(fired[k] == 9990 - static_cast<int>(k) * 10);
}

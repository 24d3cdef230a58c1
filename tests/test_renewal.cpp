// The one crash-and-recovery process of every layer (sim/renewal.hpp), on its own.
#include <catch2/catch.hpp>

#include <vector>

#include "cansim/sim/renewal.hpp"

using namespace cansim;

namespace {

struct Parts {
  std::vector<bool> up;
  std::vector<double> down_s;  // time each part spent down
  std::vector<SimTime> since;  // when its state last changed
  std::uint64_t crashes = 0, recoveries = 0;
  Simulator* sim;

  Parts(Simulator& s, std::uint32_t n) : up(n, true), down_s(n, 0), since(n), sim(&s) {}
  Renewal::Part hooks() {
    return {[this](std::uint32_t i) { return static_cast<bool>(up[i]); },
            [this](std::uint32_t i) {
              up[i] = false;
              since[i] = sim->now();
              ++crashes;
            },
            [this](std::uint32_t i) {
              up[i] = true;
              down_s[i] += (sim->now() - since[i]).to_seconds();
              ++recoveries;
            }};
  }
};

}  // namespace

TEST_CASE("renewal: each part is down the share recovery takes of a cycle", "[sim][renewal]") {
  // Up 10 s and down 2.5 s on average: down 2.5 / 12.5 = 20% of the time, over 200 parts.
  Simulator sim;
  Rng rng(4);
  Parts parts(sim, 200);
  Renewal r(sim, rng, 200, 0.1, 0.4, parts.hooks());
  sim.run_until(seconds(5000));
  double down = 0;
  for (std::uint32_t i = 0; i < 200; ++i) down += parts.down_s[i] + (parts.up[i] ? 0.0 : (sim.now() - parts.since[i]).to_seconds());
  CHECK(down / (200 * 5000.0) == Approx(0.2).epsilon(0.03));
  // About 5000 / 12.5 = 400 cycles a part; crashes and recoveries alternate.
  CHECK(parts.crashes == Approx(200 * 400).epsilon(0.03));
  CHECK(parts.crashes - parts.recoveries <= 200);
}

TEST_CASE("renewal: stopped, it crashes and recovers nothing more, and without a recovery rate what crashed stays down",
          "[sim][renewal]") {
  Simulator sim;
  Rng rng(9);
  Parts parts(sim, 10);
  Renewal r(sim, rng, 10, 1.0, 1.0, parts.hooks());
  sim.run_until(seconds(100));
  const auto crashes = parts.crashes, recoveries = parts.recoveries;
  CHECK(crashes > 100);
  r.stop();
  sim.run_until(seconds(200));
  CHECK(parts.crashes == crashes);
  CHECK(parts.recoveries == recoveries);
  CHECK(sim.pending() == 0);  // each part's one timer ran out, none armed again

  Simulator sim2;
  Parts stay(sim2, 10);
  Renewal never_back(sim2, rng, 10, 1.0, 0.0, stay.hooks());
  sim2.run_until(seconds(100));
  CHECK(stay.crashes == 10);
  CHECK(stay.recoveries == 0);
  CHECK(sim2.pending() == 0);

  Simulator sim3;
  Parts none(sim3, 10);
  Renewal off(sim3, rng, 10, 0.0, 1.0, none.hooks());  // no crash rate: nothing armed
  CHECK(sim3.pending() == 0);
}

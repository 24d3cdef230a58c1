// The cloud kinds' one open workload (cloud_params.hpp's Arrivals), on its own.
#include <catch2/catch.hpp>

#include <algorithm>
#include <vector>

#include "cloud_params.hpp"

using namespace cansim;
using namespace cansim::scenario;

TEST_CASE("arrivals: the first at 0, exponential gaps of the mean asked, applications by weight, and exactly `count`",
          "[workload]") {
  std::vector<ApplicationSpec> apps(2);
  apps[0].weight = 3;
  apps[1].weight = 1;
  for (const bool constant : {false, true}) {
    Simulator sim;
    std::vector<SimTime> at;
    std::vector<double> durations;
    std::size_t first_app = 0;
    Arrivals a(sim, Rng(8), apps, 20000, 0.5, 60, constant, [&](const Arrivals::Request& q) {
      if (q.index != at.size()) FAIL("request " << q.index << " arrived as number " << at.size());
      at.push_back(sim.now());
      durations.push_back(q.duration.to_seconds());
      first_app += q.application == 0 ? 1 : 0;
    });
    CHECK_FALSE(a.done());
    sim.run();
    REQUIRE(at.size() == 20000);
    CHECK(a.done());
    CHECK(at.front() == SimTime{});
    CHECK((at.back() - at.front()).to_seconds() / 19999 == Approx(2.0).epsilon(0.03));  // 1 / 0.5 a second
    CHECK(static_cast<double>(first_app) / 20000 == Approx(0.75).epsilon(0.03));
    double sum = 0;
    for (double d : durations) sum += d;
    if (constant) {
      // The mean itself (and the microsecond every draw adds).
      CHECK(std::all_of(durations.begin(), durations.end(), [](double d) { return d == 60.000001; }));
    } else {
      CHECK(sum / 20000 == Approx(60).epsilon(0.03));
    }
  }
  // None asked: nothing scheduled.
  Simulator sim;
  Arrivals none(sim, Rng(1), apps, 0, 1, 1, false, [](const Arrivals::Request&) { FAIL("no request expected"); });
  CHECK(sim.pending() == 0);
  CHECK(none.done());
}

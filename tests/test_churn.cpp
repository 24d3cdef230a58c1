// Algorithm 1 (Join) and the §4.1.1 step model: the closed form against the algorithm applied
// request by request, the open choices, and the bad input the experiment must refuse.
#include <catch2/catch.hpp>

#include <algorithm>

#include "cansim/scenario/churn/churn_model.hpp"
#include "cansim/protocols/can/join.hpp"
#include "cansim/scenario/scenario.hpp"
#include "cansim/sim/rng.hpp"
#include "scenario_fixture.hpp"

using namespace cansim;
using namespace cansim::churn;
using namespace cansim::can;

TEST_CASE("listenJoin reads Algorithm 1 literally", "[churn][join]") {
  // Pseudocode: reject if current = max; reject if current > min and current - min > churn.
  CHECK(join_admits({3, 4, 10, -100}));       // below Nmin: accept whatever the churn
  CHECK(join_admits({4, 4, 10, -100}));       // at Nmin: current > min is false, accept
  CHECK_FALSE(join_admits({5, 4, 10, 0}));    // surplus 1 > churn 0
  CHECK(join_admits({5, 4, 10, 1}));          // surplus 1 = churn 1: not greater, accept
  CHECK_FALSE(join_admits({10, 4, 10, 99}));  // at Nmax
  // Prose: accept below Nmin; then only if churn > surplus.
  CHECK_FALSE(join_admits({4, 4, 10, 0}, Admission::Prose));
  CHECK(join_admits({4, 4, 10, 1}, Admission::Prose));
  CHECK_FALSE(join_admits({5, 4, 10, 1}, Admission::Prose));
  CHECK(join_admits({5, 4, 10, 2}, Admission::Prose));
}

TEST_CASE("the closed form equals answering requests one by one", "[churn][join]") {
  Rng rng(17);
  for (int trial = 0; trial < 200000; ++trial) {
    const std::int64_t nmax = rng.uniform_int(1, 30);
    const std::int64_t nmin = rng.uniform_int(0, nmax);
    const JoinState s{rng.uniform_int(0, nmax), nmin, nmax, rng.uniform_int(-40, 40)};
    const std::int64_t requests = rng.uniform_int(0, 40);
    const std::int64_t drop = rng.uniform_int(0, 1);
    for (Admission rule : {Admission::Pseudocode, Admission::Prose}) {
      // Algorithm 1 as written: each request in turn, the state updated after each acceptance.
      JoinState cur = s;
      std::int64_t accepted = 0;
      for (std::int64_t r = 0; r < requests; ++r) {
        if (join_admits(cur, rule)) {
          ++accepted;
          ++cur.current;
          cur.churn -= drop;
        }
      }
      INFO("current " << s.current << " nmin " << nmin << " nmax " << nmax << " churn " << s.churn << " requests " << requests
                      << " drop " << drop << " prose " << (rule == Admission::Prose));
      REQUIRE(accepted_joins(s, requests, drop, rule) == accepted);
    }
  }
}

namespace {

ChurnConfig base() {
  ChurnConfig c;
  c.j = 0.1;
  c.f = 0.5;
  return c;
}

}  // namespace

TEST_CASE("the step model keeps its sizes within bounds", "[churn]") {
  for (auto measure : {ChurnMeasure::Cumulative, ChurnMeasure::LastStep, ChurnMeasure::Window}) {
    for (auto at_zero : {AtZero::Dead, AtZero::Bootstrap}) {
      ChurnConfig c = base();
      c.churn = measure;
      c.at_zero = at_zero;
      c.j = 0.3;
      c.f = 0.3;
      for (std::uint64_t seed = 0; seed < 50; ++seed) {
        Rng rng(seed);
        const ChurnTrace t = run_churn(c, rng);
        REQUIRE(t.size.size() == 100);
        for (std::int64_t x : t.size) {
          REQUIRE(x >= 0);
          REQUIRE(x <= c.nmax);
        }
        // A dead CAN stays dead.
        if (at_zero == AtZero::Dead && t.first_zero_step > 0) {
          for (std::size_t s = static_cast<std::size_t>(t.first_zero_step) - 1; s < t.size.size(); ++s) REQUIRE(t.size[s] == 0);
        }
        // Nodes are conserved: without a bootstrap, the final size is what joined minus what left.
        if (at_zero == AtZero::Dead && c.sample == SamplePoint::EndOfStep) {
          REQUIRE(t.size.back() == c.initial_size + t.joins - t.crashes);
        }
      }
    }
  }
}

TEST_CASE("without crashes the CAN fills to what Algorithm 1 allows", "[churn]") {
  ChurnConfig c = base();
  c.f = 0.0;
  c.j = 1.0;  // every candidate asks every step
  Rng rng(1);
  ChurnTrace t = run_churn(c, rng);
  // Cumulative churn with no crashes is -joined: the leader accepts up to Nmin + 1 only.
  CHECK(t.size.front() == c.nmin + 1);
  CHECK(t.size.back() == c.nmin + 1);
  c.churn = ChurnMeasure::LastStep;  // last step's churn is 0 - joined: same bound
  Rng rng2(1);
  CHECK(run_churn(c, rng2).size.back() == c.nmin + 1);
  c.f = 1.0;  // everyone crashes in the first step
  Rng rng3(1);
  t = run_churn(c, rng3);
  CHECK(t.first_zero_step == 1);
  CHECK(t.size.back() == 0);
}

TEST_CASE("bootstrap revives a dead CAN after its delay", "[churn]") {
  ChurnConfig c = base();
  c.f = 1.0;  // dies every step
  c.j = 0.0;  // and nobody joins
  c.steps = 9;
  c.at_zero = AtZero::Bootstrap;
  c.bootstrap_delay = 2;
  c.sample = SamplePoint::AfterJoins;
  Rng rng(3);
  const ChurnTrace t = run_churn(c, rng);
  // Step 1 starts with the leader; it dies; steps 2 and 3 are empty; step 4 has a new leader...
  CHECK(t.size == std::vector<std::int64_t>{1, 0, 0, 1, 0, 0, 1, 0, 0});
  CHECK(t.first_zero_step == 1);
}

TEST_CASE("crashed nodes that do not return exhaust the candidates", "[churn]") {
  ChurnConfig c = base();
  c.ntotal = 20;
  c.nmin = 4;
  c.nmax = 10;
  c.j = 0.5;
  c.f = 0.5;
  c.at_zero = AtZero::Bootstrap;
  c.crashed_return = false;
  c.steps = 400;
  Rng rng(5);
  const ChurnTrace t = run_churn(c, rng);
  CHECK(t.crashes <= c.ntotal);
  CHECK(t.size.back() == 0);  // everybody crashed once and is gone
}

TEST_CASE("an election delay blocks joins after a leader crash", "[churn]") {
  ChurnConfig c = base();
  c.j = 0.5;
  c.f = 0.3;
  c.election_delay = 1000;  // no joins ever again after the first leader crash
  c.at_zero = AtZero::Dead;
  Rng rng(9);
  const ChurnTrace t = run_churn(c, rng);
  REQUIRE(t.leader_crashes >= 1);
  ChurnConfig instant = c;
  instant.election_delay = 0;
  Rng rng2(9);
  CHECK(run_churn(instant, rng2).joins > t.joins);
}

TEST_CASE("the cost of a step does not grow with Ntotal", "[churn][scale]") {
  // With 10^12 candidates a per-candidate loop would never finish; binomial counts make this
  // as quick as Ntotal = 100.
  ChurnConfig c = base();
  c.ntotal = 1000000000000;
  c.nmax = 1000000;
  c.churn = ChurnMeasure::LastStep;
  c.at_zero = AtZero::Bootstrap;
  c.steps = 10000;
  Rng rng(2);
  const ChurnTrace t = run_churn(c, rng);
  CHECK(t.size.size() == 10000);
  CHECK(*std::max_element(t.size.begin(), t.size.end()) <= c.nmax);
  CHECK(t.joins > 1000);
}

std::string churn_error(const std::string& params) {
  return scenario::testing::validation_error(R"({"experiment": "churn", "seed": 1, "params": {)" + params + "}}");
}

TEST_CASE("the churn experiment refuses bad input with its JSON path", "[churn][scenario]") {
  const std::string ok = R"("j": 0.1, "f": 0.5)";
  CHECK(churn_error(ok) == "");
  CHECK(churn_error(R"("j": 1.5, "f": 0.5)") == ":/params/j: expected a finite number in [0, 1], found 1.5");
  CHECK(churn_error(R"("j": 0.1, "f": -0.1)") == ":/params/f: expected a finite number in [0, 1], found -0.1");
  CHECK(churn_error(R"("j": 0.1)") == ":/params/f: expected a finite number in [0, 1] (required, no default), found nothing");
  CHECK(churn_error(ok + R"(, "nmin": 12)") == ":/params/nmin: expected at most nmax (10), found 12");
  CHECK(churn_error(ok + R"(, "nmax": 200)") == ":/params/nmax: expected at most ntotal (100), found 200");
  CHECK(churn_error(ok + R"(, "steps": 0)") == ":/params/steps: expected an integer in [1, 1000000000], found 0");
  CHECK(churn_error(ok + R"(, "window": 0)") == ":/params/window: expected an integer in [1, 1000000], found 0");
  CHECK(churn_error(ok + R"(, "churn": "lastStep")") ==
        ":/params/churn: expected one of \"cumulative\", \"last_step\", \"window\", found the string \"lastStep\"; did "
        "you mean \"last_step\"?");
  CHECK(churn_error(ok + R"(, "at_zero": "revive")").rfind(":/params/at_zero: expected one of \"dead\", \"bootstrap\"", 0) == 0);
}

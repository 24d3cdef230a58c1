// The time-weighted gauge (sim/time_weighted.hpp), on its own.
#include <catch2/catch.hpp>

#include <stdexcept>

#include "cansim/sim/time_weighted.hpp"

using namespace cansim;

TEST_CASE("a time-weighted gauge integrates its value over time, exactly for integer values", "[sim][gauge]") {
  TimeWeighted g(seconds(10), 2);  // from 10 s, value 2
  CHECK(g.mean(seconds(10)) == 2);  // no time has passed: the value itself
  CHECK(g.integral(seconds(10)) == 0);
  g.set(5, seconds(12));                     // 2 for 2 s
  g.add(-5, seconds(15));                    // 5 for 3 s, then 0
  CHECK(g.value() == 0);
  CHECK(g.integral(seconds(20)) == 2.0 * 2 + 5.0 * 3);
  CHECK(g.mean(seconds(20)) == (2.0 * 2 + 5.0 * 3) / 10);
  g.set(1, seconds(20));  // a change exactly at the last reading
  g.set(1, seconds(20));  // and another at the same instant: nothing in between
  CHECK(g.integral(SimTime{20000001}) == Approx(19.000001).epsilon(1e-15));
  // Integer values over whole microseconds: the seconds equal SimTime's to_seconds() bit for bit.
  TimeWeighted busy;
  busy.set(1, SimTime{3});
  busy.set(0, SimTime{1000003});
  CHECK(busy.integral(SimTime{5000000}) == SimTime{1000000}.to_seconds());
  // Time never goes back.
  CHECK_THROWS_AS(g.set(3, seconds(19)), std::logic_error);
  CHECK_THROWS_AS(g.integral(seconds(19)), std::logic_error);
}

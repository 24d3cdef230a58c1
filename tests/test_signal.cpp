// Multi-listener signals (sim/signal.hpp), on their own.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "cansim/sim/signal.hpp"

using namespace cansim;

TEST_CASE("a signal calls every listener once, in the order they connected, with its arguments", "[signal]") {
  Signal<int, const std::string&> changed;
  CHECK_FALSE(changed.connected());
  changed(1, "nobody listens");  // nothing to call: no effect, no crash
  std::vector<std::string> heard;
  changed.connect([&](int n, const std::string& s) { heard.push_back("a" + std::to_string(n) + s); });
  changed.connect({});  // an empty listener is not kept
  changed.connect([&](int n, const std::string& s) { heard.push_back("b" + std::to_string(n) + s); });
  CHECK(changed.connected());
  changed(2, "x");
  changed(3, "y");
  CHECK(heard == std::vector<std::string>{"a2x", "b2x", "a3y", "b3y"});
}

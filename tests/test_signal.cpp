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
  struct Heard {
    char who;
    int n;
    std::string s;
    bool operator==(const Heard&) const = default;
  };
  std::vector<Heard> heard;
  changed.connect([&](int n, const std::string& s) { heard.push_back({'a', n, s}); });
  changed.connect({});  // an empty listener is not kept
  changed.connect([&](int n, const std::string& s) { heard.push_back({'b', n, s}); });
  CHECK(changed.connected());
  changed(2, "x");
  changed(3, "y");
  CHECK(heard == std::vector<Heard>{{'a', 2, "x"}, {'b', 2, "x"}, {'a', 3, "y"}, {'b', 3, "y"}});
}

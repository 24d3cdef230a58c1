#pragma once
// Simulated time: an integer count of microseconds, so that no run depends on floating-point
// rounding of the clock (docs/model.md, "Determinism rules").
#include <compare>
#include <cstdint>
#include <limits>
#include <string>

#include <fmt/format.h>

namespace cansim {

struct SimTime {
  std::int64_t us = 0;

  constexpr auto operator<=>(const SimTime&) const = default;
  constexpr SimTime operator+(SimTime o) const { return {us + o.us}; }
  constexpr SimTime operator-(SimTime o) const { return {us - o.us}; }
  constexpr SimTime& operator+=(SimTime o) {
    us += o.us;
    return *this;
  }
  constexpr SimTime& operator-=(SimTime o) {
    us -= o.us;
    return *this;
  }
  constexpr SimTime operator*(std::int64_t k) const { return {us * k}; }

  // For statistics and plots only; never feed it back into the clock.
  constexpr double to_seconds() const { return static_cast<double>(us) * 1e-6; }

  static constexpr SimTime max() { return {std::numeric_limits<std::int64_t>::max()}; }
};

constexpr SimTime micros(std::int64_t n) { return {n}; }
constexpr SimTime millis(std::int64_t n) { return {n * 1000}; }
constexpr SimTime seconds(std::int64_t n) { return {n * 1000000}; }
constexpr SimTime minutes(std::int64_t n) { return {n * 60000000}; }

// Seconds with up to six decimals and no trailing zeros: "0s", "1.5s", "-0.000001s".
std::string to_string(SimTime t);

}  // namespace cansim

template <>
struct fmt::formatter<cansim::SimTime> : fmt::formatter<std::string> {
  auto format(cansim::SimTime t, format_context& ctx) const {
    return fmt::formatter<std::string>::format(cansim::to_string(t), ctx);
  }
};

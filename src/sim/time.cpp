#include "cansim/sim/time.hpp"

#include <cstdlib>

namespace cansim {

std::string to_string(SimTime t) {
  const bool negative = t.us < 0;
  // Work in unsigned so that the most negative value does not overflow.
  const std::uint64_t mag = negative ? 0 - static_cast<std::uint64_t>(t.us) : static_cast<std::uint64_t>(t.us);
  std::string out = fmt::format("{}{}", negative ? "-" : "", mag / 1000000);
  std::uint64_t frac = mag % 1000000;
  if (frac != 0) {
    std::string digits = fmt::format("{:06}", frac);
    while (digits.back() == '0') digits.pop_back();
    out += "." + digits;
  }
  return out + "s";
}

}  // namespace cansim

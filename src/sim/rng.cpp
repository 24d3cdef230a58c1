#include "cansim/sim/rng.hpp"

#include <cmath>

namespace cansim {

std::uint64_t splitmix64(std::uint64_t& state) {
  state += 0x9e3779b97f4a7c15ULL;
  return mix64(state);
}

std::uint64_t mix64(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::uint64_t fnv1a64(std::string_view s) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ULL;
  return h;
}

Rng::Rng(std::uint64_t seed) : key_(seed) {
  std::uint64_t sm = seed;
  for (auto& w : s_) w = splitmix64(sm);
}

Rng Rng::stream(std::string_view name) const { return Rng(mix64(key_ ^ mix64(fnv1a64(name)))); }

Rng Rng::stream(std::uint64_t index) const {
  // Distinct from every named stream's derivation by the added constant.
  return Rng(mix64(key_ ^ mix64(index + 0x6a09e667f3bcc909ULL)));
}

std::uint64_t Rng::below(std::uint64_t bound) {
  if (bound == 0) throw std::invalid_argument("Rng::below(0)");
  using U = unsigned __int128;
  U m = U(next_u64()) * bound;
  auto low = static_cast<std::uint64_t>(m);
  if (low < bound) {
    const std::uint64_t threshold = (0 - bound) % bound;
    while (low < threshold) {
      m = U(next_u64()) * bound;
      low = static_cast<std::uint64_t>(m);
    }
  }
  return static_cast<std::uint64_t>(m >> 64);
}

std::int64_t Rng::uniform_int(std::int64_t lo, std::int64_t hi) {
  if (lo > hi) throw std::invalid_argument("Rng::uniform_int: lo > hi");
  const std::uint64_t span = static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo);
  const std::uint64_t r = span == UINT64_MAX ? next_u64() : below(span + 1);
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(lo) + r);
}

double Rng::exponential(double mean) { return -std::log1p(-uniform01()) * mean; }

double Rng::normal(double mean, double stddev) {
  // Marsaglia's polar method: no trigonometry, one spare value kept for the next call.
  if (has_spare_normal_) {
    has_spare_normal_ = false;
    return mean + stddev * spare_normal_;
  }
  double u, v, s;
  do {
    u = 2.0 * uniform01() - 1.0;
    v = 2.0 * uniform01() - 1.0;
    s = u * u + v * v;
  } while (s >= 1.0 || s == 0.0);
  const double f = std::sqrt(-2.0 * std::log(s) / s);
  spare_normal_ = v * f;
  has_spare_normal_ = true;
  return mean + stddev * u * f;
}

double Rng::lognormal(double mu, double sigma) { return std::exp(normal(mu, sigma)); }

std::uint64_t Rng::binomial(std::uint64_t n, double p) {
  if (!(p >= 0.0 && p <= 1.0)) throw std::invalid_argument("Rng::binomial: p outside [0, 1]");
  if (n == 0 || p == 0.0) return 0;
  if (p == 1.0) return n;
  if (p > 0.5) return n - binomial(n, 1.0 - p);
  if (static_cast<double>(n) * p < 10.0) return binomial_inversion(n, p);
  return binomial_btrs(n, p);
}

std::uint64_t Rng::binomial_inversion(std::uint64_t n, double p) {
  // Walks the CDF from 0 using the ratio P(k+1)/P(k) = (n-k)/(k+1) * p/q.
  const double q = 1.0 - p;
  const double s = p / q;
  const double a = static_cast<double>(n + 1) * s;
  for (;;) {
    double r = std::exp(static_cast<double>(n) * std::log1p(-p));
    double u = uniform01();
    std::uint64_t x = 0;
    while (u > r) {
      u -= r;
      ++x;
      if (x > n) break;  // rounding left u above the total mass: draw again
      r *= a / static_cast<double>(x) - s;
    }
    if (x <= n) return x;
  }
}

std::uint64_t Rng::binomial_btrs(std::uint64_t n, double p) {
  // W. Hörmann, "The generation of binomial random variables", J. Stat. Comput. Simul. 46 (1993).
  const double nd = static_cast<double>(n);
  const double q = 1.0 - p;
  const double spq = std::sqrt(nd * p * q);
  const double b = 1.15 + 2.53 * spq;
  const double a = -0.0873 + 0.0248 * b + 0.01 * p;
  const double c = nd * p + 0.5;
  const double v_r = 0.92 - 4.2 / b;
  const double alpha = (2.83 + 5.1 / b) * spq;
  const double lpq = std::log(p / q);
  const double m = std::floor((nd + 1) * p);
  const double h = log_factorial(static_cast<std::uint64_t>(m)) + log_factorial(static_cast<std::uint64_t>(nd - m));
  for (;;) {
    const double u = uniform01() - 0.5;
    double v = uniform01();
    const double us = 0.5 - std::fabs(u);
    const double kd = std::floor((2.0 * a / us + b) * u + c);
    if (kd < 0 || kd > nd) continue;
    if (us >= 0.07 && v <= v_r) return static_cast<std::uint64_t>(kd);
    v = std::log(v * alpha / (a / (us * us) + b));
    const double bound =
        h - log_factorial(static_cast<std::uint64_t>(kd)) - log_factorial(static_cast<std::uint64_t>(nd - kd)) + (kd - m) * lpq;
    if (v <= bound) return static_cast<std::uint64_t>(kd);
  }
}

double log_factorial(std::uint64_t k) {
  static constexpr double kTable[] = {
      0.0,
      0.0,
      0.69314718055994530942,
      1.79175946922805500081,
      3.17805383034794561965,
      4.78749174278204599425,
      6.57925121201010099506,
      8.52516136106541430017,
      10.60460290274525022842,
      12.80182748008146961121,
  };
  if (k < 10) return kTable[k];
  // Stirling's series to the 1/k^7 term: relative error below 1e-16 for k >= 10.
  const double x = static_cast<double>(k) + 1.0;
  const double inv = 1.0 / x;
  const double inv2 = inv * inv;
  const double series = inv * (1.0 / 12 - inv2 * (1.0 / 360 - inv2 * (1.0 / 1260 - inv2 * (1.0 / 1680))));
  return (x - 0.5) * std::log(x) - x + 0.91893853320467274178 + series;
}

}  // namespace cansim

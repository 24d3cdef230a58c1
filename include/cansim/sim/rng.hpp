#pragma once
// The project's one random generator: xoshiro256** (Blackman & Vigna) seeded through splitmix64,
// with our own distribution functions, so that the same seed gives the same draws with every
// compiler and standard library (std::*_distribution are implementation-defined).
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string_view>
#include <utility>

namespace cansim {

std::uint64_t splitmix64(std::uint64_t& state);
// A strong 64-bit mix (splitmix64's finaliser); for deriving seeds, not as a generator.
std::uint64_t mix64(std::uint64_t x);
std::uint64_t fnv1a64(std::string_view s);

class Rng {
 public:
  explicit Rng(std::uint64_t seed = 0);

  // An independent generator named by `name`. It depends only on this generator's seed and
  // the name: neither on the draws made so far nor on which other streams exist.
  Rng stream(std::string_view name) const;
  Rng stream(std::uint64_t index) const;
  std::uint64_t seed() const { return key_; }

  // In the header: the protocols draw per node and per step, and a call each costs more than the
  // draw (xoshiro256**).
  std::uint64_t next_u64() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  // Uniform on [0, bound) for bound >= 1, without modulo bias (Lemire's method).
  std::uint64_t below(std::uint64_t bound);
  // Uniform on [lo, hi], both inclusive.
  std::int64_t uniform_int(std::int64_t lo, std::int64_t hi);
  // Uniform on [0, 1) with 53 random bits.
  double uniform01() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform01(); }
  bool bernoulli(double p) { return uniform01() < p; }
  // Number of successes in n trials of probability p: exact inversion when n*min(p,1-p) < 10,
  // otherwise Hörmann's BTRS transformed rejection (exact in distribution).
  std::uint64_t binomial(std::uint64_t n, double p);
  double exponential(double mean);
  double normal(double mean, double stddev);
  double lognormal(double mu, double sigma);

  template <class T>
  void shuffle(std::span<T> v) {
    for (std::size_t i = v.size(); i > 1; --i) {
      const std::size_t j = static_cast<std::size_t>(below(i));
      std::swap(v[i - 1], v[j]);
    }
  }
  template <class C>
  void shuffle(C& c) {
    shuffle(std::span(c));
  }
  template <class T>
  const T& choice(std::span<const T> v) {
    if (v.empty()) throw std::invalid_argument("Rng::choice on an empty range");
    return v[static_cast<std::size_t>(below(v.size()))];
  }
  template <class C>
  const auto& choice(const C& c) {
    return choice(std::span<const typename C::value_type>(c));
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t binomial_inversion(std::uint64_t n, double p);
  std::uint64_t binomial_btrs(std::uint64_t n, double p);

  std::uint64_t key_;
  std::uint64_t s_[4];
  bool has_spare_normal_ = false;
  double spare_normal_ = 0;
};

// log(k!) to double precision, thread-safe (std::lgamma writes the global signgam).
double log_factorial(std::uint64_t k);

}  // namespace cansim

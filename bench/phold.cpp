// PHOLD: N logical processes; every event schedules one new event, at an exponential delay, to a
// random process, so N events are pending at all times. The same event stream runs through the
// cansim engine and through a bare std::priority_queue of (time, sequence, target) tuples, the
// reference. Prints events per second for both and their ratio.
//
//   build/bench/phold [events_per_size [pending]]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <queue>
#include <tuple>
#include <vector>

#include "cansim/sim/rng.hpp"
#include "cansim/sim/simulator.hpp"

using namespace cansim;
using Clock = std::chrono::steady_clock;

namespace {

constexpr double kMeanDelayUs = 1000.0;

struct Outcome {
  double seconds;
  std::uint64_t checksum;  // over how many events each process received: equal iff same stream
};

SimTime draw_delay(Rng& rng) { return SimTime{1 + static_cast<std::int64_t>(rng.exponential(kMeanDelayUs))}; }

Outcome run_reference(std::uint32_t n, std::uint64_t events, std::uint64_t seed) {
  using Item = std::tuple<std::int64_t, std::uint64_t, std::uint32_t>;
  std::priority_queue<Item, std::vector<Item>, std::greater<>> pq;
  Rng rng(seed);
  std::uint64_t seq = 0;
  for (std::uint32_t lp = 0; lp < n; ++lp) pq.emplace(draw_delay(rng).us, seq++, lp);
  std::vector<std::uint32_t> received(n, 0);
  const auto t0 = Clock::now();
  for (std::uint64_t e = 0; e < events; ++e) {
    const auto [time, s, target] = pq.top();
    pq.pop();
    ++received[target];
    const std::int64_t when = time + draw_delay(rng).us;
    pq.emplace(when, seq++, static_cast<std::uint32_t>(rng.below(n)));
  }
  const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  std::uint64_t sum = 0;
  for (std::uint32_t i = 0; i < n; ++i) sum = sum * 31 + received[i];
  return {secs, sum};
}

struct EngineModel {
  Simulator sim;
  Rng rng;
  std::uint32_t n;
  std::uint64_t remaining;
  std::vector<std::uint32_t> received;

  EngineModel(std::uint32_t n_, std::uint64_t events, std::uint64_t seed)
      : rng(seed), n(n_), remaining(events), received(n_, 0) {}

  void deliver(std::uint32_t target) {
    ++received[target];
    if (--remaining == 0) sim.stop();
    const SimTime d = draw_delay(rng);
    const auto next = static_cast<std::uint32_t>(rng.below(n));
    sim.after(d, [this, next] { deliver(next); });
  }
};

Outcome run_engine(std::uint32_t n, std::uint64_t events, std::uint64_t seed) {
  EngineModel m(n, events, seed);
  for (std::uint32_t lp = 0; lp < n; ++lp) {
    m.sim.at(draw_delay(m.rng), [&m, lp] { m.deliver(lp); });
  }
  const auto t0 = Clock::now();
  m.sim.run();
  const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  std::uint64_t sum = 0;
  for (std::uint32_t i = 0; i < n; ++i) sum = sum * 31 + m.received[i];
  return {secs, sum};
}

}  // namespace

int main(int argc, char** argv) {
  const std::uint64_t events = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 5000000;
  const int repeats = 3;
  std::printf("PHOLD, %llu events per size, best of %d, mean delay %.0f us\n", static_cast<unsigned long long>(events), repeats,
              kMeanDelayUs);
  std::printf("%10s %16s %16s %8s  %s\n", "pending", "engine ev/s", "reference ev/s", "ratio", "same stream");
  bool all_ok = true;
  std::vector<std::uint32_t> sizes{1000u, 100000u, 1000000u};
  if (argc > 2) sizes = {static_cast<std::uint32_t>(std::strtoul(argv[2], nullptr, 10))};
  for (std::uint32_t n : sizes) {
    double best_ref = 1e300, best_eng = 1e300;
    std::uint64_t ref_sum = 0, eng_sum = 0;
    for (int r = 0; r < repeats; ++r) {
      const Outcome ref = run_reference(n, events, 12345);
      const Outcome eng = run_engine(n, events, 12345);
      best_ref = std::min(best_ref, ref.seconds);
      best_eng = std::min(best_eng, eng.seconds);
      ref_sum = ref.checksum;
      eng_sum = eng.checksum;
    }
    const double eng_rate = static_cast<double>(events) / best_eng;
    const double ref_rate = static_cast<double>(events) / best_ref;
    std::printf("%10u %16.3e %16.3e %8.2f  %s\n", n, eng_rate, ref_rate, eng_rate / ref_rate, eng_sum == ref_sum ? "yes" : "NO");
    all_ok = all_ok && eng_sum == ref_sum;
  }
  return all_ok ? 0 : 1;
}

#pragma once
// Crashes and recoveries of a set of parts as an alternating renewal process, the one fault
// process of every layer (CAN nodes, Orchestrators, hosts, hypervisor APIs): each part stays up
// for an exponential time of mean 1 / crash rate, then down for one of mean 1 / recovery rate
// (0: it stays down), with one pending timer per part. The draws come from the caller's
// generator in event order, so parts that share one (an experiment's fault stream) interleave
// exactly as their events do.
#include <cstdint>
#include <functional>
#include <utility>

#include "cansim/sim/rng.hpp"
#include "cansim/sim/simulator.hpp"

namespace cansim {

class Renewal {
 public:
  struct Part {
    std::function<bool(std::uint32_t)> is_up;
    std::function<void(std::uint32_t)> crash, recover;
  };

  Renewal() = default;
  // Arms parts 0 .. count-1 now (nothing when crash_rate_per_s <= 0). `sim` and `rng` must
  // outlive this, and this must stay where it is while events are pending (they refer to it).
  Renewal(Simulator& sim, Rng& rng, std::uint32_t count, double crash_rate_per_s, double recovery_rate_per_s, Part part)
      : sim_(&sim), rng_(&rng), part_(std::move(part)) {
    if (crash_rate_per_s <= 0) return;
    crash_mean_us_ = 1e6 / crash_rate_per_s;
    recover_mean_us_ = recovery_rate_per_s > 0 ? 1e6 / recovery_rate_per_s : 0.0;
    for (std::uint32_t i = 0; i < count; ++i) arm(i);
  }
  Renewal(const Renewal&) = delete;
  Renewal& operator=(const Renewal&) = delete;

  // No crash or recovery from now on (what is pending does nothing).
  void stop() { stopped_ = true; }

 private:
  void arm(std::uint32_t i) {
    const bool up = part_.is_up(i);
    if (!up && recover_mean_us_ <= 0) return;
    const double mean = up ? crash_mean_us_ : recover_mean_us_;
    sim_->after(SimTime{1 + static_cast<std::int64_t>(rng_->exponential(mean))}, [this, i, up] {
      if (stopped_) return;
      if (part_.is_up(i) == up) up ? part_.crash(i) : part_.recover(i);
      arm(i);
    });
  }

  Simulator* sim_ = nullptr;
  Rng* rng_ = nullptr;
  Part part_;
  double crash_mean_us_ = 0, recover_mean_us_ = 0;
  bool stopped_ = false;
};

}  // namespace cansim

#pragma once
// An invariant broke during a run. The runner adds the run and its seed; the three together
// (seed, time, event) are what a researcher needs to replay the failure.
#include <stdexcept>
#include <string>

#include "cansim/sim/time.hpp"

namespace cansim {

class InvariantViolation : public std::runtime_error {
 public:
  InvariantViolation(SimTime time, std::string event, const std::string& what)
      : std::runtime_error(what), time_(time), event_(std::move(event)) {}
  SimTime time() const { return time_; }
  const std::string& event() const { return event_; }

 private:
  SimTime time_;
  std::string event_;
};

}  // namespace cansim

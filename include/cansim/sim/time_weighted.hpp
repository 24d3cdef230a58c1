#pragma once
// A quantity that holds its value between changes, and its integral over simulated time: the
// time-weighted average of OMNeT++'s @statistic(timeavg). The owner calls set() (or add()) at each
// change; integral() and mean() hold at any later time. The integral is kept in value x
// microseconds, so for integer values (counts, 0/1 states) it is exact and its seconds equal a
// SimTime's to_seconds() bit for bit.
#include <stdexcept>

#include "cansim/sim/time.hpp"

namespace cansim {

class TimeWeighted {
 public:
  explicit TimeWeighted(SimTime start = {}, double value = 0) : start_(start), since_(start), value_(value) {}

  // The value changes to v at `now` (never before the last change).
  void set(double v, SimTime now) {
    if (now < since_) throw std::logic_error("TimeWeighted: a change before the last one");
    area_us_ += value_ * static_cast<double>((now - since_).us);
    since_ = now;
    value_ = v;
  }
  void add(double dv, SimTime now) { set(value_ + dv, now); }
  double value() const { return value_; }
  // The integral from the start to `now` (not before the last change), in value x seconds.
  double integral(SimTime now) const {
    if (now < since_) throw std::logic_error("TimeWeighted: read before the last change");
    return (area_us_ + value_ * static_cast<double>((now - since_).us)) * 1e-6;
  }
  // The time-weighted mean from the start to `now`; the value itself if no time has passed.
  double mean(SimTime now) const { return now == start_ ? value_ : integral(now) / (now - start_).to_seconds(); }

 private:
  SimTime start_, since_;
  double value_;
  double area_us_ = 0;
};

}  // namespace cansim

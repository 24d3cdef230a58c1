#pragma once
// A state change that any number of listeners hear (SimGrid's xbt::signal, as in
// Host::on_state_change_cb): the part that changes its state says so once, and accounting,
// tracing and experiments each connect their own listener instead of sharing one hook slot.
// Listeners run in the order they connected, synchronously, at the simulated time of the change;
// none may connect another while the signal is being raised.
#include <functional>
#include <utility>
#include <vector>

namespace cansim {

template <typename... Args>
class Signal {
 public:
  void connect(std::function<void(Args...)> listener) {
    if (listener) listeners_.push_back(std::move(listener));
  }
  void operator()(Args... args) const {
    for (const auto& f : listeners_) f(args...);
  }
  bool connected() const { return !listeners_.empty(); }

 private:
  std::vector<std::function<void(Args...)>> listeners_;
};

}  // namespace cansim

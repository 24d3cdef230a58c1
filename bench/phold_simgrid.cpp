// PHOLD in cansim's engine and in SimGrid's s4u, side by side in one run: N logical processes,
// every event schedules one new event, at an exponential delay (mean 1 ms, whole microseconds,
// at least 1), to a uniformly random process. Prints events per second for each and their ratio.
//
// SimGrid's version is what an s4u user writes: one actor and one mailbox per process; an event
// is a message (zero bytes, on a loopback of zero latency) carrying its delivery time; each actor
// keeps its own pending events in time order and waits for the next message with a timeout that
// ends at its earliest event (Comm::wait_any_for), then handles that event. SimGrid's engine is
// one per process, so each of its runs is a child process. Ties (events at the same microsecond)
// may be handled in another order than cansim's, so the two streams are the same workload, not
// the same sequence; the totals of events are checked.
//
//   build/bench/phold_simgrid [events]
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <queue>
#include <vector>

#include <simgrid/s4u.hpp>
#include <simgrid/version.h>

#include "cansim/sim/rng.hpp"
#include "cansim/sim/simulator.hpp"

using namespace cansim;
using Clock = std::chrono::steady_clock;

namespace {

constexpr double kMeanDelayUs = 1000.0;

std::int64_t draw_delay_us(Rng& rng) { return 1 + static_cast<std::int64_t>(rng.exponential(kMeanDelayUs)); }

// cansim: each event is a closure in the engine's queue.
double run_cansim(std::uint32_t n, std::uint64_t events, std::uint64_t seed, std::uint64_t& handled) {
  Simulator sim;
  Rng rng(seed);
  std::uint64_t remaining = events;
  handled = 0;
  std::function<void(std::uint32_t)> deliver = [&](std::uint32_t) {
    ++handled;
    if (--remaining == 0) sim.stop();
    const SimTime d{draw_delay_us(rng)};
    const auto next = static_cast<std::uint32_t>(rng.below(n));
    sim.after(d, [&deliver, next] { deliver(next); });
  };
  for (std::uint32_t lp = 0; lp < n; ++lp) sim.at(SimTime{draw_delay_us(rng)}, [&deliver, lp] { deliver(lp); });
  const auto t0 = Clock::now();
  sim.run();
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// SimGrid: one actor and mailbox per process.
struct SgWorld {
  std::vector<simgrid::s4u::Mailbox*> boxes;
  Rng rng{1};
  std::uint64_t remaining = 0, handled = 0;
};

void lp_actor(SgWorld* w, std::uint32_t me, double first) {
  std::priority_queue<double, std::vector<double>, std::greater<>> pending;
  pending.push(first);
  double* msg = nullptr;
  simgrid::s4u::CommPtr incoming = w->boxes[me]->get_async<double>(&msg);
  for (;;) {
    const double now = simgrid::s4u::Engine::get_clock();
    const ssize_t got = simgrid::s4u::Comm::wait_any_for({incoming}, pending.empty() ? -1.0 : std::max(0.0, pending.top() - now));
    if (got == 0) {
      pending.push(*msg);
      delete msg;
      incoming = w->boxes[me]->get_async<double>(&msg);
      continue;
    }
    if (w->remaining == 0) return;  // actors of this round that run before kill_all takes effect
    const double t = pending.top();
    pending.pop();
    ++w->handled;
    if (--w->remaining == 0) {
      simgrid::s4u::Actor::kill_all();
      return;
    }
    const double when = t + static_cast<double>(draw_delay_us(w->rng)) * 1e-6;
    const auto next = static_cast<std::uint32_t>(w->rng.below(w->boxes.size()));
    w->boxes[next]->put_init(new double(when), 0)->detach();
  }
}

double run_simgrid(std::uint32_t n, std::uint64_t events, std::uint64_t seed, std::uint64_t& handled) {
  int argc = 3;
  char a0[] = "phold", a1[] = "--log=root.thres:critical", a2[] = "--cfg=network/loopback-lat:0";
  char* argv[] = {a0, a1, a2, nullptr};
  simgrid::s4u::Engine e(&argc, argv);
  auto* zone = simgrid::s4u::create_full_zone("world");
  simgrid::s4u::Host* host = zone->create_host("host", 1e9);
  zone->seal();
  SgWorld w;
  w.rng = Rng(seed);
  w.remaining = events;
  for (std::uint32_t lp = 0; lp < n; ++lp) w.boxes.push_back(simgrid::s4u::Mailbox::by_name("lp" + std::to_string(lp)));
  for (std::uint32_t lp = 0; lp < n; ++lp) {
    const double first = static_cast<double>(draw_delay_us(w.rng)) * 1e-6;
    simgrid::s4u::Actor::create("lp" + std::to_string(lp), host, [&w, lp, first] { lp_actor(&w, lp, first); });
  }
  const auto t0 = Clock::now();
  e.run();
  handled = w.handled;
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Runs `f` in a child process and returns its seconds and events handled (SimGrid's engine can
// be created once per process).
template <class F>
bool in_child(F f, double& seconds, std::uint64_t& handled) {
  int fd[2];
  std::fflush(stdout);  // the child must not print the parent's buffer again
  if (pipe(fd) != 0) return false;
  const pid_t pid = fork();
  if (pid == 0) {
    close(fd[0]);
    std::uint64_t h = 0;
    const double s = f(h);
    const bool ok = write(fd[1], &s, sizeof s) == sizeof s && write(fd[1], &h, sizeof h) == sizeof h;
    _exit(ok ? 0 : 1);
  }
  close(fd[1]);
  const bool ok =
      read(fd[0], &seconds, sizeof seconds) == sizeof seconds && read(fd[0], &handled, sizeof handled) == sizeof handled;
  close(fd[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  return ok && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::uint64_t events = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 300000;
  const int repeats = 3;
  std::printf("PHOLD, %llu events per size, best of %d, mean delay %.0f us, SimGrid %d.%d\n",
              static_cast<unsigned long long>(events), repeats, kMeanDelayUs, SIMGRID_VERSION_MAJOR, SIMGRID_VERSION_MINOR);
  std::printf("%10s %16s %16s %8s\n", "processes", "cansim ev/s", "SimGrid ev/s", "ratio");
  bool ok = true;
  for (std::uint32_t n : {100u, 1000u, 10000u}) {
    double best_c = 1e300, best_s = 1e300;
    for (int r = 0; r < repeats; ++r) {
      std::uint64_t hc = 0, hs = 0;
      best_c = std::min(best_c, run_cansim(n, events, 12345, hc));
      double s = 0;
      const bool child_ok = in_child([&](std::uint64_t& h) { return run_simgrid(n, events, 12345, h); }, s, hs);
      if (!child_ok || hc != events || hs != events) {
        std::printf("%10u  a run did not handle %llu events (cansim %llu, SimGrid %llu)\n", n,
                    static_cast<unsigned long long>(events), static_cast<unsigned long long>(hc),
                    static_cast<unsigned long long>(hs));
        ok = false;
        break;
      }
      best_s = std::min(best_s, s);
    }
    const double c = static_cast<double>(events) / best_c, s = static_cast<double>(events) / best_s;
    std::printf("%10u %16.3e %16.3e %8.1f\n", n, c, s, c / s);
    std::fflush(stdout);
  }
  return ok ? 0 : 1;
}

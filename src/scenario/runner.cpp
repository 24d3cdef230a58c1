#include "cansim/scenario/runner.hpp"

#include <sys/ioctl.h>
#include <unistd.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <cstdlib>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <new>
#include <thread>

#include <fmt/format.h>

#include "cansim/sim/invariant.hpp"

namespace cansim::scenario {

namespace {

// The terminal's width (stderr's), else $COLUMNS, else 80.
std::size_t terminal_width() {
  winsize ws{};
  if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  if (const char* c = std::getenv("COLUMNS")) {
    const long v = std::atol(c);
    if (v > 0) return static_cast<std::size_t>(v);
  }
  return 80;
}

std::string clock_text(double s) {
  const auto t = static_cast<long long>(s + 0.5);
  return t >= 3600 ? fmt::format("{}:{:02}:{:02}", t / 3600, t / 60 % 60, t % 60) : fmt::format("{}:{:02}", t / 60, t % 60);
}

// Drawn only once the runs have taken a second: a short run draws nothing.
struct ProgressBar {
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  bool drawn = false;
  void draw(std::size_t done, std::size_t total, bool last) {
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (elapsed < 1.0 && !drawn) return;
    drawn = true;
    std::fprintf(stderr, "\r%s", progress_line(done, total, elapsed, terminal_width()).c_str());
    if (last) std::fputc('\n', stderr);
    std::fflush(stderr);
  }
};

}  // namespace

std::string progress_line(std::size_t done, std::size_t total, double elapsed_s, std::size_t width) {
  const double share = total ? static_cast<double>(done) / static_cast<double>(total) : 1.0;
  std::string text =
      fmt::format(" {}/{} runs {:3}% {} elapsed", done, total, static_cast<int>(share * 100), clock_text(elapsed_s));
  if (done > 0 && done < total) text += fmt::format(", {} left", clock_text(elapsed_s / share - elapsed_s));
  // One column short of the width: a full line would wrap in some terminals.
  const std::size_t room = width > 1 ? width - 1 : 0;
  if (text.size() + 3 > room) return text.substr(0, std::min(text.size(), room));  // too narrow for a bar
  const std::size_t bar = std::min<std::size_t>(40, room - text.size() - 2);
  const auto filled = static_cast<std::size_t>(static_cast<double>(bar) * share);
  // fmt, not "[" + std::string: GCC 12 warns falsely about a literal plus a temporary (its bug 105329).
  return fmt::format("[{}{}]{}", std::string(filled, '='), std::string(bar - filled, ' '), text);
}

namespace {

// Each run builds its world and tears it down. glibc hands a worker thread's freed heap back to
// the kernel as soon as 128 KiB are free at its top, so the next run faults every page in again:
// Figure 4.2 over the protocols took 178,000 page faults on 2 threads against 12,000 on one, and
// 4.65 s against 3.77 s with this. Up to 128 MiB of freed heap per arena are kept instead.
void keep_freed_memory() {
  static std::once_flag once;
  std::call_once(once, [] {
#if defined(__GLIBC__)
    mallopt(M_TRIM_THRESHOLD, 128 << 20);
    mallopt(M_MMAP_THRESHOLD, 16 << 20);
#endif
  });
}

}  // namespace

void run_runs(const Scenario& sc, const std::vector<std::uint64_t>& runs, const RunOptions& options,
              const std::function<void(std::size_t, RunResult&&)>& consume) {
  keep_freed_memory();
  const std::size_t n = runs.size();
  unsigned threads = options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  threads = static_cast<unsigned>(std::min<std::size_t>(threads, std::max<std::size_t>(n, 1)));
  // Runs are taken in blocks of consecutive runs (fewer atomic operations), and at most `window`
  // results wait for their turn: a block starts only when it ends within the window above the
  // next run to consume. The run being waited for is always in a block that may start, so the
  // window never stalls.
  const std::size_t block = std::clamp<std::size_t>(n / (64 * threads), 1, 64);
  const std::size_t window = std::max<std::size_t>(1024, 8 * block * threads);

  struct Slot {
    RunResult result;
    std::string error;  // the run failed
    bool ready = false;
  };
  std::vector<Slot> slots(std::min(n, window));
  std::mutex mu;
  std::condition_variable cv_done;   // a slot became ready
  std::condition_variable cv_space;  // the window moved
  std::size_t consumed = 0;          // guarded by mu
  bool stop = false;                 // guarded by mu: a run failed, or consume threw
  std::atomic<std::size_t> next{0};

  auto run_one = [&](std::size_t i) {
    const RunSpec spec = sc.run(runs[i]);
    const RunContext ctx{spec.run, spec.seed, sc.configs[spec.config].params, sc.output, sc.faults, sc.applications,
                         sc.power_curves};
    Slot out;
    try {
      out.result = sc.kind->run(ctx);
    } catch (const InvariantViolation& e) {
      out.error = fmt::format("run {} (seed {}): invariant violated at t={} during {}: {}", spec.run, spec.seed, e.time(),
                              e.event(), e.what());
    } catch (const std::bad_alloc&) {
      out.error = fmt::format(
          "run {} (seed {}): out of memory: the run needs more than the machine gives (too many "
          "events pending at once? a fault rate or a size too large?)",
          spec.run, spec.seed);
    } catch (const std::exception& e) {
      out.error = fmt::format("run {} (seed {}): {}", spec.run, spec.seed, e.what());
    }
    out.ready = true;
    return out;
  };
  // A block's results are handed over together, with one wake-up of the consumer: waking it for
  // every run cost a system call per run, about a tenth of a short run's time.
  auto worker = [&] {
    std::vector<Slot> done;
    for (;;) {
      const std::size_t start = next.fetch_add(block, std::memory_order_relaxed);
      if (start >= n) break;
      const std::size_t end = std::min(n, start + block);
      {
        std::unique_lock lock(mu);
        cv_space.wait(lock, [&] { return stop || end <= consumed + slots.size(); });
        if (stop) break;
      }
      done.clear();
      for (std::size_t i = start; i < end; ++i) done.push_back(run_one(i));
      {
        std::lock_guard lock(mu);
        for (std::size_t i = start; i < end; ++i) slots[i % slots.size()] = std::move(done[i - start]);
      }
      cv_done.notify_all();
    }
  };

  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t) pool.emplace_back(worker);
  auto halt = [&] {
    {
      std::lock_guard lock(mu);
      stop = true;
    }
    cv_space.notify_all();
    for (auto& t : pool) t.join();
  };
  ProgressBar bar;
  try {
    for (std::size_t i = 0; i < n; ++i) {
      Slot slot;
      {
        std::unique_lock lock(mu);
        Slot& s = slots[i % slots.size()];
        while (!s.ready) {
          if (options.progress) {
            const std::size_t done = consumed;
            lock.unlock();
            bar.draw(done, n, false);
            lock.lock();
            cv_done.wait_for(lock, std::chrono::milliseconds(200));
          } else {
            cv_done.wait(lock);
          }
        }
        slot = std::move(s);
        s = Slot{};
        ++consumed;
      }
      cv_space.notify_all();
      // Every run before this one succeeded: this is the lowest failing run, whatever the threads.
      if (!slot.error.empty()) throw RunFailed(runs[i], slot.error);
      consume(i, std::move(slot.result));
    }
  } catch (...) {
    halt();
    throw;
  }
  halt();
  if (options.progress && bar.drawn) bar.draw(n, n, true);
}

std::vector<RunResult> run_runs(const Scenario& sc, const std::vector<std::uint64_t>& runs, const RunOptions& options) {
  std::vector<RunResult> results(runs.size());
  run_runs(sc, runs, options, [&](std::size_t i, RunResult&& r) { results[i] = std::move(r); });
  return results;
}

void parallel_for(std::size_t n, unsigned threads, const std::function<void(std::size_t)>& fn) {
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  threads = static_cast<unsigned>(std::min<std::size_t>(threads, n));
  std::atomic<std::size_t> next{0};
  auto work = [&] {
    for (std::size_t i; (i = next.fetch_add(1)) < n;) fn(i);
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
}

std::vector<std::uint64_t> parse_run_list(const std::string& text, std::uint64_t total, const std::string& label) {
  auto bad = [&](const std::string& what) -> std::uint64_t { throw ValidationError(label, "", what); };
  auto number = [&](const std::string& s) -> std::uint64_t {
    if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos || s.size() > 18) {
      return bad(fmt::format("expected run numbers like 3,5-9, found \"{}\"", s));
    }
    const std::uint64_t v = std::stoull(s);
    if (v >= total) {
      return bad(fmt::format("expected run numbers in [0, {}], found {}", total ? total - 1 : 0, v));
    }
    return v;
  };
  std::vector<std::uint64_t> out;
  if (text.empty()) bad("expected run numbers like 3,5-9, found nothing");
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = text.find(',', start);
    const std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    const std::size_t dash = item.find('-');
    // "-1" and "3-" are not ranges: say what was typed, not its empty half.
    if (dash != std::string::npos && (dash == 0 || dash + 1 == item.size())) {
      bad(fmt::format("expected run numbers like 3,5-9, found \"{}\"", item));
    }
    if (dash == std::string::npos) {
      out.push_back(number(item));
    } else {
      const std::uint64_t lo = number(item.substr(0, dash)), hi = number(item.substr(dash + 1));
      if (lo > hi) bad(fmt::format("expected a range low-high with low <= high, found \"{}\"", item));
      if (hi - lo >= kMaxRunsPerInvocation || out.size() + (hi - lo) >= kMaxRunsPerInvocation) {
        bad(fmt::format("expected at most {} runs in one invocation, found more", kMaxRunsPerInvocation));
      }
      for (std::uint64_t r = lo; r <= hi; ++r) out.push_back(r);
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<std::uint64_t> shard_runs(std::uint64_t k, std::uint64_t n, std::uint64_t total) {
  const auto begin = static_cast<std::uint64_t>((static_cast<unsigned __int128>(k - 1) * total) / n);
  const auto end = static_cast<std::uint64_t>((static_cast<unsigned __int128>(k) * total) / n);
  std::vector<std::uint64_t> out;
  for (std::uint64_t r = begin; r < end; ++r) out.push_back(r);
  return out;
}

std::vector<std::uint64_t> parse_shard(const std::string& text, std::uint64_t total) {
  const std::size_t slash = text.find('/');
  auto fail = [&]() -> std::vector<std::uint64_t> {
    throw ValidationError("--shard", "", fmt::format("expected K/N with 1 <= K <= N, found \"{}\"", text));
  };
  if (slash == std::string::npos) return fail();
  const std::string ks = text.substr(0, slash), ns = text.substr(slash + 1);
  auto digits = [](const std::string& s) {
    return !s.empty() && s.size() < 10 && s.find_first_not_of("0123456789") == std::string::npos;
  };
  if (!digits(ks) || !digits(ns)) return fail();
  const std::uint64_t k = std::stoull(ks), n = std::stoull(ns);
  if (k < 1 || n < 1 || k > n) return fail();
  const auto size = static_cast<std::uint64_t>((static_cast<unsigned __int128>(k) * total) / n -
                                               (static_cast<unsigned __int128>(k - 1) * total) / n);
  if (size > kMaxRunsPerInvocation) {
    throw ValidationError("--shard", "",
                          fmt::format("expected a slice of at most {} runs, found {} in \"{}\": use more slices",
                                      kMaxRunsPerInvocation, size, text));
  }
  return shard_runs(k, n, total);
}

void RunRanges::add(std::uint64_t run) {
  if (!ranges.empty() && run == ranges.back().second + 1) {
    ranges.back().second = run;
  } else {
    ranges.emplace_back(run, run);
  }
}

std::string RunRanges::text() const {
  std::string out;
  for (const auto& [first, last] : ranges) {
    if (!out.empty()) out += ",";
    out += first == last ? fmt::format("{}", first) : fmt::format("{}-{}", first, last);
  }
  return out;
}

std::string format_run_list(const std::vector<std::uint64_t>& runs) {
  RunRanges r;
  for (std::uint64_t x : runs) r.add(x);
  return r.text();
}

}  // namespace cansim::scenario

#include "cansim/scenario/runner.hpp"

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

void draw_progress(std::size_t done, std::size_t total) {
  constexpr int kWidth = 40;
  const int filled = total ? static_cast<int>(kWidth * done / total) : kWidth;
  std::fprintf(stderr, "\r[%s%s] %zu/%zu runs", std::string(filled, '=').c_str(),
               std::string(kWidth - filled, ' ').c_str(), done, total);
  std::fflush(stderr);
}

}  // namespace

std::vector<RunResult> run_runs(const Scenario& sc, const std::vector<std::uint64_t>& runs,
                                const RunOptions& options) {
  const std::size_t n = runs.size();
  std::vector<RunResult> results(n);
  unsigned threads = options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  threads = static_cast<unsigned>(std::min<std::size_t>(threads, std::max<std::size_t>(n, 1)));

  std::atomic<std::size_t> next{0};
  std::atomic<std::size_t> done{0};
  std::mutex mu;  // guards failure_text; taken only when a run fails
  std::condition_variable cv;
  // Lowest failing position so far; runs after it need not start.
  std::atomic<std::size_t> first_failure{n};
  std::string failure_text;

  auto run_one = [&](std::size_t i) {
    if (i > first_failure.load(std::memory_order_relaxed)) return;
    const RunSpec spec = sc.run(runs[i]);
    const RunContext ctx{spec.run, spec.seed, sc.configs[spec.config].params, sc.output, sc.faults, sc.applications};
    std::string error;
    try {
      results[i] = sc.kind->run(ctx);
    } catch (const InvariantViolation& e) {
      error = fmt::format("run {} (seed {}): invariant violated at t={} during {}: {}", spec.run,
                          spec.seed, e.time(), e.event(), e.what());
    } catch (const std::bad_alloc&) {
      error = fmt::format("run {} (seed {}): out of memory: the run needs more than the machine gives (too many "
                          "events pending at once? a fault rate or a size too large?)", spec.run, spec.seed);
    } catch (const std::exception& e) {
      error = fmt::format("run {} (seed {}): {}", spec.run, spec.seed, e.what());
    }
    if (!error.empty()) {
      std::lock_guard lock(mu);
      if (i < first_failure.load()) {
        first_failure.store(i);
        failure_text = error;
      }
    }
    done.fetch_add(1, std::memory_order_relaxed);
    if (options.progress) cv.notify_all();
  };

  // Runs are taken in blocks of consecutive runs: fewer atomic operations, and two threads
  // rarely write neighbouring results (which share cache lines).
  const std::size_t block = std::clamp<std::size_t>(n / (64 * threads), 1, 64);
  auto worker = [&] {
    for (;;) {
      const std::size_t start = next.fetch_add(block, std::memory_order_relaxed);
      if (start >= n) break;
      for (std::size_t i = start; i < std::min(n, start + block); ++i) run_one(i);
    }
  };

  std::vector<std::thread> pool;
  if (options.progress) {
    // All runs on workers; this thread only draws the bar.
    std::atomic<unsigned> finished{0};
    for (unsigned t = 0; t < threads; ++t) {
      pool.emplace_back([&] {
        worker();
        finished.fetch_add(1);
        cv.notify_all();
      });
    }
    {
      std::unique_lock lock(mu);
      while (finished.load() < threads) {
        draw_progress(done.load(), n);
        cv.wait_for(lock, std::chrono::milliseconds(200));
      }
    }
    for (auto& t : pool) t.join();
    draw_progress(done.load(), n);
    std::fputc('\n', stderr);
  } else {
    for (unsigned t = 1; t < threads; ++t) pool.emplace_back(worker);
    worker();
    for (auto& t : pool) t.join();
  }
  if (first_failure.load() < n) throw RunFailed(runs[first_failure.load()], failure_text);
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

std::vector<std::uint64_t> parse_run_list(const std::string& text, std::uint64_t total,
                                          const std::string& label) {
  auto bad = [&](const std::string& what) -> std::uint64_t {
    throw ValidationError(label, "", what);
  };
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
      if (hi - lo > 100000000) bad("expected at most 1e8 runs in one range");
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
  return shard_runs(k, n, total);
}

std::string format_run_list(const std::vector<std::uint64_t>& runs) {
  std::string out;
  for (std::size_t i = 0; i < runs.size();) {
    std::size_t j = i;
    while (j + 1 < runs.size() && runs[j + 1] == runs[j] + 1) ++j;
    if (!out.empty()) out += ",";
    out += j == i ? fmt::format("{}", runs[i]) : fmt::format("{}-{}", runs[i], runs[j]);
    i = j + 1;
  }
  return out;
}

}  // namespace cansim::scenario

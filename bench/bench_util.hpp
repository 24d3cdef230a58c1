#pragma once
// What the benchmarks share.
#include <sys/resource.h>

// The process's peak resident memory so far, in KiB.
inline long max_rss_kib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

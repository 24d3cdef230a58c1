#pragma once
// What the benchmarks share.
#include <sys/resource.h>

// The process's peak resident memory so far, in KiB.
inline long max_rss_kib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

// CPU time the process has used (user + system), in seconds: on a shared machine whose cores are
// taken from it at times, a steadier measure than wall time.
inline double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         1e-6 * static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

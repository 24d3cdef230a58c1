#!/bin/bash
# Compares builds of one benchmark on a machine whose speed varies from run to run: runs them in
# turn N times and prints each one's least user CPU time (the least disturbed run).
#
#   bench/compare.sh N ARGS... -- BINARY...
#   bench/compare.sh 3 2500 1000 6 -- /tmp/before/orchestration_bench build/bench/orchestration_bench
set -euo pipefail
[ -x /usr/bin/time ] || { echo "bench/compare.sh needs /usr/bin/time (Debian package time)" >&2; exit 2; }
n=$1
shift
args=()
while [ "$1" != "--" ]; do
  args+=("$1")
  shift
done
shift
declare -A best
for _ in $(seq "$n"); do
  for b in "$@"; do
    t=$({ /usr/bin/time -f "%U" "$b" "${args[@]}" >/dev/null; } 2>&1 | tail -1)
    if [ -z "${best[$b]:-}" ] || awk -v a="$t" -v b="${best[$b]}" 'BEGIN { exit !(a < b) }'; then best[$b]=$t; fi
  done
done
for b in "$@"; do echo "$b: least user time ${best[$b]} s of $n runs"; done

#!/usr/bin/env bash
# cmake --install puts cansim where another project finds it: install the build into a fresh
# prefix, configure and build tests/install (find_package(cansim), cansim::cansim) against it,
# run a scenario through the library, and compare the number of runs and the mean with `cansim run`.
set -euo pipefail
src=$1
build=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" > "$work/install.log"
test -x "$work/prefix/bin/cansim"
cmake -S "$src/tests/install" -B "$work/build" -DCMAKE_PREFIX_PATH="$work/prefix" -DCMAKE_BUILD_TYPE=Release > "$work/configure.log" \
  || { cat "$work/configure.log"; exit 1; }
cmake --build "$work/build" > "$work/build.log" 2>&1 || { tail -30 "$work/build.log"; exit 1; }
out=$("$work/build/run_scenario" "$src/scenarios/queue_example.json")
echo "$out"
"$work/prefix/bin/cansim" run "$src/scenarios/queue_example.json" -o "$work/result" > /dev/null
runs=$(($(wc -l < "$work/result/runs.csv") - 1))
python3 - "$out" "$work/result/runs.csv" "$runs" <<'PY'
import csv, sys
out, runs_csv, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
rows = list(csv.DictReader(open(runs_csv)))
metric = out.split(" mean ")[1].split()[0]
mean = sum(float(r[metric]) for r in rows) / len(rows)
assert out.startswith(f"queue: {runs} runs"), out
got = float(out.split()[-1])
assert abs(got - mean) <= 1e-5 * abs(mean), (got, mean)
print(f"ok: the installed package ran {runs} runs, mean {metric} {got} as cansim run's {mean:.6g}")
PY

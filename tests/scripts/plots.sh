#!/usr/bin/env bash
# The plot scripts on real results (Debian's python3-matplotlib): a sequence diagram cut to a
# time window and a row limit, a box plot of a one-parameter sweep, small multiples of a
# two-parameter one, axis labels with the units the manifest declares; a row limit below 1 and an
# unswept --x refused.
set -eu
src=$1
bin=$2
py=/usr/bin/python3
if ! "$py" -c "import matplotlib" 2>/dev/null; then
  echo "python3-matplotlib is not installed: $py cannot draw (scripts/install-deps.sh installs it)"
  exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$bin/cansim" run "$src/scenarios/fig5_1.json" --set output.sequence=true -o "$tmp/f" >/dev/null
"$py" "$src/scripts/plot/sequence.py" "$tmp/f" --from 5 --until 200 --max-rows 8 -o "$tmp/seq" >/dev/null
test -s "$tmp/seq.png" && test -s "$tmp/seq.pdf"
set +e
"$py" "$src/scripts/plot/sequence.py" "$tmp/f" --max-rows 0 -o "$tmp/none" 2>/dev/null
status=$?
set -e
if [ "$status" -ne 2 ] || [ -e "$tmp/none.png" ]; then
  echo "--max-rows 0: expected exit 2 and no plot, got status $status"
  exit 1
fi
"$bin/cansim" run "$src/scenarios/placement.json" --set repetitions=2 --set params.requests=20 -o "$tmp/p" >/dev/null
"$py" "$src/scripts/plot/metric_boxplot.py" "$tmp/p" energy_kwh -o "$tmp/box" >/dev/null
test -s "$tmp/box.png" && test -s "$tmp/box.pdf"
"$bin/cansim" run "$src/scenarios/placement_power.json" --set repetitions=2 --set params.requests=20 -o "$tmp/pp" >/dev/null
"$py" "$src/scripts/plot/metric_boxplot.py" "$tmp/pp" energy_kwh --x strategy -o "$tmp/multi" >/dev/null
test -s "$tmp/multi.png" && test -s "$tmp/multi.pdf"
set +e
"$py" "$src/scripts/plot/metric_boxplot.py" "$tmp/pp" energy_kwh --x requests -o "$tmp/nox" 2>/dev/null
status=$?
set -e
if [ "$status" -ne 2 ] || [ -e "$tmp/nox.png" ]; then
  echo "--x of a parameter not swept: expected exit 2 and no plot, got status $status"
  exit 1
fi
# Labels from the declarations the run wrote (and the bare name for results without them).
"$py" - "$src/scripts/plot" "$tmp/pp/manifest.json" <<'PY'
import json, sys
sys.path.insert(0, sys.argv[1])
from figure_files import axis_label
m = json.load(open(sys.argv[2]))
want = {"energy_kwh": "energy (kWh)", "energy_kwh_cpu": "energy cpu (kWh)", "mean_latency_s": "mean latency (s)",
        "mean_price_wei_per_min": "mean price (wei/min)", "acceptance_rate": "acceptance rate"}
for metric, label in want.items():
    got = axis_label(m, metric)
    assert got == label, f"{metric}: {got!r}, expected {label!r}"
assert axis_label({}, "energy_kwh") == "energy_kwh"
PY
echo "ok"

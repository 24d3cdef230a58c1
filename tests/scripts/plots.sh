#!/usr/bin/env bash
# The plot scripts on real results (Debian's python3-matplotlib): a sequence diagram cut to a
# time window and a row limit, a box plot of a one-parameter sweep; a row limit below 1 refused.
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
echo "ok"

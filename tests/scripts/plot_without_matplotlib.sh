#!/usr/bin/env bash
# A plot script run by a Python without matplotlib says what to install in one line, exit 2.
set -u
src=$1
fake=$(mktemp -d)
trap 'rm -rf "$fake"' EXIT
printf 'raise ImportError("no matplotlib here")\n' > "$fake/matplotlib.py"
for script in metric_boxplot.py churn_boxplot.py sequence.py; do
  out=$(PYTHONPATH="$fake" python3 "$src/scripts/plot/$script" /nonexistent x 2>&1)
  status=$?
  if [ "$status" -ne 2 ] || [ "$(printf '%s\n' "$out" | wc -l)" -ne 1 ] || ! printf '%s' "$out" | grep -q "python3-matplotlib"; then
    echo "$script: expected one line naming python3-matplotlib and exit 2, got status $status:"
    echo "$out"
    exit 1
  fi
done
echo "ok"

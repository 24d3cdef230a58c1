#!/usr/bin/env bash
# The README's "Using it" block runs as written, top to bottom, from a folder laid out like the
# project's (build/, scenarios/, apps/, scripts/), and the merged shards equal the unsharded run.
set -euo pipefail
src=$1
build=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ln -s "$src/scenarios" "$work/scenarios"
ln -s "$src/apps" "$work/apps"
ln -s "$src/scripts" "$work/scripts"
ln -s "$build" "$work/build"
awk '/^## Using it/ {inside = 1} inside && /^```sh$/ {block = 1; next} block && /^```$/ {exit} block {print}' \
  "$src/README.md" > "$work/block.sh"
[ -s "$work/block.sh" ] || { echo "no sh block under '## Using it' in README.md"; exit 1; }
cd "$work"
bash -euo pipefail block.sh > block.log 2>&1 || { echo "the README block failed:"; tail -20 block.log; exit 1; }
python3 scripts/compare_results.py results/q results/q-merged
echo "ok: $(grep -c . block.sh) lines ran"

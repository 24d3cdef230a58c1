#!/usr/bin/env bash
# docs/gallery.md is what scripts/gallery.py lists, and every figure it lists is in docs/img as
# PNG and PDF (make docs redraws them); a figure removed from docs/img fails the check.
set -eu
src=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 "$src/scripts/gallery.py" --markdown > "$tmp/block"
python3 - "$src/docs/gallery.md" "$tmp/block" <<'PY'
import re, sys
page, block = open(sys.argv[1]).read(), open(sys.argv[2]).read()
m = re.search(r"<!-- generated:gallery -->\n(.*?)<!-- end:gallery -->", page, re.S)
if not m or m.group(1) != block:
    sys.exit("docs/gallery.md differs from scripts/gallery.py --markdown: run make docs")
PY
python3 "$src/scripts/gallery.py" --check
# The check sees a missing figure: a copy of the tree without one.
mkdir -p "$tmp/tree/scripts" "$tmp/tree/docs"
cp "$src/scripts/gallery.py" "$tmp/tree/scripts/"
cp -r "$src/docs/img" "$tmp/tree/docs/"
rm "$tmp/tree/docs/img/placement_energy.pdf"
if python3 "$tmp/tree/scripts/gallery.py" --check 2>/dev/null; then
  echo "gallery --check passed with docs/img/placement_energy.pdf missing"
  exit 1
fi
echo ok

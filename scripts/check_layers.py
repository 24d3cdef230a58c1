#!/usr/bin/python3
"""Fails when a file of one layer includes a header of a higher layer.

The layers, lowest first: sim <- model <- protocols <- cloud <- orchestration <- scenario <- cli (docs/model.md).
Usage: check_layers.py [SOURCE_DIR]
"""
import pathlib
import re
import sys

LAYERS = ["sim", "model", "protocols", "cloud", "orchestration", "scenario", "cli"]
INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]cansim/([a-z_]+)/')


def layer_of(path, root):
    parts = path.relative_to(root).parts
    # include/cansim/<layer>/... or src/<layer>/...
    name = parts[2] if parts[0] == "include" else parts[1]
    return name if name in LAYERS else None


def main():
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()
    bad = []
    files = list((root / "include" / "cansim").rglob("*.hpp")) + list((root / "src").rglob("*.[ch]pp"))
    for path in sorted(files):
        layer = layer_of(path, root)
        if layer is None:
            continue
        rank = LAYERS.index(layer)
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            m = INCLUDE.match(line)
            if m and m.group(1) in LAYERS and LAYERS.index(m.group(1)) > rank:
                bad.append(f"{path.relative_to(root)}:{number}: layer '{layer}' includes the higher layer "
                           f"'{m.group(1)}': {line.strip()}")
    for line in bad:
        print(line, file=sys.stderr)
    if bad:
        print("check_layers: includes must point down: " + " <- ".join(LAYERS), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

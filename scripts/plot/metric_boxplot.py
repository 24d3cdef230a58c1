#!/usr/bin/env python3
"""Box plots of one metric over the runs of each configuration of any cansim result directory.

Reads runs.csv (one row per run) and manifest.json (which parameters were swept, and each
metric's unit for the axis). One box per configuration; runs where the metric is NaN (e.g. no
leader was lost, so no time to a new leader) are left out and counted in the label. A sweep of
one parameter gives one panel, its values along x. A sweep of several gives small multiples: one
panel per combination of the others, sharing the y axis, the parameter with the most values (or
--x) along x.

    scripts/plot/metric_boxplot.py RESULT_DIR METRIC [--x PARAM] [-o OUT_BASENAME]

writes OUT_BASENAME.png and OUT_BASENAME.pdf (default: RESULT_DIR/METRIC).
"""
import argparse
import csv
import json
import math
import sys
from pathlib import Path

from figure_files import axis_label, pyplot, save

plt = pyplot()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("result_dir")
    ap.add_argument("metric")
    ap.add_argument("--x", help="with several swept parameters: the one along x (default: the one with most values)")
    ap.add_argument("-o", "--out", help="output path without extension")
    args = ap.parse_args()
    rdir = Path(args.result_dir)
    try:
        manifest = json.loads((rdir / "manifest.json").read_text())
        with open(rdir / "runs.csv", newline="") as f:
            rows = list(csv.DictReader(f))
    except (OSError, ValueError) as e:
        print(f"{rdir}: cannot read the result: {e}", file=sys.stderr)
        return 2
    swept = sorted(manifest["effective_scenario"].get("sweep", {}).keys())
    fixed = {"run", "config", "repetition", "seed", "trace_hash", *swept}
    if not rows or args.metric not in rows[0] or args.metric in fixed:
        known = [k for k in (rows[0] if rows else {}) if k not in fixed]
        print(f"{rdir}: no metric {args.metric!r}; expected one of {', '.join(known)}", file=sys.stderr)
        return 2
    if args.x is not None and args.x not in swept:
        print(f"{rdir}: --x {args.x!r} is not a swept parameter; expected one of {', '.join(swept) or '(none)'}",
              file=sys.stderr)
        return 2
    # Along x: the chosen parameter, else the one with the most values (ties: the first by name).
    values = {k: list(dict.fromkeys(r[k] for r in rows)) for k in swept}
    x = args.x or (max(swept, key=lambda k: (len(values[k]), -swept.index(k))) if swept else None)
    others = [k for k in swept if k != x]
    panels = {}  # panel key -> {config -> {"label", "values", "nan"}}
    for r in rows:
        key = tuple(r[k] for k in others)
        c = panels.setdefault(key, {}).setdefault(int(r["config"]), {"label": r[x] if x else "", "values": [], "nan": 0})
        v = float(r[args.metric])
        if math.isnan(v):
            c["nan"] += 1
        else:
            c["values"].append(v)
    keys = list(panels)  # in run order: the sweep's own order
    cols = min(4, len(keys))
    rows_n = math.ceil(len(keys) / cols)
    width = max(len(p) for p in panels.values())
    fig, axes = plt.subplots(rows_n, cols, sharey=True, squeeze=False,
                             figsize=(max(4.0, cols * max(3.0, 1.2 * width + 1.2)), 1.0 + (3.0 + 0.3 * len(others)) * rows_n))
    ylabel = axis_label(manifest, args.metric)
    for i, key in enumerate(keys):
        ax = axes[i // cols][i % cols]
        configs = panels[key]
        order = sorted(configs)
        labels = []
        for k in order:
            c = configs[k]
            label = c["label"] or f"config {k}"
            if c["nan"]:
                label += f"\n({c['nan']} runs without a value)"
            labels.append(label)
        ax.boxplot([configs[k]["values"] for k in order], whis=1.5, showmeans=True)
        ax.set_xticks(range(1, len(order) + 1), labels)
        if x and i + cols >= len(keys):  # the bottom panel of each column
            ax.set_xlabel(x)
        if i % cols == 0:
            ax.set_ylabel(ylabel)
        if others:
            ax.set_title("\n".join(f"{k} = {v}" for k, v in zip(others, key)), fontsize=8)
        ax.grid(axis="y", alpha=0.3)
    for j in range(len(keys), rows_n * cols):
        axes[j // cols][j % cols].set_visible(False)
    fig.suptitle(f"{manifest['experiment']}: {ylabel}, {len(rows)} runs "
                 "(line: median, triangle: mean, circles: runs beyond 1.5 IQR)", fontsize=10)
    fig.tight_layout()
    out = Path(args.out) if args.out else rdir / args.metric
    save(fig, out, dpi=150)
    return 0


if __name__ == "__main__":
    sys.exit(main())

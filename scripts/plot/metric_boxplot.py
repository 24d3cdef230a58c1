#!/usr/bin/env python3
"""Box plots of one metric over the runs of each configuration of any cansim result directory.

Reads runs.csv (one row per run) and manifest.json (which parameters were swept). One box per
configuration, labelled by its swept values; runs where the metric is NaN (e.g. no leader was
lost, so no time to a new leader) are left out and counted in the label.

    scripts/plot/metric_boxplot.py RESULT_DIR METRIC [-o OUT_BASENAME]

writes OUT_BASENAME.png and OUT_BASENAME.pdf (default: RESULT_DIR/METRIC).
"""
import argparse
import csv
import json
import math
import sys
from pathlib import Path

from figure_files import pyplot, save

plt = pyplot()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("result_dir")
    ap.add_argument("metric")
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
    configs = {}
    for r in rows:
        # One swept parameter: its values label the boxes and its name the axis (name=value labels overlapped).
        label = r[swept[0]] if len(swept) == 1 else "\n".join(f"{k}={r[k]}" for k in swept)
        c = configs.setdefault(int(r["config"]), {"label": label, "values": [], "nan": 0})
        v = float(r[args.metric])
        if math.isnan(v):
            c["nan"] += 1
        else:
            c["values"].append(v)
    order = sorted(configs)
    labels = []
    for k in order:
        c = configs[k]
        label = c["label"] or f"config {k}"
        if c["nan"]:
            label += f"\n({c['nan']} runs without a value)"
        labels.append(label)
    fig, ax = plt.subplots(figsize=(max(4.0, 2.2 * len(order) + 1), 4))
    ax.boxplot([configs[k]["values"] for k in order], whis=1.5, showmeans=True)
    ax.set_xticks(range(1, len(order) + 1), labels)
    ax.set_ylabel(args.metric)
    if len(swept) == 1:
        ax.set_xlabel(swept[0])

    ax.grid(axis="y", alpha=0.3)
    ax.set_title(f"{manifest['experiment']}: {args.metric} ({len(rows)} runs)\n"
                 "line: median, triangle: mean, circles: runs beyond 1.5 IQR", fontsize=10)
    fig.tight_layout()
    out = Path(args.out) if args.out else rdir / args.metric
    save(fig, out, dpi=150)
    return 0


if __name__ == "__main__":
    sys.exit(main())

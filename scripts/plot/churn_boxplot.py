#!/usr/bin/env python3
"""Draws Figure 4.2 or 4.3 of the paper from a cansim churn result directory.

Reads only summary.json (the box-plot figures computed by cansim: quartiles, Tukey whiskers,
outliers), so it needs no per-step file. One panel per f, one box per j, a dashed line at Nmin.

    scripts/plot/churn_boxplot.py RESULT_DIR [-o OUT_BASENAME]

writes OUT_BASENAME.png and OUT_BASENAME.pdf (default: RESULT_DIR/churn_boxplot).
"""
import argparse
import json
import sys
from pathlib import Path

from figure_files import pyplot, save

plt = pyplot()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("result_dir")
    ap.add_argument("-o", "--out", help="output path without extension")
    args = ap.parse_args()
    rdir = Path(args.result_dir)
    try:
        summary = json.loads((rdir / "summary.json").read_text())
    except (OSError, ValueError) as e:
        print(f"{rdir}: cannot read summary.json: {e}", file=sys.stderr)
        return 2
    if summary.get("experiment") not in ("churn", "churn_protocol"):
        print(f"{rdir}: not a churn result", file=sys.stderr)
        return 2
    configs = summary["configurations"]
    fs = sorted({c["params"]["f"] for c in configs})
    nmax = sorted({c["params"]["nmax"] for c in configs})
    nmin = configs[0]["params"]["nmin"]

    fig, axes = plt.subplots(1, len(fs), figsize=(5 * len(fs), 4), sharey=True, squeeze=False)
    for ax, f, letter in zip(axes[0], fs, "abcdefgh"):
        cs = sorted((c for c in configs if c["params"]["f"] == f), key=lambda c: -c["params"]["j"])
        stats = []
        for c in cs:
            s = c["size"]
            fliers = [v for v, _count in s["outliers"]]
            stats.append({
                "label": f'{c["params"]["j"]:g}',
                "q1": s["q1"], "med": s["median"], "q3": s["q3"],
                "whislo": s["whisker_low"], "whishi": s["whisker_high"],
                "mean": s["mean"], "fliers": fliers,
            })
        ax.bxp(stats, showmeans=True, meanprops={"marker": "^", "markerfacecolor": "tab:green", "markeredgecolor": "tab:green"})
        ax.axhline(nmin, color="tab:red", linestyle="--", linewidth=1, label=f"Nmin = {nmin}")
        ax.set_title(f"({letter}) f = {f:g}")
        ax.set_xlabel("join probability j")
        ax.grid(axis="y", alpha=0.3)
    axes[0][0].set_ylabel("CAN size")
    # The legend goes below the panels, where it covers no box or outlier, and names every mark.
    from matplotlib.lines import Line2D
    handles = [Line2D([], [], color="tab:red", linestyle="--", label=f"Nmin = {nmin}"),
               Line2D([], [], color="tab:orange", label="median"),
               Line2D([], [], marker="^", linestyle="", color="tab:green", label="mean"),
               Line2D([], [], marker="o", linestyle="", markerfacecolor="none", color="black", label="outlier (beyond 1.5 IQR)")]
    model = ", protocol model" if summary["experiment"] == "churn_protocol" else ""
    fig.suptitle(f"CAN size, Nmax = {', '.join(str(n) for n in nmax)}{model} ({configs[0]['runs']} runs of "
                 f"{configs[0]['params']['steps']} steps per box)")
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    fig.legend(handles=handles, loc="lower center", ncol=len(handles), frameon=False)
    out = Path(args.out) if args.out else rdir / "churn_boxplot"
    save(fig, out, dpi=120)
    return 0


if __name__ == "__main__":
    sys.exit(main())

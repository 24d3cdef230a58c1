#!/usr/bin/env python3
"""A sequence diagram of one run's interactions, from the sequence.csv an orchestration run writes
(output option "sequence"): the participants (Gateway, Cloud contract, Application contract, OCAN
leader, OCAN nodes, Orchestrators, hypervisors) as lifelines, each interaction an arrow from the
sender to the receiver, time downwards (one row per interaction, its time on the left). What a
participant notes of itself (a crash, a failure it found) is a box on its lifeline.

    scripts/plot/sequence.py RESULT_DIR [--run N] [--from SECONDS] [--until SECONDS] [--max-rows N]
                             [--skip-repeats] [-o OUT_BASENAME]

Past about 60 rows a diagram stops being readable: --from and --until choose the time window,
and rows beyond --max-rows (60) are left out, the last row saying how many.

writes OUT_BASENAME.png and OUT_BASENAME.pdf (default: RESULT_DIR/sequence).
"""
import argparse
import csv
import sys
from pathlib import Path

from figure_files import pyplot, save

plt = pyplot()

ORDER = ["Gateway", "Cloud contract", "Application contract", "OCAN leader", "OCAN node", "Orchestrator", "Hypervisor"]


def rank(name: str):
    for i, prefix in enumerate(ORDER):
        if name.startswith(prefix):
            rest = name[len(prefix):].strip()
            return (i, int(rest) if rest.isdigit() else 0)
    return (len(ORDER), 0)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("result_dir")
    ap.add_argument("--run", type=int, default=0, help="which run (default 0)")
    ap.add_argument("--from", dest="start", type=float, help="leave out what happens before this time (s)")
    ap.add_argument("--until", type=float, help="leave out what happens after this time (s)")
    ap.add_argument("--max-rows", type=int, default=60, help="draw at most this many rows (default 60)")
    ap.add_argument("--skip-repeats", action="store_true",
                    help="draw a run of identical interactions (periodic APP_OKs) once, marked with how many")
    ap.add_argument("-o", "--out", help="output path without extension")
    args = ap.parse_args()
    rdir = Path(args.result_dir)
    try:
        with open(rdir / "sequence.csv", newline="") as f:
            rows = [r for r in csv.DictReader(f) if int(r["run"]) == args.run]
    except (OSError, ValueError, KeyError) as e:
        print(f"{rdir}: cannot read sequence.csv (run with output option \"sequence\"): {e}", file=sys.stderr)
        return 2
    if args.start is not None:
        rows = [r for r in rows if float(r["time_s"]) >= args.start]
    if args.until is not None:
        rows = [r for r in rows if float(r["time_s"]) <= args.until]
    if args.max_rows < 1:
        print(f"--max-rows: expected at least 1, found {args.max_rows}", file=sys.stderr)
        return 2
    if not rows:
        print(f"{rdir}: run {args.run} has no interactions in sequence.csv", file=sys.stderr)
        return 2
    steps = []  # (time, from, to, what, repeats)
    for r in rows:
        key = (r["from"], r["to"], r["what"])
        if args.skip_repeats and steps and steps[-1][1:4] == key:
            steps[-1][4] += 1
            continue
        steps.append([float(r["time_s"]), *key, 1])
    left_out = 0
    if len(steps) > args.max_rows:
        left_out = sum(s[4] for s in steps[args.max_rows:])
        steps = steps[:args.max_rows]
    people = sorted({s[1] for s in steps} | {s[2] for s in steps}, key=rank)
    x = {p: i for i, p in enumerate(people)}
    height = 0.32 * len(steps) + 1.5
    fig, ax = plt.subplots(figsize=(1.9 * len(people) + 1.5, height))
    for p, i in x.items():
        ax.plot([i, i], [-0.5, len(steps) - 0.5], color="0.75", lw=1, zorder=0)
        ax.text(i, -0.8, p, ha="center", va="bottom", fontsize=8, weight="bold")
    for row, (t, src, dst, what, repeats) in enumerate(steps):
        label = what + (f"  (x{repeats})" if repeats > 1 else "")
        ax.text(-0.7, row, f"{t:.2f} s", ha="right", va="center", fontsize=6.5, color="0.35")
        crash = "crash" in what or "failure" in what or "failed" in what
        if src == dst:
            ax.text(x[src], row, label, ha="center", va="center", fontsize=6.5,
                    bbox=dict(boxstyle="round,pad=0.2", fc="#f8d7da" if crash else "#eef", ec="0.6", lw=0.5))
            continue
        ax.annotate("", xy=(x[dst], row), xytext=(x[src], row),
                    arrowprops=dict(arrowstyle="->", lw=0.8, color="#a33" if crash else "0.2"))
        ax.text((x[src] + x[dst]) / 2, row - 0.12, label, ha="center", va="bottom", fontsize=6.5)
    if left_out:
        ax.text((len(people) - 1) / 2, len(steps), f"... {left_out} more interactions after {steps[-1][0]:.2f} s "
                "(choose a window with --from and --until)", ha="center", va="center", fontsize=7, style="italic")
    ax.set_xlim(-1.4, len(people) - 0.4)
    ax.set_ylim(len(steps) + (0.7 if left_out else -0.3), -1.2)
    ax.axis("off")
    fig.tight_layout()
    save(fig, Path(args.out) if args.out else rdir / "sequence", 150)
    return 0


if __name__ == "__main__":
    sys.exit(main())

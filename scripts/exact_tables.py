#!/usr/bin/python3
"""Prints the exact tables of docs/reproduction.md ("The step model solved exactly"): the
figures of Figures 4.2 and 4.3 from the kind churn_exact, under the literal reading and the
closest combination, and the verdicts of `cansim claims` on them.

    scripts/exact_tables.py CANSIM
"""
import json
import subprocess
import sys
import tempfile
from pathlib import Path

PINS = [
    ("The literal reading (every default)", "no overrides", []),
    ("The closest combination", "`--set params.at_zero=bootstrap --set params.sample=after_joins --set params.initial_size=4`",
     ["params.at_zero=bootstrap", "params.sample=after_joins", "params.initial_size=4"]),
]


def fmt(x, digits=3):
    if x is None:
        return "n/a"
    if x == 0 or x == 1 or float(x).is_integer():
        return f"{x:g}"
    if 0 < x < 0.001 or 0.999 < x < 1:
        return f"{x:.2e}" if x < 0.001 else f"1 − {1 - x:.1e}"
    return f"{x:.{digits}f}"


def main() -> int:
    cansim = sys.argv[1]
    root = Path(__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory() as work:
        for title, how, sets in PINS:
            dirs = []
            rows = []
            for fig in ["fig4_2", "fig4_3"]:
                out = Path(work) / f"{fig}.{len(sets)}"
                args = [cansim, "run", str(root / "scenarios" / f"{fig}_exact.json"), "-o", str(out), "--force"]
                for s in sets:
                    args += ["--set", s]
                subprocess.run(args, check=True, capture_output=True)
                dirs.append(str(out))
                for c in json.load(open(out / "summary.json"))["configurations"]:
                    p, z = c["params"], c["size"]
                    rows.append(f"| {p['nmax']} | {p['f']} | {p['j']} | {z['mean']:.3f} | {z['q1']:g} / {z['median']:g} / {z['q3']:g} "
                                f"| {z['whisker_low']:g} – {z['whisker_high']:g} | {z['max']:g} | {fmt(c['share_below_nmin'])} "
                                f"| {fmt(c['share_runs_reached_zero'])} | {fmt(c['share_dead_at_end'])} |")
            claims = json.loads(subprocess.run([cansim, "claims", "--json", *dirs], check=True, capture_output=True,
                                               text=True).stdout)
            held = [str(c["statement"]) for c in claims if c["verdict"] == "holds"]
            print(f"**{title}** ({how}). Statements that hold exactly: {', '.join(held) or 'none'}.\n")
            print("| Nmax | f | j | mean size | quartiles | whiskers | largest possible size | P(below Nmin) | "
                  "P(a run reaches 0) | P(0 at the end) |")
            print("|---|---|---|---|---|---|---|---|---|---|")
            print("\n".join(rows))
            print()
    return 0


if __name__ == "__main__":
    sys.exit(main())

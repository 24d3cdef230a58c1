#!/usr/bin/python3
"""The figure gallery: runs the shipped scenarios each figure of docs/ comes from, draws the
figures into docs/img/ (PNG and PDF), and prints the gallery's Markdown (docs/gallery.md, which
`make docs` rewrites between its generated markers). The figures of docs/reproduction.md come from
scripts/reproduction.py, which the gallery lists too.

    scripts/gallery.py [--cansim build/cansim]    run and draw every figure
    scripts/gallery.py --markdown                 print the gallery block
    scripts/gallery.py --check                    exit 1 unless every figure's PNG and PDF exist

Plots need Debian's python3-matplotlib (/usr/bin/python3).
"""
import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = "/usr/bin/python3"

# Each figure: its file name in docs/img, a title, the scenario, --set overrides of the run, the
# plot (script and arguments after the result directory), and the page that discusses it.
FIGURES = [
    ("placement_energy", "Energy by placement policy, idle hosts switching off", "placement_power", [],
     ("metric_boxplot.py", ["energy_kwh"]), "questions.md"),
    ("can_leader_availability", "Leader availability by CAN size", "can_leader_availability", [],
     ("metric_boxplot.py", ["leader_availability"]), "questions.md"),
    ("orchestration_crash_rate_completed", "Completed fraction by Orchestrator crash rate", "orchestration_crash_rate", [],
     ("metric_boxplot.py", ["completed_fraction"]), "questions.md"),
    ("orchestration_crash_rate_availability", "Availability of every accepted application by Orchestrator crash rate",
     "orchestration_crash_rate", [], ("metric_boxplot.py", ["mean_availability_all"]), "questions.md"),
    ("orchestration_mean_payment_error", "Payment error: checkpoint granularity, payment interval and failures",
     "orchestration", [], ("metric_boxplot.py", ["mean_payment_error", "--x", "app_ok_interval_s"]), "orchestration.md"),
    ("orchestration_gas_per_app_hour_ocan_leader", "The OCAN leader's gas per application-hour", "orchestration", [],
     ("metric_boxplot.py", ["gas_per_app_hour_ocan_leader", "--x", "app_ok_interval_s"]), "orchestration.md"),
    ("orchestration_mean_availability", "Availability of settled applications", "orchestration", [],
     ("metric_boxplot.py", ["mean_availability", "--x", "app_ok_interval_s"]), "orchestration.md"),
    ("fig5_1_sequence", "Figure 5.1: an Orchestrator's crash and a failed service, as a sequence diagram", "fig5_1",
     ["output.sequence=true"], ("sequence.py", ["--until", "200"]), "orchestration.md"),
]

# Drawn by scripts/reproduction.py (they need its search over the open choices).
REPRODUCTION = [
    ("fig4_2_default", "Figure 4.2, default model"),
    ("fig4_3_default", "Figure 4.3, default model"),
    ("fig4_2_best", "Figure 4.2, the combination of choices closest to the paper"),
    ("fig4_3_best", "Figure 4.3, the combination of choices closest to the paper"),
    ("fig4_2_protocol_bootstrap", "Figure 4.2, protocol model"),
    ("fig4_3_protocol_bootstrap", "Figure 4.3, protocol model"),
]


def commands(name, scenario, sets, plot):
    script, args = plot
    run = f"build/cansim run scenarios/{scenario}.json -o results/{scenario}" + "".join(f" --set {s}" for s in sets)
    draw = f"/usr/bin/python3 scripts/plot/{script} results/{scenario} {' '.join(args)} -o docs/img/{name}".replace("  ", " ")
    return run, draw


def markdown():
    out = ["Every figure of docs/, with the commands that draw it again (`make docs` runs them all).", ""]
    for name, title, scenario, sets, plot, page in FIGURES:
        run, draw = commands(name, scenario, sets, plot)
        out += [f"### {title}", "", f"![{title}](img/{name}.png)", "",
                f"[PDF](img/{name}.pdf); discussed in [{page}]({page}).", "", "```sh", run, draw, "```", ""]
    out += ["### Figures 4.2 and 4.3", "",
            "Drawn by `/usr/bin/python3 scripts/reproduction.py` (discussed in [reproduction.md](reproduction.md)):", ""]
    out += [f"- [{title}](img/{name}.png) ([PDF](img/{name}.pdf))" for name, title in REPRODUCTION]
    return "\n".join(out) + "\n"


def check():
    missing = [f"docs/img/{n}.{ext}" for n in [f[0] for f in FIGURES] + [r[0] for r in REPRODUCTION] for ext in ("png", "pdf")
               if not (ROOT / "docs" / "img" / f"{n}.{ext}").is_file()]
    for m in missing:
        print(f"gallery: missing {m}", file=sys.stderr)
    return 1 if missing else 0


def draw(cansim):
    with tempfile.TemporaryDirectory() as tmp:
        done = {}
        for name, _, scenario, sets, (script, args), _ in FIGURES:
            key = (scenario, tuple(sets))
            if key not in done:
                out = Path(tmp) / f"{scenario}-{len(done)}"
                cmd = [cansim, "run", str(ROOT / "scenarios" / f"{scenario}.json"), "-o", str(out)]
                for s in sets:
                    cmd += ["--set", s]
                subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
                done[key] = out
            subprocess.run([PY, str(ROOT / "scripts" / "plot" / script), str(done[key]), *args, "-o",
                            str(ROOT / "docs" / "img" / name)], check=True)
    return check()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cansim", default=str(ROOT / "build" / "cansim"))
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--markdown", action="store_true")
    mode.add_argument("--check", action="store_true")
    args = ap.parse_args()
    if args.markdown:
        sys.stdout.write(markdown())
        return 0
    if args.check:
        return check()
    return draw(args.cansim)


if __name__ == "__main__":
    sys.exit(main())

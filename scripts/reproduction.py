#!/usr/bin/python3
"""Regenerates the measured parts of docs/reproduction.md: runs Figures 4.2 and 4.3 under the
default model and under every variant of each open choice, checks the paper's eight statements
with `cansim claims`, searches the combinations of choices for the one that meets the most
statements, compares the abstract step model with the protocol model (kind churn_protocol)
configuration by configuration, draws the plots into docs/img/, and rewrites the tables between
the <!-- generated:NAME --> markers of docs/reproduction.md.

    scripts/reproduction.py [--cansim build/cansim] [--only protocol]
"""
import argparse
import itertools
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Each open choice of §4.1.1, with its variants as --set overrides; the first is the default.
CHOICES = [
    ("churn", "what churn is in Algorithm 1", [
        ("cumulative (default)", []),
        ("last step", ["params.churn=last_step"]),
        ("window of 5 steps", ["params.churn=window", "params.window=5"]),
        ("window of 20 steps", ["params.churn=window", "params.window=20"]),
    ]),
    ("crashed_return", "whether crashed nodes return to the candidate pool", [
        ("return (default)", []),
        ("gone for good", ["params.crashed_return=false"]),
    ]),
    ("at_zero", "what happens at size 0", [
        ("dead for good (default)", []),
        ("bootstrap at once", ["params.at_zero=bootstrap"]),
        ("bootstrap after 5 steps", ["params.at_zero=bootstrap", "params.bootstrap_delay=5"]),
    ]),
    ("election_delay", "what a leader crash costs", [
        ("instant election (default)", []),
        ("1 step without joins", ["params.election_delay=1"]),
        ("5 steps without joins", ["params.election_delay=5"]),
    ]),
    ("sample", "when the size is sampled", [
        ("end of step (default)", []),
        ("after the joins", ["params.sample=after_joins"]),
    ]),
    ("admission", "how Algorithm 1's condition is read", [
        ("pseudocode (default)", []),
        ("prose", ["params.admission=prose"]),
    ]),
    ("initial_size", "the initial size", [
        ("the leader alone (default)", []),
        ("Nmin nodes", ["params.initial_size=4"]),
    ]),
]


def run_claims(cansim, sets, work, reps=None, suffix=""):
    dirs = []
    for fig in ("fig4_2", "fig4_3"):
        fig += suffix
        out = Path(work) / fig
        args = [cansim, "run", str(ROOT / "scenarios" / f"{fig}.json"), "-o", str(out), "--force"]
        for s in sets + ([f"repetitions={reps}"] if reps else []):
            args += ["--set", s]
        subprocess.run(args, check=True, capture_output=True)
        dirs.append(str(out))
    res = subprocess.run([cansim, "claims", "--json", *dirs], check=True, capture_output=True, text=True)
    return json.loads(res.stdout), dirs


def mark(verdict):
    return {"holds": "holds", "does not hold": "no", "not evaluated": "n/a"}[verdict]


def table(rows):
    head = "| variant | " + " | ".join(str(i) for i in range(1, 9)) + " | holds |\n"
    head += "|---|" + "---|" * 9 + "\n"
    body = ""
    for name, verdicts in rows:
        n = sum(v["verdict"] == "holds" for v in verdicts)
        body += f"| {name} | " + " | ".join(mark(v["verdict"]) for v in verdicts) + f" | {n} |\n"
    return head + body


def replace_block(text, name, content):
    pattern = re.compile(rf"(<!-- generated:{name} -->\n).*?(<!-- end:{name} -->)", re.S)
    if not pattern.search(text):
        sys.exit(f"docs/reproduction.md has no <!-- generated:{name} --> block")
    return pattern.sub(lambda m: m.group(1) + content + m.group(2), text)


# The two readings under which the abstract and the protocol model are compared.
READINGS = [
    ("literal", "the literal reading (both defaults)", []),
    ("bootstrap", "a bootstrap at size 0, sampled after the joins", ["params.at_zero=bootstrap", "params.sample=after_joins"]),
]


def configs(d):
    s = json.loads((Path(d) / "summary.json").read_text())
    return {(c["params"]["nmax"], c["params"]["f"], c["params"]["j"]): c for c in s["configurations"]}


def comparison(cansim, work, img):
    """The protocol block: per reading, one row per (Nmax, f, j) with both models side by side."""
    out = ""
    for key, title, sets in READINGS:
        abstract, adirs = run_claims(cansim, sets, work)
        protocol, pdirs = run_claims(cansim, sets, work, suffix="_protocol")
        held = lambda vs: ", ".join(str(v["statement"]) for v in vs if v["verdict"] == "holds") or "none"
        out += (f"**{title[0].upper() + title[1:]}** (`{' '.join('--set ' + s for s in sets) or 'no overrides'}`). "
                f"Statements met: abstract {held(abstract)}; protocol {held(protocol)}.\n\n")
        out += ("| Nmax | f | j | mean size, abstract | mean size, protocol | below Nmin, abstract | below Nmin, protocol "
                "| runs reaching 0, abstract | runs reaching 0, protocol | Registry members (protocol) | removed / crashed (protocol) "
                "| LeadElect / bootstraps (protocol) |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n")
        for ad, pd in zip(adirs, pdirs):
            a, p = configs(ad), configs(pd)
            for k in sorted(a, key=lambda k: (k[0], k[1], -k[2])):
                ca, cp = a[k], p[k]
                m = cp["metrics"]
                crashed = m["crashes"]["mean"]
                ratio = m["removals"]["mean"] / crashed if crashed else float("nan")
                out += (f"| {k[0]} | {k[1]} | {k[2]} | {ca['size']['mean']:.2f} | {cp['size']['mean']:.2f} "
                        f"| {ca['share_below_nmin']:.3f} | {cp['share_below_nmin']:.3f} "
                        f"| {ca['share_runs_reached_zero']:.3f} | {cp['share_runs_reached_zero']:.3f} "
                        f"| {m['mean_registry_members']['mean']:.2f} | {ratio:.2f} "
                        f"| {m['elections']['mean'] - m['bootstraps']['mean']:.1f} / {m['bootstraps']['mean']:.1f} |\n")
        out += "\n"
        for fig, d in zip(("fig4_2", "fig4_3"), pdirs):
            subprocess.run(["/usr/bin/python3", str(ROOT / "scripts/plot/churn_boxplot.py"), d, "-o",
                            str(img / f"{fig}_protocol_{key}")], check=True, capture_output=True)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cansim", default=str(ROOT / "build" / "cansim"))
    ap.add_argument("--only", choices=["protocol"], help="regenerate only the comparison with the protocol model")
    args = ap.parse_args()
    doc_path = ROOT / "docs" / "reproduction.md"
    doc = doc_path.read_text()
    img = ROOT / "docs" / "img"
    img.mkdir(exist_ok=True)

    with tempfile.TemporaryDirectory() as work:
        doc = replace_block(doc, "protocol", comparison(args.cansim, work, img))
        if args.only == "protocol":
            doc_path.write_text(doc)
            print(f"updated the protocol comparison of {doc_path.relative_to(ROOT)} and docs/img/")
            return

        default, dirs = run_claims(args.cansim, [], work)
        lines = ""
        for v in default:
            lines += f"| {v['statement']} | {v['text']} | {v['criterion']} | {v['figures']} | **{v['verdict']}** |\n"
        doc = replace_block(doc, "default", "| # | statement | measured as | default model gives | verdict |\n|---|---|---|---|---|\n" + lines)
        for fig, d in zip(("fig4_2", "fig4_3"), dirs):
            subprocess.run(["/usr/bin/python3", str(ROOT / "scripts/plot/churn_boxplot.py"), d, "-o", str(img / f"{fig}_default")],
                           check=True, capture_output=True)

        # One choice at a time. Under the default "dead for good" almost every run dies within a
        # few steps whatever the other choices, so each variant is also shown with a bootstrap at
        # size 0, where the other choices can show their effect.
        bootstrap = ["params.at_zero=bootstrap"]
        for key, _title, variants in CHOICES:
            rows = []
            for name, sets in variants:
                verdicts, _ = run_claims(args.cansim, sets, work)
                rows.append((name, verdicts))
            if key != "at_zero":
                for name, sets in variants:
                    verdicts, _ = run_claims(args.cansim, sets + bootstrap, work)
                    rows.append((name + "; bootstrap at once", verdicts))
            doc = replace_block(doc, key, table(rows))

        # Every combination of the choices that change the figures most, at 300 repetitions to
        # keep it quick; the best ones are then confirmed at 1000.
        axes = [c for c in CHOICES if c[0] in ("churn", "at_zero", "sample", "admission", "crashed_return", "initial_size")]
        scored = []
        for combo in itertools.product(*[c[2] for c in axes]):
            sets = [s for _, ss in combo for s in ss]
            verdicts, _ = run_claims(args.cansim, sets, work, reps=300)
            scored.append((sum(v["verdict"] == "holds" for v in verdicts), [n for n, _ in combo], sets))
        scored.sort(key=lambda t: -t[0])
        best_n = scored[0][0]
        rows = []
        for n, names, sets in scored[:6]:
            verdicts, dirs = run_claims(args.cansim, sets, work)
            rows.append((", ".join(names), verdicts))
        doc = replace_block(doc, "best", table(rows) + f"\n{len(scored)} combinations searched; the best meets {best_n} "
                            "of the 8 statements at 300 repetitions. Overrides of the first row: `"
                            + " ".join(f"--set {s}" for s in scored[0][2]) + "`.\n")
        _, dirs = run_claims(args.cansim, scored[0][2], work)
        for fig, d in zip(("fig4_2", "fig4_3"), dirs):
            subprocess.run(["/usr/bin/python3", str(ROOT / "scripts/plot/churn_boxplot.py"), d, "-o", str(img / f"{fig}_best")],
                           check=True, capture_output=True)
    doc_path.write_text(doc)
    print(f"updated {doc_path.relative_to(ROOT)} and docs/img/")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Compares two cansim result directories: every file must be byte-identical, except that the
manifest's command_line may differ. Prints what differs; exit status 1 if anything does."""
import json
import sys
from pathlib import Path


def main(a: str, b: str) -> int:
    da, db = Path(a), Path(b)
    # Files at any depth (traces/run-N.json), by their path inside the directory.
    names_a = sorted(str(p.relative_to(da)) for p in da.rglob("*") if p.is_file())
    names_b = sorted(str(p.relative_to(db)) for p in db.rglob("*") if p.is_file())
    if names_a != names_b:
        print(f"{a} and {b} hold different files: {names_a} vs {names_b}")
        return 1
    bad = 0
    for name in names_a:
        ta, tb = (da / name).read_bytes(), (db / name).read_bytes()
        if name == "manifest.json":
            ma, mb = json.loads(ta), json.loads(tb)
            ma.pop("command_line", None)
            mb.pop("command_line", None)
            if ma != mb:
                print(f"{name}: manifests differ beyond the command line")
                bad = 1
        elif ta != tb:
            print(f"{name}: differs between {a} and {b}")
            bad = 1
    if not bad:
        print(f"{a} == {b}")
    return bad


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: compare_results.py DIR_A DIR_B")
    sys.exit(main(sys.argv[1], sys.argv[2]))

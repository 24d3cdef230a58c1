#!/usr/bin/python3
"""Replaces the text between <!-- generated:NAME --> and <!-- end:NAME --> in FILE with the
output of COMMAND.

    scripts/update_generated.py FILE NAME COMMAND [ARG...]
"""
import re
import subprocess
import sys
from pathlib import Path


def main() -> int:
    if len(sys.argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    path, name, cmd = Path(sys.argv[1]), sys.argv[2], sys.argv[3:]
    text = path.read_text()
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    pattern = re.compile(rf"(<!-- generated:{name} -->\n).*?(<!-- end:{name} -->)", re.S)
    if not pattern.search(text):
        print(f"{path}: no <!-- generated:{name} --> block", file=sys.stderr)
        return 2
    path.write_text(pattern.sub(lambda m: m.group(1) + out + m.group(2), text))
    return 0


if __name__ == "__main__":
    sys.exit(main())

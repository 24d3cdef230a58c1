"""What the plot scripts share: writing a figure as PNG and PDF with fixed metadata, so that the
same result files give the same plot files."""
import sys
from pathlib import Path


def pyplot():
    """matplotlib.pyplot on a headless backend, or one line saying what to install (this Python,
    perhaps not Debian's, may have no matplotlib) and exit status 2."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print(f"{Path(sys.argv[0]).name}: needs matplotlib, which {sys.executable} lacks: install Debian's "
              "python3-matplotlib (sudo apt-get install python3-matplotlib) and run the script with /usr/bin/python3",
              file=sys.stderr)
        sys.exit(2)
    return plt


def axis_label(manifest: dict, metric: str) -> str:
    """The metric's axis label: its name in words, the unit token dropped from it, and the unit
    its declaration gives (manifest.json's "metrics"; results from before it had none: the name)."""
    unit = next((m.get("unit", "") for m in manifest.get("metrics", []) if m.get("name") == metric), None)
    if unit is None:
        return metric
    drop = {"kWh": "kwh", "s": "s", "wei": "wei", "min": "minutes", "wei/min": None}.get(unit)
    words = metric.split("_")
    if unit == "wei/min" and words[-3:] == ["wei", "per", "min"]:
        words = words[:-3]
    elif drop in words and (words[-1] == drop or drop == "kwh"):
        words.remove(drop)
    text = " ".join(words) or metric
    return f"{text} ({unit})" if unit else text


def save(fig, out: Path, dpi: int) -> None:
    fig.savefig(out.with_suffix(".png"), dpi=dpi, metadata={"Software": None})
    fig.savefig(out.with_suffix(".pdf"), metadata={"Creator": None, "Producer": None, "CreationDate": None})
    print(f"plot: {out.with_suffix('.png')}, {out.with_suffix('.pdf')}")

"""What the plot scripts share: writing a figure as PNG and PDF with fixed metadata, so that the
same result files give the same plot files."""
from pathlib import Path


def save(fig, out: Path, dpi: int) -> None:
    fig.savefig(out.with_suffix(".png"), dpi=dpi, metadata={"Software": None})
    fig.savefig(out.with_suffix(".pdf"), metadata={"Creator": None, "Producer": None, "CreationDate": None})
    print(f"plot: {out.with_suffix('.png')}, {out.with_suffix('.pdf')}")

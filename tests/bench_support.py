"""Helpers shared by the benchmark tests: tiny data directories in the benchmark's CSV layout."""

from __future__ import annotations

import csv
from pathlib import Path


def write_csv(path: Path, header: list[str], rows: list[list[str]], encoding: str = "utf-8") -> Path:
    """Write ``rows`` under ``header`` to ``path``, creating its folders (``utf-8-sig``: with the
    byte-order mark spreadsheet tools write)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding=encoding) as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path

"""Reading the benchmarks' annotation files and writing their reports.

Every benchmark reads spreadsheet-made CSVs and writes reports that a reader may open while a long
run is still going, so both live here once: the tolerant CSV reader and the atomic report write
(temp file + ``os.replace``, so an interrupted run never leaves half a report behind).
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from pathlib import Path
from typing import Any

from grammar_rag.errors import DataDirError
from grammar_rag.ingest.paragraph_csv import raise_csv_field_limit


def read_csv_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """(column names, rows keyed by them) of a benchmark CSV, tolerating what spreadsheet tools write:
    a byte-order mark, spaces around names (" Filename" is "Filename"), fields over csv's 128 KiB
    limit; a short row's missing cells are "". Unreadable files raise :class:`DataDirError` naming them."""
    raise_csv_field_limit()
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.reader(fh)
            names = [h.strip() for h in next(reader, [])]
            rows = [{n: row[i] if i < len(row) else "" for i, n in enumerate(names)} for row in reader]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise DataDirError(f"cannot read {path}: {exc}") from exc
    return names, rows


def csv_text(rows: list[dict[str, Any]]) -> str:
    """``rows`` as CSV text, columns in the order of the first row's keys ("" for no rows)."""
    buf = io.StringIO()
    if rows:
        writer = csv.DictWriter(buf, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return buf.getvalue()


def write_report(path: Path, text: str) -> None:
    """Write a report atomically (temp file + os.replace), readable by others as the umask allows."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; reports are meant to be read by others
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise

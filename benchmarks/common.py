"""What every benchmark script shares: its ``main`` wrapper, the atomic write of its reports, and the
reading of the benchmark's annotation CSVs."""

from __future__ import annotations

import argparse
import csv
import logging
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from grammar_rag.errors import DataDirError
from grammar_rag.ingest.paragraph_csv import raise_csv_field_limit

LOG_FORMAT = "%(levelname)s %(name)s: %(message)s"


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


def bench_main(
    doc: str | None,
    add_arguments: Callable[[argparse.ArgumentParser], None],
    run: Callable[[argparse.Namespace], int],
    argv: list[str] | None,
    *,
    log_level: int | None = logging.INFO,
    log_format: str | None = None,
) -> int:
    """Parse ``argv`` with the module's arguments (its docstring as ``--help``), set up logging, run.

    ``log_level=None`` leaves logging unconfigured; ``log_format=None`` keeps logging's default format.
    """
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments(parser)
    if log_level is not None:
        extra: dict[str, Any] = {} if log_format is None else {"format": log_format}
        logging.basicConfig(level=log_level, **extra)
    return run(parser.parse_args(argv))


def bench_entry(doc: str | None, add_arguments: Callable[[argparse.ArgumentParser], None],
                run: Callable[[argparse.Namespace], int], argv: list[str] | None) -> int:
    """``bench_main`` for a ``python -m benchmarks.X`` entry point: a bad data directory or another
    GrammarRagError ends with its message on stderr and exit status 2, not a traceback."""
    from grammar_rag.errors import GrammarRagError

    try:
        return bench_main(doc, add_arguments, run, argv, log_format=LOG_FORMAT)
    except GrammarRagError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def add_progress_argument(parser: argparse.ArgumentParser, what: str = "progress bars") -> None:
    """``--progress`` / ``--no-progress``, the same on every benchmark; read it with ``wants_progress``."""
    parser.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                        help=f"{what} (default: when stderr is a terminal)")


def wants_progress(args: argparse.Namespace) -> bool:
    """The ``--progress`` choice, or, when neither flag was given, whether stderr is a terminal
    (a bar in a redirected log is noise; an interactive run of minutes wants one)."""
    return sys.stderr.isatty() if args.progress is None else bool(args.progress)


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

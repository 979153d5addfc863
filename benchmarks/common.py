"""What every benchmark script shares: its ``main`` wrapper and the atomic write of its reports."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

LOG_FORMAT = "%(levelname)s %(name)s: %(message)s"


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

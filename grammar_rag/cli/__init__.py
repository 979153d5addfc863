"""The ``grammar-rag`` command line: one entry point, one module per command group.

Each module is named for what users type (``grammar-rag serve`` -> :mod:`grammar_rag.cli.serve`)
and exposes ``register(subparsers)``, which adds its sub-commands and sets ``func`` on them;
options several commands share are declared once in :mod:`grammar_rag.cli.options`.
``func(args)`` returns an exit code. Errors derived from :class:`GrammarRagError` are printed as
one clear line (exit 2), never a traceback.
"""

from __future__ import annotations

import argparse
import logging
import sqlite3
import sys

from grammar_rag.cli import (
    app,
    bench_cmds,
    classify,
    compare,
    corpus,
    export,
    extract,
    features,
    info,
    ingest,
    review,
    search,
    serve,
    translate,
)
from grammar_rag.cli.errors import explain
from grammar_rag.errors import GrammarRagError
from grammar_rag.locking import set_default_wait

# this order is the order of `grammar-rag --help`
COMMAND_MODULES = (
    ingest,
    search,
    info,
    corpus,  # corpus fetch|install|list|build
    features,  # features, feature, language
    classify,
    translate,
    serve,
    extract,
    export,
    compare,
    review,  # review export|import
    app,
    bench_cmds,  # bench index|retrieval|rag|translate|...
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="grammar-rag",
        description=(
            "Retrieval-augmented classification and translation over descriptive grammars. "
            "Index grammars (PDF, LaTeX, text, paragraph CSVs), ask for any WALS/Grambank "
            "feature with cited pages, extract datasets in batch, translate with grammar + dictionary."
        ),
    )
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more logging (-vv for debug)")
    parser.add_argument("--debug", action="store_true", help="show the traceback of an error instead of one line")
    parser.add_argument("--no-wait", action="store_true",
                        help="fail at once if another process is writing to the same index/results (default: wait)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    level = logging.WARNING - 10 * min(args.verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    # progress lines of long reads (a whole book) show at the default level when stderr is no terminal
    logging.getLogger("grammar_rag.progress").setLevel(min(level, logging.INFO))
    if not getattr(args, "func", None):
        parser.print_help()
        return 1
    if args.no_wait:
        set_default_wait(False)
    try:
        return int(args.func(args) or 0)
    except GrammarRagError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (OSError, MemoryError, sqlite3.DatabaseError) as exc:  # see grammar_rag.cli.errors
        message = None if args.debug else explain(exc, args.command)
        if message is None:
            raise
        print(f"error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted (completed work was saved)", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

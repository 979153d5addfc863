"""How the benchmark runners are found and started, and the command-line plumbing they share.

The runners live in the top-level ``benchmarks`` package, above the library: they read data, call
the library and write reports. The library never imports them by name, so that the layers stay one
way (``benchmarks`` -> ``grammar_rag``, never back). ``grammar-rag bench NAME`` reaches them by
*discovery* instead:

1. the entry-point group ``grammar_rag.benchmarks`` (declared in ``pyproject.toml``; each entry
   names a module, e.g. ``rag = "benchmarks.rag_bench"``), read with :mod:`importlib.metadata`, so
   an installed plug-in package can add a benchmark without touching this package;
2. the table :data:`RUNNERS` below, the documented fallback for an installation whose metadata
   predates the entry points (an editable install made before they were declared, a checkout run
   with ``PYTHONPATH``). An entry point of the same name wins over the table.

A runner is any module with ``add_arguments(parser)`` and ``run(args) -> int`` (and, by
convention, a ``main(argv)`` for ``python -m benchmarks.<module>``). A runner whose module is
missing is left out of the CLI, as before.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import entry_points
from types import ModuleType
from typing import Any

from grammar_rag.errors import GrammarRagError

LOG_FORMAT = "%(levelname)s %(name)s: %(message)s"
ENTRY_POINT_GROUP = "grammar_rag.benchmarks"


@dataclass(frozen=True)
class RunnerSpec:
    """Where one ``bench`` sub-command's runner lives, and its one-line help."""

    module: str
    help: str = ""


# The fallback table (see the module docstring), in the order ``grammar-rag bench --help`` lists them.
RUNNERS: dict[str, RunnerSpec] = {
    "index": RunnerSpec("benchmarks.index_bench", "index the paragraph corpus; build time, throughput, BM25 vs rank_bm25 latency"),
    "retrieval": RunnerSpec("benchmarks.retrieval_bench", "NDCG@k / Recall@k of every query x reranker on rerankers_benchmark/"),
    "rag": RunnerSpec("benchmarks.rag_bench", "feature classification F1 (paper Table 4 configurations)"),
    "translate": RunnerSpec("benchmarks.translate_bench", "chrF / chrF++ of Kalamang<->English translation"),
    "prompts": RunnerSpec("benchmarks.prompt_build", "build every bench-rag prompt with a real tokenizer: memoised token budget vs plain"),
    "llm-latency": RunnerSpec("benchmarks.llm_latency", "seconds per prompt of an LLM backend: label likelihood vs generation"),
    "transfer": RunnerSpec("benchmarks.wals_transfer", "81A / GB107 on grammars outside their benchmark, scored against WALS (seen vs unseen)"),
    "books": RunnerSpec("benchmarks.books_bench", "whole books (PDF + LaTeX): language, passage quality, time/RSS, WALS extraction"),
    "extract": RunnerSpec("benchmarks.extract_bench", "batch extraction: grammars x features wall time, RSS, CLDF validity, SIGKILL resume"),
    "hardening": RunnerSpec("benchmarks.hardening_bench", "issue-27 checks: concurrent writers, start-up race, fuzz, memory, deadlines, hostile text"),
    "scale": RunnerSpec("benchmarks.scale_bench", "extract --engine local vs ray at equal CPUs, faults, 10,000-book projection"),
}


def runner_specs() -> dict[str, RunnerSpec]:
    """Every known runner: the fallback table, overridden and extended by the entry points."""
    specs = dict(RUNNERS)
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        known = specs.get(ep.name)
        specs[ep.name] = RunnerSpec(ep.module, known.help if known else "")
    return specs


def load_runner(name: str) -> ModuleType:
    """The runner module of ``bench NAME``; an unknown name raises :class:`GrammarRagError`."""
    spec = runner_specs().get(name)
    if spec is None:
        raise GrammarRagError(f"no benchmark named {name!r} (known: {', '.join(runner_specs())})")
    return importlib.import_module(spec.module)


def importable_runners() -> dict[str, tuple[ModuleType, str]]:
    """``{name: (module, help)}`` of the runners that import here; a runner whose own module is
    missing is skipped, any other import error (a dependency it needs) is raised."""
    out: dict[str, tuple[ModuleType, str]] = {}
    for name, spec in runner_specs().items():
        try:
            module = importlib.import_module(spec.module)
        except ModuleNotFoundError as exc:
            if exc.name == spec.module:
                continue
            raise
        doc_line = (module.__doc__ or "").strip().splitlines()[:1]
        out[name] = (module, spec.help or (doc_line[0] if doc_line else name))
    return out


# ------------------------------------------------------------------ what every runner's CLI shares
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

"""``grammar-rag bench NAME``: runs the benchmark runners that live in ``benchmarks/``.

Each runner module exposes ``add_arguments(parser)`` and ``run(args) -> int``; this module only
wires them to sub-commands, so the benchmark code stays in one place and stays runnable as
``python -m benchmarks.<module>`` too. The runners are *discovered*, never imported by name here:
:func:`grammar_rag.evaluation.runner.importable_runners` reads the ``grammar_rag.benchmarks``
entry points (``pyproject.toml``) with a documented fallback table, so the library keeps no static
import of the ``benchmarks`` package above it.
"""

from __future__ import annotations

import argparse

from grammar_rag.evaluation.runner import importable_runners


def register(sub: argparse._SubParsersAction) -> None:
    bench = sub.add_parser("bench", help="run a benchmark and write a JSON report")
    bench_sub = bench.add_subparsers(dest="bench_name", metavar="NAME")
    for name, (module, help_text) in importable_runners().items():
        parser = bench_sub.add_parser(name, help=help_text, description=(module.__doc__ or help_text))
        module.add_arguments(parser)
        parser.set_defaults(func=module.run)
    bench.set_defaults(func=lambda args: bench.print_help() or 1)

"""``grammar-rag bench NAME``: runs the benchmark scripts that live in ``benchmarks/``.

Each benchmark module exposes ``add_arguments(parser)`` and ``run(args) -> int``; this module only
wires them to sub-commands, so the benchmark code stays in one place and stays runnable as
``python -m benchmarks.<module>`` too.
"""

from __future__ import annotations

import argparse
import importlib

BENCHMARKS = {
    "index": ("benchmarks.index_bench", "index the paragraph corpus; build time, throughput, BM25 vs rank_bm25 latency"),
    "retrieval": ("benchmarks.retrieval_bench", "NDCG@k / Recall@k of every query x reranker on rerankers_benchmark/"),
    "rag": ("benchmarks.rag_bench", "feature classification F1 (paper Table 4 configurations)"),
    "translate": ("benchmarks.translate_bench", "chrF / chrF++ of Kalamang<->English translation"),
    "prompts": ("benchmarks.prompt_build", "build every bench-rag prompt with a real tokenizer: memoised token budget vs plain"),
    "llm-latency": ("benchmarks.llm_latency", "seconds per prompt of an LLM backend: label likelihood vs generation"),
    "transfer": ("benchmarks.wals_transfer", "81A / GB107 on grammars outside their benchmark, scored against WALS (seen vs unseen)"),
    "books": ("benchmarks.books_bench", "whole books (PDF + LaTeX): language, passage quality, time/RSS, WALS extraction"),
    "extract": ("benchmarks.extract_bench", "batch extraction: grammars x features wall time, RSS, CLDF validity, SIGKILL resume"),
    "scale": ("benchmarks.scale_bench", "extract --engine local vs ray at equal CPUs, faults, 10,000-book projection"),
}


def register(sub: argparse._SubParsersAction) -> None:
    bench = sub.add_parser("bench", help="run a benchmark and write a JSON report")
    bench_sub = bench.add_subparsers(dest="bench_name", metavar="NAME")
    for name, (module_name, help_text) in BENCHMARKS.items():
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue
            raise
        parser = bench_sub.add_parser(name, help=help_text, description=(module.__doc__ or help_text))
        module.add_arguments(parser)
        parser.set_defaults(func=module.run)
    bench.set_defaults(func=lambda args: bench.print_help() or 1)

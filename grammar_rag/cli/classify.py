"""``grammar-rag classify``: one feature for one indexed grammar, with the evidence that decided it."""

from __future__ import annotations

import argparse
import json
import textwrap

from grammar_rag.classify import make_classifier
from grammar_rag.classify.derived import PRODUCT_FLAG
from grammar_rag.cli.options import (
    add_classifier_backend,
    add_index,
    add_json,
    add_llm_options,
    add_retrieval_mode,
    llm_settings,
    precision_target,
)
from grammar_rag.index import GrammarIndex
from grammar_rag.pipeline import RetrievalConfig, classify
from grammar_rag.types import Prediction

EPILOG = """examples:
  grammar-rag classify --index idx/ --grammar visser2022kalamang --feature 81A
  grammar-rag classify --index idx/ --grammar Kalamang --feature GB107 --backend openai --json
  grammar-rag classify --index idx/ --grammar kgv --feature "WALS 116A*" -k 10 --reranker none
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "classify",
        help="classify one WALS/Grambank feature for an indexed grammar, citing pages",
        description=(
            "Retrieve passages for a feature within one grammar (BM25 candidates, reranked), classify them "
            "(model-free 'evidence' classifier by default, or an LLM backend) and print the value, confidence, "
            "reasoning and the quoted evidence with pages/sections."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_index(p)
    p.add_argument("--grammar", required=True, help="grammar id, language name or ISO 639-3 code in the index")
    p.add_argument("--feature", required=True, help="feature id or name, e.g. 81A, 'WALS 81A', GB107, 'WALS 116A*'")
    add_classifier_backend(p)
    p.add_argument("-k", "--top-k", type=int, default=20, help="passages given to the classifier (default 20)")
    p.add_argument("--candidates", type=int, default=50, help="first-stage BM25 candidates (default 50)")
    add_retrieval_mode(p, default="bm25", help="first-stage retrieval")
    p.add_argument("--reranker", default=None, help="reranker name (default: the default reranker; 'none' keeps order)")
    p.add_argument("--min-precision", type=precision_target, default=None,
                   help="abstain unless the answer's cue family reaches this precision out of sample; LLM backends: "
                        "unless the model's probability (calibrated where a map is fitted) reaches it "
                        "(default: per family, see grammar_rag/classify/calibration.py)")
    add_json(p, help="print the Prediction as JSON")
    add_llm_options(p)
    p.set_defaults(func=run)


def format_prediction(pred: Prediction, width: int = 100) -> str:
    """Human-readable report: value, confidence, reasoning, numbered evidence with citations."""
    if pred.abstained:
        value = "? (ABSTAINED: not answered at the target precision; read the evidence below)"
    else:
        value = (pred.value or "(none of the strategies)") + (f"  [{pred.code}]" if pred.code else "")
    if PRODUCT_FLAG in pred.flags:
        confidence = f"{pred.confidence:.0%} (the product of its components' calibrated confidences)"
    elif "calibrated" in pred.flags:
        confidence = f"{pred.confidence:.0%} (calibrated: answers at this level were right this often, out of sample)"
    else:
        confidence = f"{pred.confidence:.2f} (uncalibrated score)"
    lines = [
        f"grammar:    {pred.grammar_id}",
        f"feature:    {pred.feature_id}",
        f"value:      {value}",
        f"confidence: {confidence}   backend: {pred.backend}",
        "reasoning:  " + textwrap.shorten(pred.reasoning, width=width * 3, placeholder=" …"),
    ]
    if not pred.evidence:
        lines.append("evidence:   none")
    else:
        lines.append("evidence:")
    for i, ev in enumerate(pred.evidence, 1):
        where = f"p. {ev.pages}" if ev.pages else ("§ " + " > ".join(ev.section) if ev.section else ev.passage_id)
        head = f"  [{i}] {where}" + (f" (supports {ev.supports})" if ev.supports else "")
        lines.append(head)
        lines.extend(textwrap.wrap(f'"{ev.quote}"', width=width, initial_indent="      ", subsequent_indent="      "))
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    index = GrammarIndex.open(args.index)
    retrieval = RetrievalConfig(candidates=args.candidates, top_k=args.top_k, mode=args.mode, reranker=args.reranker)
    options: dict[str, object] = (
        {"min_precision": args.min_precision} if args.backend == "evidence"
        else {**llm_settings(args).backend_options(), "min_precision": args.min_precision}
    )
    classifier = make_classifier(args.backend, **options)
    pred = classify(args.grammar, args.feature, index=index, backend=args.backend, retrieval=retrieval,
                    classifier=classifier)
    if args.json:
        print(json.dumps(pred.to_dict(), indent=2, ensure_ascii=False))
    else:
        print(format_prediction(pred))
    return 0

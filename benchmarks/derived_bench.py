"""Derived features against WALS, selective: the ``[derived]`` rows of development-grammar predictions.

    python -m benchmarks.derived_bench --predictions benchmarks/results/extract_selective_value_terms.predictions.csv \\
        benchmarks/results/extract_selective_value_terms_rest.predictions.csv \\
        benchmarks/results/extract_selective_derived.predictions.csv \\
        --out benchmarks/results/extract_selective_derived.json

A derived answer (WALS 82A/83A from 81A, 95A-97A from two orders, 28A/50A/98A from 49A's "no case") is
scored on its own outcomes: each row's score is the product of its components' raw scores times the
rule's reliability among WALS languages, and :func:`grammar_rag.evaluation.selective_wals.figures`
calibrates per derived feature by grammar-level CV (no grammar in its own fit). The predictions files
come from ``bench extract --selective-only`` (82A/83A: ``--features 82A,83A``, whose ``[derived]`` rows
are ``extract_selective_derived.predictions.csv``); the lock-box is not in them. Writes JSON and Markdown.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from grammar_rag.evaluation.extract_runs import read_csv
from grammar_rag.evaluation.io import write_report
from grammar_rag.evaluation.selective_wals import NOTES, figures, markdown

WHAT = ("Selective answering of the derived features against WALS: the `[derived]` rows of the development "
        "grammars' predictions files, each row's score the product of its components' raw scores times the "
        "rule's reliability; calibrated per derived feature by 5-fold grammar-level CV (no grammar in its own "
        "fit), lock-box left out. A derived feature ships a map only where this CV precision reached 0.80 on "
        "at least 10 answers.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--predictions", nargs="+", type=Path, required=True, help="predictions CSVs of bench extract")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/extract_selective_derived.json"))
    args = parser.parse_args(argv)
    missing = [str(p) for p in args.predictions if not p.is_file()]
    if missing:
        print(f"error: no such predictions file: {', '.join(missing)}", file=sys.stderr)
        return 2
    rows = [r for p in args.predictions for r in read_csv(p) if r["reasoning"].startswith("[derived]")]
    if not rows:
        print("error: no [derived] rows in the predictions files", file=sys.stderr)
        return 2
    res = {"what": WHAT, "files": [str(p) for p in args.predictions], **figures(rows)}
    write_report(args.out, json.dumps(res, indent=1) + "\n")
    text = ["# Derived features against WALS, selective", "", f"Source rows and scoring: see `{args.out.name}` (`what`).",
            "", *markdown(res), "", *(f"- {n}" for n in NOTES)]
    write_report(args.out.with_suffix(".md"), "\n".join(text) + "\n")
    print(f"wrote {args.out} (+ .md): {len(rows)} derived rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())

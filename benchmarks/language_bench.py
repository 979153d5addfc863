"""Title -> language resolution on the paper's benchmark titles (issue 23, metadata), scored by ISO code.

    python -m benchmarks.language_bench --data-dir ../shared/data --out benchmarks/results/language_titles.json \
        [--ocr-rate 0.01 --ocr-rate 0.03]

``--ocr-rate R`` also resolves the titles degraded as OCR degrades text, letters confused at R per
letter and words split (five seeded runs; the same noise as ``scripts/ocr_noise_books.py``).

Writes the JSON report (summary + one row per grammar) and a Markdown table beside it. The rules of
``grammar_rag.ingest.language_guess`` were written with these titles in view, so the figures are
in-sample for those rules; the held-back books are the out-of-sample check.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from grammar_rag.evaluation.io import write_report
from grammar_rag.evaluation.language_titles import (
    TitleLanguageEvaluator,
    ocr_noise_figures,
    read_benchmark_titles,
)
from grammar_rag.evaluation.machine import machine_info


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default=os.environ.get("GRAMMAR_RAG_DATA_DIR"),
                        help="directory laid out like shared/data (rag_on_grammars/ inside)")
    parser.add_argument("--out", default="benchmarks/results/language_titles.json")
    parser.add_argument("--ocr-rate", type=float, action="append", default=[],
                        help="also score titles degraded as OCR does, at this rate per letter (repeatable)")
    parser.add_argument("--ocr-seeds", type=int, default=5, help="seeded runs per --ocr-rate (default 5)")
    args = parser.parse_args(argv)
    if not args.data_dir:
        parser.error("--data-dir (or GRAMMAR_RAG_DATA_DIR) is required")
    if any(not 0.0 < r < 1.0 for r in args.ocr_rate) or args.ocr_seeds < 1:
        parser.error("--ocr-rate is a share of letters above 0 and below 1, --ocr-seeds at least 1")
    root = Path(args.data_dir) / "rag_on_grammars"
    grammars = read_benchmark_titles(root)
    if not grammars:
        print(f"error: no benchmark titles under {root} (annotated_benchmark*.csv)", file=sys.stderr)
        return 2
    report = {"benchmark": "language_titles", "machine": machine_info(), **TitleLanguageEvaluator(grammars)()}
    if args.ocr_rate:
        report["ocr_noise"] = [ocr_noise_figures(grammars, r, range(1, args.ocr_seeds + 1)) for r in args.ocr_rate]
    out = Path(args.out)
    write_report(out, json.dumps(report, indent=1, ensure_ascii=False) + "\n")
    write_report(out.with_suffix(".md"), _markdown(report))
    s = report["summary"]
    print(f"wrote {out}: {report['grammars']} titles, right {s['right']['share']}, "
          f"right and confident {s['right_and_confident']['share']}, wrong and confident {s['wrong_and_confident']['share']}")
    return 0


def _markdown(report: dict[str, Any]) -> str:
    s = report["summary"]
    lines = ["# Title -> language (the paper's benchmark titles, scored by ISO 639-3)", "",
             f"{report['grammars']} grammars; a guess is confident at >= {s['confident_threshold']} (below it, ingest warns "
             "and names `--meta glottocode=`).", "",
             "| measure | share | 95% bootstrap interval |", "|---|---|---|"]
    for key in ("right", "right_and_confident", "wrong_and_confident"):
        lines.append(f"| {key.replace('_', ' ')} | {s[key]['share']} | {s[key]['interval_95']} |")
    lines += ["", f"Precision when confident: {s['precision_when_confident']}. Counts: {s['counts']}.", ""]
    if report.get("ocr_noise"):
        lines += ["Titles degraded as OCR degrades text (letters confused at the rate per letter, words split at half "
                  "of it; mean of the seeded runs):", "",
                  "| OCR rate | runs | right | right and confident | wrong and confident |", "|---|---|---|---|---|"]
        lines += [f"| {o['rate']} | {len(o['seeds'])} | {o['right']} | {o['right_and_confident']} | {o['wrong_and_confident']} |"
                  for o in report["ocr_noise"]]
        lines.append("")
    lines += ["| grammar | title | ISO | verdict | confident | resolved |", "|---|---|---|---|---|---|"]
    for r in report["rows"]:
        if r["verdict"] != "right" or not r["confident"]:
            lines.append(f"| {r['grammar']} | {r['title'][:70]} | {r['iso']} | {r['verdict']} | {r['confident']} | "
                         f"{r['resolved_name'] or '-'} ({r['glottocode'] or '-'}, {r['confidence']}) |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())

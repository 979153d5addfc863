"""``grammar-rag compare``: agreement of one run's values with WALS, and every disagreement with
the grammar evidence behind it (a database can be wrong too: the quotes let a reader decide)."""

from __future__ import annotations

import argparse
import csv
import os
from pathlib import Path

from grammar_rag.cli.export import add_run_selection, open_selected
from grammar_rag.cli.options import add_data_dir
from grammar_rag.extract.compare import compare_predictions, format_report
from grammar_rag.extract.inputs import load_inputs, write_json
from grammar_rag.features.languages import LanguageResolver
from grammar_rag.features.reference import explain_missing, wals_reference
from grammar_rag.features.values import wals_majority


def register(sub: argparse._SubParsersAction) -> None:
    cmp_ = sub.add_parser(
        "compare",
        help="agreement of extracted values with WALS, and disagreements with their grammar evidence",
    )
    add_run_selection(cmp_)
    add_data_dir(cmp_, help="data directory with wals/ (default: bundled WALS values)")
    cmp_.add_argument("--show", type=int, default=20, help="disagreements to print (all go to the JSON/CSV)")
    cmp_.set_defaults(func=cmd_compare)


def cmd_compare(args: argparse.Namespace) -> int:
    results = Path(args.results)
    store, config = open_selected(args)
    with store:
        predictions = store.predictions(config)
    grammars, features = load_inputs(results)
    report = compare_predictions(
        predictions, grammars, features, wals_reference(args.data_dir), resolver=LanguageResolver(args.data_dir),
        explain=explain_missing(args.data_dir), majority=lambda f: wals_majority(f, args.data_dir),
    )
    print(format_report(report, max_disagreements=args.show))
    payload = report.to_dict()
    payload["config"] = config.to_dict()
    write_json(results / "compare.json", payload)
    path = results / "disagreements.csv"
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["feature_id", "grammar_id", "language", "glottocode", "predicted", "reference",
                         "confidence", "pages", "evidence"])
        for d in report.disagreements:
            writer.writerow([
                d.feature_id, d.grammar_id, d.language, d.glottocode or "", d.predicted, d.reference,
                d.confidence, "; ".join(str(e["pages"]) for e in d.evidence if e.get("pages")),
                " | ".join(str(e["quote"]) for e in d.evidence),
            ])
    os.replace(tmp, path)
    print(f"\nreport -> {results / 'compare.json'}, disagreements -> {path}")
    return 0

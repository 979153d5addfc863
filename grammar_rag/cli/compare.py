"""``grammar-rag compare``: agreement of one run's values with WALS, and every disagreement with
the grammar evidence behind it (a database can be wrong too: the quotes let a reader decide)."""

from __future__ import annotations

import argparse
import csv
import os
from pathlib import Path

from grammar_rag.cli.export import add_run_selection, open_selected
from grammar_rag.cli.options import add_data_dir
from grammar_rag.errors import GrammarRagError
from grammar_rag.extract.compare import compare_predictions, format_report
from grammar_rag.extract.inputs import load_inputs, write_json
from grammar_rag.features.languages import LanguageResolver
from grammar_rag.features.reference import explain_missing, wals_reference
from grammar_rag.features.values import WalsLanguage, get_wals_values, wals_majority


def register(sub: argparse._SubParsersAction) -> None:
    cmp_ = sub.add_parser(
        "compare",
        help="agreement of extracted values with WALS, and disagreements with their grammar evidence",
    )
    add_run_selection(cmp_)
    add_data_dir(cmp_, help="data directory with wals/ (default: bundled WALS values)")
    cmp_.add_argument("--show", type=int, default=20, help="disagreements to print (all go to the JSON/CSV)")
    cmp_.add_argument("--reference", action="append", default=[], metavar="[GRAMMAR=]WALS_CODE",
                      help="compare a grammar with another WALS language, e.g. a related variety WALS codes where it "
                           "does not code the grammar's own (the notes name one); GRAMMAR= where the run has several")
    cmp_.set_defaults(func=cmd_compare)


def parse_references(specs: list[str], grammar_ids: list[str], data_dir: str | None = None) -> dict[str, WalsLanguage]:
    """``--reference`` values as grammar id -> WALS language; a bare code names the run's only grammar."""
    wals = get_wals_values(data_dir)
    out: dict[str, WalsLanguage] = {}
    for spec in specs:
        gid, sep, code = spec.rpartition("=")
        code = code.strip().lower().removeprefix("wals:")
        if not sep:
            if len(grammar_ids) != 1:
                raise GrammarRagError(f"--reference {spec}: this run has {len(grammar_ids)} grammars; "
                                      f"name one as GRAMMAR=CODE ({', '.join(grammar_ids[:5])})")
            gid = grammar_ids[0]
        if gid not in grammar_ids:
            raise GrammarRagError(f"--reference {spec}: no grammar {gid!r} in this run ({', '.join(grammar_ids[:5])})")
        language = wals.by_code(code)
        if language is None:
            raise GrammarRagError(f"--reference {spec}: {code!r} is not a WALS language code "
                                  "(grammar-rag language NAME shows a language's WALS code)")
        out[gid] = language
    return out


def cmd_compare(args: argparse.Namespace) -> int:
    results = Path(args.results)
    store, config = open_selected(args)
    with store:
        predictions = store.predictions(config)
    grammars, features = load_inputs(results)
    asked = parse_references(args.reference, sorted({p.grammar_id for p in predictions}), args.data_dir)
    report = compare_predictions(
        predictions, grammars, features, wals_reference(args.data_dir), resolver=LanguageResolver(args.data_dir),
        explain=explain_missing(args.data_dir), majority=lambda f: wals_majority(f, args.data_dir),
        reference_for=asked,
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

"""``grammar-rag review export|import``: a reviewed coding sheet out of, or back into, a results folder.

The reviews live in the results store beside the proposals ``extract`` wrote (see
:mod:`grammar_rag.extract.reviews`). ``export`` writes one grammar's reviewed sheet as a
Grambank-style TSV, a WALS-style TSV or a CLDF StructureDataset (validated with pycldf);
``import`` stores a TSV coded by hand (or exported earlier) as reviews, all rows or none.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from grammar_rag.cli.options import add_data_dir
from grammar_rag.errors import GrammarRagError
from grammar_rag.extract.cldf_export import parameter_id
from grammar_rag.extract.inputs import load_inputs
from grammar_rag.extract.reviews import ReviewStore
from grammar_rag.extract.sheet import FORMATS, export_sheet, import_sheet
from grammar_rag.extract.store import STORE_FILENAME, ResultStore, select_config
from grammar_rag.features.catalogue import get_catalogue
from grammar_rag.features.languages import LanguageResolver
from grammar_rag.types import Feature, Prediction


def register(sub: argparse._SubParsersAction) -> None:
    review = sub.add_parser("review", help="export or import a reviewed coding sheet (Grambank/WALS TSV, CLDF)")
    actions = review.add_subparsers(dest="review_command", metavar="ACTION")

    exp = actions.add_parser("export", help="write a grammar's reviewed sheet as TSV or a CLDF dataset")
    _add_common(exp)
    exp.add_argument("--format", required=True, choices=FORMATS, help="grambank-tsv, wals-tsv or cldf")
    exp.add_argument("--out", required=True, help="output file (TSV) or folder (CLDF)")
    exp.set_defaults(func=cmd_export)

    imp = actions.add_parser("import", help="store a Grambank/WALS-style TSV sheet as reviews (all rows or none)")
    _add_common(imp)
    imp.add_argument("file", help="tab-separated sheet with Feature_ID and Value (Source, Comment optional)")
    imp.add_argument("--reviewer", default="import", help="name recorded for rows without Contributed_Datapoint")
    imp.set_defaults(func=cmd_import)
    review.set_defaults(func=lambda args: _usage(review))


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 1


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--results", required=True, help="results folder written by `grammar-rag extract`")
    parser.add_argument("--grammar", default=None, help="grammar id of the sheet (default: the folder's only grammar)")
    parser.add_argument("--backend", default=None, help="proposals of this backend (default: the largest run)")
    add_data_dir(parser, help="data directory (catalogue, Glottolog) if not bundled")


def _proposals(results: Path, grammar_id: str, backend: str | None) -> dict[str, Prediction]:
    """The proposals of the largest (or the named backend's) run for ``grammar_id``; none if no run."""
    path = results / STORE_FILENAME
    if not path.exists():
        return {}
    with ResultStore(path, readonly=True) as store:
        configs = store.configs()
        if not configs:
            return {}
        chosen = select_config(configs, backend=backend)
        return {p.feature_id: p for p in store.predictions(chosen.config) if p.grammar_id == grammar_id}


def _grammar_id(args: argparse.Namespace, reviews: ReviewStore, known: list[str]) -> str:
    if args.grammar:
        return str(args.grammar)
    candidates = sorted(set(known) | set(reviews.grammars()))
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise GrammarRagError(f"{args.results} names no grammar yet: pass --grammar ID.")
    raise GrammarRagError(f"{args.results} holds several grammars ({', '.join(candidates)}): pass --grammar ID.")


def _feature_lookup(data_dir: str | None, stored: dict[str, Feature]) -> dict[str, Feature]:
    """Every way a sheet may name a feature ("GB107", "81A", "WALS 81A") -> the feature."""
    lookup: dict[str, Feature] = {}
    for feature in list(get_catalogue(data_dir)) + list(stored.values()):
        lookup[feature.id] = feature
        lookup[parameter_id(feature.id)] = feature
    return lookup


def _open(args: argparse.Namespace) -> tuple[Path, ReviewStore]:
    results = Path(args.results)
    if not results.is_dir():
        raise GrammarRagError(f"No results folder at {results}: run `grammar-rag extract --out {results}` first.")
    return results, ReviewStore(results / STORE_FILENAME)


def cmd_export(args: argparse.Namespace) -> int:
    results, reviews = _open(args)
    grammars, features = load_inputs(results)
    with reviews:
        grammar_id = _grammar_id(args, reviews, list(grammars))
        proposals = _proposals(results, grammar_id, args.backend)
        catalogue = {f.id: f for f in _feature_lookup(args.data_dir, features).values()}
        n, report = export_sheet(
            reviews, grammar_id, args.format, Path(args.out), proposals=proposals, grammars=grammars,
            features=catalogue, resolver=LanguageResolver(args.data_dir),
        )
    if report is None:
        print(f"{n} reviewed feature(s) of {grammar_id} -> {args.out} ({args.format})")
        return 0
    status = "valid" if report.valid else "INVALID: " + "; ".join(report.messages[:5])
    print(f"CLDF StructureDataset of {n} reviewed feature(s) of {grammar_id} (pycldf: {status}) -> {report.cldf_dir}")
    return 0 if report.valid else 1


def cmd_import(args: argparse.Namespace) -> int:
    results, reviews = _open(args)
    sheet = Path(args.file)
    if not sheet.is_file():
        raise GrammarRagError(f"No sheet at {sheet}: pass the path of a tab-separated file.")
    grammars, features = load_inputs(results)
    with reviews:
        grammar_id = _grammar_id(args, reviews, list(grammars))
        proposals = _proposals(results, grammar_id, args.backend)
        n = import_sheet(reviews, sheet, grammar_id, _feature_lookup(args.data_dir, features), proposals,
                         default_reviewer=args.reviewer)
    print(f"imported {n} reviewed feature(s) into the sheet of {grammar_id} ({results / STORE_FILENAME})")
    return 0

"""Whole-book benchmark: every book in a folder, from its PDF and its LaTeX sources, as a user brings it.

Per book and format: the language resolved from the book alone (scored against ``metadata.json``
where present, never an input), ingestion quality (passage lengths, share under 100 characters,
examples/tables typed, front/back matter stored), ingest time beside plain pypdfium2 text extraction
of the same PDF in the same run (the ratio is the figure that survives a loaded machine), and peak
RSS. With ``--extract`` (default) the book is indexed and every catalogue WALS feature with a WALS
value for the book's language (``metadata.json``'s codes where present, else the resolved ones) is
classified model-free: coverage, precision when answering, and the WALS majority-value baseline on
the same answered features, calibrated (what a user gets) beside raw (always answering), per cue
family; the paper's WALS features get a top-5 retrieval check; PDF and LaTeX runs of one book are
compared for agreement. WALS values and metadata are read only to score, after prediction
(:mod:`grammar_rag.evaluation.books`).

    grammar-rag bench books --books ../shared/data/books --out benchmarks/results/books.json
"""

from __future__ import annotations

import argparse
import json
import logging
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

from grammar_rag.errors import GrammarRagError
from grammar_rag.evaluation.books import (
    agreement,
    book_references,
    score_features,
    summarise,
    top5_check,
    wals_majorities,
)
from grammar_rag.evaluation.io import write_report
from grammar_rag.evaluation.runner import bench_entry
from grammar_rag.index import GrammarIndex
from grammar_rag.ingest import ingest_path
from grammar_rag.ingest.quality import passage_stats

log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--books", required=True, help="folder of book folders (each: a PDF and/or latex/)")
    parser.add_argument("--out", default="benchmarks/results/books.json", help="JSON report path")
    parser.add_argument("--formats", default="pdf,latex", help="comma-separated: pdf, latex")
    parser.add_argument("--extract", action=argparse.BooleanOptionalAction, default=True,
                        help="index each book and classify its WALS features (default: on)")
    parser.add_argument("--model", default=None, help="embedding model for the per-book index (default: the default)")
    parser.add_argument("--backend", default="evidence", help="classifier backend (default: model-free evidence)")
    parser.add_argument("--max-features", type=int, default=None, help="at most this many features per book")
    parser.add_argument("--min-precision", type=float, default=None,
                        help="target precision for answering (default: each cue family's own)")


def _peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def plain_extraction_s(pdf: Path) -> float:
    """Seconds for pypdfium2's plain text of every page: the anchor ingest time is reported against."""
    import pypdfium2 as pdfium

    started = time.perf_counter()
    doc = pdfium.PdfDocument(str(pdf))
    try:
        for i in range(len(doc)):
            page = doc[i]
            textpage = page.get_textpage()
            textpage.get_text_range()
            textpage.close()
            page.close()
    finally:
        doc.close()
    return time.perf_counter() - started


def sources(book: Path, formats: list[str]) -> dict[str, Path]:
    out: dict[str, Path] = {}
    pdfs = sorted(book.glob("*.pdf"))
    if "pdf" in formats and pdfs:
        out["pdf"] = pdfs[0]
    if "latex" in formats and (book / "latex").is_dir():
        out["latex"] = book / "latex"
    return out


def extract_book(item: Any, args: argparse.Namespace, majorities: dict[str, str],
                 meta: dict[str, Any]) -> dict[str, Any]:
    """Index one ingested book and classify every WALS feature WALS codes for its language."""
    grammar = item.grammar
    refs = book_references(grammar, meta)
    if args.max_features:
        refs = refs[: args.max_features]
    if not refs:
        key = grammar.glottocode or grammar.iso639_3 or grammar.language
        return {"features": 0, "note": f"no WALS value for language {grammar.language} ({key})"}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="books-bench-") as tmp:
        index = GrammarIndex.create(Path(tmp) / "idx", args.model)
        index.add_many([item])
        rows = score_features(grammar, index, refs, majorities, args.backend, args.min_precision)
        top5 = top5_check(grammar, index, refs)
    return {**summarise(rows), "seconds": round(time.perf_counter() - started, 1), "top5": top5, "rows": rows}


def run(args: argparse.Namespace) -> int:
    root = Path(args.books)
    if not root.is_dir():
        raise GrammarRagError(f"--books {root}: not a folder; pass a folder of book folders.")
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    majorities = wals_majorities() if args.extract else {}
    books: dict[str, Any] = {}
    for book in sorted(p for p in root.iterdir() if p.is_dir()):
        meta_path = book / "metadata.json"
        meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.is_file() else {}
        runs: dict[str, Any] = {}
        for fmt, src in sources(book, formats).items():
            entry: dict[str, Any] = {"source": str(src)}
            plain = plain_extraction_s(src) if fmt == "pdf" else 0.0
            started = time.perf_counter()
            [item] = ingest_path(src)
            ingest_s = time.perf_counter() - started
            entry["ingest_s"] = round(ingest_s, 1)
            if fmt == "pdf":
                # the ratio from unrounded timings: a small PDF reads in well under 10 ms
                entry["plain_extraction_s"] = round(plain, 3)
                entry["ingest_to_plain_ratio"] = round(ingest_s / max(plain, 1e-6), 1)
            g = item.grammar
            entry["grammar"] = {"id": g.id, "language": g.language, "glottocode": g.glottocode,
                                "iso639_3": g.iso639_3, "language_confidence": g.language_confidence}
            if meta.get("glottocode"):  # scoring only: never passed to ingest
                entry["glottocode_correct"] = g.glottocode == meta["glottocode"]
            entry["quality"] = passage_stats(item.passages)
            if args.extract:
                entry["extraction"] = extract_book(item, args, majorities, meta)
            entry["peak_rss_mb_so_far"] = _peak_rss_mb()
            runs[fmt] = entry
            log.info("%s %s: %s", book.name, fmt, json.dumps({k: v for k, v in entry.items() if k != "extraction"}))
        if "pdf" in runs and "latex" in runs and args.extract:
            pdf_rows, tex_rows = (runs[f].get("extraction", {}).get("rows", []) for f in ("pdf", "latex"))
            runs["pdf_latex_agreement"] = {"calibrated": agreement(pdf_rows, tex_rows),
                                           "raw": agreement(pdf_rows, tex_rows, key="raw_predicted")}
        books[book.name] = runs
    report = {"books": books, "peak_rss_mb": _peak_rss_mb(), "formats": formats, "backend": args.backend,
              "model": args.model}
    write_report(Path(args.out), json.dumps(report, ensure_ascii=False, indent=1))
    print(f"wrote {args.out}: {len(books)} book(s)")
    return 0


def main(argv: list[str] | None = None) -> int:
    return bench_entry(__doc__, add_arguments, run, argv)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())

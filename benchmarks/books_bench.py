"""Whole-book benchmark: every book in a folder, from its PDF, its LaTeX sources and its text (a
``.txt``: pdftotext or OCR output), as a user brings it.

Per book and format: the language resolved from the book alone (scored against ``metadata.json``
where present, never an input), ingestion quality (passage lengths, share under 100 characters,
examples/tables typed, front/back matter stored), and the cost of ingesting it as a user does.

Cost is measured honestly: each source is ingested into a fresh index by ``grammar-rag ingest`` in a
fresh interpreter (imports, reading, passages, tokenising, embedding with the chosen model, BM25,
writing), and that process's own peak RSS is read from ``wait4``; plain pypdfium2 text extraction
of the same PDF runs in a child of its own in the same run, and the ratio of the two times is the
figure that survives a loaded machine. With ``--extract`` (default) every catalogue WALS feature with
a WALS value for the book's language (``metadata.json``'s codes where present, else the resolved
ones) is then classified model-free over that index: coverage, precision when answering, and the
WALS majority-value baseline on the same answered features, calibrated (what a user gets) beside raw
(always answering), per cue family; the paper's features get a top-5 retrieval check; PDF section
paths are matched against the PDF's own outline; the PDF, LaTeX and text runs of one book are compared
for agreement, two by two. WALS values and metadata are read only to score, after prediction
(:mod:`grammar_rag.evaluation.books`).

    grammar-rag bench books --books ../shared/data/books --out benchmarks/results/books.json
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grammar_rag
from grammar_rag.cli.options import precision_target
from grammar_rag.errors import GrammarRagError
from grammar_rag.evaluation.books import (
    agreement,
    book_references,
    grambank_majorities,
    grambank_references,
    score_features,
    summarise,
    top5_check,
)
from grammar_rag.evaluation.io import write_report
from grammar_rag.evaluation.runner import bench_entry
from grammar_rag.features.values import grambank_values
from grammar_rag.index import GrammarIndex
from grammar_rag.index.embed import canonical_name
from grammar_rag.ingest.pdf_outline import pdf_toc
from grammar_rag.ingest.quality import passage_stats, toc_match
from grammar_rag.types import Feature, FeatureValue, Grammar

log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--books", required=True, help="folder of book folders (each: a PDF and/or latex/)")
    parser.add_argument("--out", default="benchmarks/results/books.json", help="JSON report path")
    parser.add_argument("--formats", default="pdf,latex,text",
                        help="comma-separated: pdf, latex, text (a book's .txt: pdftotext or OCR output)")
    parser.add_argument("--extract", action=argparse.BooleanOptionalAction, default=True,
                        help="index each book and classify its WALS features (default: on)")
    parser.add_argument("--model", default=None, help="embedding model for the per-book index (default: the default)")
    parser.add_argument("--backend", default="evidence", help="classifier backend (default: model-free evidence)")
    parser.add_argument("--max-features", type=int, default=None, help="at most this many features per book")
    parser.add_argument("--min-precision", type=precision_target, default=None,
                        help="target precision for answering (default: each cue family's own)")
    parser.add_argument("--grambank", metavar="DIR", default=os.environ.get("GRAMMAR_RAG_GRAMBANK_DIR"),
                        help="a Grambank CLDF download (values.csv): also score every Grambank feature it codes "
                             "for each book's language, apart from WALS (default: $GRAMMAR_RAG_GRAMBANK_DIR)")


# pypdfium2's plain text of every page, timed inside a bare interpreter (nothing else imported, so
# its peak RSS is the reader's own): the anchor that ingest time is reported against
PLAIN_EXTRACTION = """
import json, resource, sys, time
import pypdfium2 as pdfium
started = time.perf_counter()
doc = pdfium.PdfDocument(sys.argv[1])
pages = len(doc)
for i in range(pages):
    page = doc[i]
    textpage = page.get_textpage()
    textpage.get_text_range()
    textpage.close()
    page.close()
doc.close()
print(json.dumps({"seconds": time.perf_counter() - started, "pages": pages}))
"""


def _peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


@dataclass(frozen=True)
class ChildRun:
    """One command run in a fresh interpreter: exit status, wall and CPU seconds, its own peak RSS, its output.

    CPU seconds (user + system) barely move with the machine's load; wall seconds do.
    """

    status: int
    seconds: float
    cpu_s: float
    peak_rss_mb: float
    output: str


# Runs a command and writes its exit status, wall seconds and peak RSS as JSON to argv[1]. Why a
# small go-between: Linux carries ru_maxrss across fork and exec, so a child forked straight from
# this (large) process would report at least this process's size; forked from a bare interpreter,
# the command's peak is its own (plus that interpreter's ~10 MB it started from).
MEASURE = """
import json, os, subprocess, sys, time
started = time.perf_counter()
proc = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(proc.pid, 0)
seconds = time.perf_counter() - started
code = os.waitstatus_to_exitcode(status)
with open(sys.argv[1], "w") as fh:
    json.dump({"status": code, "seconds": seconds, "cpu_s": usage.ru_utime + usage.ru_stime,
               "peak_rss_kb": usage.ru_maxrss}, fh)
sys.exit(0 if code == 0 else 1)
"""


def run_child(argv: list[str]) -> ChildRun:
    """Run ``argv`` (after the interpreter) in a fresh Python: exit status, wall seconds, its own peak RSS.

    The child imports this checkout's ``grammar_rag``, not an installed copy.
    """
    env = dict(os.environ)
    root = str(Path(grammar_rag.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
    with tempfile.TemporaryDirectory(prefix="books-bench-run-") as tmp:
        usage_path = Path(tmp) / "usage.json"
        out_path = Path(tmp) / "output.txt"
        with open(out_path, "wb") as out:
            subprocess.run([sys.executable, "-c", MEASURE, str(usage_path), sys.executable, *argv],
                           stdout=out, stderr=subprocess.STDOUT, env=env, check=False)
        text = out_path.read_text(encoding="utf-8", errors="replace")
        if not usage_path.is_file():
            raise GrammarRagError(f"could not measure {argv[:3]}: {text.strip()[-300:]}")
        usage = json.loads(usage_path.read_text(encoding="utf-8"))
    return ChildRun(int(usage["status"]), float(usage["seconds"]), float(usage["cpu_s"]),
                    round(usage["peak_rss_kb"] / 1024, 1), text)


def plain_extraction(pdf: Path) -> ChildRun:
    """Plain pypdfium2 text extraction of ``pdf`` in a child; ``seconds`` is the extraction alone."""
    child = run_child(["-c", PLAIN_EXTRACTION, str(pdf)])
    if child.status != 0:
        last = (child.output.strip().splitlines() or [f"exit status {child.status}"])[-1]
        raise GrammarRagError(f"{pdf}: pypdfium2 could not read it ({last}); check the file or leave it out.")
    timed = json.loads(child.output.strip().splitlines()[-1])
    return ChildRun(0, float(timed["seconds"]), child.cpu_s, child.peak_rss_mb, child.output)


def prepare_model(model: str | None) -> dict[str, Any]:
    """Load the embedding model once in a child before any book is timed.

    Why: the first load on a machine may export the model for onnxruntime (~10 s, then cached,
    like the install itself); it is reported apart, so every book's ingest time is what a user pays
    on each later book.
    """
    code = "import sys; from grammar_rag.index.embed import get_embedder; get_embedder(sys.argv[1] or None)"
    child = run_child(["-c", code, model or ""])
    if child.status != 0:
        last = (child.output.strip().splitlines() or [f"exit status {child.status}"])[-1]
        raise GrammarRagError(f"embedding model {canonical_name(model)} could not be loaded: {last}")
    return {"model": canonical_name(model), "seconds": round(child.seconds, 1), "peak_rss_mb": child.peak_rss_mb}


def ingest_child(src: Path, index_dir: Path, model: str | None) -> ChildRun:
    """``grammar-rag ingest SRC --index DIR`` in a child: the whole cost a user pays, embedding included."""
    argv = ["-m", "grammar_rag", "ingest", str(src), "--index", str(index_dir), "--no-progress"]
    return run_child(argv + (["--model", model] if model else []))


def sources(book: Path, formats: list[str]) -> dict[str, Path]:
    out: dict[str, Path] = {}
    pdfs = sorted(book.glob("*.pdf"))
    if "pdf" in formats and pdfs:
        out["pdf"] = pdfs[0]
    if "latex" in formats and (book / "latex").is_dir():
        out["latex"] = book / "latex"
    texts = sorted(book.glob("*.txt"))
    if "text" in formats and texts:
        out["text"] = texts[0]
    return out


def extract_book(grammar: Grammar, index: GrammarIndex, args: argparse.Namespace,
                 meta: dict[str, Any], other_refs: Sequence[tuple[Feature, FeatureValue]] = ()) -> dict[str, Any]:
    """Classify every WALS feature WALS codes for the book's language, over the book's index
    (``other_refs``, Grambank's, only give the top-5 check its GB107 reference)."""
    refs = book_references(grammar, meta)
    if args.max_features:
        refs = refs[: args.max_features]
    if not refs:
        key = grammar.glottocode or grammar.iso639_3 or grammar.language
        return {"features": 0, "note": f"no WALS value for language {grammar.language} ({key})"}
    started = time.perf_counter()
    rows = score_features(grammar, index, refs, args.backend, args.min_precision)
    top5 = top5_check(grammar, index, [*refs, *other_refs])
    return {**summarise(rows), "seconds": round(time.perf_counter() - started, 1), "top5": top5, "rows": rows}


def extract_grambank(grammar: Grammar, index: GrammarIndex, args: argparse.Namespace,
                     refs: Sequence[tuple[Feature, FeatureValue]]) -> dict[str, Any]:
    """The same scoring for the Grambank features a Grambank download codes for the book's language,
    its commonest value per feature as the baseline."""
    if args.max_features:
        refs = refs[: args.max_features]
    if not refs:
        key = grammar.glottocode or grammar.language
        return {"features": 0, "note": f"no Grambank value in {args.grambank} for {grammar.language} ({key})"}
    started = time.perf_counter()
    majorities = grambank_majorities(args.grambank)
    rows = score_features(grammar, index, refs, args.backend, args.min_precision,
                          majority_name=lambda f: majorities.get(f.id))
    return {**summarise(rows), "seconds": round(time.perf_counter() - started, 1), "rows": rows}


def bench_source(fmt: str, src: Path, index_dir: Path, meta: dict[str, Any],
                 args: argparse.Namespace) -> dict[str, Any]:
    """Ingest one source in a child (time, peak RSS), then score its passages, language and answers."""
    entry: dict[str, Any] = {"source": str(src), "model": canonical_name(args.model)}
    plain = plain_extraction(src) if fmt == "pdf" else None
    child = ingest_child(src, index_dir, args.model)
    entry["ingest_s"] = round(child.seconds, 1)
    entry["ingest_cpu_s"] = round(child.cpu_s, 1)
    entry["ingest_peak_rss_mb"] = child.peak_rss_mb
    if plain is not None:
        # the ratio from unrounded timings: a small PDF reads in well under 10 ms
        entry["plain_extraction_s"] = round(plain.seconds, 3)
        entry["plain_extraction_peak_rss_mb"] = plain.peak_rss_mb
        entry["ingest_to_plain_ratio"] = round(child.seconds / max(plain.seconds, 1e-6), 1)
    if child.status != 0:
        entry["error"] = (child.output.strip().splitlines() or [f"exit status {child.status}"])[-1]
        log.warning("%s: ingest failed: %s", src, entry["error"])
        return entry
    index = GrammarIndex.open(index_dir)
    entry["embedding_runtime"] = index.manifest["embedding"].get("runtime_at_build")
    [g] = index.grammars()
    entry["grammar"] = {"id": g.id, "language": g.language, "glottocode": g.glottocode,
                        "iso639_3": g.iso639_3, "language_confidence": g.language_confidence}
    if meta.get("glottocode"):  # scoring only: never passed to ingest
        entry["glottocode_correct"] = g.glottocode == meta["glottocode"]
    passages = index.passages(g.id)
    entry["quality"] = passage_stats(passages)
    if fmt == "pdf":
        toc = pdf_toc(src)
        entry["quality"]["toc_match"] = round(toc_match(passages, toc), 4) if toc else None
    if args.extract:
        grambank = grambank_references(g, meta, args.grambank) if args.grambank else []
        entry["extraction"] = extract_book(g, index, args, meta, grambank)
        if args.grambank:
            entry["grambank"] = extract_grambank(g, index, args, grambank)
    return entry


def run(args: argparse.Namespace) -> int:
    root = Path(args.books)
    if not root.is_dir():
        raise GrammarRagError(f"--books {root}: not a folder; pass a folder of book folders.")
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    if args.grambank:
        grambank_values(args.grambank)  # a folder that is no Grambank CLDF stops here, before any ingest
    preparation = prepare_model(args.model)
    books: dict[str, Any] = {}
    for book in sorted(p for p in root.iterdir() if p.is_dir()):
        meta_path = book / "metadata.json"
        meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.is_file() else {}
        runs: dict[str, Any] = {}
        for fmt, src in sources(book, formats).items():
            with tempfile.TemporaryDirectory(prefix="books-bench-") as tmp:
                entry = bench_source(fmt, src, Path(tmp) / "idx", meta, args)
            runs[fmt] = entry
            log.info("%s %s: %s", book.name, fmt, json.dumps({k: v for k, v in entry.items() if k != "extraction"}))
        for first, second in (("pdf", "latex"), ("pdf", "text"), ("latex", "text")):  # one book, two sources
            if first in runs and second in runs and args.extract:
                a, b = (runs[f].get("extraction", {}).get("rows", []) for f in (first, second))
                runs[f"{first}_{second}_agreement"] = {"calibrated": agreement(a, b),
                                                      "raw": agreement(a, b, key="raw_predicted")}
        books[book.name] = runs
    report = {"books": books, "peak_rss_mb": _peak_rss_mb(), "formats": formats, "backend": args.backend,
              "model": args.model, "model_preparation": preparation}
    write_report(Path(args.out), json.dumps(report, ensure_ascii=False, indent=1))
    print(f"wrote {args.out}: {len(books)} book(s)")
    return 0


def main(argv: list[str] | None = None) -> int:
    return bench_entry(__doc__, add_arguments, run, argv)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())

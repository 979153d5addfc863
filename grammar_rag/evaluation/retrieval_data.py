"""Loading the paper's retrieval benchmark files (rerankers benchmark, RAG paragraphs, gold pages).

Kept apart from the ``retrieval_bench`` runner so the learned reranker's training script and the tests read
the data the same way. Only ``Paragraph``, ``Page number`` and ``BM25 Rank`` become passages;
``Relevance Score`` / ``Binary Relevance Score`` are returned separately as labels for scoring and
for cross-validated training, and ``Annotation`` / ``Word order`` are never read.
"""

from __future__ import annotations

import csv
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from grammar_rag.errors import DataDirError, IngestError
from grammar_rag.evaluation.io import read_csv_rows
from grammar_rag.evaluation.metrics import page_set
from grammar_rag.features import get_catalogue
from grammar_rag.ingest.paragraph_csv import iter_paragraph_rows, parse_pages
from grammar_rag.types import Feature, Passage

log = logging.getLogger(__name__)

RERANK_DIR = "rerankers_benchmark"
RAG_DIR = "rag_on_grammars"
# paragraphs/<FEATURE>/ directory -> (catalogue id, gold CSV, gold label/pages column)
PAGE_HIT_FEATURES = {
    "WALS_81A": ("WALS 81A", "annotated_benchmark.csv", "WALS 81A: Pages"),
    "WALS_49A": ("WALS 49A", "annotated_benchmark_number_of_cases.csv", "Reference"),
    "WALS_116A": ("WALS 116A*", "annotated_benchmark.csv", "WALS 116A: Pages"),
    "GB_107": ("GB107", "annotated_benchmark.csv", "GB107: Pages"),
}


@dataclass
class RerankCase:
    """One grammar of the rerankers benchmark: candidates in BM25 order plus their labels."""

    grammar: str
    passages: list[Passage]
    relevance: list[float]
    binary: list[float]


def find_rerank_dir(data_dir: str | Path) -> Path:
    """``data_dir`` itself, ``data_dir/rerankers_benchmark`` or ``data_dir/rag_on_grammars/...``."""
    root = Path(data_dir).expanduser()
    for cand in (root / RERANK_DIR, root / RAG_DIR / RERANK_DIR, root):
        if cand.is_dir() and any(cand.glob("*.csv")) and (cand.name == RERANK_DIR or cand == root):
            if cand == root and not _looks_like_rerank_csv(next(iter(sorted(root.glob("*.csv"))))):
                continue
            return cand
    raise DataDirError(
        f"{root} has no '{RERANK_DIR}/' directory of grammar CSVs (give the directory that contains it, "
        f"e.g. shared/data/rag_on_grammars, or its parent)."
    )


def find_rag_dir(data_dir: str | Path) -> Path | None:
    """The directory holding ``paragraphs/`` and ``annotated_benchmark*.csv``, if any."""
    root = Path(data_dir).expanduser()
    for cand in (root, root / RAG_DIR, root.parent):
        if (cand / "paragraphs").is_dir():
            return cand
    return None


def _looks_like_rerank_csv(path: Path) -> bool:
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            header = [h.strip() for h in next(csv.reader(fh), [])]
    except (OSError, UnicodeDecodeError, csv.Error):
        return False
    return "Paragraph" in header and "Relevance Score" in header


def load_rerank_case(path: Path) -> RerankCase:
    """Read one ``rerankers_benchmark/<grammar>.csv``, passages sorted by ``BM25 Rank``."""
    _, rows = read_csv_rows(path)
    missing = {"Paragraph", "Relevance Score", "BM25 Rank"} - set(rows[0] if rows else {})
    if missing:
        raise DataDirError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
    rows.sort(key=lambda r: float(r["BM25 Rank"]))
    grammar = path.stem
    passages, rel, binary = [], [], []
    for i, r in enumerate(rows):
        start, end = parse_pages(r.get("Page number", ""))
        passages.append(
            Passage(grammar_id=grammar, passage_id=f"{grammar}:{i}", text=r["Paragraph"], page_start=start,
                    page_end=end, order=i)
        )
        rel.append(float(r["Relevance Score"] or 0))
        b = r.get("Binary Relevance Score")
        binary.append(float(b) if b not in (None, "") else float(rel[-1] >= 4))
    return RerankCase(grammar, passages, rel, binary)


def load_rerank_cases(data_dir: str | Path) -> list[RerankCase]:
    directory = find_rerank_dir(data_dir)
    cases = [load_rerank_case(p) for p in sorted(directory.glob("*.csv"))]
    if not cases:
        raise DataDirError(f"{directory}: no grammar CSV files")
    return cases


def load_paragraphs(path: Path) -> list[tuple[Passage, set[int]]]:
    """``paragraphs/<FEATURE>/<bibkey>.csv`` -> passages in file (BM25) order with their pages."""
    try:
        rows = list(iter_paragraph_rows(path))
    except (OSError, IngestError) as exc:
        raise DataDirError(f"cannot read paragraph file {path}: {exc}") from exc
    out = []
    for i, (text, page_raw) in enumerate(rows):
        start, end = parse_pages(page_raw)
        out.append((Passage(path.stem, f"{path.stem}:{i}", text, start, end, order=i), page_set(page_raw)))
    return out


def load_gold_pages(rag_dir: Path, csv_name: str, column: str) -> dict[str, set[int]]:
    """bibkey (``Filename``) -> gold pages of one feature; grammars without pages are left out."""
    path = rag_dir / csv_name
    if not path.exists():
        return {}
    out = {}
    for r in read_csv_rows(path)[1]:
        key = (r.get("Filename") or "").strip()
        pages = page_set(r.get(column, ""))
        if key and pages:
            out[key] = pages
    return out


# --- features ------------------------------------------------------------------------------


def load_feature(feature_id: str) -> Feature:
    """The catalogue's feature (bundled copy: held-back data directories need no CLDF tables)."""
    return get_catalogue().get(feature_id)


_PRINTED_NUMBER = re.compile(r"(?<!\d)(\d{1,4})(?!\d)")


def printed_page_offset(items: Sequence[tuple[Passage, set[int]]], lowest: int = -20, highest: int = 200,
                        min_votes: float = 5.0, margin: float = 1.5) -> tuple[int, float]:
    """(PDF page - printed page, votes) for one grammar, estimated from its paragraphs' running heads.

    Why: the paragraph files give *PDF* page numbers, while the annotators' gold pages are the
    grammar's *printed* page numbers (the pages a linguist cites). Comparing the two directly scores
    paragraphs that merely share a number with the evidence (e.g. meng2018grammar: gold page 63 is
    the constituent-order section at PDF page 94; the PDF page 41 paragraph carries the running head
    "10 CHAPTER 1"). Every number in a paragraph votes for ``pdf_page - number`` (split over the pages
    the paragraph spans); the page number printed in running heads and footers is the one offset
    most paragraphs agree on. Returns offset 0 when no offset wins by ``margin`` over the best
    rival more than 3 pages away with ``min_votes`` behind it. Only paragraph text and PDF pages are read.
    """
    votes: dict[int, float] = {}  # offset -> votes (fractional: split over a paragraph's pages)
    for passage, pages in items:
        if not pages:
            continue
        numbers = {int(x) for x in _PRINTED_NUMBER.findall(passage.text)}
        offsets = {page - n for n in numbers for page in pages if lowest <= page - n <= highest}
        for d in offsets:
            votes[d] = votes.get(d, 0.0) + 1.0 / len(pages)
    if not votes:
        return 0, 0.0
    (best, support), *rest = sorted(votes.items(), key=lambda dv: dv[1], reverse=True)  # as Counter.most_common
    # neighbours of the winner share its votes (a paragraph over pages 145-148 votes for four offsets)
    rival = max((v for d, v in rest if abs(d - best) > 3), default=0.0)
    if support >= min_votes and support >= margin * rival:
        return best, support
    return 0, support


def grammar_page_offset(rag_dir: Path, bibkey: str) -> int:
    """:func:`printed_page_offset` over all of a grammar's paragraph files (one per feature folder).

    The offset belongs to the grammar's PDF, not to a feature: pooling the folders gives the
    estimate more running heads (jacobsen1964grammar's WALS_49A file alone has one usable number,
    its WALS_81A file agrees on 17). Paragraphs found in several folders vote once.
    """
    seen: set[tuple[str, tuple[int, ...]]] = set()
    items: list[tuple[Passage, set[int]]] = []
    for folder in PAGE_HIT_FEATURES:
        path = rag_dir / "paragraphs" / folder / f"{bibkey}.csv"
        if not path.exists():
            continue
        for passage, pages in load_paragraphs(path):
            key = (passage.text, tuple(sorted(pages)))
            if key not in seen:
                seen.add(key)
                items.append((passage, pages))
    return printed_page_offset(items)[0]

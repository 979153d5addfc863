"""The RAG benchmark's paragraph files, read as the paper's classifier saw them.

``paragraphs/<FEATURE>/<bibkey>.csv`` holds the 50 paragraphs BM25 found for one grammar and
feature, in BM25 order. Every row is kept and its row index is its rank, so the ``wikipedia``
configuration reads exactly the paper's list and the reranker reorders exactly those 50.
"""

from __future__ import annotations

from pathlib import Path

from grammar_rag.errors import DataDirError, IngestError
from grammar_rag.ingest.paragraph_csv import iter_paragraph_rows, parse_pages
from grammar_rag.types import Passage, ScoredPassage


def load_paragraphs(path: Path, grammar_id: str, folder: str) -> list[Passage]:
    """The paper's paragraph CSV (``Paragraph``, ``Page number``) in BM25 order, every row kept
    (the row index is the BM25 rank, so nothing is merged or dropped)."""
    try:
        rows = list(iter_paragraph_rows(path))
    except (OSError, IngestError) as exc:
        raise DataDirError(f"cannot read paragraph file {path}: {exc}") from exc
    out: list[Passage] = []
    for i, (text, page_raw) in enumerate(rows):
        start, end = parse_pages(page_raw)
        out.append(Passage(grammar_id, f"{grammar_id}:{folder}:{i}", text or "", page_start=start, page_end=end, order=i))
    return out


def bm25_order(passages: list[Passage]) -> list[ScoredPassage]:
    """``passages`` as ranked by BM25: the file order, rank 1 first, scores descending."""
    n = len(passages)
    return [ScoredPassage(p, float(n - i), i + 1) for i, p in enumerate(passages)]

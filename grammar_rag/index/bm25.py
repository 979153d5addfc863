"""BM25, in one place: persisted bm25s shards for the index, and an exact scorer for candidate lists.

bm25s cannot add documents to an existing index, so the store never asks it to: each grammar has
its own BM25 shard (grammar-restricted search uses that grammar's own term statistics, as the
paper ran BM25 per grammar), and whole-corpus search runs over *segments* (the grammars added
together), each an immutable BM25 shard whose top hits are merged.

:func:`okapi_scores` scores a short list of documents known only at query time (a reranker's
candidates, with statistics from the candidates themselves). There bm25s's precomputed sparse
matrix buys nothing, so it is the textbook formula in float64 (Lucene's IDF; ``k1`` and ``b`` are
the caller's, and the rerankers keep their own ``k1=1.2``). Both use the same IDF variant, but they
are not interchangeable: bm25s ("lucene") drops the constant ``(k1 + 1)`` factor and works in
float32, so swapping one for the other would move scores and tie orders.
"""

from __future__ import annotations

import json
import logging
import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

EMPTY_MARKER = "empty.json"  # written instead of a bm25s index when no passage has any term


@dataclass(frozen=True)
class BM25Params:
    method: str = "lucene"
    k1: float = 1.5
    b: float = 0.75

    def to_dict(self) -> dict[str, Any]:
        return {"method": self.method, "k1": self.k1, "b": self.b}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BM25Params:
        return cls(method=data.get("method", "lucene"), k1=float(data.get("k1", 1.5)), b=float(data.get("b", 0.75)))


def _bm25s() -> Any:
    """bm25s, imported on first use: it brings scipy.sparse along, and every ``grammar-rag`` command
    (``--help`` too) imports this module through its parser, most of them never scoring a query."""
    import bm25s

    # bm25s sets its own logger to DEBUG at import, which floods any application using
    # logging.basicConfig with "Building index from tokens"; give it the usual WARNING threshold.
    if logging.getLogger("bm25s").level == logging.DEBUG:
        logging.getLogger("bm25s").setLevel(logging.WARNING)
    return bm25s


class BM25Shard:
    """Immutable BM25 over ``num_docs`` passages; scores a tokenised query against all of them."""

    def __init__(self, retriever: Any | None, num_docs: int) -> None:
        self._retriever = retriever
        self.num_docs = num_docs

    @classmethod
    def build(cls, corpus_tokens: list[list[str]], params: BM25Params | None = None) -> BM25Shard:
        params = params or BM25Params()
        if not any(corpus_tokens):
            return cls(None, len(corpus_tokens))
        retriever = _bm25s().BM25(method=params.method, k1=params.k1, b=params.b)
        retriever.index(corpus_tokens, show_progress=False)
        return cls(retriever, len(corpus_tokens))

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        if self._retriever is None:
            (directory / EMPTY_MARKER).write_text(json.dumps({"num_docs": self.num_docs}), encoding="utf-8")
        else:
            self._retriever.save(str(directory), show_progress=False)

    @classmethod
    def load(cls, directory: Path) -> BM25Shard:
        marker = directory / EMPTY_MARKER
        if marker.exists():
            return cls(None, int(json.loads(marker.read_text(encoding="utf-8"))["num_docs"]))
        retriever = _bm25s().BM25.load(str(directory), show_progress=False)
        return cls(retriever, int(retriever.scores["num_docs"]))

    def scores(self, query_tokens: list[str]) -> np.ndarray:
        """BM25 score of every passage (0 where no query term occurs)."""
        if self._retriever is None or not query_tokens:
            return np.zeros(self.num_docs, dtype=np.float32)
        ids = self._retriever.get_tokens_ids(query_tokens)
        if not ids:
            return np.zeros(self.num_docs, dtype=np.float32)
        return self._retriever.get_scores_from_ids(ids)

    def top_k(self, query_tokens: list[str], k: int, mask: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Indices and scores of the best ``k`` passages with a positive score, best first.

        ``mask`` (bool per passage) hides passages, e.g. those of grammars removed from a segment.
        """
        scores = self.scores(query_tokens)
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        return top_k_positive(scores, k)


def top_k_positive(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Top-``k`` indices/scores among entries > 0, sorted descending (ties: lower index first)."""
    positive = np.flatnonzero(scores > 0)
    if positive.size == 0 or k <= 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    if positive.size > k:
        part = np.argpartition(-scores[positive], k - 1)[:k]
        positive = positive[part]
    order = np.lexsort((positive, -scores[positive]))
    chosen = positive[order]
    return chosen, scores[chosen].astype(np.float32)


def okapi_scores(query_tokens: list[str], docs: list[list[str]], *, k1: float, b: float) -> list[float]:
    """Okapi BM25 of a tokenised query against each tokenised document, IDF from ``docs`` themselves.

    ``idf = log(1 + (n - df + 0.5) / (df + 0.5))`` (Lucene's, never negative); a query term that
    occurs twice counts twice. Documents and query must be tokenised the same way by the caller.
    """
    if not docs:
        return []
    n = len(docs)
    avgdl = sum(len(d) for d in docs) / n or 1.0
    df: Counter[str] = Counter()
    for d in docs:
        df.update(set(d))
    q_terms = Counter(query_tokens)
    scores = []
    for d in docs:
        tf = Counter(d)
        dl = len(d)
        s = 0.0
        for term, qtf in q_terms.items():
            f = tf.get(term, 0)
            if not f:
                continue
            idf = math.log(1 + (n - df[term] + 0.5) / (df[term] + 0.5))
            s += qtf * idf * f * (k1 + 1) / (f + k1 * (1 - b + b * dl / avgdl))
        scores.append(s)
    return scores

"""Lexical rerankers: keep the BM25 candidate order, or re-score the candidates with BM25.

``bm25`` is the identity: candidate lists arrive in first-stage BM25 order, and the benchmark's
reference line is exactly that order. ``bm25-local`` scores each candidate against the *feature
query* with BM25 statistics of the candidate list itself (the first stage may have used another
query, e.g. the paper's Wikipedia summary), which is also a feature of the learned reranker.
"""

from __future__ import annotations

from grammar_rag.index.bm25 import okapi_scores
from grammar_rag.rerank.base import RERANKERS, FeatureQuery, as_query, ranked
from grammar_rag.text.tokens import tokens
from grammar_rag.types import Passage, ScoredPassage


def bm25_scores(query_text: str, texts: list[str], k1: float = 1.2, b: float = 0.75) -> list[float]:
    """BM25 of ``query_text`` against each of ``texts``, IDF from ``texts`` themselves.

    The scoring is :func:`grammar_rag.index.bm25.okapi_scores`; this only tokenises with the
    reranker's tokeniser (not the index's) and keeps the rerankers' ``k1=1.2``.
    """
    docs = [tokens(t) for t in texts]
    return okapi_scores(tokens(query_text), docs, k1=k1, b=b)


class KeepOrderReranker:
    """The first-stage (BM25) order, unchanged: the baseline every reranker is compared with."""

    name = "bm25"

    def rerank(self, query: FeatureQuery | str, passages: list[Passage]) -> list[ScoredPassage]:
        n = len(passages)
        return ranked(passages, [float(n - i) for i in range(n)])


class LocalBM25Reranker:
    """BM25 of the feature query over the candidate list (IDF from the candidates)."""

    name = "bm25-local"

    def rerank(self, query: FeatureQuery | str, passages: list[Passage]) -> list[ScoredPassage]:
        q = as_query(query)
        return ranked(passages, bm25_scores(q.text, [p.text for p in passages]))


@RERANKERS.register("bm25", help="keep the first-stage BM25 order (baseline)")
def _make_bm25() -> KeepOrderReranker:
    return KeepOrderReranker()


@RERANKERS.register("bm25-local", help="BM25 of the feature query, statistics from the candidate list")
def _make_bm25_local() -> LocalBM25Reranker:
    return LocalBM25Reranker()

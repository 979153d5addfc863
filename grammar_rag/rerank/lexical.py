"""Lexical rerankers: keep the BM25 candidate order, or re-score the candidates with BM25.

``bm25`` is the identity: candidate lists arrive in first-stage BM25 order, and the benchmark's
reference line is exactly that order. ``bm25-local`` scores each candidate against the *feature
query* with BM25 statistics of the candidate list itself (the first stage may have used another
query, e.g. the paper's Wikipedia summary), which is also a feature of the learned reranker.
"""

from __future__ import annotations

import math
from collections import Counter

from grammar_rag.rerank.base import RERANKERS, FeatureQuery, as_query, ranked
from grammar_rag.text.tokens import tokens
from grammar_rag.types import Passage, ScoredPassage


def bm25_scores(query_text: str, texts: list[str], k1: float = 1.2, b: float = 0.75) -> list[float]:
    """Okapi BM25 of ``query_text`` against each of ``texts``, IDF from ``texts`` themselves."""
    docs = [tokens(t) for t in texts]
    if not docs:
        return []
    n = len(docs)
    avgdl = sum(len(d) for d in docs) / n or 1.0
    df: Counter[str] = Counter()
    for d in docs:
        df.update(set(d))
    q_terms = Counter(tokens(query_text))
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

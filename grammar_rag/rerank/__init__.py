"""Feature queries and rerankers of candidate passages.

Usage::

    from grammar_rag.features import get_catalogue
    from grammar_rag.rerank import build_query, rerank

    query = build_query(get_catalogue().get("81A"))          # style="catalogue"
    top20 = rerank(query, candidates, k=20)                  # DEFAULT_RERANKER

``DEFAULT_RERANKER`` is fixed here, in code, chosen for generality and CPU speed (no neural model
at query time); it is never picked at run time from the data being scored. The benchmark
(``grammar-rag bench retrieval``) reports it beside every other configuration.
"""

from __future__ import annotations

import inspect
from pathlib import Path

from grammar_rag.config import BUNDLED_DATA_DIR
from grammar_rag.features import shape
from grammar_rag.index import bm25 as index_bm25
from grammar_rag.index import fusion as index_fusion
from grammar_rag.rerank.base import RERANKERS, FeatureQuery, Reranker, as_query, ranked
from grammar_rag.rerank.queries import STYLES, build_query
from grammar_rag.text import TEXT_FILES
from grammar_rag.types import Passage, ScoredPassage
from grammar_rag.versioning import files_digest

DEFAULT_RERANKER = "learned"
DEFAULT_QUERY_STYLE = "catalogue"
# changes whenever a query builder, a cue or the shipped weights change: caches of reranked orders
# (benchmarks, batch runs) key on it so they never serve an order the current code would not produce.
# The BM25 scorer and the RRF the rerankers call live in grammar_rag.index, so those files count too.
RERANK_VERSION = "rerank-" + files_digest(
    [*Path(__file__).resolve().parent.glob("*.py"), BUNDLED_DATA_DIR / "rerank_learned.json", *TEXT_FILES,
     Path(shape.__file__).resolve(), Path(inspect.getfile(index_bm25)), Path(inspect.getfile(index_fusion))]
)

_instances: dict[str, Reranker] = {}


def get_reranker(name: str = DEFAULT_RERANKER) -> Reranker:
    """A process-cached reranker instance (models and weights load once)."""
    if name not in _instances:
        _instances[name] = RERANKERS.create(name)
    return _instances[name]


def rerank(
    query: FeatureQuery | str,
    passages: list[Passage],
    name: str = DEFAULT_RERANKER,
    k: int | None = None,
) -> list[ScoredPassage]:
    """Rerank ``passages`` for ``query`` with reranker ``name``; the top ``k`` (all when None)."""
    out = get_reranker(name).rerank(as_query(query), list(passages))
    return out[:k] if k is not None else out


__all__ = [
    "DEFAULT_QUERY_STYLE",
    "DEFAULT_RERANKER",
    "RERANKERS",
    "STYLES",
    "FeatureQuery",
    "Reranker",
    "build_query",
    "get_reranker",
    "ranked",
    "rerank",
]

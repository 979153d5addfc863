"""Fusing ranked lists from BM25 and dense retrieval into one ranking.

Two standard choices, selectable per query:

* ``rrf`` — reciprocal-rank fusion, ``sum 1 / (c + rank)``: needs no score calibration, robust when
  the two retrievers' scores live on different scales (BM25 is unbounded, cosine is in [-1, 1]).
* ``weighted`` — min-max normalise each list's scores to [0, 1] and mix them with weights; lets a
  user lean on lexical or semantic evidence explicitly.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import TypeVar

K = TypeVar("K", bound=Hashable)
Ranking = Sequence[tuple[K, float]]  # (key, score), best first

RRF_C = 60


def rrf(rankings: Sequence[Ranking[K]], c: float = RRF_C, weights: Sequence[float] | None = None) -> list[tuple[K, float]]:
    """Reciprocal-rank fusion of ``rankings`` (each best first); returns (key, fused score) best first.

    ``sum weight / (c + rank)`` with 1-based ranks; only the order of each ranking counts, never its
    scores. The one RRF of the project: hybrid retrieval and the fusion rerankers both call it.
    """
    weights = weights or [1.0] * len(rankings)
    fused: dict[K, float] = {}
    first_seen: dict[K, int] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        for rank, (key, _score) in enumerate(ranking, start=1):
            fused[key] = fused.get(key, 0.0) + weight / (c + rank)
            first_seen.setdefault(key, len(first_seen))
    return sorted(fused.items(), key=lambda kv: (-kv[1], first_seen[kv[0]]))


def _minmax(ranking: Ranking[K]) -> dict[K, float]:
    if not ranking:
        return {}
    scores = [s for _, s in ranking]
    lo, hi = min(scores), max(scores)
    if hi - lo <= 1e-12:
        return {k: 1.0 for k, _ in ranking}
    return {k: (s - lo) / (hi - lo) for k, s in ranking}


def weighted(rankings: Sequence[Ranking[K]], weights: Sequence[float] | None = None) -> list[tuple[K, float]]:
    """Weighted sum of min-max-normalised scores (a key missing from a list contributes 0 there)."""
    weights = weights or [1.0 / len(rankings)] * len(rankings)
    fused: dict[K, float] = {}
    first_seen: dict[K, int] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        for key, norm in _minmax(ranking).items():
            fused[key] = fused.get(key, 0.0) + weight * norm
            first_seen.setdefault(key, len(first_seen))
    return sorted(fused.items(), key=lambda kv: (-kv[1], first_seen[kv[0]]))


FUSERS: dict[str, Callable[..., list]] = {"rrf": rrf, "weighted": weighted}

"""Reranker protocol: order a candidate list of passages for a query (usually a feature query)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from grammar_rag.registry import Registry
from grammar_rag.types import Feature, Passage, ScoredPassage


@dataclass(frozen=True)
class FeatureQuery:
    """A query derived from a catalogue feature (or free text when ``feature`` is None).

    ``text`` is what BM25/dense models see; ``value_terms`` maps each value name to surface forms
    that assert it (derived generically from the catalogue: value names, abbreviations, guideline
    vocabulary) and is used by evidence-aware reranking and classification.
    """

    text: str
    feature: Feature | None = None
    style: str = "catalogue"
    value_terms: dict[str, tuple[str, ...]] = field(default_factory=dict)
    topic_terms: tuple[str, ...] = ()
    # recurrent multi-word terms of the guideline ("case marking", "polar questions"): weaker topic cues
    guideline_phrases: tuple[str, ...] = ()
    # the noun phrase naming the feature's dimension ("order", "cases"): see queries.head_terms
    head_terms: tuple[str, ...] = ()


class Reranker(Protocol):
    name: str

    def rerank(self, query: FeatureQuery, passages: list[Passage]) -> list[ScoredPassage]:
        """Return *all* passages, best first, rank 1-based."""
        ...


def as_query(query: FeatureQuery | str) -> FeatureQuery:
    """Accept free text wherever a feature query is expected."""
    return query if isinstance(query, FeatureQuery) else FeatureQuery(text=str(query), style="text")


def ranked(passages: list[Passage], scores: list[float]) -> list[ScoredPassage]:
    """All ``passages`` sorted by ``scores`` (descending; ties keep the input order), ranks 1-based."""
    order = sorted(range(len(passages)), key=lambda i: (-scores[i], i))
    return [ScoredPassage(passages[i], float(scores[i]), rank) for rank, i in enumerate(order, start=1)]


RERANKERS: Registry[Reranker] = Registry(
    "reranker",
    autoload=(
        "grammar_rag.rerank.lexical",
        "grammar_rag.rerank.dense",
        "grammar_rag.rerank.fusion",
        "grammar_rag.rerank.evidence",
        "grammar_rag.rerank.learned",
    ),
)

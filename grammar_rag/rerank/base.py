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


class Reranker(Protocol):
    name: str

    def rerank(self, query: FeatureQuery, passages: list[Passage]) -> list[ScoredPassage]:
        """Return *all* passages, best first, rank 1-based."""
        ...


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

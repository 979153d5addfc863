"""Classifier protocol and the single factory that maps a backend name to a classifier.

``evidence`` is the model-free classifier; any name registered in :data:`grammar_rag.llm.BACKENDS`
(``openai``, ``vllm``, ``local``...) gives an LLM classifier over that backend.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, Protocol

from grammar_rag.registry import Registry
from grammar_rag.types import Evidence, Feature, Grammar, Prediction, ScoredPassage

log = logging.getLogger(__name__)

# one (grammar, feature) question: the feature, its retrieved passages, the grammar (for its language name)
ClassifyItem = tuple[Feature, list[ScoredPassage], Grammar | None]


class Classifier(Protocol):
    name: str

    def classify(
        self, feature: Feature, passages: list[ScoredPassage], grammar: Grammar | None = None
    ) -> Prediction:
        """Value from ``feature``'s closed set (or NOT_ENOUGH_INFO) with evidence from ``passages``."""
        ...

    def classify_many(self, items: Sequence[ClassifyItem]) -> list[Prediction]:
        """Batched form (LLM backends batch prompts); default implementations loop."""
        ...


READING_LIST_CHARS = 300


def with_reading_list(prediction: Prediction, passages: Sequence[ScoredPassage], k: int = 5) -> Prediction:
    """An abstention with nothing quoted gets the top ``k`` passages it read, as places to read.

    "Not found, here are the pages to read" is the useful abstention; one with no evidence at all
    leaves the user where they started. The passages argue for no value (``supports`` None).
    """
    if prediction.abstained and not prediction.evidence:
        prediction.evidence = [
            Evidence(passage_id=sp.passage.passage_id, grammar_id=sp.passage.grammar_id,
                     quote=sp.passage.text[:READING_LIST_CHARS], pages=sp.passage.pages,
                     section=sp.passage.section, score=round(float(sp.score), 4), supports=None)
            for sp in passages[:k]
        ]
    return prediction


CLASSIFIERS: Registry[Classifier] = Registry(
    "classifier",
    autoload=("grammar_rag.classify.evidence_classifier", "grammar_rag.classify.llm_classifier"),
)


def classifier_names() -> list[str]:
    """Registered classifier names; a classifier module that is not installed is skipped, not fatal."""
    try:
        return CLASSIFIERS.names()
    except ModuleNotFoundError as exc:
        if not (exc.name or "").startswith("grammar_rag."):
            raise
        log.warning("classifier module %s is not available: %s", exc.name, exc)
        return CLASSIFIERS.names()  # the registry marks itself loaded before importing: no retry loop


def make_classifier(backend: str = "evidence", **options: Any) -> Classifier:
    """``evidence`` -> model-free classifier; an LLM backend name -> LLM classifier over it."""
    if backend in classifier_names():
        return CLASSIFIERS.create(backend, **options)
    return CLASSIFIERS.create("llm", backend=backend, **options)

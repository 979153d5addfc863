"""grammar-rag: retrieval-augmented classification and translation over descriptive grammars.

Data flows one way: ingest -> passages -> index -> retrieve/rerank -> classify/translate -> report.
The public types live in :mod:`grammar_rag.types`; swappable parts (retrievers, rerankers, LLM
backends, classifiers) are created through :mod:`grammar_rag.registry`.
"""

from grammar_rag.types import (
    Evidence,
    Feature,
    FeatureValue,
    Grammar,
    Passage,
    Prediction,
    ScoredPassage,
)

__all__ = [
    "Evidence",
    "Feature",
    "FeatureValue",
    "Grammar",
    "Passage",
    "Prediction",
    "ScoredPassage",
]
__version__ = "0.1.0"

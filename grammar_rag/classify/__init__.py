"""Feature classification: a value from the feature's closed set, with cited evidence.

``make_classifier("evidence")`` is the model-free classifier; other names go to the LLM classifier
(``grammar_rag.classify.llm_classifier``) over the backend of that name.
"""

from grammar_rag.classify.base import CLASSIFIERS, Classifier, make_classifier
from grammar_rag.classify.evidence_classifier import EvidenceClassifier

__all__ = ["CLASSIFIERS", "Classifier", "EvidenceClassifier", "make_classifier"]

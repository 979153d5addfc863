"""The model-free evidence classifier (backend ``evidence``): explicit statements + gloss evidence.

It exists so that the product answers without any LLM and always shows *why*: every prediction
carries the quoted sentences (with pages/sections) that decided it, and it abstains
(``NOT_ENOUGH_INFO``) rather than guess when the passages say nothing or contradict each other.
The cue family is chosen from the feature's shape (see :mod:`grammar_rag.classify.cues`); nothing
here knows about particular grammars or benchmark labels.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from grammar_rag.classify import calibration
from grammar_rag.classify.aggregate import Decision
from grammar_rag.classify.base import CLASSIFIERS, ClassifyItem, with_reading_list
from grammar_rag.classify.cues import CueContext, select_family
from grammar_rag.classify.meta_text import abstain_on_negations_only, describe_flags, screen
from grammar_rag.classify.statements import iter_sentences
from grammar_rag.features import shape
from grammar_rag.rerank import build_query
from grammar_rag.text import TEXT_FILES
from grammar_rag.text.tokens import guideline_words
from grammar_rag.types import NOT_ENOUGH_INFO, Evidence, Feature, Grammar, Prediction, ScoredPassage
from grammar_rag.versioning import files_digest


def _source_version() -> str:
    """'evidence-<hash of this package's rule code>': caches keyed on it go stale when a rule changes.
    Calibration is not a rule: it only relabels a decision, so its code and map are hashed apart
    (:func:`_calibration_version`) and a refit does not invalidate the benchmark's raw predictions."""
    here = Path(__file__).resolve().parent
    skip = {"llm_classifier.py", "calibration.py"}
    rules = [p for p in [*here.glob("*.py"), *(here / "cues").glob("*.py")] if p.name not in skip]
    return "evidence-" + files_digest([*rules, *TEXT_FILES, Path(shape.__file__).resolve()])


def _calibration_version() -> str:
    maps = [calibration.CALIBRATION_PATH] if calibration.CALIBRATION_PATH.exists() else []
    return "cal-" + files_digest([Path(calibration.__file__).resolve(), *maps], length=8)


VERSION = _source_version()
CALIBRATION_VERSION = _calibration_version()



def guideline_terms(feature: Feature, limit: int = 12) -> tuple[str, ...]:
    """Frequent content words of the guideline: extra topic vocabulary for the '+CoT' setting."""
    if not feature.guideline:
        return ()
    counts: dict[str, int] = {}
    for word in guideline_words(feature.guideline):
        counts[word] = counts.get(word, 0) + 1
    return tuple(w for w, _ in sorted(counts.items(), key=lambda kv: -kv[1])[:limit])


def _query_terms(feature: Feature) -> tuple[dict[str, tuple[str, ...]], tuple[str, ...]]:
    """Value/topic vocabulary from the query builder (the same one retrieval uses)."""
    query = build_query(feature)
    return dict(query.value_terms), tuple(query.topic_terms)


class EvidenceClassifier:
    """Rule-based classifier over retrieved passages; see the module docstring."""

    name = "evidence"
    model_free = True  # no language-name-only ("baseline") mode: without passages it can only abstain
    version = VERSION

    def __init__(self, max_evidence: int = 5, use_query_terms: bool = True, calibrate: bool = True,
                 min_precision: float | None = None) -> None:
        """``calibrate`` False gives the raw evidence score as ``confidence`` and never abstains on
        it (the benchmark runs so, and calibrates out of sample itself); ``min_precision`` None =
        each family's default target (:mod:`grammar_rag.classify.calibration`)."""
        self.max_evidence = max_evidence
        self.use_query_terms = use_query_terms
        self.calibrate = calibrate
        self.min_precision = min_precision
        # what keys caches of this classifier's output: rules, plus the calibration when it is applied
        target = "" if min_precision is None else f"-p{min_precision:g}"
        self.version = f"{VERSION}-{CALIBRATION_VERSION}{target}" if calibrate else VERSION

    def classify(
        self, feature: Feature, passages: list[ScoredPassage], grammar: Grammar | None = None
    ) -> Prediction:
        grammar_id = grammar.id if grammar else (passages[0].passage.grammar_id if passages else "")
        family = select_family(feature)
        value_terms, topic_terms = _query_terms(feature) if self.use_query_terms else ({}, ())
        ctx = CueContext(feature, value_terms, topic_terms, guideline_terms(feature))
        sentences, flags = screen(iter_sentences(passages, grammar.language if grammar else None))  # instructions/verdicts/nonsense never count
        decision = family.decide(sentences, ctx) if sentences else Decision(
            NOT_ENOUGH_INFO, reasoning="No passages were retrieved." if not flags else "No statement about the language."
        )
        decision = abstain_on_negations_only(decision)
        decision.reasoning += describe_flags(flags)
        return with_reading_list(self._prediction(feature, grammar_id, family.name, decision), passages,
                                 self.max_evidence)

    def classify_many(self, items: Sequence[ClassifyItem]) -> list[Prediction]:
        return [self.classify(f, p, g) for f, p, g in items]

    def _prediction(self, feature: Feature, grammar_id: str, family: str, decision: Decision) -> Prediction:
        evidence = [
            Evidence(
                passage_id=c.sentence.source.passage.passage_id,
                grammar_id=c.sentence.source.passage.grammar_id,
                quote=c.sentence.text if len(c.sentence.text) <= 500 else _around(c.sentence.text, c.note),
                pages=c.sentence.source.passage.pages,
                section=c.sentence.source.passage.section,
                score=round(c.weight, 4),
                supports=c.value,
            )
            for c in decision.cues[: self.max_evidence * (2 if feature.multi_label else 1)]
        ]
        value = decision.value
        flags: list[str] = []
        confidence = float(decision.confidence)
        reasoning = f"[{family}] {decision.reasoning}"
        if self.calibrate and not decision.abstained:
            verdict = calibration.judge(calibration.map_key(family, feature.id), confidence, self.min_precision)
            reasoning += verdict.describe(confidence, value)
            confidence = verdict.confidence
            flags.append("calibrated")
            if not verdict.answer:  # abstain, but keep the ranked evidence: it says where to read
                value = NOT_ENOUGH_INFO
                decision.values = []
                flags.append("below-threshold")
        code = None
        if not feature.multi_label and value != NOT_ENOUGH_INFO:
            fv = feature.value_by_name(value)
            code = fv.code if fv else None
        return Prediction(
            grammar_id=grammar_id,
            feature_id=feature.id,
            value=value,
            values=list(decision.values),
            code=code,
            evidence=evidence,
            reasoning=reasoning,
            confidence=confidence,
            backend=self.name,
            prompt_version=self.version,
            flags=flags,
            raw_value=None if decision.abstained else decision.value,
            raw_score=None if decision.abstained else float(decision.confidence),
        )


def _around(text: str, note: str, width: int = 240) -> str:
    """A window of a long sentence around the matched words (quotes stay verbatim)."""
    pos = text.find(note) if note else -1
    if pos < 0:
        return text[: 2 * width]
    start = max(0, pos - width)
    return ("…" if start else "") + text[start : pos + len(note) + width] + "…"


@CLASSIFIERS.register("evidence", help="model-free: explicit statements and gloss evidence, abstains when unsure")
def _make_evidence(**options: Any) -> EvidenceClassifier:
    return EvidenceClassifier(**options)

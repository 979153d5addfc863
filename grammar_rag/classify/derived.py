"""Answer a derived feature from its components' answers (see :mod:`grammar_rag.features.derived`).

Why here and not in a cue family: a cue family reads one feature's passages, while a derived value
needs the components' own retrieval and classification. Any backend's predictions combine alike;
the caller passes ``classify_plain`` (retrieve + classify one feature), so this module stays on
the classify side of the one-way flow.

Confidence. Where the components come from the model-free reader (they carry its raw readings), the
combination is read from those readings, below the components' own thresholds too, and calibrated on
its own outcomes: its raw score is the product of the components' raw scores times the rule's
reliability among WALS languages, mapped per derived feature (``derived:WALS 83A``) like any family,
and answered only where that feature's map passed the gate out of sample (a rule that always holds
and has no map, or a combination read as "Other", is judged by its components: :func:`_inherited`). Why: a derived value is
coarser than its components (83A's VO is right when 81A says VSO of an SVO language), so against WALS
on the development grammars 83A was right 36 of 37 times where 81A's own answers are right ~80%, while
50A, read from 49A's "no case", was right 12 of 29. Other backends: the product of the components'
confidences (as if independent) times the reliability, which must reach the target precision when
the components were calibrated. Either way an abstention lists the components' evidence to read.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from functools import lru_cache

from grammar_rag.classify import calibration
from grammar_rag.features import Catalogue, get_catalogue
from grammar_rag.features.derived import Derivation, derivations, derived_value
from grammar_rag.types import NOT_ENOUGH_INFO, Evidence, Feature, Prediction

log = logging.getLogger(__name__)

FAMILY = "derived"
MAX_EVIDENCE = 10
# flag of a confidence that is the product of several components' calibrated confidences, not read off
# a map of the derived feature's own answers (the CLI says which)
PRODUCT_FLAG = "components-product"
# A rule this reliable among WALS languages is judged by its components' calibrated verdicts where the
# derived feature has no map of its own (too few development answers to fit one: 90B/90C, read from
# 90A's pair order, which the paper's paragraph files rarely state; 96A/97A, which need two orders).
INHERIT_RELIABILITY = 0.99


@lru_cache(maxsize=4)
def _catalogue_derivations(catalogue: Catalogue) -> dict[str, Derivation]:
    return derivations(catalogue.all("WALS"))


def derivation_for(feature: Feature) -> Derivation | None:
    """The catalogue's derivation of ``feature``, if WALS defines it from other features (read once
    per catalogue: this runs for every pair classified)."""
    if not feature.id.startswith("WALS "):
        return None
    return _catalogue_derivations(get_catalogue()).get(feature.id)


def _evidence(parts: Sequence[Prediction]) -> list[Evidence]:
    seen: set[tuple[str, str]] = set()
    out: list[Evidence] = []
    for p in parts:
        for e in p.evidence:
            key = (e.passage_id, e.quote)
            if key not in seen:
                seen.add(key)
                out.append(e)
    return out[:MAX_EVIDENCE]


def combine(feature: Feature, d: Derivation, parts: Sequence[Prediction],
            min_precision: float | None = None) -> Prediction | None:
    """The derived prediction, or None where an implication does not hold (read the feature itself)."""
    said = "; ".join(f"{p.feature_id}: {p.value}" + ("" if p.abstained else f" ({p.confidence:.0%})") for p in parts)

    def prediction(value: str, reasoning: str, confidence: float, flags: list[str], code: str | None = None,
                   raw: tuple[str, float] | None = None) -> Prediction:
        # ``raw``: the combination before any threshold, which a feature derived from this one reads
        return Prediction(grammar_id=parts[0].grammar_id, feature_id=feature.id, value=value, code=code,
                          evidence=_evidence(parts), reasoning=reasoning, confidence=confidence,
                          backend=parts[0].backend, prompt_version=parts[0].prompt_version, flags=flags,
                          raw_value=raw[0] if raw else None, raw_score=raw[1] if raw else None)

    readings = [(p.raw_value, p.raw_score) for p in parts]
    if all("calibrated" in p.flags for p in parts) and all(v is not None and x is not None for v, x in readings):
        return _judged(feature, d, parts, prediction, min_precision)
    if any(p.abstained for p in parts):
        if d.implied:
            return None
        return prediction(NOT_ENOUGH_INFO, f"[{FAMILY}] {feature.id} combines {said}: a component is unanswered, "
                          "so is the combination; its evidence lists where to read.", 0.0,
                          # components judged by a calibrated classifier: the 0 is a calibrated "no answer"
                          ["derived", *(["calibrated"] if any("calibrated" in p.flags for p in parts) else [])])
    value = derived_value(d, tuple(p.value for p in parts))
    if value is None:
        return None
    confidence = math.prod(p.confidence for p in parts) * d.reliability
    reasoning = f"[{FAMILY}] {feature.id} follows from {said} (the rule holds for {d.reliability:.0%} of WALS languages)."
    flags = ["derived"]
    if all("calibrated" in p.flags for p in parts):
        flags += ["calibrated", *([PRODUCT_FLAG] if len(parts) > 1 else [])]
        verdict = _product_verdict(confidence, min_precision)
        if not verdict.answer:
            reasoning += f" Abstained: would answer {value}, but {verdict.reason}."
            return prediction(NOT_ENOUGH_INFO, reasoning, confidence, [*flags, "below-threshold"])
    fv = feature.value_by_name(value)
    raw = (value, confidence) if all(p.raw_score is not None for p in parts) else None
    return prediction(value, reasoning, confidence, flags, fv.code if fv else None, raw)


def _judged(feature: Feature, d: Derivation, parts: Sequence[Prediction],
            prediction: Callable[..., Prediction], min_precision: float | None) -> Prediction | None:
    """The combination of the components' raw readings, judged by the derived feature's own map."""
    readings = tuple(str(p.raw_value) for p in parts)
    value = derived_value(d, readings)
    if value is None:
        return None
    score = math.prod(float(p.raw_score or 0.0) for p in parts) * d.reliability
    read = "; ".join(f"{p.feature_id}: {p.raw_value} (raw {p.raw_score:.2f}"
                     + (", below its own threshold)" if p.abstained else ")") for p in parts)
    key = calibration.map_key(FAMILY, feature.id)
    # "Other" (a component outside the table, such as "No dominant order") is a reading the combination's
    # map was hardly fitted on: on the development grammars 95A-97A read from the table were right 36 of
    # 39 times against WALS, "Other" 2 of 9. It is judged by its components as a rule without a map is.
    other = readings not in d.table
    inherit = (key not in calibration.load() or other) and d.reliability >= INHERIT_RELIABILITY
    verdict = _inherited(parts, d, min_precision) if inherit else calibration.judge(key, score, min_precision)
    reasoning = (f"[{FAMILY}] {feature.id} follows from {read} (the rule holds for {d.reliability:.0%} of WALS "
                 f"languages).{verdict.describe(score, value)}")
    if inherit:
        judged_by = " and ".join(p.feature_id for p in parts)
        reasoning += (f" Judged as {judged_by} {'is' if len(parts) == 1 else 'are'}: the rule makes it right "
                      f"{'exactly when the other is' if len(parts) == 1 else 'whenever they all are'}.")
    flags = ["derived", "calibrated", *([PRODUCT_FLAG] if inherit and len(parts) > 1 else [])]
    if not verdict.answer:
        return prediction(NOT_ENOUGH_INFO, reasoning, verdict.confidence, [*flags, "below-threshold"],
                          raw=(value, score))
    fv = feature.value_by_name(value)
    return prediction(value, reasoning, verdict.confidence, flags, fv.code if fv else None, (value, score))


def _inherited(parts: Sequence[Prediction], d: Derivation, min_precision: float | None) -> calibration.Verdict:
    """A rule that holds for every WALS language it applies to is right whenever its components are.

    One component (90C "NRel dominant" from 90A "Noun-Relative clause"): right exactly when it is, so it
    answers where the component answered, at the component's calibrated confidence. Several (97A from
    83A and 87A): the product of their calibrated confidences, a lower bound on all being right when
    their errors go together (a hard grammar misleads both), answered where every component was and
    the product reaches the target precision."""
    unanswered = [p.feature_id for p in parts if p.abstained]
    confidence = math.prod(p.confidence for p in parts) * d.reliability
    if unanswered:
        said = "itself is" if len(unanswered) == 1 else "are"
        return calibration.Verdict(confidence, False, f"{' and '.join(unanswered)} {said} not answered")
    return _product_verdict(confidence, min_precision) if len(parts) > 1 else calibration.Verdict(confidence, True, "")


def _product_verdict(confidence: float, min_precision: float | None) -> calibration.Verdict:
    """Answer a combination whose confidence is its components' product only at the target precision."""
    target = calibration.target_precision(FAMILY, min_precision)
    if confidence < target:
        return calibration.Verdict(confidence, False, f"the components together are right with probability "
                                   f"{confidence:.0%}, below the {target:.0%} target")
    return calibration.Verdict(confidence, True, "")


def predict(feature: Feature, classify_plain: Callable[[Feature], Prediction],
            min_precision: float | None = None) -> Prediction:
    """``feature``'s prediction: from its components where the catalogue derives it, else read on its own."""
    d = derivation_for(feature)
    if d is not None:
        parts = [predict(get_catalogue().get(c), classify_plain, min_precision) for c in d.components]
        derived = combine(feature, d, parts, min_precision)
        if derived is not None:
            log.debug("%s derived: %s", feature.id, derived.value)
            return derived
    return classify_plain(feature)

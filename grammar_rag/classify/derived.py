"""Answer a derived feature from its components' answers (see :mod:`grammar_rag.features.derived`).

Why here and not in a cue family: a cue family reads one feature's passages, while a derived value
needs the components' own retrieval and classification. Any backend's predictions combine alike;
the caller passes ``classify_plain`` (retrieve + classify one feature), so this module stays on
the classify side of the one-way flow.

Confidence of a combination is the product of its components' (the chance both are right, as if
independent) times the rule's reliability among WALS languages; when the components were calibrated, the product must reach the target precision
like any answer, or the combination abstains and lists the components' evidence to read.
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

    def prediction(value: str, reasoning: str, confidence: float, flags: list[str], code: str | None = None) -> Prediction:
        return Prediction(grammar_id=parts[0].grammar_id, feature_id=feature.id, value=value, code=code,
                          evidence=_evidence(parts), reasoning=reasoning, confidence=confidence,
                          backend=parts[0].backend, prompt_version=parts[0].prompt_version, flags=flags)

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
        flags.append("calibrated")
        target = calibration.target_precision(FAMILY, min_precision)
        if confidence < target:
            reasoning += (f" Abstained: would answer {value}, but the components together are right with "
                          f"probability {confidence:.0%}, below the {target:.0%} target.")
            return prediction(NOT_ENOUGH_INFO, reasoning, confidence, [*flags, "below-threshold"])
    fv = feature.value_by_name(value)
    return prediction(value, reasoning, confidence, flags, fv.code if fv else None)


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

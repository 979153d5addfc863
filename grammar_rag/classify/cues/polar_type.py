"""Single-label polar-question typologies (WALS 116A "Polar Questions", WALS 92A "Position of Polar
Question Particles") read from the same strategy cues as the multi-label composite.

These features ask for *one* type where the composite asks which strategies hold, so the strategies
found in the passages (see :mod:`grammar_rag.classify.cues.polar`) are mapped onto the value set by
the value names and descriptions alone: "question particle", "verb morphology", "mixture" (particle
*and* verb morphology), "word order", "intonation only", and for particle positions "initial",
"final", "second position", "other position", "either of two positions", "no question particle".
Precedence follows WALS chapter 116: intonation is the type only when no other device is found
("if some other method is used a minority of the time, then the language is shown ... according to
that method"), and a language with both particles and interrogative verb morphology is a mixture.
Tone has no value of its own in these typologies; it only keeps a language from "intonation only".
"""

from __future__ import annotations

import re

from grammar_rag.classify.aggregate import Cue, Decision, supporting, tally
from grammar_rag.classify.cues.base import CueContext, feature_text, value_kinds
from grammar_rag.classify.cues.polar import extract, held_strategies
from grammar_rag.classify.statements import Sentence
from grammar_rag.features.shape import is_binary
from grammar_rag.types import NOT_ENOUGH_INFO, Feature, FeatureValue

PARTICLE_POSITIONS = ("initial", "final", "medial")
# The composite's "medial" covers second position and "after the questioned constituent"; a
# typology that tells them apart gets "second position" only when a cue says so.
_SECOND = re.compile(r"\bsecond|\b2nd\b|wackernagel|after the first", re.I)
_POLAR_TOPIC = re.compile(r"polar|yes[-/ ]no|question|interrogat", re.I)


def value_kind(value: FeatureValue, particle_feature: bool) -> str | None:
    """What a value of a polar typology claims, from its name and description; None if unknown.

    ``particle_feature``: the feature is about question particles (WALS 92A), so bare position
    names ("Initial", "Final") are particle positions.
    """
    text = f"{value.name} {value.description}".lower()
    if re.search(r"\bno (?:question )?particle", text):
        return "no_particle"
    particle = particle_feature or "particle" in text
    if particle and re.search(r"either of two|two positions|both positions", text):
        return "two_positions"
    if "mixture" in text or ("particle" in text and "verb" in text):
        return "mixture"
    if particle:
        for kind, pattern in (("initial", r"\binitial|beginning"), ("final", r"\bfinal|\bend\b"),
                              ("second", r"\bsecond"), ("other", r"\bother position")):
            if re.search(pattern, text):
                return kind
        if "particle" in text:
            return "particle"
    if "intonation" in text and "only" in text:
        return "intonation"
    if "word order" in text:
        return "word_order"
    if "verb" in text and "morpholog" in text:
        return "verb_morph"
    return None


def _kinds(feature: Feature) -> dict[str, str]:
    particle_feature = "particle" in feature_text(feature)
    return value_kinds(feature, lambda v: value_kind(v, particle_feature))


class PolarTypeFamily:
    """One polar-question type per language, from the strategies that hold (composite thresholds)."""

    name = "polar-type"

    def applies(self, feature: Feature) -> bool:
        if feature.multi_label or is_binary(feature) or not _POLAR_TOPIC.search(feature_text(feature)):
            return False
        return len(_kinds(feature)) >= 3

    def decide(self, sentences: list[Sentence], ctx: CueContext) -> Decision:
        cues = extract(sentences)
        if not cues:
            return Decision(NOT_ENOUGH_INFO, reasoning="No passage describes how polar questions are formed.")
        scores = tally(cues)
        held = held_strategies(scores)
        kinds = _kinds(ctx.feature)
        particles = [p for p in PARTICLE_POSITIONS if p in held]
        summary = "strategies held: " + (", ".join(sorted(held)) or "none") + " (" + ", ".join(
            f"{k} {v:.2f}" for k, v in sorted(scores.items(), key=lambda kv: -kv[1])) + ")"
        chosen, strategies = self._choose(kinds, held, particles, scores, cues)
        if chosen is None:
            return Decision(NOT_ENOUGH_INFO, 0.0, supporting(cues, max(scores, key=lambda k: scores[k]), 3), scores,
                            f"No value of this feature fits the evidence; {summary}.")
        evidence = [Cue(chosen, c.weight, c.sentence, c.kind, c.note) for s in strategies for c in supporting(cues, s, 3)]
        support = sum(scores.get(s, 0.0) for s in strategies)
        confidence = round(min(1.0, support / max(sum(scores.values()), 1e-9)) * min(1.0, support / 2.0), 3)
        return Decision(chosen, confidence, evidence, scores, f"{chosen}: {summary}.")

    @staticmethod
    def _choose(kinds: dict[str, str], held: set[str], particles: list[str], scores: dict[str, float],
                cues: list[Cue]) -> tuple[str | None, list[str]]:
        """(value name, strategies that justify it): the most specific claim the evidence supports."""
        if particles:
            if "verb_morph" in held and "mixture" in kinds:
                return kinds["mixture"], [*particles, "verb_morph"]
            if len(particles) >= 2 and "two_positions" in kinds:
                return kinds["two_positions"], particles
            if len(particles) == 1 and particles[0] == "medial" and {"second", "other"} & kinds.keys():
                said_second = any(_SECOND.search(c.note) for c in cues if c.value == "medial")
                position = "second" if said_second or "other" not in kinds else "other"
                return kinds[position if position in kinds else "other"], particles
            if len(particles) == 1 and particles[0] in kinds:
                return kinds[particles[0]], particles
            if "particle" in kinds:
                return kinds["particle"], particles
            return None, []
        if "no_particle" in kinds and held:
            return kinds["no_particle"], sorted(held)
        devices: list[str] = sorted((s for s in ("verb_morph", "word_order") if s in held), key=lambda s: -scores.get(s, 0.0))
        if devices:
            return (kinds[devices[0]], devices[:1]) if devices[0] in kinds else (None, [])
        if "intonation" in held and "intonation" in kinds and "tone" not in held:
            return kinds["intonation"], ["intonation"]
        return None, []

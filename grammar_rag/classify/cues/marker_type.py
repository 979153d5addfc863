"""Single-label "what kind of marker" typologies (WALS 112A "Negative Morphemes": affix, particle,
auxiliary verb, variation between word and affix, double negation), read from the bound/free
marking cues that GB107-like binary features use (:func:`~grammar_rag.classify.cues.bound_marking.marking_cues`).

Values are recognised from their names and descriptions only. The decision mirrors WALS chapter
112's definitions: an affix when bound marking is attested and free marking is at most half as
strong; a separate word when the reverse holds (an auxiliary verb when the free evidence speaks of
auxiliaries or negative verbs more than of particles); "variation" when both are solidly attested
and neither is less than half the other; "double negation" only when a sentence describes two
simultaneous markers (discontinuous, bipartite, circumfixal, "ne ... pas"-like). Anything in between
is an abstention that shows both sides' evidence. "Negative word, unclear if verb or particle"
needs morphological judgement the passages rarely state; it is never chosen. Clitics count with
affixes, as in GB107 (a negator cited as "=nin" is bound); WALS may code a phrasal clitic that
attaches to hosts of any class as a particle, so such languages can disagree with WALS.
"""

from __future__ import annotations

import re

from grammar_rag.classify.aggregate import Cue, Decision, supporting, tally
from grammar_rag.classify.cues.base import CueContext, value_kinds
from grammar_rag.classify.cues.bound_marking import marking_cues, topic_for
from grammar_rag.classify.statements import Sentence, negated_before, rank_weight
from grammar_rag.features.shape import is_binary
from grammar_rag.types import NOT_ENOUGH_INFO, Feature, FeatureValue

BOUND, FREE = "bound", "free"
# Free-marker evidence that names a verb-like negator rather than a particle.
_AUXILIARY = re.compile(r"auxiliar|\bverbs?\b", re.I)
# Two simultaneous markers; not the logical "double negation" that cancels out.
_TWO_PART = re.compile(
    r"\b(?:double negation|discontinuous|bipartite|two[- ]part|embracing|circumfix\w*|"
    # "the use of two particles, mana and -chu" (together), not "the two negative markers inzi and
    # inzé" (alternatives) nor "the two parts of these tenses"
    r"(?:use of|by|with|requires?|combination of) (?:the )?two (?:negative |negation )?(?:morphemes|elements|markers|particles)|"
    r"two (?:negative |negation )?(?:morphemes|elements|markers|particles) (?:\w+ ){0,3}?(?:together|simultaneously|co-?occur\w*))\b",
    re.I,
)
_CANCELS = re.compile(r"\b(?:cancel\w*|positive|affirmative|logical)\b", re.I)


def value_kind(value: FeatureValue) -> str | None:
    """What a value claims about the marker, from its name and description; None if unknown."""
    text = f"{value.name} {value.description}".lower()
    if "unclear" in text:
        return None
    if "variation" in text or ("word" in text and "affix" in text):
        return "variation"
    if "double" in text:
        return "double"
    if "auxiliar" in text:
        return "auxiliary"
    if "particle" in text:
        return "particle"
    if re.search(r"\baffix|suffix|prefix", text):
        return "affix"
    return None


def _kinds(feature: Feature) -> dict[str, str]:
    return value_kinds(feature, value_kind)


class MarkerTypeFamily:
    """Affix vs particle vs auxiliary (vs both) for a topic the bound-marking cues know."""

    name = "marker-type"

    def __init__(self, solid: float = 1.0, dominance: float = 0.5) -> None:
        self.solid = solid  # support that makes one kind of marker "attested" (GB107's bound_min)
        self.dominance = dominance  # the weaker kind counts as absent below this share of the stronger

    def applies(self, feature: Feature) -> bool:
        if feature.multi_label or is_binary(feature) or topic_for(feature) is None:
            return False
        kinds = _kinds(feature)
        return len(kinds) >= 3 and {"affix", "particle"} <= kinds.keys()

    def decide(self, sentences: list[Sentence], ctx: CueContext) -> Decision:
        kinds = _kinds(ctx.feature)
        cues = marking_cues(sentences, ctx.feature, BOUND, FREE)
        cues += two_part_cues(sentences) if "double" in kinds else []
        if not cues:
            return Decision(NOT_ENOUGH_INFO, reasoning="No passage describes how this is marked.")
        scores = tally(cues)
        b, f, d = scores.get(BOUND, 0.0), scores.get(FREE, 0.0), scores.get("double", 0.0)
        aux = sum(c.weight for c in cues if c.value == FREE and _AUXILIARY.search(c.note))
        summary = f"bound {b:.2f}, free {f:.2f} (auxiliary/verb {aux:.2f}), two-part {d:.2f}"
        if d >= self.solid and d >= self.dominance * max(b, f):
            return self._decision(kinds["double"], ["double"], cues, scores, summary)
        if b >= self.solid and f < self.dominance * b:
            return self._decision(kinds["affix"], [BOUND], cues, scores, summary)
        if f >= self.dominance * self.solid and b < self.dominance * f:
            kind = "auxiliary" if aux > f - aux and "auxiliary" in kinds else "particle"
            return self._decision(kinds[kind], [FREE], cues, scores, summary)
        if b >= self.solid and f >= self.solid:
            # Both kinds described: WALS's "variation" only if both are *standard* negation, which the
            # passages rarely settle (one is often a prohibitive, existential or emphatic construction)
            return Decision(NOT_ENOUGH_INFO, 0.0, supporting(cues, BOUND, 3) + supporting(cues, FREE, 3), scores,
                            f"Both bound and free marking are described ({summary}); whether both are standard "
                            f"(\"{kinds.get('variation', 'variation')}\") or one belongs to another construction is "
                            "not decided by the passages.")
        return Decision(NOT_ENOUGH_INFO, 0.0, supporting(cues, BOUND, 3) + supporting(cues, FREE, 2), scores,
                        f"Evidence too weak or contradictory ({summary}).")

    @staticmethod
    def _decision(value: str, sides: list[str], cues: list[Cue], scores: dict[str, float], summary: str) -> Decision:
        support = sum(scores.get(s, 0.0) for s in sides)
        confidence = round(min(1.0, support / (sum(scores.values()) + 0.5)), 3)
        evidence = [Cue(value, c.weight, c.sentence, c.kind, c.note) for s in sides for c in supporting(cues, s, 3)]
        return Decision(value, confidence, evidence, scores, f"{value}: {summary}.")


def two_part_cues(sentences: list[Sentence]) -> list[Cue]:
    """Sentences describing a negation made of two simultaneous markers."""
    out = []
    for sent in sentences:
        if sent.is_gloss or "negat" not in sent.lower:
            continue
        m = _TWO_PART.search(sent.text)
        if m and not _CANCELS.search(sent.text) and not negated_before(sent.text, m.start(), 25):
            out.append(Cue("double", rank_weight(sent.rank), sent, "statement", m.group(0)))
    return out

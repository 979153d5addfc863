"""Combine cues into one decision: weighted vote with explicit abstention.

A cue's weight already folds in statement strength and retrieval rank (see
:mod:`grammar_rag.classify.statements`). The vote abstains instead of guessing when the winning
value has too little support or when a rival value is nearly as well supported (contradictory
evidence): the evidence classifier must never present a coin flip as a finding.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from grammar_rag.classify.statements import Sentence
from grammar_rag.types import NOT_ENOUGH_INFO


@dataclass(frozen=True)
class Cue:
    """One piece of evidence: ``sentence`` argues for ``value`` with ``weight`` (> 0)."""

    value: str
    weight: float
    sentence: Sentence
    kind: str  # "statement", "gloss", "count", "term" ... (shown in the reasoning)
    note: str = ""  # what matched, e.g. "verb-final" or "-ERG"
    # which rule produced it (``wo_abbr``, ``bm_bound_suffix``...): stable across runs, so an audit can
    # count on how many grammars each rule fires and rules that fit one book can be found and removed
    rule: str = ""


@dataclass
class Decision:
    """What a cue family concluded; ``value`` is NOT_ENOUGH_INFO when it abstains."""

    value: str
    confidence: float = 0.0
    cues: list[Cue] = field(default_factory=list)  # cues supporting the decision, best first
    scores: dict[str, float] = field(default_factory=dict)
    reasoning: str = ""
    values: list[str] = field(default_factory=list)  # multi-label features only

    @property
    def abstained(self) -> bool:
        return self.value == NOT_ENOUGH_INFO


def tally(cues: list[Cue]) -> dict[str, float]:
    scores: dict[str, float] = defaultdict(float)
    for cue in cues:
        scores[cue.value] += cue.weight
    return dict(scores)


def supporting(cues: list[Cue], value: str, limit: int = 5) -> list[Cue]:
    """The strongest cues for ``value``, one per sentence, best first."""
    seen: set[tuple[str, int]] = set()
    out: list[Cue] = []
    for cue in sorted((c for c in cues if c.value == value), key=lambda c: -c.weight):
        key = (cue.sentence.source.passage.passage_id, cue.sentence.index)
        if key in seen:
            continue
        seen.add(key)
        out.append(cue)
        if len(out) >= limit:
            break
    return out


def vote(cues: list[Cue], *, min_support: float = 0.5, min_ratio: float = 1.5) -> Decision:
    """Weighted plurality with abstention on weak (< min_support) or contested (< min_ratio) wins."""
    scores = tally(cues)
    if not scores:
        return Decision(NOT_ENOUGH_INFO, reasoning="No statement or gloss in the passages bears on this feature.")
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])
    best, best_score = ranked[0]
    second_score = ranked[1][1] if len(ranked) > 1 else 0.0
    total = sum(scores.values())
    summary = ", ".join(f"{v}: {s:.2f}" for v, s in ranked[:4])
    if best_score < min_support:
        return Decision(
            NOT_ENOUGH_INFO, scores=scores, cues=supporting(cues, best),
            reasoning=f"Evidence too weak to decide (scores {summary}).",
        )
    if second_score and best_score < min_ratio * second_score:
        return Decision(
            NOT_ENOUGH_INFO, scores=scores,
            cues=supporting(cues, best, 3) + supporting(cues, ranked[1][0], 2),
            reasoning=f"Contradictory evidence: {ranked[0][0]} vs {ranked[1][0]} (scores {summary}).",
        )
    confidence = round(min(1.0, best_score / (total + 0.5)) * min(1.0, best_score / 2.0) ** 0.5, 3)
    return Decision(
        best, confidence=confidence, scores=scores, cues=supporting(cues, best),
        reasoning=f"Weighted evidence favours {best} (scores {summary}).",
    )

"""Cue families, tried in order; the first whose ``applies(feature)`` holds decides.

Order matters only where shapes overlap: a polar-question strategy is a binary feature that also
mentions verbal morphology, so it is tried before the generic bound-marking family.
"""

from __future__ import annotations

from grammar_rag.classify.cues.base import CueContext, CueFamily
from grammar_rag.classify.cues.bound_marking import BoundMarkingFamily
from grammar_rag.classify.cues.counts import CountFamily
from grammar_rag.classify.cues.marker_type import MarkerTypeFamily
from grammar_rag.classify.cues.negation_order import NegationOrderFamily
from grammar_rag.classify.cues.pair_order import PairOrderFamily
from grammar_rag.classify.cues.polar import PolarStrategyFamily
from grammar_rag.classify.cues.polar_type import PolarTypeFamily
from grammar_rag.classify.cues.value_terms import ValueTermFamily
from grammar_rag.classify.cues.word_order import WordOrderFamily
from grammar_rag.types import Feature

FAMILIES: tuple[CueFamily, ...] = (
    PolarStrategyFamily(),
    PolarTypeFamily(),
    WordOrderFamily(),
    CountFamily(),
    BoundMarkingFamily(),
    MarkerTypeFamily(),
    NegationOrderFamily(),
    PairOrderFamily(),
    ValueTermFamily(),
)


def select_family(feature: Feature) -> CueFamily:
    for family in FAMILIES:
        if family.applies(feature):
            return family
    return FAMILIES[-1]


__all__ = ["FAMILIES", "CueContext", "CueFamily", "select_family"]

"""Cue families: one extractor per *shape* of feature (word order, counts, bound marking...).

A family is chosen by looking at the feature itself (its value names, its question), never at a
grammar: ``applies(feature)`` must be decidable from the catalogue entry alone. Families are
tried in order; :class:`~grammar_rag.classify.cues.value_terms.ValueTermFamily` accepts anything.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from grammar_rag.classify.aggregate import Decision
from grammar_rag.classify.statements import Sentence
from grammar_rag.types import Feature, FeatureValue


@dataclass(frozen=True)
class CueContext:
    """What an extractor may use besides the passages: the feature and vocabulary derived from it."""

    feature: Feature
    value_terms: dict[str, tuple[str, ...]] = field(default_factory=dict)
    topic_terms: tuple[str, ...] = ()
    guideline_terms: tuple[str, ...] = ()  # filled only when the guideline is in play ("+CoT")


class CueFamily(Protocol):
    name: str

    def applies(self, feature: Feature) -> bool: ...

    def decide(self, sentences: list[Sentence], ctx: CueContext) -> Decision: ...


def feature_text(feature: Feature) -> str:
    return f"{feature.name} {feature.question}".lower()


def word_re(words: list[str] | tuple[str, ...]) -> re.Pattern[str]:
    alts = sorted({re.escape(w) for w in words if w}, key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(alts) + r")\b", re.I) if alts else re.compile(r"(?!x)x")


def named_rules(rules: Sequence[tuple[str, str]], flags: int = 0, before: str = r"\b", after: str = r"\b") -> re.Pattern[str]:
    """One regex of alternative rules, each a named group: ``rule_of(match)`` says which one matched.

    A rule is an id (a Python identifier, unique in the pattern) and its regex; the alternatives are
    tried in the given order, as in a plain ``a|b|c``, so naming the rules changes no match."""
    body = "|".join(f"(?P<{rid}>{pat})" for rid, pat in rules)
    return re.compile(before + "(?:" + body + ")" + after, flags)


def rule_of(match: re.Match[str], default: str = "") -> str:
    """The id of the named rule that produced ``match`` (see :func:`named_rules`), else ``default``."""
    return match.lastgroup or default


K = TypeVar("K", bound=Hashable)


def value_kinds(feature: Feature, kind_of: Callable[[FeatureValue], K | None]) -> dict[K, str]:
    """What each value claims (``kind_of`` reads its name/description) -> the first value claiming it:
    how the typology families map their cues onto a feature's closed set."""
    out: dict[K, str] = {}
    for v in feature.values:
        kind = kind_of(v)
        if kind and kind not in out:
            out[kind] = v.name
    return out

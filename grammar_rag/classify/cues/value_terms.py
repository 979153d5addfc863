"""Fallback family for any feature: match each value's surface terms in statements.

Terms come from ``FeatureQuery.value_terms`` (built from the catalogue by the query builder) or,
without one, from the value names and descriptions. Binary present/absent features are decided by
the topic terms: asserted (present) or negated/lacking (absent).
"""

from __future__ import annotations

import re

from grammar_rag.classify.aggregate import Cue, Decision, vote
from grammar_rag.classify.cues.base import CueContext, word_re
from grammar_rag.classify.statements import (
    Sentence,
    negated_before,
    rank_weight,
    statement_strength,
)
from grammar_rag.features.shape import is_binary, negative_value, positive_value
from grammar_rag.text.tokens import feature_text_words
from grammar_rag.types import Feature

# A word that can describe anything never states one feature's value by itself. A value named only
# "Other" is WALS's residue for what fits no other value: "other verbs", "the other order" are never
# statements of it (matched by name it was the reader's commonest confident wrong answer on whole
# books, 2 right of 14, e.g. 95A-97A). Likewise "None" (143G's "no negative tone, infix or stem
# change", 6A's "no uvulars"), "Different"/"Identical" (130A, 'hand' and 'finger'): matched as words,
# "none of the pronouns ..." answered 143G on every grammar that said "none" anywhere, right only
# as often as the commonest value is. Such a value is stated by its description's phrase instead.
_GENERIC = re.compile(r"others?|none|different|identical|same|both|neither|either|mixed|all|some|many|few|"
                      r"several|small|large|average|high|low|simple|complex|present|absent|yes|no", re.I)


def is_generic_word(term: str) -> bool:
    return _GENERIC.fullmatch(term.strip()) is not None


def default_value_terms(feature: Feature) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for v in feature.values:
        terms = {v.name}
        if v.description and v.description.lower() != v.name.lower() and len(v.description) < 60:
            terms.add(v.description)
        out[v.name] = tuple(t for t in terms if len(t) > 1)
    return out


def default_topic_terms(feature: Feature) -> tuple[str, ...]:
    words = feature_text_words(feature.question or feature.name)
    return tuple(dict.fromkeys(words))[:6]


class ValueTermFamily:
    name = "value-terms"

    def applies(self, feature: Feature) -> bool:
        return bool(feature.values)

    def decide(self, sentences: list[Sentence], ctx: CueContext) -> Decision:
        feature = ctx.feature
        cues: list[Cue] = []
        if is_binary(feature):
            topic = ctx.topic_terms or default_topic_terms(feature)
            extra = ctx.guideline_terms
            pat = word_re(list(topic) + list(extra))
            yes, no = positive_value(feature), negative_value(feature)
            for sent in sentences:
                if sent.is_gloss:
                    continue
                hits = list(pat.finditer(sent.text))
                if len({h.group(0).lower() for h in hits}) < min(2, len(topic)):
                    continue
                base = rank_weight(sent.rank) * statement_strength(sent.text)
                if sent.about_another:
                    base *= 0.3
                if any(negated_before(sent.text, h.start(), 30) for h in hits):
                    # "X has no definite articles" is an explicit claim even without "basic"/"always"
                    w = rank_weight(sent.rank) * max(statement_strength(sent.text), 0.8)
                    cues.append(Cue(no, w * (0.3 if sent.about_another else 1.0), sent, "term",
                                    hits[0].group(0)))
                else:
                    cues.append(Cue(yes, base, sent, "term", hits[0].group(0)))
            return vote(cues, min_support=0.8, min_ratio=2.0)
        terms = ctx.value_terms or default_value_terms(feature)
        patterns = {value: word_re(kept) for value, t in terms.items()
                    if feature.value_by_name(value) and (kept := [w for w in t if not is_generic_word(w)])}
        for sent in sentences:
            if sent.is_gloss:
                continue
            base = rank_weight(sent.rank) * statement_strength(sent.text)
            if sent.about_another:
                base *= 0.3
            for value, pat in patterns.items():
                m = pat.search(sent.text)
                if m and not negated_before(sent.text, m.start()):
                    cues.append(Cue(value, base, sent, "term", m.group(0)))
        return vote(cues, min_support=0.6, min_ratio=1.5)

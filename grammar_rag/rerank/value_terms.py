"""Search terms for each value of a feature: orders, counts, negations and binary presence/absence.

Why apart from the query builder (:mod:`grammar_rag.rerank.queries`): these turn a feature's closed
set of values into the phrases a grammar uses for each ("verb-final", "three cases", "no
definite article"); the query builder only weighs and joins them.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

from grammar_rag.features import get_catalogue
from grammar_rag.features.shape import (
    NEGATIVE_VALUE_RE,
    NUMBER_NAMES,
    count_parse,
    is_binary_by_label,
    order_parse,
    singular,
)
from grammar_rag.text.tokens import STOPWORDS, normalise_space, words
from grammar_rag.types import Feature, FeatureValue

_ROLE_SYNONYMS = {"S": ("A",), "O": ("P",)}  # transitive subject = A, object = P (Comrie/Dixon)
FREE_ORDER_PHRASES = (
    "free word order",
    "free constituent order",
    "word order is free",
    "constituent order is free",
    "order is free",
    "flexible word order",
    "flexible constituent order",
    "word order is flexible",
    "no basic word order",
    "no fixed word order",
    "no fixed order",
    "pragmatically determined",
    "pragmatically based word order",
    "pragmatic word order",
)


def _variants(phrase: str) -> list[str]:
    """A phrase with hyphens as spaces and vice versa, lower-cased unless it is an abbreviation."""
    p = normalise_space(re.sub(r"\s*\([^)]*\)\s*$", "", phrase))  # "... verb (SV)" -> "... verb"
    if not p:
        return []
    if not (p.isupper() and len(p) <= 6):
        p = p.lower()
    out = [p]
    if "-" in p or "–" in p:
        out.append(re.sub(r"\s*[-–]\s*", " ", p))
    return out


def _dedupe(items: Iterable[str]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for it in items:
        it = it.strip()
        if it and it not in seen:
            seen[it] = None
    return tuple(seen)


def _order_terms(value: FeatureValue, parts: list[str], abbrev: str) -> list[str]:
    terms = [*_variants(value.name)]
    if abbrev:
        letters = [c for c in abbrev if c.isupper()] if len(abbrev) != len(parts) else list(abbrev)
        terms += [abbrev, " ".join(letters), "-".join(letters)]
        if "S" in letters and "O" in letters:  # A/P notation for transitive clauses
            alt = ["A" if c == "S" else c for c in letters]
            alt_p = ["P" if c == "O" else c for c in alt]
            for seq in (alt, alt_p):
                terms += ["".join(seq), " ".join(seq)]
        if "V" in letters and len(letters) == 3:
            pos = letters.index("V")
            slot = {0: "initial", 1: "medial", 2: "final"}[pos]
            terms += [f"verb-{slot}", f"verb {slot}", f"V-{slot}", f"predicate-{slot}"]
            if pos == 1:
                terms += ["verb-second"]
            two = [c for c in letters if c in "OV"]
            if len(two) == 2:
                terms.append("".join(two))
    terms += ["-".join(parts), " ".join(parts)]
    if len(parts) == 2:  # "Adjective-Noun": "adjective precedes the noun"
        terms += [f"{parts[0]} precedes the {parts[1]}", f"{parts[1]} follows the {parts[0]}",
                  f"{parts[0]} before the {parts[1]}", f"{parts[1]} after the {parts[0]}"]
    if len(parts) == 3 and abbrev:
        terms += [f"{parts[0]} {parts[1]} {parts[2]} order"]
    return terms


def _count_terms(nums: list[int], noun: str, more: bool) -> list[str]:
    sing, plural = singular(noun.lower()), noun.lower()
    terms = []
    for n in nums:
        for form in (str(n), NUMBER_NAMES.get(n, "")):
            if form:
                terms += [f"{form} {plural}", f"{form} {sing}"]
    if more:
        lo = nums[0]
        terms += [f"{lo} or more {plural}", f"{NUMBER_NAMES.get(lo, lo)} or more {plural}",
                  f"more than {NUMBER_NAMES.get(lo - 1, lo - 1)} {plural}"]
    return terms


def _negative_terms(value: FeatureValue, family_noun: str | None) -> list[str]:
    terms = [*_variants(value.name), *_variants(value.description)]
    if family_noun:
        sing = singular(family_noun)
        terms += [f"no {sing}", f"no {family_noun}", f"no {sing} marking", f"no morphological {sing}",
                  f"lacks {sing}", f"does not have {sing}", f"without {sing}"]
    return terms


_QUESTION_LEAD_RE = re.compile(
    r"^(is|are|does|do|can|may|must|has|have)\s+(there\s+)?(the\s+language\s+(have\s+)?)?"
    r"((a|an|the|any)\s+)?",
    re.IGNORECASE,
)


def question_core(question: str) -> str:
    """"Are there definite or specific articles?" -> "definite or specific articles"."""
    q = normalise_space(re.sub(r"\([^)]*\)", " ", question)).rstrip("?").strip()
    return _QUESTION_LEAD_RE.sub("", q).strip()


def question_chunks(question: str) -> list[str]:
    """Content noun phrases of a question, split at function words ("affix", "clitic", ...)."""
    core = question_core(question)
    pieces = re.split(
        r",|\b(?:or|and|by|be|of|on|in|to|for|with|that|which|is|are|marked|used|expressed|"
        r"have|has|can|there|the|a|an|any|its|their|other|than|as)\b",
        core,
        flags=re.IGNORECASE,
    )
    out = []
    for p in pieces:
        p = normalise_space(p).strip(" -")
        if p and any(w.lower() not in STOPWORDS for w in p.split()) and len(p) > 2:
            out.append(p.lower())
    return out


@lru_cache(maxsize=1)
def _question_word_df() -> tuple[dict[str, int], int]:
    """How many catalogue questions use each word (to spot generic words like "verb")."""
    try:
        questions = [f.question or f.name for f in get_catalogue().all()]
    except Exception:
        return {}, 0
    df: Counter[str] = Counter()
    for q in questions:
        df.update({w.lower() for w in words(q)})
    return dict(df), len(questions)


def _specific_chunks(question: str) -> list[str]:
    """Question chunks minus single words that many catalogue questions share ("verb", "noun")."""
    df, n = _question_word_df()
    out = []
    for c in question_chunks(question):
        if " " not in c and n and df.get(c, 0) > 0.08 * n:
            continue
        out.append(c)
    return out


def _binary_terms(question: str, present: bool) -> list[str]:
    core = question_core(question).lower()
    chunks = _specific_chunks(question)
    if present:
        terms = [core, *chunks]
        terms += [f"has {c}" for c in chunks[:3]] + [f"there are {c}" for c in chunks[:2]]
        return terms
    terms = []
    for c in chunks[:4]:
        terms += [f"no {c}", f"lacks {c}", f"does not have {c}", f"there is no {c}", f"there are no {c}"]
    return terms


def value_terms(feature: Feature) -> dict[str, tuple[str, ...]]:
    """Per value name (or component name, for composites): phrases asserting that value."""
    if feature.components:
        out = {}
        for comp in feature.components:
            out[comp.name] = _dedupe([*_variants(comp.name), *_specific_chunks(comp.question)])
        return out
    if is_binary_by_label(feature):
        out = {}
        for v in feature.values:
            label = (v.description or v.name).strip().lower()
            present = label in ("present", "yes", "1")
            if label == "?":
                continue
            out[v.name] = _dedupe(_binary_terms(feature.question or feature.name, present))
        return out
    parsed_orders = {v.name: order_parse(v) for v in feature.values}
    parsed_counts = {v.name: count_parse(v) for v in feature.values}
    n_order = sum(1 for p in parsed_orders.values() if p)
    n_count = sum(1 for p in parsed_counts.values() if p)
    family_noun = next((p[1] for p in parsed_counts.values() if p), None) if n_count >= 2 else None
    out = {}
    for v in feature.values:
        terms: list[str] = []
        order, count = parsed_orders[v.name], parsed_counts[v.name]
        if n_order >= 2 and order:
            terms += _order_terms(v, *order)
        elif n_count >= 2 and count:
            terms += [*_variants(v.name), *_variants(v.description), *_count_terms(*count)]
        elif NEGATIVE_VALUE_RE.match(v.name):
            terms += _negative_terms(v, family_noun)
            if n_order >= 2:
                terms += list(FREE_ORDER_PHRASES)
        else:
            terms += [*_variants(v.name), *_variants(v.description)]
        out[v.name] = _dedupe(terms)
    return out

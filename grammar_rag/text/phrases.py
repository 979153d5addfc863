"""Phrases as whole-word patterns, and English idioms that only look like grammatical terms.

Why here: the query builders and rerankers match a feature's value terms ("SOV", "verb-final")
with these patterns, and the classifier blanks the same idioms before reading a statement; one
definition keeps "what counts as mentioning a term" the same on both sides.
"""

from __future__ import annotations

import re
from functools import lru_cache

# English fixed expressions built on grammatical nouns: "in order to" says nothing about order, "in
# this case" nothing about case, "the verb in question" nothing about questions. Counting them as
# topic mentions lets every purpose clause look like a passage about word order.
IDIOM_RE = re.compile(
    r"\b(?:in order (?:to|that|for)|(?:just )?in case|in (?:the )?case of|(?:is|was|be) the case|"
    r"in (?:any|this|that|which|each|either|both|such|most|many|some|all|these|those|every|no|"
    r"the (?:latter|former|first|second|other)) cases?|in question|(?:no|without|beyond (?:any )?)question (?:that|about|but)|"
    r"out of the question|a (?:large |small |great )?number of|"
    r"in (?:the )?form of)\b",
    re.IGNORECASE,
)


def strip_idioms(text: str) -> str:
    """``text`` with the idioms of :data:`IDIOM_RE` blanked out."""
    return IDIOM_RE.sub(" ", text)


def phrase_pattern(term: str) -> re.Pattern[str]:
    """Regex matching ``term`` as a whole phrase.

    All-caps abbreviations ("SOV", "OV") match case-sensitively so "sov" inside a word or an
    unrelated lower-case token never counts; other phrases match case-insensitively, with any
    run of spaces/hyphens/dashes between their words.
    """
    return _phrase_pattern(term)


@lru_cache(maxsize=1024)
def terms_pattern(terms: tuple[str, ...]) -> re.Pattern[str] | None:
    """One regex matching any of ``terms`` (same rules as :func:`phrase_pattern`).

    A single scan per value instead of one per term keeps evidence scoring of 50 candidates
    well under the per-grammar time budget.
    """
    bodies = sorted({_body(t) for t in terms if len(t.strip()) >= 2}, key=lambda b: (-len(b), b))
    if not bodies:
        return None
    return re.compile(r"(?<![\w])(?:" + "|".join(bodies) + r")(?![\w])")


def _body(term: str) -> str:
    """The pattern body of one term, case-insensitive unless it is an abbreviation."""
    inner = _phrase_pattern(term).pattern[len(r"(?<![\w])") : -len(r"(?![\w])")]
    return inner if _is_abbreviation(term) else "(?i:" + inner + ")"


@lru_cache(maxsize=8192)
def _phrase_pattern(term: str) -> re.Pattern[str]:
    parts = [re.escape(p) for p in re.split(r"[\s\-–—]+", term.strip()) if p]
    if _is_abbreviation(term):
        # constituent letters may carry a lower-case subscript ("AOVt", "S Vi", "A-V-O"), and
        # letters may be spaced or hyphenated
        letters = re.sub(r"[\s\-–—]", "", term)
        if len(letters) <= 4:
            body = r"[\s\-–—]?".join(re.escape(c) + ("(?:tr|t|i)?" if c == "V" else "") for c in letters) + "s?"
        else:
            body = re.escape(letters)
    else:
        body = r"[\s\-–—]+".join(parts)
    flags = 0 if _is_abbreviation(term) else re.IGNORECASE
    return re.compile(r"(?<![\w])" + body + r"(?![\w])", flags)


def _is_abbreviation(term: str) -> bool:
    letters = re.sub(r"[\s\-–—]", "", term)
    return bool(letters) and letters.isupper() and len(letters) <= 6

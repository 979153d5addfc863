"""Small text utilities shared by the query builders and rerankers.

Why our own tokenizer and stemmer: reranking scores must be identical wherever the package runs
(CI, a laptop without PyStemmer, the API server), and a 50-passage candidate list needs nothing
heavier than a light suffix stripper. Everything here is pure Python and deterministic.
"""

from __future__ import annotations

import re
from functools import lru_cache

WORD_RE = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*", re.UNICODE)

STOPWORDS = frozenset(
    """a about above after again against all also although am an and any are as at be because been
    before being below between both but by can could did do does doing down during each either else
    etc even ever every few for from further had has have having he her here hers herself him himself
    his how however i if in into is it its itself just least less let like made make many may me might
    more most much must my myself neither no nor not now of off often on once one only or other others
    otherwise our ours ourselves out over own per perhaps quite rather same see several shall she
    should since so some such than that the their theirs them themselves then there therefore these
    they this those though through thus to too two under until up upon us use used using very via was
    we were what whatever when where whether which while who whom whose why will with within without
    would yet you your yours yourself e.g i.e cf viz""".split()  # noqa: SIM905 (a readable word list)
)


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Light English suffix stripping ("orders"/"ordering"/"ordered" -> "order")."""
    w = word.lower()
    if len(w) <= 3:
        return w
    for suffix, repl in (
        ("ies", "y"),
        ("sses", "ss"),
        ("ings", ""),
        ("ing", ""),
        ("edly", ""),
        ("ed", ""),
        ("ly", ""),
        ("es", "e"),
        ("s", ""),
    ):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            if suffix == "s" and w.endswith(("ss", "us", "is")):
                return w
            return w[: len(w) - len(suffix)] + repl
    return w


def words(text: str) -> list[str]:
    """Alphabetic word tokens in reading order (case kept)."""
    return WORD_RE.findall(text)


def same_word_family(token: str, head: str) -> bool:
    """``token`` and ``head`` (both stemmed) are one word or share a long stem.

    The light stemmer keeps derivations apart ("negation", "negative", "negator"), yet for the
    feature's head noun they name the same thing: a passage on "the negative infix" is about
    standard negation. Sharing at least five leading letters and 70% of the shorter word catches
    these families without joining short unrelated words ("order"/"ordinal", "case"/"casual").
    """
    if token == head:
        return True
    shared = 0
    for a, b in zip(token, head, strict=False):
        if a != b:
            break
        shared += 1
    return shared >= 5 and shared >= 0.7 * min(len(token), len(head))


def tokens(text: str, keep_stopwords: bool = False) -> list[str]:
    """Lower-cased, stemmed content tokens of ``text`` (for BM25 and term overlap)."""
    out = []
    for w in WORD_RE.findall(text):
        low = w.lower()
        if not keep_stopwords and (low in STOPWORDS or len(low) < 2):
            continue
        out.append(stem(low))
    return out


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


def normalise_space(text: str) -> str:
    return " ".join(text.split())


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

"""Turn retrieved passages into sentences and interlinear-gloss lines a cue extractor can read.

Descriptive grammars mix two kinds of text: the author's prose ("Word order is verb-final") and
interlinear examples whose gloss lines carry morphology (``chop-TR-NEG-FUT``). Extractors need
both, each with the passage (and its rank) it came from, so that every cue can be quoted and
cited. This module knows nothing about any feature.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from grammar_rag.features.languages import get_languages
from grammar_rag.rerank.evidence import COMMON_CAPS, guess_language_names
from grammar_rag.text.lexicons import (
    DENIED_IMPLICATION,
    MEDIUM_MARKERS,
    NEGATORS,
    OTHER_LANGUAGE,
    REFERENCE,
    STRONG_MARKERS,
    WEAKENERS,
)
from grammar_rag.text.ocr_repair import english_words, repair
from grammar_rag.text.sentences import split_sentences as _split_sentences
from grammar_rag.text.tokens import STOPWORDS
from grammar_rag.types import ScoredPassage

# A gloss abbreviation in Leipzig style: 2+ capitals/digits, possibly with dots (1SG, PST, NEG).
_GLOSS_ABBR = re.compile(r"(?<![A-Za-z])(?:[123]?[A-Z]{2,}[A-Z0-9]*|[123](?:SG|PL|DU))(?![a-z])")
_MORPH_JOIN = re.compile(r"\w[-=]\w")
# three distinct role letters, one of them V: SVO, AOV, APV (an order formula, not a gloss label)
_ORDER_FORMULA = re.compile(r"(?=.*V)(?!.*(.).*\1)[SAOPVX]{3}")



@dataclass(frozen=True)
class Sentence:
    """One sentence of a retrieved passage, with the passage it came from."""

    text: str
    source: ScoredPassage
    index: int  # position of the sentence within its passage
    # the described language's names (casefolded; :func:`own_language_names`, over every passage read):
    # another language named in a sentence ("Russian has postnominal relative clauses") is told from it
    own_names: frozenset[str] = frozenset()

    @property
    def rank(self) -> int:
        return self.source.rank

    @property
    def about_another(self) -> bool:
        """Whether the sentence is about another language or languages in general
        (:func:`about_other_language` with the described language's names)."""
        return about_other_language(self.text, self.own_names)

    @property
    def is_gloss(self) -> bool:
        return looks_like_gloss(self.text)

    @property
    def lower(self) -> str:
        return _lower(self.text)


@lru_cache(maxsize=65536)
def _lower(text: str) -> str:
    return text.lower()


def split_sentences(text: str) -> list[str]:
    """Sentences of a passage as the cue extractors read them (see :mod:`grammar_rag.text.sentences`).

    Letter-spaced or word-doubled OCR is repaired first, or no word-level cue can match it."""
    return _split_sentences(repair(text or ""))


@lru_cache(maxsize=65536)
def looks_like_gloss(text: str) -> bool:
    """True for interlinear material: many Leipzig abbreviations and morpheme joins."""
    tokens = text.split()
    if not tokens:
        return False
    # an order formula (SVO, AOV) is prose vocabulary, not a gloss label: "The basic order is SVO,
    # with split-intransitivity alignment" must stay a statement
    abbr = sum(1 for m in _GLOSS_ABBR.findall(text) if not _ORDER_FORMULA.fullmatch(m))
    joins = len(_MORPH_JOIN.findall(text))
    return abbr >= 2 and (abbr + joins) / len(tokens) > 0.2


# Tables of contents and indexes name topics ("2.6 Tone ........ 88") but assert nothing.
_TOC = re.compile(r"(?:\.\s?){6,}|(?:…\s*){2,}")
# Back-of-book index entries ("negation, 211, 265, 388-94") and section lists ("8.1 Adverbs 8.1.1 ..."):
# a term beside page numbers is a pointer, not a claim ("un- (negative prefix) 4.2.6").
_PAGE_REF = re.compile(r"[,;]\s*\d{1,4}(?:\s*[-–]\s*\d{1,4})?(?:\s?ff?\.?)?(?=\s|,|;|$)")
_SECTION_REF = re.compile(r"(?<![\w.])\d{1,2}(?:\.\d{1,2}){1,6}[a-z]{0,3}(?![\w.])")  # up to 1.1.1.2.2.2.5
_FOUR_DIGITS = re.compile(r"\d\D*\d\D*\d\D*\d")
_BARE_NUMBER = re.compile(r"(?<![\w.(,;-])\d{1,4}(?![\w.)])")


@lru_cache(maxsize=65536)
def is_table_of_contents(text: str) -> bool:
    """Table-of-contents, index and list-of-figures lines: dotted leaders, at least 4 page/section
    references making up a sixth or more of the words, or (outside interlinear examples, whose
    tone digits look alike) at least 6 numbers of any kind making up a fifth of the words.

    Cached: the same sentences come back for every feature and configuration."""
    if _TOC.search(text):
        return True
    if not _FOUR_DIGITS.search(text):  # cheap exit: most sentences hold no references
        return False
    words = len(text.split())
    pages, sections = _PAGE_REF.findall(text), _SECTION_REF.findall(text)
    if any(len(refs) >= 4 and len(refs) * 6 >= words for refs in (pages, sections)):
        return True
    numbers = len(pages) + len(sections) + len(_BARE_NUMBER.findall(text))
    return numbers >= 6 and numbers * 5 >= words and not looks_like_gloss(text)


def iter_sentences(passages: Iterable[ScoredPassage], language: str | None = None) -> list[Sentence]:
    """All sentences of ``passages`` in rank order, without table-of-contents/index lines
    (``language``: the grammar's declared language name, see :func:`own_language_names`)."""
    ranked = sorted(passages, key=lambda p: p.rank)
    own = own_language_names([sp.passage.text for sp in ranked], language)
    out: list[Sentence] = []
    for sp in ranked:
        for i, sent in enumerate(split_sentences(sp.passage.text)):
            if not is_table_of_contents(sent):
                out.append(Sentence(sent, sp, i, own))
    return out


def statement_strength(text: str) -> float:
    """How strongly a sentence asserts a general pattern: 1.0 strong, 0.6 hedged, 0.35 bare."""
    if STRONG_MARKERS.search(text):
        return 1.0
    if MEDIUM_MARKERS.search(text):
        return 0.6
    return 0.35





def negated_before(text: str, start: int, window: int = 40) -> bool:
    """Whether a negator occurs shortly before ``start`` (same clause): 'not an SVO language'."""
    left = text[max(0, start - window) : start]
    left = re.split(r"[;:,]|\bbut\b|\bwhile\b|\bwhereas\b", left)[-1]
    if NEGATORS.search(left):
        return True
    far = re.split(r";|\bbut\b|\bwhereas\b|\bhowever\b", text[max(0, start - 150) : start])[-1]
    return bool(DENIED_IMPLICATION.search(far))





@lru_cache(maxsize=65536)
def about_other_language(text: str, own: frozenset[str] = frozenset()) -> bool:
    """Statements about other languages, typology in general, or bibliography entries; with ``own``
    (the described language's names), also a statement about a language named otherwise ("In Russian
    ...", "Russian has postnominal relative clauses")."""
    return bool(OTHER_LANGUAGE.search(text) or REFERENCE.search(text)) or (bool(own) and names_another_language(text, own))


# "In Russian, ...", "Russian has/uses/lacks ...": a statement about the language so named
_NAMED_LANGUAGE = re.compile(
    r"\b(?:[Ii]n|[Tt]han in|[Aa]s in)\s+([A-Z][a-z]{3,})\b(?!\s+(?:\d|[A-Z]))"
    r"|\b([A-Z][a-z]{3,})\s+(?:has|have|had|uses|used|lacks|marks|shows|places|puts|allows|employs|requires)\b"
)


# a comparison opening the sentence: "Like (in) X, ...", "As in X, ...", "Unlike X, ...", "Similar to X, ..."
# (not a causal "As X is verb-final, ...", which is about X)
_COMPARED = (r"\W*(?:just |much )?(?:(?:un)?like(?:\s+in)?|as\s+in|similar(?:ly)? to|in contrast to|contrary to|"
             r"different from)\s+")


def names_another_language(text: str, own: frozenset[str]) -> bool:
    """Whether ``text`` makes a statement about a language (a one-word Glottolog name) other than the
    one described, whose names (casefolded) are ``own``; not where it names the described one too
    ("Postpositions in Wambon and Kombai cliticise", "Unlike Russian, Sanzhi has ...")."""
    if any(re.search(rf"\b{re.escape(o)}\b", text, re.I) for o in own):
        # "Like in Sanzhi, the floating genitives ...": likened to the described language, or set
        # against it, the subject is another language (a related variety, a neighbour)
        return any(re.match(_COMPARED + re.escape(o) + r"\b", text, re.I) for o in own)
    for m in _NAMED_LANGUAGE.finditer(text):
        name = (m.group(1) or m.group(2)).casefold()
        # the described language's names are not in the text (above), but a longer or shorter form may be
        if name in _language_words() and not any(name in o or o in name for o in own):
            return True
    return False


_CAPITALISED = re.compile(r"\b[A-Z][a-z]{3,}\b")
OWN_SHARE = 0.3  # share of the passages read that name a language for it to be the one described


def own_language_names(texts: list[str], declared: str | None = None) -> frozenset[str]:
    """The described language's names (casefolded): language names found in at least
    :data:`OWN_SHARE` of the passages (a grammar names its language throughout, another language now
    and then), and either the grammar's ``declared`` language name, where the passages use it, or
    else the most frequent capitalised words (:func:`~grammar_rag.rerank.evidence.guess_language_names`).

    Why the declared name first: a chapter on contact names the donor language in a few passages
    ("Russian" in 3 of the 20 a Sanzhi grammar's relative-clause query returns, "Sanzhi" in 5), often
    enough to pass as the second most frequent name. Where the passages never use the declared
    name (a benchmark calling a language otherwise than its grammar does), the guess stands."""
    df: Counter[str] = Counter()
    used: set[str] = set()
    for text in texts:
        words = {w.casefold() for w in _CAPITALISED.findall(text)}
        used |= words
        df.update(words & _language_words())
    frequent = {w for w, n in df.items() if n >= max(2.0, OWN_SHARE * len(texts))}
    # the declared name's own words: not an English word of it ("Central" Tarahumara, "Standard" Arabic)
    names = {w.casefold() for w in _CAPITALISED.findall(declared or "")} - english_words()
    if names & used:
        return frozenset(frequent | names)
    return frozenset(frequent | {n.casefold() for n in guess_language_names(texts)})


@lru_cache(maxsize=1)
def _language_words() -> frozenset[str]:
    """One-word Glottolog language names that are no common capitalised English word."""
    names = {lang.name.casefold() for lang in get_languages() if lang.level == "language" and lang.name.isalpha()}
    return frozenset(names - COMMON_CAPS - STOPWORDS)


def weakened(text: str) -> bool:
    """The sentence describes a marked/rare/alternative pattern rather than the basic one."""
    return bool(WEAKENERS.search(text))


def rank_weight(rank: int) -> float:
    """Weight of a passage by its retrieval rank: top passages count most, rank 20 about a third."""
    return 1.0 / (1.0 + (max(rank, 1) - 1) / 10.0)

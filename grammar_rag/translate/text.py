"""Tokenising and normalising sentences in both languages.

One place decides what a "word" is, so dictionary matching, retrieval, the duplicate filter of the
benchmark and the fallback all agree. Kalamang orthography uses plain Latin letters plus the
apostrophe (glottal stop); clitic and affix boundaries (``=``/``-``) appear only in glossed lines.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_WORD_RE = re.compile(r"[^\W_](?:[\w'’]*[^\W_])?|[^\W_]", re.UNICODE)
_BOUNDARY_RE = re.compile(r"[=\-]")
_SPACE_RE = re.compile(r"\s+")

# English function words (incl. contractions): no dictionary translation, and Kalamang has no
# articles or copula to put in their place.
_STOPWORDS_TEXT = """
a an the of to in on at for with by from and or but is are was were be been being am do does did
not no it its this that these those there here as so very just will would can could should shall
may might must have has had i me my you your he him his she her we us our they them their what which
who whom whose when where why how all some any each s t don didn isn aren wasn weren don't didn't
doesn't isn't aren't wasn't weren't can't won't couldn't wouldn't shouldn't haven't hasn't hadn't
i'm it's that's there's you're we're they're he's she's let's i'll i've i'd
"""
ENGLISH_STOPWORDS = frozenset(_STOPWORDS_TEXT.split())


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def words(text: str) -> list[str]:
    """Lower-cased word tokens (punctuation dropped; apostrophes inside words kept)."""
    return [w.replace("’", "'") for w in _WORD_RE.findall(nfc(text).lower())]


def cased_words(text: str) -> list[str]:
    """Word tokens as written (names keep their capital when copied into a translation)."""
    return [w.replace("’", "'") for w in _WORD_RE.findall(nfc(text))]


def match_surface(output: str, source: str) -> str:
    """Give ``output`` the sentence shape of ``source``: initial capital, final punctuation."""
    output = output.strip()
    if not output:
        return output
    src = source.strip()
    if src[:1].isupper():
        output = output[:1].upper() + output[1:]
    end = src[-1:] if src[-1:] in ".?!" else ""
    if end and output[-1:] not in ".?!":
        output += end
    return output


def normalise_sentence(text: str) -> str:
    """Key for exact-duplicate detection: case, punctuation, morpheme boundaries and spacing removed."""
    text = _BOUNDARY_RE.sub("", nfc(text).lower())
    return " ".join(words(text))


@lru_cache(maxsize=1)
def _english_stemmer():  # pragma: no cover - trivial
    try:
        import Stemmer  # PyStemmer

        return Stemmer.Stemmer("english")
    except ImportError:
        return None


def english_stem(word: str) -> str:
    stemmer = _english_stemmer()
    if stemmer is not None:
        return stemmer.stemWord(word)
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def detokenise(tokens: list[str]) -> str:
    text = " ".join(t for t in tokens if t)
    text = re.sub(r"\s+([.,!?;:])", r"\1", text)
    return _SPACE_RE.sub(" ", text).strip()

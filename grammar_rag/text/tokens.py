"""What a word, a stem and a stop word are: the one home of every tokeniser in the package.

Three readers need words, and each needs a different notion of one; they are kept apart on
purpose, as named variants of one module, because each is part of what its figures measure
(changing one re-ranks passages, re-scores BM25 or re-translates sentences):

* **prose** (:func:`words`, :func:`tokens`, :func:`stem`, :data:`STOPWORDS`): English prose of a
  grammar as the query builders, rerankers and the classifier read it. Alphabetic words only,
  a light pure-Python suffix stripper and a linguistics-aware stop list, so reranking scores are
  identical wherever the package runs (CI, a laptop without PyStemmer, the API server) and a
  50-passage candidate list needs nothing heavier.
* **sentence** (:func:`lower_words`, :func:`cased_words`, :func:`normalise_sentence`,
  :func:`english_stem`, :data:`TRANSLATION_STOPWORDS`): sentences of both languages of a
  translation. Kalamang orthography uses plain Latin letters plus the apostrophe (glottal stop),
  so words keep inner apostrophes and digits; dictionary matching, example retrieval, the
  duplicate filter of the benchmark and the fallback all agree on it.
* **index** (:class:`Tokenizer` built from a :class:`TokenizerConfig`): BM25 terms of a stored
  grammar. Grammars mix English prose with object-language forms full of diacritics, non-Latin
  scripts whose vowel signs are combining marks (Devanagari ``नहीं`` would fall apart under
  ``\\w+``), and Leipzig glosses where the boundary marker carries meaning (``=NEG`` is a clitic,
  ``-PL`` a suffix). So text is NFKC-normalised and case-folded, a word is a run of letters,
  combining marks and digits in any script, a word attached to a gloss boundary marker is emitted
  both bare (``neg``) and with its marker (``=neg``), and English stop words (bm25s's list) and
  stemming (PyStemmer) apply to bare words only. The configuration is stored in the index
  manifest so queries are tokenised like the corpus.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from functools import cached_property, lru_cache
from typing import Any, Literal

try:  # the `regex` module (a transformers dependency) knows Unicode properties
    import regex as _ure

    _INDEX_WORD = r"[\p{L}\p{M}\p{N}]+"
except ImportError:  # pragma: no cover - fallback: letters/digits via \w, marks listed explicitly
    import re as _ure
    import sys

    def _mark_class() -> str:
        ranges: list[tuple[int, int]] = []
        for cp in range(sys.maxunicode + 1):
            if unicodedata.category(chr(cp)).startswith("M"):
                if ranges and ranges[-1][1] == cp - 1:
                    ranges[-1] = (ranges[-1][0], cp)
                else:
                    ranges.append((cp, cp))
        return "".join(f"\\U{a:08x}-\\U{b:08x}" for a, b in ranges)

    _INDEX_WORD = r"(?:[^\W_]|[" + _mark_class() + r"])+"

# --- prose: query builders, rerankers, classifier ------------------------------------------

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


def normalise_space(text: str) -> str:
    """Runs of whitespace (line breaks included) as one space, ends trimmed."""
    return " ".join(text.split())


# --- sentence: translation -----------------------------------------------------------------

_SENTENCE_WORD_RE = re.compile(r"[^\W_](?:[\w'’]*[^\W_])?|[^\W_]", re.UNICODE)
_BOUNDARY_RE = re.compile(r"[=\-]")

# English function words (incl. contractions): no dictionary translation, and Kalamang has no
# articles or copula to put in their place.
_TRANSLATION_STOPWORDS_TEXT = """
a an the of to in on at for with by from and or but is are was were be been being am do does did
not no it its this that these those there here as so very just will would can could should shall
may might must have has had i me my you your he him his she her we us our they them their what which
who whom whose when where why how all some any each s t don didn isn aren wasn weren don't didn't
doesn't isn't aren't wasn't weren't can't won't couldn't wouldn't shouldn't haven't hasn't hadn't
i'm it's that's there's you're we're they're he's she's let's i'll i've i'd
"""
TRANSLATION_STOPWORDS = frozenset(_TRANSLATION_STOPWORDS_TEXT.split())


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def lower_words(text: str) -> list[str]:
    """Lower-cased word tokens (punctuation dropped; apostrophes inside words kept)."""
    return [w.replace("’", "'") for w in _SENTENCE_WORD_RE.findall(nfc(text).lower())]


def cased_words(text: str) -> list[str]:
    """Word tokens as written (names keep their capital when copied into a translation)."""
    return [w.replace("’", "'") for w in _SENTENCE_WORD_RE.findall(nfc(text))]


def normalise_sentence(text: str) -> str:
    """Key for exact-duplicate detection: case, punctuation, morpheme boundaries and spacing removed."""
    text = _BOUNDARY_RE.sub("", nfc(text).lower())
    return " ".join(lower_words(text))


def snowball_stemmer(language: str) -> Any:
    """A new PyStemmer (Snowball) stemmer for ``language``, or None when PyStemmer is missing.

    A new object per caller: PyStemmer stemmers keep an internal cache and are not thread-safe."""
    try:
        import Stemmer  # PyStemmer: a C extension, optional for the translation fallback
    except ImportError:
        return None
    return Stemmer.Stemmer(language)


@lru_cache(maxsize=1)
def _english_stemmer() -> Any:  # pragma: no cover - trivial
    return snowball_stemmer("english")


def english_stem(word: str) -> str:
    """Snowball English stem of ``word``; a plain suffix strip when PyStemmer is missing."""
    stemmer = _english_stemmer()
    if stemmer is not None:
        return stemmer.stemWord(word)
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


# --- content words of catalogue text and of LLM replies ------------------------------------
# Three small readers pick "content words" of short texts; their lists stay apart because each
# is part of a measured figure (the classifier's topic vocabulary, the '+CoT' guideline terms,
# the sentence an LLM answer is quoted from).

# the topic vocabulary of a feature's question (classifier's generic value-term family)
FEATURE_TEXT_STOPWORDS = frozenset({
    "the", "a", "an", "of", "and", "or", "in", "on", "is", "are", "be", "by", "with", "for", "to", "as",
    "no", "not", "can", "there", "which", "that", "this", "its", "does", "do", "any", "other", "than",
    "language", "languages", "marked", "marking", "present", "absent", "feature", "what", "how",
})
# the frequent words of a guideline (the classifier's '+CoT' topic vocabulary)
GUIDELINE_STOPWORDS = frozenset(
    ["the", "a", "an", "of", "and", "or", "in", "on", "is", "are", "be", "by", "with", "for", "to", "as", "no", "not", "can", "there", "which", "that", "this", "its", "does", "do", "any", "other", "than", "language", "languages", "code", "coded", "coding", "feature", "value", "values", "example", "examples", "see", "if", "when", "also", "only", "it", "they", "we", "should", "may", "must", "such", "these", "those", "from", "at"]
)
# words shared by an LLM's reasoning and a passage sentence (which sentence to quote)
QUOTE_STOPWORDS = frozenset({
    "the", "a", "an", "of", "in", "and", "or", "is", "are", "be", "to", "this", "that", "it", "as", "by",
    "with", "for", "on", "which", "language", "passage", "passages", "can", "not", "no",
})
ALNUM_WORD_RE = re.compile(r"[a-z0-9]+")  # lower-case letters and digits (reply parsing)


def feature_text_words(text: str) -> list[str]:
    """Content words (3+ letters, hyphens kept) of a feature's question or name, lower-cased."""
    return [w for w in re.findall(r"[a-zA-Z][a-zA-Z-]{2,}", text.lower()) if w not in FEATURE_TEXT_STOPWORDS]


def guideline_words(text: str) -> list[str]:
    """Content words (4+ letters, hyphens kept) of a guideline, lower-cased, in reading order."""
    return [w for w in re.findall(r"[a-z][a-z-]{3,}", text.lower()) if w not in GUIDELINE_STOPWORDS]


def quote_words(text: str) -> set[str]:
    """Lower-cased letter/digit words of two or more characters, minus :data:`QUOTE_STOPWORDS`."""
    return {w for w in ALNUM_WORD_RE.findall(text.lower()) if w not in QUOTE_STOPWORDS and len(w) > 1}


# --- index: BM25 terms of a stored grammar -------------------------------------------------

MARKERS = "=-~"


def index_stopwords(name: Literal["en"] | None) -> frozenset[str]:
    """The stop list named in a :class:`TokenizerConfig` (``"en"``: bm25s's English list)."""
    if name != "en":
        return frozenset()
    from bm25s.stopwords import STOPWORDS_EN  # bm25s pulls in numpy/scipy: loaded on first use

    return frozenset(STOPWORDS_EN)


@dataclass(frozen=True)
class TokenizerConfig:
    """How passages and queries become BM25 terms (persisted in the index manifest)."""

    normalization: Literal["NFC", "NFKC"] = "NFKC"
    casefold: bool = True
    stopwords: Literal["en"] | None = "en"
    stemmer: str | None = "english"  # any PyStemmer language, or None
    gloss_markers: str = MARKERS  # boundary characters kept as a searchable prefix/suffix

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TokenizerConfig:
        names = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in data.items() if k in names})


class Tokenizer:
    """Callable ``text -> list[str]`` built from a :class:`TokenizerConfig`.

    Output is a bag of terms for BM25: bare words (stop-word filtered, stemmed) followed by the
    marker-carrying gloss forms. Speed matters (a 17k-paragraph corpus is ~6M words), so matching
    is one C-level ``findall`` per text and stems are memoised per distinct word.
    """

    _MAX_CACHE = 500_000

    def __init__(self, config: TokenizerConfig | None = None) -> None:
        self.config = config or TokenizerConfig()
        self._markers = self.config.gloss_markers
        self._words = _ure.compile(_INDEX_WORD)
        if self._markers:
            markers = _ure.escape(self._markers)
            # marker + word; the same pattern on the reversed text finds word + marker without a
            # slow scan from every word start (combining marks are restored by reversing back)
            self._marked = _ure.compile(rf"[{markers}]{_INDEX_WORD}")
        self._stems: dict[str, str] = {}

    @cached_property
    def _stopwords(self) -> frozenset[str]:
        return index_stopwords(self.config.stopwords)

    @cached_property
    def _stemmer(self) -> Any:
        if not self.config.stemmer:
            return None
        stemmer = snowball_stemmer(self.config.stemmer)
        if stemmer is None:
            raise ImportError(f"the index tokenizer's stemmer '{self.config.stemmer}' needs PyStemmer")
        return stemmer

    def normalise(self, text: str) -> str:
        text = unicodedata.normalize(self.config.normalization, text)
        return text.casefold() if self.config.casefold else text

    def _terms(self, words: list[str]) -> list[str]:
        """Stop-word filter + stem, via a memo of word -> term ("" for stop words)."""
        cache = self._stems
        missing = [w for w in set(words) if w not in cache]
        if missing:
            if len(cache) > self._MAX_CACHE:
                cache.clear()
                missing = list(set(words))
            stop = self._stopwords
            kept = [w for w in missing if w not in stop]
            stemmer = self._stemmer
            stems = stemmer.stemWords(kept) if stemmer is not None and kept else kept
            cache.update(zip(kept, stems, strict=True))
            cache.update((w, "") for w in missing if w in stop)
        return [t for t in map(cache.__getitem__, words) if t]

    def __call__(self, text: str) -> list[str]:
        text = self.normalise(text)
        out = self._terms(self._words.findall(text))
        if self._markers and any(m in text for m in self._markers):
            # stop words are only dropped when unmarked: "=it" or "-s" stay searchable
            out += self._marked.findall(text)
            out += [m[::-1] for m in self._marked.findall(text[::-1])]
        return out

    def tokenize_many(self, texts: Iterable[str]) -> list[list[str]]:
        return [self(t) for t in texts]

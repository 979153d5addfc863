"""Unicode-aware tokenisation for BM25 over descriptive grammars.

Why not a plain ``\\w+`` split: grammars mix English prose with object-language forms full of
diacritics (``ŋ``, ``é``, tone marks as combining characters), non-Latin scripts whose vowel signs
are combining marks (Devanagari ``नहीं`` would fall apart under ``\\w+``), and Leipzig-style glosses
where the boundary marker carries meaning (``=NEG`` is a clitic, ``-PL`` a suffix). So:

* text is NFKC-normalised (composes diacritics, unfolds ligatures) and case-folded;
* a word is a run of letters, combining marks and digits in any script;
* a word attached to a gloss boundary marker (``=``, ``-``, ``~``) is emitted both bare (``neg``)
  and with its marker (``=neg``), so "=NEG" finds exactly the clitic while "neg" finds both;
* English stop words and English stemming (PyStemmer) are optional and apply to bare words only.

The configuration is stored in the index manifest so queries are tokenised like the corpus.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from functools import cached_property
from typing import Any, Literal

try:  # the `regex` module (a transformers dependency) knows Unicode properties
    import regex as _re

    _WORD = r"[\p{L}\p{M}\p{N}]+"
except ImportError:  # pragma: no cover - fallback: letters/digits via \w, marks listed explicitly
    import re as _re
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

    _WORD = r"(?:[^\W_]|[" + _mark_class() + r"])+"

MARKERS = "=-~"


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
        self._words = _re.compile(_WORD)
        if self._markers:
            markers = _re.escape(self._markers)
            # marker + word; the same pattern on the reversed text finds word + marker without a
            # slow scan from every word start (combining marks are restored by reversing back)
            self._marked = _re.compile(rf"[{markers}]{_WORD}")
        self._stems: dict[str, str] = {}

    @cached_property
    def _stopwords(self) -> frozenset[str]:
        if self.config.stopwords != "en":
            return frozenset()
        from bm25s.stopwords import STOPWORDS_EN

        return frozenset(STOPWORDS_EN)

    @cached_property
    def _stemmer(self) -> Any:
        if not self.config.stemmer:
            return None
        import Stemmer

        return Stemmer.Stemmer(self.config.stemmer)

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

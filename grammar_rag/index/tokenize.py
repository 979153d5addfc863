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
    """Callable ``text -> list[str]`` built from a :class:`TokenizerConfig`."""

    def __init__(self, config: TokenizerConfig | None = None) -> None:
        self.config = config or TokenizerConfig()
        markers = _re.escape(self.config.gloss_markers) if self.config.gloss_markers else ""
        if markers:
            pattern = rf"(?P<pre>[{markers}])?(?P<word>{_WORD})(?=(?P<post>[{markers}]))?"
        else:
            pattern = rf"(?P<word>{_WORD})"
        self._pattern = _re.compile(pattern)

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

    def __call__(self, text: str) -> list[str]:
        text = self.normalise(text)
        stop = self._stopwords
        words: list[str] = []
        marked: list[tuple[int, str]] = []  # (position in words, marked form)
        for match in self._pattern.finditer(text):
            word = match.group("word")
            groups = match.groupdict()
            pre, post = groups.get("pre"), groups.get("post")
            if pre:
                marked.append((len(words), pre + word))
            if post:
                marked.append((len(words), word + post))
            words.append(word)
        # stop words are only dropped when unmarked: "=it" or "-s" stay searchable
        keep = [(i, w) for i, w in enumerate(words) if w not in stop]
        stemmer = self._stemmer
        stems = stemmer.stemWords([w for _, w in keep]) if stemmer is not None and keep else [w for _, w in keep]
        if not marked:
            return list(stems)
        out: list[str] = []
        marked_iter = iter(marked)
        next_marked = next(marked_iter, None)
        stem_iter = iter(zip(keep, stems, strict=True))
        next_stem = next(stem_iter, None)
        for i in range(len(words)):
            if next_stem is not None and next_stem[0][0] == i:
                out.append(next_stem[1])
                next_stem = next(stem_iter, None)
            while next_marked is not None and next_marked[0] == i:
                out.append(next_marked[1])
                next_marked = next(marked_iter, None)
        return out

    def tokenize_many(self, texts: Iterable[str]) -> list[list[str]]:
        return [self(t) for t in texts]

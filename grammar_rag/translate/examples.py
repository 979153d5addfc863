"""Example sentences: reading them (Dictionaria CSV, grammar interlinear examples) and retrieving
the ones most similar to an input sentence (BM25 + dense, fused by reciprocal rank).

Most of the gain in MTOB-style translation comes from parallel examples, so retrieval matches the
input against the example side *in the input's language*: Kalamang words are expanded with their
dictionary stems (so ``sorat`` finds ``sor=at`` and ``sor``), English words are stemmed.
"""

from __future__ import annotations

import csv
import hashlib
import logging
import math
import os
import re
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from grammar_rag.config import cache_dir
from grammar_rag.errors import DataDirError
from grammar_rag.text.langid import Lexicons, pick_english
from grammar_rag.text.tokens import TRANSLATION_STOPWORDS, english_stem, lower_words, normalise_sentence

if TYPE_CHECKING:
    from grammar_rag.index.embed import Embedder

log = logging.getLogger(__name__)

EXAMPLE_COLUMNS = ("ID", "Primary_Text", "Translated_Text")  # required; Analyzed_Word/Gloss/alt_translation1 optional


@dataclass(frozen=True)
class Example:
    """A parallel sentence: object-language ``text`` and its English ``translation``."""

    id: str
    text: str
    translation: str
    origin: str = "dictionaria"  # "dictionaria" | "grammar"
    segmented: str = ""  # words with morpheme boundaries ("sor=at koraru"), when glossed
    gloss: str = ""  # word-aligned gloss line, when glossed
    section: tuple[str, ...] = ()
    other_translation: str = ""  # the non-English (Indonesian/Malay) translation, when present

    def side(self, name: str) -> str:
        return self.text if name == "text" else self.translation

    def keys(self) -> tuple[str, str]:
        """Normalised (text, translation): two examples sharing either are duplicates for exclusion."""
        return normalise_sentence(self.segmented or self.text), normalise_sentence(self.translation)

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "text": self.text,
            "translation": self.translation,
            "origin": self.origin,
            "gloss": self.gloss,
            "section": list(self.section),
        }


def _segmented_from_morphemes(morphemes: str, glosses: str) -> tuple[str, str]:
    """Rebuild words from Dictionaria's tab-separated morphemes (``ka\\t=at\\t=a`` -> ``ka=at=a``)."""
    ms = morphemes.replace("\\t", "\t").split("\t")
    gs = glosses.replace("\\t", "\t").split("\t") if glosses else []
    gs += [""] * (len(ms) - len(gs))
    out_w: list[str] = []
    out_g: list[str] = []
    glue = False
    for m, g in zip(ms, gs, strict=False):
        m = m.strip()
        g = g.split(";")[0].strip().replace(" ", ".") or "?"
        if not m or not any(ch.isalnum() for ch in m):
            glue = False
            continue
        if (m[0] in "=-" or glue) and out_w:
            out_w[-1] += m
            if m[0] in "=-":  # a suffix/clitic: its gloss carries the same boundary
                out_g[-1] += g if g[:1] in "=-" else m[0] + g
            else:  # the previous morpheme was a prefix ("ko=")
                out_g[-1] += g
        else:
            out_w.append(m)
            out_g.append(g)
        glue = m[-1] in "=-"
    return " ".join(out_w), " ".join(out_g)


def read_examples_csv(path: Path, lexicons: Lexicons | None = None) -> list[Example]:
    """Examples from a CSV with Dictionaria's example columns; the English side is detected per row.

    ``Translated_Text`` and ``alt_translation1`` hold English and Indonesian/Malay, in either order:
    each row keeps whichever reads as English (function-word cues), so no column is hard-coded.
    """
    if not path.is_file():
        raise DataDirError(f"Examples file {path} does not exist.")
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in EXAMPLE_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise DataDirError(
                f"{path} lacks the column(s) {', '.join(missing)}; expected Dictionaria's example columns "
                "(ID, Primary_Text, Analyzed_Word, Gloss, Translated_Text, alt_translation1)."
            )
        out: list[Example] = []
        for row in reader:
            text = (row.get("Primary_Text") or "").strip()
            candidates = ((row.get("Translated_Text") or "").strip(), (row.get("alt_translation1") or "").strip())
            picked = pick_english(*candidates, lexicons=lexicons)
            if not text or picked is None:
                continue
            index, english = picked
            segmented, gloss = ("", "")
            if (row.get("Analyzed_Word") or "").strip():
                segmented, gloss = _segmented_from_morphemes(row["Analyzed_Word"], row.get("Gloss") or "")
            out.append(
                Example(
                    id=row["ID"],
                    text=text,
                    translation=english,
                    segmented=segmented,
                    gloss=gloss,
                    other_translation=candidates[1 - index],
                )
            )
    return out


# ---- retrieval ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ScoredExample:
    example: Example
    score: float
    rank: int
    bm25: float = 0.0
    dense: float = 0.0

    def to_dict(self) -> dict[str, object]:
        return {**self.example.to_dict(), "score": round(self.score, 5), "rank": self.rank,
                "bm25": round(self.bm25, 4), "dense": round(self.dense, 4)}


def cached_embeddings(embedder: Any, texts: list[str]) -> np.ndarray:
    """Embeddings of ``texts``, cached on disk by model name + content hash.

    Embedding a few thousand example sentences takes minutes on a small CPU; a one-shot
    ``grammar-rag translate`` should pay that once, not on every call.
    """
    digest = hashlib.sha1("\n".join(texts).encode("utf-8")).hexdigest()[:16]
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", str(getattr(embedder, "name", type(embedder).__name__)))
    path = cache_dir() / "translate" / f"{name}-{digest}.npy"
    if path.exists():
        try:
            vectors = np.load(path)
            if vectors.shape[0] == len(texts):
                return vectors
        except (OSError, ValueError):
            log.warning("ignoring unreadable embedding cache %s", path)
    log.info("embedding %d example sentences with %s (cached in %s)", len(texts), name, path.parent)
    vectors = np.asarray(
        embedder.encode(texts, show_progress=sys.stderr.isatty()), dtype=np.float32
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp.npy")
    np.save(tmp, vectors)
    os.replace(tmp, path)
    return vectors


class BM25:
    """Okapi BM25 over pre-tokenised documents (a few thousand sentences: a dict index suffices)."""

    def __init__(self, docs: Sequence[Sequence[str]], k1: float = 1.2, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.n = len(docs)
        self.lengths = np.array([len(d) for d in docs], dtype=np.float32)
        self.avgdl = float(self.lengths.mean()) if self.n else 1.0
        self.postings: dict[str, list[tuple[int, int]]] = {}
        for i, doc in enumerate(docs):
            for term, tf in Counter(doc).items():
                self.postings.setdefault(term, []).append((i, tf))
        self.idf = {t: math.log(1 + (self.n - len(p) + 0.5) / (len(p) + 0.5)) for t, p in self.postings.items()}

    def scores(self, query: Sequence[str]) -> np.ndarray:
        out = np.zeros(self.n, dtype=np.float32)
        for term in set(query):
            for i, tf in self.postings.get(term, ()):
                denom = tf + self.k1 * (1 - self.b + self.b * self.lengths[i] / self.avgdl)
                out[i] += self.idf[term] * tf * (self.k1 + 1) / denom
        return out


def english_terms(text: str) -> list[str]:
    return [english_stem(w) for w in lower_words(text) if w not in TRANSLATION_STOPWORDS]


@dataclass
class ExampleIndex:
    """Hybrid retriever over one side ("text" or "translation") of a list of examples."""

    examples: list[Example]
    side: str
    tokenizer: Callable[[str], list[str]]
    embedder: Embedder | None = None
    rrf_k: int = 60
    _bm25: BM25 = field(init=False, repr=False)
    _vectors: np.ndarray | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self._bm25 = BM25([self.tokenizer(e.side(self.side)) for e in self.examples])
        if self.embedder is not None and self.examples:
            self._vectors = cached_embeddings(self.embedder, [e.side(self.side) for e in self.examples])

    def search(self, query: str, k: int = 5, candidates: int = 50) -> list[ScoredExample]:
        if not self.examples:
            return []
        bm = self._bm25.scores(self.tokenizer(query))
        dense = np.zeros_like(bm)
        if self._vectors is not None and self.embedder is not None:
            q = np.asarray(self.embedder.encode([query], is_query=True), dtype=np.float32)[0]
            dense = self._vectors @ q
        fused = np.zeros_like(bm)
        for scores, present in ((bm, bm > 0), (dense, self._vectors is not None)):
            if not np.any(present):
                continue
            for rank, i in enumerate(np.argsort(-scores, kind="stable")[:candidates]):
                if scores[i] > 0:
                    fused[i] += 1.0 / (self.rrf_k + rank + 1)
        order: list[int] = []
        seen: set[tuple[str, str]] = set()
        for i in np.argsort(-fused, kind="stable"):
            if fused[i] <= 0 or len(order) >= k:
                break
            key = self.examples[int(i)].keys()
            if key not in seen:  # the grammar repeats some examples in several sections
                seen.add(key)
                order.append(int(i))
        return [
            ScoredExample(self.examples[i], float(fused[i]), r + 1, float(bm[i]), float(dense[i]))
            for r, i in enumerate(order)
        ]

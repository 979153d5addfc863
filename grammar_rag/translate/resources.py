"""Loading and caching everything the translator needs for one language pack.

One path: pack (:mod:`grammar_rag.translate.packs`) -> :class:`LanguageResources` (loaded once and
cached) -> context -> prompt or model-free answer. A :class:`LanguageResources` bundles the
dictionary (with affixes and full forms learned from the *retrievable* glossed examples), the
example pool — the pack's own sentences plus the interlinear examples of its ingested grammar
(passages of kind "example"), duplicates removed — the grammar's prose passages and lazily built
retrieval indexes. Test sentences are removed at construction (``exclude``), before anything is
learned, from the examples *and* from the grammar passages, so an excluded sentence cannot leak
into any part of the context.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from grammar_rag.errors import DataDirError
from grammar_rag.index.embed import Embedder, get_embedder
from grammar_rag.text.tokens import lower_words, normalise_sentence
from grammar_rag.translate.dictionary import Dictionary
from grammar_rag.translate.examples import BM25, Example, ExampleIndex, english_terms, read_examples_csv
from grammar_rag.translate.grammar_examples import examples_from_passages, is_example_passage
from grammar_rag.translate.languages import LanguageInfo, resolve_language
from grammar_rag.translate.morphology import Transliterator
from grammar_rag.translate.packs import LanguagePack, PackStore, load_content
from grammar_rag.types import Passage

log = logging.getLogger(__name__)


@dataclass
class LanguageResources:
    language: LanguageInfo
    dictionary: Dictionary
    examples: list[Example]
    passages: list[Passage]
    embedder: Embedder | None = None
    sources: dict[str, str] = field(default_factory=dict)  # what was loaded from where (for reports)
    _indexes: dict[str, ExampleIndex] = field(default_factory=dict, repr=False)
    _passage_bm25: BM25 | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        # Affixes and full forms come from the retrievable glossed examples only (never a test one).
        glossed = [e for e in self.examples if e.segmented and e.gloss]
        seg_words = [w for e in glossed for w in e.segmented.split()]
        surface = [w for e in self.examples if not e.gloss for w in lower_words(e.text)]
        self.dictionary.learn_affixes(seg_words, surface_words=surface)
        pairs: list[tuple[str, str]] = []
        for e in glossed:
            ws, gs = e.segmented.split(), e.gloss.split()
            if len(ws) == len(gs):
                pairs.extend(zip(ws, gs, strict=True))
        self.dictionary.add_full_forms(pairs)

    def object_terms(self, text: str) -> list[str]:
        """Words plus their dictionary stems, so inflected forms meet their bare form."""
        out: list[str] = []
        for w in lower_words(text.replace("=", "").replace("-", "")):
            out.append(w)
            analysis = self.dictionary.analyse(w)
            if analysis.stem == w:
                continue
            if analysis.method in ("exact", "orthography", "transliterated"):
                out.append(analysis.stem)  # the same word in the pool's spelling or script
            else:
                out.append("stem:" + analysis.stem)
        return out

    def example_index(self, side: str) -> ExampleIndex:
        """Hybrid index over the object-language ("text") or English ("translation") side."""
        with self._lock:
            index = self._indexes.get(side)
            if index is None:
                tokenizer = self.object_terms if side == "text" else english_terms
                # Dense vectors only for English: a sentence embedder trained on English (and high-resource
                # languages) adds noise on Kalamang, and embedding both sides doubles start-up time.
                embedder = self.embedder if side == "translation" else None
                index = ExampleIndex(self.examples, side, tokenizer, embedder)
                self._indexes[side] = index
            return index

    def passage_bm25(self) -> BM25:
        with self._lock:
            if self._passage_bm25 is None:
                self._passage_bm25 = BM25([english_terms(p.text) for p in self.passages])
            return self._passage_bm25

    def warm(self) -> None:
        """Build every index now (servers call this at start-up so the first request is fast)."""
        self.example_index("text")
        self.example_index("translation")
        self.passage_bm25()


def banned_keys(excluded: list[Example]) -> tuple[set[str], set[str], set[str]]:
    texts = {k for e in excluded for k in [e.keys()[0], normalise_sentence(e.text)] if k}
    trans = {k for e in excluded for k in [e.keys()[1]] if k}
    return {e.id for e in excluded}, texts, trans


def is_banned(example: Example, banned: tuple[set[str], set[str], set[str]]) -> bool:
    ids, texts, trans = banned
    return (example.id in ids or example.keys()[0] in texts or normalise_sentence(example.text) in texts
            or example.keys()[1] in trans)


def passage_leaks(passage: Passage, banned: tuple[set[str], set[str], set[str]], min_words: int = 3) -> bool:
    """Whether a grammar passage quotes an excluded sentence (either side, normalised)."""
    _ids, texts, trans = banned
    body = " " + normalise_sentence(passage.text) + " "
    return any(len(k.split()) >= min_words and f" {k} " in body for k in (*texts, *trans))


def merge_examples(own: list[Example], extra: list[Example]) -> list[Example]:
    """``own`` plus those of ``extra`` that duplicate none of them (normalised text or translation)."""
    seen_text = {e.keys()[0] for e in own} | {normalise_sentence(e.text) for e in own}
    seen_trans = {e.keys()[1] for e in own}
    out = list(own)
    for e in extra:
        if e.keys()[0] in seen_text or normalise_sentence(e.text) in seen_text or e.keys()[1] in seen_trans:
            continue
        out.append(e)
    return out


def build_resources(
    language: str = "kgv",
    *,
    data_dir: str | Path | None = None,
    examples_csv: str | Path | None = None,
    exclude: Iterable[Example] = (),
    embedder: Embedder | str | None = "default",
    store: PackStore | None = None,
    pack: LanguagePack | None = None,
) -> LanguageResources:
    """Load (uncached) resources of a pack; ``exclude`` removes those sentences and all normalised
    duplicates from every retrievable source (pack sentences, grammar examples, grammar prose).

    ``examples_csv`` replaces the pack's own sentences with a Dictionaria-style CSV. ``embedder``:
    "default" -> the project's default embedding model (BM25 only when it cannot be loaded), a
    name -> that model, None -> BM25 only, or an Embedder object.
    """
    if pack is None:
        info = resolve_language(language, store)
        if info.pack is None:
            raise DataDirError(f"No resources for '{info.name}': translate between English and another language.")
        pack = info.pack
    else:
        info = LanguageInfo(pack.code, pack.name, pack.aliases, pack)
    content = load_content(pack, data_dir)
    sources = dict(content.sources)
    transliterate = Transliterator.from_dict(pack.transliteration) if pack.transliteration else None
    dictionary = Dictionary(list(content.entries), other_words=content.other_words, transliterate=transliterate)
    examples = list(content.examples)
    if examples_csv:
        examples = read_examples_csv(Path(examples_csv), dictionary.lexicons())
        sources["examples"] = str(examples_csv)
    grammar_examples = examples_from_passages(content.passages)
    examples = merge_examples(examples, grammar_examples)
    passages = [p for p in content.passages if p.kind == "prose" and not is_example_passage(p)]
    if not passages:
        log.warning("no grammar passages found for %s: grammar context will be empty", info.name)

    excluded = list(exclude)
    if excluded:
        banned = banned_keys(excluded)
        before = len(examples)
        examples = [e for e in examples if not is_banned(e, banned)]
        n_pass = len(passages)
        passages = [p for p in passages if not passage_leaks(p, banned)]
        log.info("excluded %d of %d examples and %d of %d grammar passages (test sentences and their duplicates)",
                 before - len(examples), before, n_pass - len(passages), n_pass)

    return LanguageResources(info, dictionary, examples, passages, _make_embedder(embedder), sources)


def _make_embedder(spec: Embedder | str | None) -> Embedder | None:
    if not isinstance(spec, str):
        return spec
    try:
        return get_embedder(None if spec == "default" else spec)
    except Exception as exc:  # dense retrieval is an improvement, never a requirement
        log.warning("dense example retrieval disabled (%s); using BM25 only", exc)
        return None


_CACHE: dict[tuple[object, ...], LanguageResources] = {}
_CACHE_LOCK = threading.Lock()


def load_resources(
    language: str = "kgv",
    *,
    data_dir: str | Path | None = None,
    examples_csv: str | Path | None = None,
    embedder: Embedder | str | None = "default",
    store: PackStore | None = None,
) -> LanguageResources:
    """Cached :func:`build_resources` (one per pack/data/embedder), for the CLI, the API and the app."""
    info = resolve_language(language, store)
    key = (info.code, str(info.pack.directory if info.pack else ""), _pack_stamp(info), str(data_dir or ""),
           str(examples_csv or ""), str(embedder))
    with _CACHE_LOCK:
        if key not in _CACHE:
            _CACHE[key] = build_resources(
                language, data_dir=data_dir, examples_csv=examples_csv, embedder=embedder, store=store
            )
        return _CACHE[key]


def _pack_stamp(info: LanguageInfo) -> tuple[int, int]:
    """Identity of a stored pack's folder: ``language add`` replaces the folder whole, so a re-added
    pack gets a new stamp and its cached resources are rebuilt (no cache needs telling)."""
    directory = info.pack.directory if info.pack else None
    if directory is None or not Path(directory).exists():
        return (0, 0)
    stat = Path(directory).stat()
    return (stat.st_ino, stat.st_mtime_ns)


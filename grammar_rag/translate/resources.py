"""Loading and caching everything the translator needs for one language.

A :class:`LanguageResources` bundles the dictionary (with affixes and full forms learned from the
*retrievable* glossed examples), the example pool, the grammar's prose passages and lazily built
retrieval indexes. Test sentences are removed at construction (``exclude``), before anything is
learned from the examples, so an excluded sentence cannot leak into any part of the context.

Where things come from (first found wins):

* dictionary: ``<data>/kalamang/dictionaria/`` else the compact copy bundled in
  ``corpora/kalamang/dictionary/`` (CC-BY-4.0), so the default path works offline;
* Dictionaria examples: ``<data>/kalamang/dictionaria/examples.csv`` or an explicit CSV;
* grammar: ``<data>/kalamang/grammar_tex/`` or a LaTeX tree bundled under ``corpora/kalamang/``,
  else the passages of the bundled corpus from the ingestion package.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from grammar_rag.config import CORPORA_DIR
from grammar_rag.config import data_dir as resolve_data_dir
from grammar_rag.corpus import load_bundled
from grammar_rag.errors import DataDirError, GrammarRagError
from grammar_rag.text.tokens import lower_words, normalise_sentence
from grammar_rag.translate.dictionary import Dictionary, load_dictionary
from grammar_rag.translate.examples import BM25, Example, ExampleIndex, english_terms, read_examples_csv
from grammar_rag.translate.grammar_source import parse_tex_dir
from grammar_rag.translate.langid import english_score
from grammar_rag.translate.languages import LanguageInfo, resolve_language
from grammar_rag.types import Passage

if TYPE_CHECKING:
    from grammar_rag.index.embed import Embedder

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
        self.dictionary.learn_affixes(seg_words)
        pairs: list[tuple[str, str]] = []
        for e in glossed:
            ws, gs = e.segmented.split(), e.gloss.split()
            if len(ws) == len(gs):
                pairs.extend(zip(ws, gs, strict=True))
        self.dictionary.add_full_forms(pairs)

    def kalamang_terms(self, text: str) -> list[str]:
        """Words plus their dictionary stems, so inflected forms meet their bare form."""
        out: list[str] = []
        for w in lower_words(text.replace("=", "").replace("-", "")):
            out.append(w)
            stem = self.dictionary.analyse(w).stem
            if stem != w:
                out.append("stem:" + stem)
        return out

    def example_index(self, side: str) -> ExampleIndex:
        """Hybrid index over the object-language ("text") or English ("translation") side."""
        with self._lock:
            index = self._indexes.get(side)
            if index is None:
                tokenizer = self.kalamang_terms if side == "text" else english_terms
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


# ---- locating files --------------------------------------------------------------------------------
def _language_dir(root: Path, corpus: str) -> Path:
    return root / corpus if (root / corpus).is_dir() else root


def _find_tex_dir(candidates: Iterable[Path]) -> Path | None:
    for c in candidates:
        if c.is_dir() and any(c.glob("*.tex")):
            return c
    return None


def _bundled_grammar_passages(corpus: str) -> list[Passage]:
    """Passages of the bundled corpus; none (with a warning) when this checkout has no such corpus."""
    try:
        return load_bundled(corpus).passages
    except GrammarRagError as exc:  # grammar context is optional: dictionary + examples still translate
        log.warning("bundled corpus %s unavailable: %s", corpus, exc)
        return []


def _examples_from_passages(passages: list[Passage]) -> list[Example]:
    """Interlinear examples out of "example" passages: line 1 text, line 2 gloss, quoted translation.

    Examples whose free translation is not English (e.g. in a grammar's Indonesian summary) are
    skipped: the pool pairs the object language with English only.
    """
    out = []
    for p in passages:
        if p.kind != "example":
            continue
        # one passage may hold sub-examples (a., b., ...): each ends with its quoted translation
        group: list[str] = []
        n = 0
        for line in (ln.strip() for ln in p.text.splitlines()):
            if not line:
                continue
            if line[:1] not in "'‘`\"" or not group:
                group.append(re.sub(r"^[a-z]\.\s+", "", line) if not group else line)
                continue
            translation = re.sub(r"\s*\[[^\]]*\]\s*$", "", line).strip().strip("'‘’`\" ")
            segmented, gloss = group[0], (group[1] if len(group) > 1 else "")
            group = []
            if not translation or english_score(translation) < 0:
                continue
            n += 1
            text = segmented.replace("=", "").replace("-", "")
            eid = p.passage_id if n == 1 else f"{p.passage_id}#{n}"
            out.append(Example(eid, text, translation, "grammar", segmented, gloss, p.section))
    return out


def _tex_examples(tex_dir: Path) -> tuple[list[Example], list[Passage]]:
    inter, prose = parse_tex_dir(tex_dir)
    examples = [
        Example(
            id=f"grammar:{e.id}",
            text=e.source.replace("=", "").replace("-", ""),
            translation=e.translation,
            origin="grammar",
            segmented=e.source,
            gloss=e.gloss,
            section=e.section,
        )
        for e in inter
    ]
    return examples, prose


def build_resources(
    language: str = "kgv",
    *,
    data_dir: str | Path | None = None,
    examples_csv: str | Path | None = None,
    grammar_dir: str | Path | None = None,
    exclude: Iterable[Example] = (),
    embedder: Embedder | str | None = "default",
) -> LanguageResources:
    """Load (uncached) resources; ``exclude`` removes those sentences and all normalised duplicates.

    ``embedder``: "default" -> the project's default embedding model (BM25 only when it cannot be
    loaded), a name -> that model from :func:`grammar_rag.index.embed.get_embedder`, None -> BM25 only,
    or an Embedder object.
    """
    info = resolve_language(language)
    if info.corpus is None:
        raise DataDirError(f"No resources for '{info.name}': translate between English and another language.")
    root = resolve_data_dir(data_dir, required=False)
    lang_dir = _language_dir(root, info.corpus) if root else None
    sources: dict[str, str] = {}

    dict_dir = lang_dir / "dictionaria" if lang_dir and (lang_dir / "dictionaria" / "entries.csv").exists() else None
    dict_dir = dict_dir or CORPORA_DIR / info.corpus / "dictionary"
    dictionary = load_dictionary(dict_dir)
    sources["dictionary"] = str(dict_dir)

    examples: list[Example] = []
    csv_path = Path(examples_csv) if examples_csv else (lang_dir / "dictionaria" / "examples.csv" if lang_dir else None)
    if csv_path is not None and csv_path.exists():
        examples.extend(read_examples_csv(csv_path, dictionary.lexicons()))
        sources["examples"] = str(csv_path)
    elif examples_csv:
        raise DataDirError(f"Examples file {examples_csv} does not exist.")

    tex_dir = _find_tex_dir(
        [Path(grammar_dir)] if grammar_dir else
        ([lang_dir / "grammar_tex"] if lang_dir else []) + [CORPORA_DIR / info.corpus / "grammar_tex", CORPORA_DIR / info.corpus]
    )
    passages: list[Passage] = []
    if tex_dir is not None:
        grammar_examples, passages = _tex_examples(tex_dir)
        examples.extend(grammar_examples)
        sources["grammar"] = str(tex_dir)
    else:
        bundled = _bundled_grammar_passages(info.corpus)
        passages = [p for p in bundled if p.kind == "prose"]
        examples.extend(_examples_from_passages(bundled))
        if bundled:
            sources["grammar"] = f"bundled corpus '{info.corpus}'"
    if not passages:
        log.warning("no grammar passages found for %s: grammar context will be empty", info.name)

    excluded = list(exclude)
    if excluded:
        banned_text = {k for e in excluded for k in [e.keys()[0]] if k}
        banned_trans = {k for e in excluded for k in [e.keys()[1]] if k}
        banned_ids = {e.id for e in excluded}
        before = len(examples)
        examples = [
            e for e in examples
            if e.id not in banned_ids and e.keys()[0] not in banned_text
            and normalise_sentence(e.text) not in banned_text and e.keys()[1] not in banned_trans
        ]
        log.info("excluded %d of %d examples (test sentences and their duplicates)", before - len(examples), before)

    return LanguageResources(info, dictionary, examples, passages, _make_embedder(embedder), sources)


def _make_embedder(spec: Embedder | str | None) -> Embedder | None:
    if not isinstance(spec, str):
        return spec
    try:
        from grammar_rag.index.embed import get_embedder

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
    grammar_dir: str | Path | None = None,
    embedder: Embedder | str | None = "default",
) -> LanguageResources:
    """Cached :func:`build_resources` (one per language/data/embedder), for the CLI and the API."""
    key = (resolve_language(language).code, str(data_dir or ""), str(examples_csv or ""), str(grammar_dir or ""), str(embedder))
    with _CACHE_LOCK:
        if key not in _CACHE:
            _CACHE[key] = build_resources(
                language, data_dir=data_dir, examples_csv=examples_csv, grammar_dir=grammar_dir, embedder=embedder
            )
        return _CACHE[key]

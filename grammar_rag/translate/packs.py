"""Language packs: everything translation needs for one language, and the store that keeps them.

A pack is a grammar (ingested into passages), a bilingual dictionary and parallel sentences, plus
optional gloss abbreviations and orthography notes. ``grammar-rag language add`` reads the user's
files in whatever supported format they come (:mod:`grammar_rag.translate.formats`), validates all
of them *before* touching the store, normalises them into one layout and moves the finished pack
into place with ``os.replace``: a failed ``add`` leaves nothing half-registered, and running it
again replaces the pack whole.

Stored layout (``<packs dir>/<code>/``)::

    pack.json              code, name, glottocode, aliases, formats detected, counts, abbreviations
    dictionary.jsonl.gz    one DictEntry per line
    examples.jsonl.gz      one Example per line (the pack's own parallel sentences)
    grammar/               grammar.json + passages.jsonl.gz (the ingested grammar, as bundled corpora)

The bundled Kalamang is a *built-in* pack: the same :class:`LanguagePack`, whose files are the
bundled dictionary and corpus (or the fuller Dictionaria copy under the data directory). A stored
pack with the same code takes precedence, so a user can replace it.

The ingestion and index packages are imported where a grammar is read: importing the translator
(every CLI start, the API) must not load the PDF/LaTeX readers; ``resources`` is imported late
because it imports this module.
"""

from __future__ import annotations

import difflib
import gzip
import json
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grammar_rag.config import CORPORA_DIR
from grammar_rag.config import data_dir as resolve_data_dir
from grammar_rag.corpus import KALAMANG_METADATA, load_bundled, write_bundled
from grammar_rag.errors import GrammarRagError, UnknownLanguageError
from grammar_rag.index import GrammarIndex
from grammar_rag.ingest import ingest_path
from grammar_rag.ingest.processed import load_processed, passages_file
from grammar_rag.locking import directory_lock
from grammar_rag.text.langid import Lexicons
from grammar_rag.translate.dictionary import DictEntry, Dictionary, load_dictionary_entries
from grammar_rag.translate.examples import Example, read_examples_csv
from grammar_rag.translate.formats import PackFormatError, read_dictionary, read_sentences
from grammar_rag.translate.morphology import Transliterator
from grammar_rag.types import IngestedGrammar, Passage

log = logging.getLogger(__name__)

PACK_FORMAT = 1
ENGLISH_CODES = frozenset({"eng", "en", "english", "stan1293"})


def packs_dir() -> Path:
    """Where stored packs live: ``$GRAMMAR_RAG_PACKS_DIR``, else ``$XDG_DATA_HOME/grammar-rag/packs``."""
    env = os.environ.get("GRAMMAR_RAG_PACKS_DIR")
    if env:
        return Path(env).expanduser()
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "grammar-rag" / "packs"


@dataclass(frozen=True)
class LanguagePack:
    """One language's translation material (the files, not yet loaded)."""

    code: str
    name: str
    glottocode: str = ""
    aliases: tuple[str, ...] = ()
    directory: Path | None = None  # the stored pack; None for a built-in one
    builtin: bool = False
    formats: dict[str, str] = field(default_factory=dict)  # what was detected at add time
    counts: dict[str, int] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)  # the files it was built from
    abbreviations: dict[str, str] = field(default_factory=dict)  # gloss abbreviation -> meaning
    orthography: str = ""  # free-text notes (shown in prompts)
    transliteration: dict[str, Any] = field(default_factory=dict)  # learned other-script reading

    def names(self) -> set[str]:
        return {self.code.lower(), self.name.lower(), *(a.lower() for a in self.aliases),
                *([self.glottocode.lower()] if self.glottocode else [])}

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": PACK_FORMAT, "code": self.code, "name": self.name, "glottocode": self.glottocode,
            "aliases": list(self.aliases), "builtin": self.builtin, "formats": self.formats,
            "counts": self.counts, "sources": self.sources, "abbreviations": self.abbreviations,
            "orthography": self.orthography, "transliteration": self.transliteration,
            "directory": str(self.directory) if self.directory else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], directory: Path | None) -> LanguagePack:
        return cls(
            code=str(data["code"]), name=str(data["name"]), glottocode=str(data.get("glottocode") or ""),
            aliases=tuple(data.get("aliases") or ()), directory=directory, builtin=False,
            formats=dict(data.get("formats") or {}), counts=dict(data.get("counts") or {}),
            sources=dict(data.get("sources") or {}), abbreviations=dict(data.get("abbreviations") or {}),
            orthography=str(data.get("orthography") or ""),
            transliteration=dict(data.get("transliteration") or {}),
        )


@dataclass
class PackContent:
    """A pack's material, loaded: what :func:`grammar_rag.translate.resources.build_resources` indexes."""

    entries: list[DictEntry]
    examples: list[Example]
    passages: list[Passage]
    other_words: frozenset[str] = frozenset()
    sources: dict[str, str] = field(default_factory=dict)


# ---- the built-in Kalamang pack ---------------------------------------------------------------------
KALAMANG = LanguagePack(
    code="kgv", name="Kalamang", glottocode="kara1499", aliases=("kalamang", "kara1499"), builtin=True,
    formats={"dictionary": "cldf-dictionary", "examples": "cldf-examples", "grammar": "bundled corpus"},
    sources={"dictionary": "corpora/kalamang/dictionary (or <data>/kalamang/dictionaria)",
             "examples": "<data>/kalamang/dictionaria/examples.csv",
             "grammar": "corpora/kalamang (Visser 2022, CC-BY-4.0)"},
)
BUILTIN_PACKS = (KALAMANG,)


def _builtin_content(pack: LanguagePack, data_dir: str | Path | None) -> PackContent:
    """Kalamang: the data directory's full Dictionaria copy when present, else the bundled files."""
    corpus = "kalamang"
    root = resolve_data_dir(data_dir, required=False)
    lang_dir = (root / corpus if (root / corpus).is_dir() else root) if root else None
    sources: dict[str, str] = {}
    full = lang_dir / "dictionaria" if lang_dir and (lang_dir / "dictionaria" / "entries.csv").exists() else None
    dict_dir = full or CORPORA_DIR / corpus / "dictionary"
    entries, other = load_dictionary_entries(dict_dir)
    sources["dictionary"] = str(dict_dir)
    examples: list[Example] = []
    if full is not None and (full / "examples.csv").exists():
        lexicons: Lexicons = Dictionary(entries, other_words=other).lexicons()
        examples = read_examples_csv(full / "examples.csv", lexicons)
        sources["examples"] = str(full / "examples.csv")
    passages: list[Passage] = []
    tex_dir = lang_dir / "grammar_tex" if lang_dir else None
    try:
        if tex_dir is not None and any(tex_dir.glob("*.tex")):
            passages = [p for g in ingest_path(tex_dir, format="latex", metadata=KALAMANG_METADATA) for p in g.passages]
            sources["grammar"] = str(tex_dir)
        else:
            passages = load_bundled(corpus).passages
            sources["grammar"] = f"bundled corpus '{corpus}'"
    except GrammarRagError as exc:  # grammar context is optional: dictionary + examples still translate
        log.warning("bundled corpus %s unavailable: %s", corpus, exc)
    return PackContent(entries, examples, passages, other, sources)


# ---- reading and writing stored packs ----------------------------------------------------------------
def _write_jsonl_gz(path: Path, rows: Iterable[dict[str, Any]]) -> None:
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")


def _read_jsonl_gz(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def example_to_dict(e: Example) -> dict[str, Any]:
    return {"id": e.id, "text": e.text, "translation": e.translation, "origin": e.origin,
            "segmented": e.segmented, "gloss": e.gloss, "other_translation": e.other_translation}


def example_from_dict(d: dict[str, Any]) -> Example:
    return Example(str(d["id"]), str(d["text"]), str(d["translation"]), str(d.get("origin") or "pack"),
                   str(d.get("segmented") or ""), str(d.get("gloss") or ""), (),
                   str(d.get("other_translation") or ""))


def load_content(pack: LanguagePack, data_dir: str | Path | None = None) -> PackContent:
    """The pack's dictionary entries, parallel sentences and grammar passages."""
    if pack.builtin or pack.directory is None:
        return _builtin_content(pack, data_dir)

    d = pack.directory
    entries = [DictEntry.from_dict(r) for r in _read_jsonl_gz(d / "dictionary.jsonl.gz")]
    examples = [example_from_dict(r) for r in _read_jsonl_gz(d / "examples.jsonl.gz")]
    passages = load_processed(d / "grammar").passages if passages_file(d / "grammar") is not None else []
    other = frozenset(str(w) for w in json.loads((d / "pack.json").read_text(encoding="utf-8")).get("other_words", []))
    return PackContent(entries, examples, passages, other, {k: f"{v} (pack {pack.code})" for k, v in pack.sources.items()})


def _read_abbreviations(path: Path) -> dict[str, str]:
    """``ABBR<TAB>meaning`` or ``ABBR: meaning`` / ``ABBR = meaning`` lines."""
    out: dict[str, str] = {}
    text = path.read_text(encoding="utf-8-sig") if path.exists() else None
    if text is None:
        raise PackFormatError(f"{path}: no such file; give an existing abbreviation list.")
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        m = re.match(r"^\s*([^\s:=\t]+)\s*(?:\t|:|=|\s{2,}|\s[-\u2013]\s)\s*(.+?)\s*$", line)
        if not m:
            raise PackFormatError(f"{path}, line {n}: expected 'ABBR<TAB>meaning' or 'ABBR: meaning', got {line.strip()[:60]!r}.")
        out[m.group(1)] = m.group(2)
    return out


@dataclass
class PackStore:
    """The stored packs under one directory, plus the built-in ones."""

    root: Path = field(default_factory=packs_dir)

    def stored(self) -> list[LanguagePack]:
        out = []
        if self.root.is_dir():
            for d in sorted(self.root.iterdir()):
                meta = d / "pack.json"
                if d.name.startswith(".") or not meta.is_file():
                    continue
                try:
                    out.append(LanguagePack.from_dict(json.loads(meta.read_text(encoding="utf-8")), d))
                except (ValueError, KeyError) as exc:
                    log.warning("skipping unreadable pack %s: %s", d, exc)
        return out

    def all(self) -> list[LanguagePack]:
        stored = self.stored()
        codes = {p.code for p in stored}
        return stored + [p for p in BUILTIN_PACKS if p.code not in codes]

    def find(self, name: str) -> LanguagePack | None:
        key = (name or "").strip().lower()
        for pack in self.all():
            if key in pack.names():
                return pack
        return None

    def get(self, name: str) -> LanguagePack:
        pack = self.find(name)
        if pack is not None:
            return pack
        packs = self.all()
        options = [n for p in packs for n in (p.code, p.name.lower())]
        close = difflib.get_close_matches((name or "").lower(), options, n=2)
        hint = f" Did you mean: {', '.join(close)}?" if close else ""
        listing = ", ".join(f"{p.code} ({p.name})" for p in packs) or "none"
        raise UnknownLanguageError(
            f"Unknown language '{name}': no language pack by that name. Available: {listing}.{hint} Add one with "
            "'grammar-rag language add CODE --name NAME --grammar SRC --dictionary FILE --examples FILE'."
        )

    def add(
        self,
        code: str,
        *,
        name: str,
        grammar: str | Path | None = None,
        dictionary: str | Path,
        examples: str | Path | None = None,
        glottocode: str = "",
        aliases: Iterable[str] = (),
        abbreviations: str | Path | None = None,
        orthography: str | Path | None = None,
        index_dir: str | Path | None = None,
    ) -> LanguagePack:
        """Validate every input, then store the pack atomically (replacing one with the same code)."""
        code = code.strip()
        if not code or not code.replace("-", "").replace("_", "").isalnum() or code.lower() in ENGLISH_CODES:
            raise GrammarRagError(f"Bad pack code '{code}': use letters/digits (an ISO 639-3 code such as 'dar'), not English.")
        if not name.strip():
            raise GrammarRagError("A pack needs a --name (the language's name).")
        dict_data = read_dictionary(dictionary)
        lexicons = Dictionary(dict_data.entries, other_words=dict_data.other_words).lexicons()
        sent_data = read_sentences(examples, lexicons) if examples else None
        if sent_data is not None and not sent_data.examples:
            raise PackFormatError(f"{examples}: no sentence pairs with an English side found.")
        ingested = _ingest_grammar(grammar, code, name, glottocode, index_dir) if grammar else None
        abbr = _read_abbreviations(Path(abbreviations)) if abbreviations else {}
        ortho = ""
        if orthography:
            op = Path(orthography)
            ortho = op.read_text(encoding="utf-8") if op.is_file() else str(orthography)
        formats = {"dictionary": dict_data.format}
        counts = {"dictionary": len(dict_data.entries)}
        sources = {"dictionary": str(Path(dictionary).resolve())}
        if sent_data is not None:
            formats["examples"], counts["examples"] = sent_data.format, len(sent_data.examples)
            sources["examples"] = str(Path(str(examples)).resolve())
        if ingested is not None:
            formats["grammar"] = ingested.grammar.source_format or "ingested"
            counts["grammar_passages"] = len(ingested.passages)
            counts["grammar_examples"] = sum(p.kind == "example" for p in ingested.passages)
            sources["grammar"] = str(grammar)
        translit = Transliterator.learn((v, e.headword) for e in dict_data.entries for v in e.variants)
        if translit is not None:
            counts["transliteration_chunks"] = len(translit.table)
        pack = LanguagePack(code, name.strip(), glottocode.strip(), tuple(a for a in aliases if a), None, False,
                            formats, counts, sources, abbr, ortho, translit.to_dict() if translit else {})
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{code}.", dir=self.root))
        try:
            meta = pack.to_dict()
            meta.pop("directory")
            meta["other_words"] = sorted(dict_data.other_words)
            _write_jsonl_gz(tmp / "dictionary.jsonl.gz", (e.to_dict() for e in dict_data.entries))
            _write_jsonl_gz(tmp / "examples.jsonl.gz", (example_to_dict(e) for e in (sent_data.examples if sent_data else [])))
            if ingested is not None:
                write_bundled(ingested, tmp / "grammar")
            (tmp / "pack.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
            os.chmod(tmp, 0o755)
            target = self.root / code
            old = None
            # one writer of the pack store at a time: a concurrent add or remove of the same pack waits
            # (or stops with --no-wait) instead of interleaving with this swap
            with directory_lock(self.root, what="language pack store"):
                if target.exists():
                    old = self.root / f".{code}.old.{os.getpid()}"
                    os.replace(target, old)
                os.replace(tmp, target)
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return LanguagePack.from_dict(pack.to_dict(), self.root / code)

    def remove(self, name: str) -> LanguagePack:
        pack = self.get(name)
        if pack.builtin or pack.directory is None:
            raise GrammarRagError(f"'{pack.code}' ({pack.name}) is built in and cannot be removed.")
        trash = self.root / f".{pack.code}.removed.{os.getpid()}"
        with directory_lock(self.root, what="language pack store"):
            os.replace(pack.directory, trash)
        shutil.rmtree(trash, ignore_errors=True)
        return pack


def _ingest_grammar(src: str | Path, code: str, name: str, glottocode: str, index_dir: str | Path | None) -> Any:
    """The grammar as passages: an ingestible source (PDF, LaTeX, text...) or ``index:ID`` of an index."""
    text = str(src)
    if text.startswith("index:"):
        if not index_dir:
            raise GrammarRagError(f"--grammar {text} names an indexed grammar: also give --index DIR.")
        index = GrammarIndex.open(Path(index_dir))
        grammar = index.get_grammar(text[len("index:"):])
        return IngestedGrammar(grammar, index.passages(grammar.id))
    path = Path(text)
    if not path.exists():
        raise GrammarRagError(f"Grammar source {path} does not exist; give a PDF, LaTeX folder or text file, or index:ID.")
    meta: dict[str, object] = {"language": name}
    if glottocode:
        meta["glottocode"] = glottocode
    if len(code) == 3 and code.isalpha():
        meta["iso639_3"] = code.lower()
    found = ingest_path(path, metadata=meta)
    if not found:
        raise GrammarRagError(f"Grammar source {path} yielded no text; give a PDF with a text layer, LaTeX or text.")
    if len(found) == 1:
        return found[0]
    merged = [p for g in found for p in g.passages]  # a folder of several files: one grammar
    return IngestedGrammar(found[0].grammar, merged)


def default_store() -> PackStore:
    return PackStore(packs_dir())

"""Language metadata from Glottolog: look a language up by Glottocode, ISO 639-3 code or name.

Grammars name their language in many ways (a Glottocode in a catalogue, an ISO code in the
paper's benchmark, a name on the title page), so :meth:`LanguageTable.lookup` accepts any of
them and, on failure, lists close names. Dialects are kept (WALS and grammars sometimes point
at a dialect's Glottocode) and map to their language through ``language_glottocode``.
The table comes from ``glottolog/languages.csv`` in a data dir, else from the compact copy
bundled in ``grammar_rag/data/languages.csv.gz``.

:class:`LanguageResolver` answers the question exports, comparisons and the app ask of a
grammar: which language (Glottocode, ISO 639-3, macroarea) does it describe? A grammar may carry
its codes already (the ingester fills them from the corpus metadata); otherwise the table is
asked. Both are metadata about *which language* a grammar describes, never a feature value, so
using them cannot leak gold labels into predictions.
"""

from __future__ import annotations

import csv
import difflib
import functools
import gzip
import io
import logging
import os
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grammar_rag.atomic import write_gzip_atomic
from grammar_rag.config import BUNDLED_DATA_DIR
from grammar_rag.errors import GrammarRagError, UnknownLanguageError
from grammar_rag.features.bundle import DataRootCache
from grammar_rag.features.cldf import cldf_id, find_datasets, read_table, require_table
from grammar_rag.types import Grammar

logger = logging.getLogger(__name__)

BUNDLED_LANGUAGES = BUNDLED_DATA_DIR / "languages.csv.gz"
_COLUMNS = ("glottocode", "iso639_3", "name", "family", "macroarea", "level", "language_glottocode")
_GLOTTOCODE_RE = re.compile(r"^[a-z0-9]{4}\d{4}$")
_ISO_IN_TEXT_RE = re.compile(r"\b[a-z]{3}\b")
_GLOTTOCODE_IN_TEXT_RE = re.compile(r"\b[a-z0-9]{4}[0-9]{4}\b")


@dataclass(frozen=True)
class Language:
    """One Glottolog languoid (language or dialect) with the metadata reports show."""

    glottocode: str
    iso639_3: str | None
    name: str
    family: str | None
    macroarea: str | None
    level: str = "language"  # "language" | "dialect"
    language_glottocode: str | None = None  # for dialects: the language they belong to


def _fold(text: str) -> str:
    """Case- and accent-insensitive key ("Nadëb" == "nadeb")."""
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", stripped)


def _squash(text: str) -> str:
    """The folded name without spaces, hyphens and apostrophes: books write "Rapa Nui" where
    Glottolog writes "Rapanui", "Sanzhi-Dargwa" where it writes "Sanzhi"."""
    return re.sub(r"[\s'’ʼ`-]+", "", _fold(text))


# letters that spell one sound in the orthographies names are written in (Spanish c/qu, Portuguese j,
# English y and w): "Tikuna" / "Ticuna", "Apinajé" / "Apinayé", "Yurakaré" / "Yuracaré"
_SPELLING = ((re.compile(r"qu"), "k"), (re.compile(r"c"), "k"), (re.compile(r"[jy]"), "i"), (re.compile(r"w"), "u"),
             (re.compile(r"(.)\1+"), r"\1"))


def _spelling(text: str) -> str:
    """The squashed name with letters of one sound written alike and doubled letters single
    ("Mangarayi" / "Mangarrayi"); a key for names a book spells otherwise than Glottolog."""
    key = _squash(text)
    for pattern, repl in _SPELLING:
        key = pattern.sub(repl, key)
    return key


@dataclass(frozen=True)
class NameMatch:
    """One languoid a name (or part of one) denotes, and how it matched."""

    language: Language
    how: str  # "exact" | "squashed" | "words" | "spelled"
    ambiguity: int  # how many languoids share this reading of the name (1 = unambiguous)


class LanguageTable:
    """Glottolog languages and dialects, indexed by Glottocode, ISO 639-3 and name."""

    def __init__(self, languages: Iterable[Language]) -> None:
        self._by_code: dict[str, Language] = {}
        self._by_iso: dict[str, Language] = {}
        self._by_name: dict[str, list[Language]] = {}
        self._by_squashed: dict[str, list[Language]] = {}
        for lang in languages:
            self._by_code[lang.glottocode] = lang
            if lang.iso639_3 and (lang.iso639_3 not in self._by_iso or lang.level == "language"):
                self._by_iso.setdefault(lang.iso639_3, lang)
            self._by_name.setdefault(_fold(lang.name), []).append(lang)
            self._by_squashed.setdefault(_squash(lang.name), []).append(lang)
        # languages before dialects, then ISO-coded first
        for matches in (*self._by_name.values(), *self._by_squashed.values()):
            matches.sort(key=lambda lg: (lg.level != "language", lg.iso639_3 is None))

    def __len__(self) -> int:
        return len(self._by_code)

    def __iter__(self) -> Iterator[Language]:
        return iter(self._by_code.values())

    def __contains__(self, text: object) -> bool:
        if not isinstance(text, str):
            return False
        try:
            self.lookup(text)
        except UnknownLanguageError:
            return False
        return True

    def get(self, glottocode: str) -> Language | None:
        return self._by_code.get(glottocode.strip().lower())

    def by_iso(self, iso: str) -> Language | None:
        return self._by_iso.get(iso.strip().lower())

    def language_of(self, lang: Language) -> Language:
        """The language a dialect belongs to (the language itself otherwise)."""
        if lang.level == "dialect" and lang.language_glottocode:
            return self._by_code.get(lang.language_glottocode, lang)
        return lang

    def lookup(self, text: str) -> Language:
        """A language by Glottocode, ISO 639-3 code or name (case/accent-insensitive).

        Names shared by several languoids resolve to the language (not a dialect), preferring
        one with an ISO code. Raises :class:`UnknownLanguageError` listing close names.
        """
        query = (text or "").strip()
        if not query:
            raise UnknownLanguageError("Empty language: give a Glottocode, an ISO 639-3 code or a name.")
        low = query.lower()
        if low.startswith("glottolog:"):
            low = low.split(":", 1)[1].strip()
        if _GLOTTOCODE_RE.match(low) and low in self._by_code:
            return self._by_code[low]
        if low.startswith("iso:") or low.startswith("iso639-3:"):
            low = low.split(":", 1)[1].strip()
        if len(low) == 3 and low in self._by_iso:
            return self._by_iso[low]
        key = _fold(query)
        matches = self._by_name.get(key)
        if matches:
            return matches[0]
        squashed = self._by_squashed.get(_squash(query))
        if squashed:  # "Rapa Nui" for Glottolog's "Rapanui"
            return squashed[0]
        partial = self._word_matches(key)
        if len(partial) == 1:
            return partial[0]
        close = [m.name for m in partial[:5]] or difflib.get_close_matches(key, list(self._by_name), n=5, cutoff=0.75)
        hint = ""
        if close:
            hint = " Closest matches: " + "; ".join(
                f"{m.name} ({m.glottocode}{', ' + m.iso639_3 if m.iso639_3 else ''})"
                for m in (self._by_name[_fold(c)][0] for c in close)
            ) + "."
        raise UnknownLanguageError(
            f"Unknown language '{query}': not a Glottolog Glottocode, ISO 639-3 code or name.{hint}"
        )

    def match_name(self, name: str) -> list[NameMatch]:
        """Every languoid ``name`` denotes as a whole, best reading first; no partial guesses.

        An exact (case/accent-insensitive) name beats the same name written with or without
        spaces and hyphens ("Rapa Nui" -> Rapanui), which beats a language whose name holds
        ``name`` as whole words ("Supyire" -> "Supyire Senoufo"). Callers deciding how sure a
        guess is read ``ambiguity``: one languoid per reading is a safe match, several are not.
        """
        key = _fold(name)
        if len(key) < 3:
            return []
        exact = self._by_name.get(key, [])
        if exact:
            return self._as_matches(exact, "exact")
        squashed = self._by_squashed.get(_squash(name), [])
        if squashed:
            return self._as_matches(squashed, "squashed")
        return self._as_matches(self._word_matches(key), "words")

    @functools.cached_property
    def _by_spelling(self) -> dict[str, list[Language]]:
        out: dict[str, list[Language]] = {}
        for lang in self._by_code.values():
            if lang.level == "language":
                out.setdefault(_spelling(lang.name), []).append(lang)
        return out

    def match_spelling(self, name: str) -> list[NameMatch]:
        """Languages (not dialects) whose name is ``name`` spelled otherwise (:func:`_spelling`),
        for a name :meth:`match_name` does not know; a guess to be confirmed, never a match."""
        key = _spelling(name)
        return self._as_matches(self._by_spelling.get(key, []), "spelled") if len(key) >= 4 else []

    def _as_matches(self, langs: list[Language], how: str) -> list[NameMatch]:
        # a language and its own dialects of the same name are one reading, not an ambiguity
        distinct = {self.language_of(lg).glottocode for lg in langs}
        return [NameMatch(lg, how, len(distinct)) for lg in langs]

    def _word_matches(self, key: str) -> list[Language]:
        """Languages (not dialects) whose name contains ``key`` as whole words
        ("Supyire" -> "Supyire Senoufo")."""
        if len(key) < 3:
            return []
        pattern = re.compile(r"(?:^|[\s(,-])" + re.escape(key) + r"(?:$|[\s),-])")
        return [
            lg for name, langs in self._by_name.items() if pattern.search(name)
            for lg in langs if lg.level == "language"
        ]

    # -- persistence ------------------------------------------------------------------------
    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the compact gzipped CSV bundled with the package (atomic)."""
        path = Path(path)
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(_COLUMNS)
        for lang in sorted(self._by_code.values(), key=lambda lg: lg.glottocode):
            writer.writerow([getattr(lang, col) or "" for col in _COLUMNS])
        return write_gzip_atomic(path, buf.getvalue().encode("utf-8"))


def load_glottolog(dataset: Path, include_dialects: bool = True) -> LanguageTable:
    """Languages (and dialects) from a Glottolog CLDF ``languages.csv``; families by name."""
    rows = list(read_table(require_table(dataset, "languages.csv")))
    names = {r["ID"]: r["Name"] for r in rows}
    macro = {r["ID"]: r.get("Macroarea") or "" for r in rows}
    out = []
    for r in rows:
        level = (r.get("Level") or "language").strip()
        if level == "family" or (level == "dialect" and not include_dialects):
            continue
        family_id = r.get("Family_ID") or ""
        if family_id:
            family = names.get(family_id)
        elif (r.get("Is_Isolate") or "").lower() == "true":
            family = r["Name"]  # Glottolog treats an isolate as a family of one
        else:
            family = None
        parent = (r.get("Language_ID") or "") if level == "dialect" else ""
        out.append(
            Language(
                glottocode=r.get("Glottocode") or r["ID"],
                iso639_3=(r.get("ISO639P3code") or None),
                name=r["Name"],
                family=family,
                macroarea=(r.get("Macroarea") or macro.get(parent) or None),
                level=level,
                language_glottocode=parent or None,
            )
        )
    return LanguageTable(out)


def load_bundled_languages(path: Path = BUNDLED_LANGUAGES) -> LanguageTable:
    with gzip.open(path, "rt", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return LanguageTable(
        Language(**{col: (row.get(col) or None) for col in _COLUMNS if col not in ("glottocode", "name", "level")},
                 glottocode=row["glottocode"], name=row["name"], level=row.get("level") or "language")
        for row in rows
    )


_CACHE: DataRootCache[LanguageTable] = DataRootCache()


def get_languages(data_dir: str | os.PathLike[str] | None = None) -> LanguageTable:
    """Glottolog table for ``data_dir`` (else ``$GRAMMAR_RAG_DATA_DIR``, else the bundled copy)."""
    return _CACHE.get(data_dir, _load_languages)


def _load_languages(root: Path | None) -> LanguageTable:
    found = find_datasets(root) if root is not None else {}
    return load_glottolog(found["glottolog"]) if "glottolog" in found else load_bundled_languages()


@dataclass(frozen=True)
class LanguageInfo:
    """What a CLDF LanguageTable row needs about the language one grammar describes."""

    id: str  # Glottocode where known, else an id derived from the grammar
    name: str
    glottocode: str | None = None
    iso639_3: str | None = None
    macroarea: str | None = None


class LanguageResolver:
    """Resolves grammars to :class:`LanguageInfo`, looking languages up once each."""

    def __init__(self, data_dir: str | os.PathLike[str] | None = None) -> None:
        self._data_dir = data_dir
        self._languages: Any = None
        self._tried = False

    def _table(self) -> Any:
        if not self._tried:
            self._tried = True
            try:
                self._languages = get_languages(self._data_dir)
            except (ImportError, GrammarRagError, OSError) as exc:
                logger.info("no language table available (%s); using grammar metadata only", exc)
        return self._languages

    def lookup(self, key: str | None) -> Any:
        """The features module's Language for a Glottocode/ISO/name, or None."""
        table = self._table()
        if table is None or not key:
            return None
        try:
            return table.lookup(key)
        except (GrammarRagError, KeyError, LookupError):
            return None

    def resolve(self, grammar: Grammar) -> LanguageInfo:
        # Metadata sometimes lists several codes ("bhq, khc" for a grammar of two varieties):
        # CLDF wants one, so the first well-formed code is kept and each is tried for the lookup.
        isos = _ISO_IN_TEXT_RE.findall((grammar.iso639_3 or "").lower())
        glottos = _GLOTTOCODE_IN_TEXT_RE.findall((grammar.glottocode or "").lower())
        glottocode = glottos[0] if glottos else None
        iso = isos[0] if isos else None
        name = grammar.language
        language = None
        for key in (*glottos, *isos):
            language = self.lookup(key)
            if language is not None:
                break
        if language is None and not (glottos or isos) and name:
            language = self.lookup(name)
        macroarea = None
        if language is not None:
            glottocode = glottocode or _attr(language, "glottocode")
            iso = iso or _attr(language, "iso639_3", "iso", "iso639p3code")
            name = name or _attr(language, "name") or ""
            macroarea = _attr(language, "macroarea")
        lang_id = glottocode or cldf_id(f"lang-{iso or grammar.id}")
        return LanguageInfo(lang_id, name or grammar.id, glottocode, iso, macroarea)


def _attr(obj: Any, *names: str) -> str | None:
    for name in names:
        value = obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)
        if value:
            return str(value)
    return None

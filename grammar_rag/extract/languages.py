"""Language metadata for exported rows: Glottocode, ISO 639-3, macroarea of a grammar's language.

A grammar may carry its Glottocode/ISO already (the ingester fills them from the corpus
metadata); otherwise we ask :func:`grammar_rag.features.get_languages` (Glottolog/WALS tables in the
data directory). Both are metadata about *which language* a grammar describes — never a feature
value — so using them cannot leak gold labels into predictions.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass
from typing import Any

from grammar_rag.errors import GrammarRagError
from grammar_rag.types import Grammar

logger = logging.getLogger(__name__)

_ID_RE = re.compile(r"[^A-Za-z0-9_\-]+")
_ISO_RE = re.compile(r"\b[a-z]{3}\b")
_GLOTTOCODE_RE = re.compile(r"\b[a-z0-9]{4}[0-9]{4}\b")


def cldf_id(text: str) -> str:
    """A CLDF-valid identifier (``[A-Za-z0-9_-]+``) derived from ``text``."""
    return _ID_RE.sub("_", text.replace("*", "_composite")).strip("_") or "x"


@dataclass(frozen=True)
class LanguageInfo:
    """What the LanguageTable needs about the language one grammar describes."""

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
                from grammar_rag.features import get_languages

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
        isos = _ISO_RE.findall((grammar.iso639_3 or "").lower())
        glottos = _GLOTTOCODE_RE.findall((grammar.glottocode or "").lower())
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

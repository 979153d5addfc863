"""Which languages the translator knows, and how users may name them.

English is the pivot; every other language is a language pack (:mod:`grammar_rag.translate.packs`):
the built-in Kalamang or one a user added with ``grammar-rag language add``. An unknown name raises
:class:`UnknownLanguageError` listing the packs that are available.
"""

from __future__ import annotations

from dataclasses import dataclass

from grammar_rag.errors import GrammarRagError
from grammar_rag.translate.packs import ENGLISH_CODES, LanguagePack, PackStore


@dataclass(frozen=True)
class LanguageInfo:
    code: str  # the pack code (ISO 639-3 where there is one)
    name: str
    aliases: tuple[str, ...] = ()
    pack: LanguagePack | None = None  # None for English


ENGLISH = LanguageInfo("eng", "English", ("english", "en", "eng", "stan1293"))


def _info(pack: LanguagePack) -> LanguageInfo:
    return LanguageInfo(pack.code, pack.name, pack.aliases, pack)


def available_languages(store: PackStore | None = None) -> dict[str, LanguageInfo]:
    """English plus every pack (stored and built-in), by code."""
    packs = (store or PackStore()).all()
    return {"eng": ENGLISH, **{p.code: _info(p) for p in packs}}


def resolve_language(name: str, store: PackStore | None = None, pack: LanguagePack | None = None) -> LanguageInfo:
    """English, ``pack`` when ``name`` is one of its names, else a pack of ``store`` (default store)."""
    key = (name or "").strip().lower()
    if key in ENGLISH_CODES:
        return ENGLISH
    if pack is not None and key in pack.names():
        return _info(pack)
    return _info((store or PackStore()).get(key))


def resolve_pair(
    source: str, target: str, store: PackStore | None = None, pack: LanguagePack | None = None
) -> tuple[LanguageInfo, LanguageInfo]:
    """(source, target); exactly one side must be English, the other a language with a pack."""
    src, tgt = resolve_language(source, store, pack), resolve_language(target, store, pack)
    if src.code == tgt.code:
        raise GrammarRagError(f"Source and target language are both '{src.code}'; nothing to translate.")
    if "eng" not in (src.code, tgt.code):
        raise GrammarRagError(f"Translation pairs must include English; got {src.code} -> {tgt.code}.")
    return src, tgt

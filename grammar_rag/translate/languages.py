"""Which languages the translator knows, and how users may name them.

Translation needs a dictionary, example sentences and a grammar, so the set is small and explicit;
an unknown name raises :class:`UnknownLanguageError` listing what is available.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from grammar_rag.errors import GrammarRagError, UnknownLanguageError


@dataclass(frozen=True)
class LanguageInfo:
    code: str  # ISO 639-3
    name: str
    aliases: tuple[str, ...] = ()
    corpus: str | None = None  # bundled corpus name (for the object language), None for English


LANGUAGES = {
    "kgv": LanguageInfo("kgv", "Kalamang", ("kalamang", "kara1499", "kgv"), corpus="kalamang"),
    "eng": LanguageInfo("eng", "English", ("english", "en", "eng", "stan1293")),
}


def resolve_language(name: str) -> LanguageInfo:
    key = (name or "").strip().lower()
    for info in LANGUAGES.values():
        if key == info.code or key in info.aliases or key == info.name.lower():
            return info
    names = [f"{i.code} ({i.name})" for i in LANGUAGES.values()]
    close = difflib.get_close_matches(key, [a for i in LANGUAGES.values() for a in (i.code, *i.aliases)], n=2)
    hint = f" Did you mean: {', '.join(close)}?" if close else ""
    raise UnknownLanguageError(f"Unknown language '{name}'. Available: {', '.join(names)}.{hint}")


def resolve_pair(source: str, target: str) -> tuple[LanguageInfo, LanguageInfo]:
    """(source, target); exactly one side must be English, the other a language with resources."""
    src, tgt = resolve_language(source), resolve_language(target)
    if src.code == tgt.code:
        raise GrammarRagError(f"Source and target language are both '{src.code}'; nothing to translate.")
    if "eng" not in (src.code, tgt.code):
        raise GrammarRagError(
            f"Translation pairs must include English; got {src.code} -> {tgt.code}."
        )
    return src, tgt

"""Name resolution: which grammar of an index a user means by an id, language name, ISO code or Glottocode.

Why its own module: users name grammars every way the CLI, the HTTP API and the library accept
(``--grammar Kalamang``, ``kgv``, ``kala1399``, ``visser2022kalamang``), and each entry point must
answer the same way, with the same "did you mean" hint, so the rule lives once, apart from storage.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from pathlib import Path

from grammar_rag.errors import IndexStoreError
from grammar_rag.types import Grammar


class GrammarNotFoundError(IndexStoreError, KeyError):
    """No grammar in the index matches an id / language name / ISO code / Glottocode."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "grammar not found"


def resolve_grammar(grammars: Mapping[str, Grammar], key: str | Grammar, directory: Path) -> Grammar:
    """Resolve a grammar id, language name, ISO 639-3 code or Glottocode to one of ``grammars``.

    An exact id wins, then a case-insensitive id, then a unique language name / ISO / Glottocode
    match, then a unique language whose name holds the key's words; an ambiguous or unknown key
    raises :class:`GrammarNotFoundError` naming ``directory``.
    """
    if isinstance(key, Grammar):
        key = key.id
    if key in grammars:
        return grammars[key]
    low = key.strip().casefold()
    by_id = [g for g in grammars.values() if g.id.casefold() == low]
    if len(by_id) == 1:
        return by_id[0]
    matches = [
        g
        for g in grammars.values()
        if low in {(g.iso639_3 or "").casefold(), (g.glottocode or "").casefold(), g.language.strip().casefold()}
    ]
    if not matches:  # part of a language's name, in whole words: 'Sanzhi' for "Sanzhi Dargwa", 'rapa nui'
        words = _words(low)
        matches = [g for g in grammars.values() if words and words <= _words(g.language.casefold())]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        ids = ", ".join(g.id for g in matches)
        raise GrammarNotFoundError(f"'{key}' matches several grammars in {directory}: {ids}; pass one id.")
    names = {n.casefold(): n for g in grammars.values() for n in (g.id, g.language) if n}
    close = [names[c] for c in difflib.get_close_matches(low, list(names), n=3, cutoff=0.6)]
    hint = f" Did you mean: {', '.join(close)}?" if close else ""
    raise GrammarNotFoundError(
        f"No grammar '{key}' in index {directory} (searched ids, language names, ISO 639-3 codes, "
        f"Glottocodes; {len(grammars)} grammars; `grammar-rag info --index {directory}` lists them).{hint}"
    )


def _words(text: str) -> frozenset[str]:
    return frozenset(re.findall(r"\w+", text))

"""Building :class:`Grammar` records from what a source says plus what the user passes.

Ingesters guess what they can (file stem as id, a LaTeX ``\\title``); the caller's ``metadata``
always wins, so ``grammar-rag ingest book.pdf --language Kalamang --iso kgv`` is never overridden
by a guess.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import fields
from pathlib import Path

from grammar_rag.errors import IngestError
from grammar_rag.types import Grammar

GRAMMAR_FIELDS = tuple(f.name for f in fields(Grammar))
logger = logging.getLogger(__name__)


def fill_language_codes(values: dict[str, object]) -> None:
    """Fill a missing ISO 639-3 code / Glottocode from Glottolog (bundled table, offline).

    Only fills gaps, never overrides what the source or the caller said; a name Glottolog does not
    know (or an ambiguous one) leaves the fields empty rather than guessing.
    """
    if values.get("iso639_3") and values.get("glottocode"):
        return
    query = values.get("iso639_3") or values.get("language")
    if not query:
        return
    try:
        from grammar_rag.features import get_languages

        found = get_languages().lookup(str(query))
    except Exception as exc:  # unknown name, features module or table unavailable: leave empty
        logger.debug("no Glottolog match for %r: %s", query, exc)
        return
    if values.get("iso639_3") and found.iso639_3 and found.iso639_3 != values["iso639_3"]:
        return
    if not values.get("iso639_3") and found.iso639_3:
        values["iso639_3"] = found.iso639_3
    if not values.get("glottocode"):
        values["glottocode"] = found.language_glottocode or found.glottocode


def slugify(name: str) -> str:
    """A stable, index-safe grammar id from a file name ("Visser 2022.pdf" -> "visser-2022")."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9_]+", "-", ascii_name.lower()).strip("-")
    return slug or "grammar"


def build_grammar(
    guessed: dict[str, object],
    metadata: dict[str, object] | None,
    *,
    source_path: Path,
    source_format: str,
) -> Grammar:
    """Merge guessed fields with the caller's metadata (caller wins); validate names and types."""
    values: dict[str, object] = {k: v for k, v in guessed.items() if v not in (None, "")}
    for key, value in (metadata or {}).items():
        if key not in GRAMMAR_FIELDS:
            raise IngestError(
                f"{source_path}: unknown grammar metadata field {key!r} "
                f"(known: {', '.join(GRAMMAR_FIELDS)})."
            )
        if value not in (None, ""):
            values[key] = value
    fill_language_codes(values)
    values.setdefault("source_path", str(source_path))
    values.setdefault("source_format", source_format)
    if "year" in values:
        try:
            values["year"] = int(str(values["year"])[:4])
        except ValueError:
            raise IngestError(f"{source_path}: grammar year {values['year']!r} is not a year.") from None
    str_fields = {f for f in GRAMMAR_FIELDS if f != "year"}
    for key in str_fields & values.keys():
        values[key] = str(values[key])
    if not values.get("id"):
        values["id"] = slugify(source_path.stem)
    return Grammar(**values)  # type: ignore[arg-type]

"""Building :class:`Grammar` records from what a source says plus what the user passes.

Ingesters guess what they can (file stem as id, a LaTeX ``\\title``); the caller's ``metadata``
always wins, so ``grammar-rag ingest book.pdf --language Kalamang --iso kgv`` is never overridden
by a guess.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import fields
from pathlib import Path

from grammar_rag.errors import IngestError
from grammar_rag.types import Grammar

GRAMMAR_FIELDS = tuple(f.name for f in fields(Grammar))


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

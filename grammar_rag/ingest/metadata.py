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
from grammar_rag.features import get_languages, get_wals_values
from grammar_rag.ingest.language_guess import LanguageGuess, resolve_name
from grammar_rag.types import Grammar

GRAMMAR_FIELDS = tuple(f.name for f in fields(Grammar))
logger = logging.getLogger(__name__)


_LANGUAGE_FIELDS = ("language", "iso639_3", "glottocode", "language_confidence")


def fill_language_codes(values: dict[str, object], source: object = "") -> None:
    """Fill a missing ISO 639-3 code / Glottocode from Glottolog (bundled table, offline).

    Only fills gaps, never overrides what the source or the caller said. A name Glottolog does not
    know, or knows only ambiguously, is logged with the fix (``--meta glottocode=...``) rather than
    silently left empty; ``language_confidence`` records how sure the filled codes are.
    """
    if values.get("iso639_3") and values.get("glottocode"):
        return
    try:
        table = get_languages()
    except Exception as exc:  # features module or table unavailable: leave empty
        logger.debug("no Glottolog table: %s", exc)
        return
    found = None
    if values.get("glottocode"):
        found = table.get(str(values["glottocode"]))
    elif values.get("iso639_3"):
        found = table.by_iso(str(values["iso639_3"]))
    if found is None and values.get("glottocode"):
        # a Glottocode WALS uses for a group Glottolog leaves out of the table (slav1253, "Slave"): WALS's name and ISO
        wals = next(iter(get_wals_values().by_glottocode(str(values["glottocode"]))), None)
        if wals is not None:
            values.setdefault("language", wals.name)
            if wals.iso639_3 and not values.get("iso639_3"):
                values["iso639_3"] = wals.iso639_3
            return
    if found is not None:
        values.setdefault("language", found.name)
        iso = found.iso639_3 or table.language_of(found).iso639_3
        if iso and not values.get("iso639_3"):  # Sanzhi (a dialect in Glottolog) has none: left empty, not "None"
            values["iso639_3"] = iso
        values.setdefault("glottocode", found.glottocode)
        return
    name = str(values.get("language") or "")
    if not name or values.get("language_confidence") is not None:
        return  # nothing to resolve, or a guess from the book already tried (and said so)
    guess = resolve_name(name, table)
    if guess.glottocode is None:
        logger.warning("%s: cannot fill in codes for language %r: %s; pass --meta glottocode=<code> "
                       "(`grammar-rag language NAME` lists close names).", source, name, guess.reason)
        return
    if not guess.confident:
        logger.warning("%s: language %r guessed as %s (%s) with confidence %.2f (%s); pass "
                       "--meta glottocode=<code> to fix.", source, name, guess.resolved_name, guess.glottocode,
                       guess.confidence, guess.reason)
        if values.get("iso639_3"):
            # the source gave ISO code(s) Glottolog could not resolve to one language: an unsure
            # name guess must not add a Glottocode that may contradict them (it is logged above)
            values["language_confidence"] = guess.confidence
            return
    values["glottocode"] = guess.glottocode
    if guess.iso639_3 and not values.get("iso639_3"):
        values["iso639_3"] = guess.iso639_3
    values["language_confidence"] = guess.confidence


def caller_names_language(metadata: dict[str, object] | None) -> bool:
    """Whether the caller's metadata names the language (then nothing is guessed or logged)."""
    return any((metadata or {}).get(k) not in (None, "") for k in _LANGUAGE_FIELDS[:3])


def language_fields(guess: LanguageGuess | None, source: object = "") -> dict[str, object]:
    """Grammar fields for a guessed language, logging what a user should check or fix."""
    if guess is None:
        logger.warning("%s: the title and metadata name no language; pass --meta glottocode=<code> "
                       "(or --meta language=<name>).", source)
        return {}
    if guess.glottocode is None:
        logger.warning("%s: language %r from the title is not in Glottolog (%s); pass --meta "
                       "glottocode=<code> to fix.", source, guess.name, guess.reason)
        return {"language": guess.name, "language_confidence": 0.0}
    log = logger.info if guess.confident else logger.warning
    log("%s: language guessed as %s (Glottolog %s %s%s; confidence %.2f: %s)%s", source, guess.name,
        guess.resolved_name, guess.glottocode, f", ISO {guess.iso639_3}" if guess.iso639_3 else "",
        guess.confidence, guess.reason, "" if guess.confident else "; pass --meta glottocode=<code> to fix")
    return {"language": guess.name, "glottocode": guess.glottocode, "iso639_3": guess.iso639_3,
            "language_confidence": guess.confidence}


_GENERIC_NAMES = re.compile(r"^(?:latex|tex|src|source|sources|main|book|pdf|text|grammar|(?:src|source|book|tex)[-_]?\d+|\d+)$", re.I)


def source_name(path: Path) -> str:
    """The file or folder name that best names a book: ``.../kieviet2017/latex`` -> "kieviet2017"."""
    path = Path(path)
    name = path.stem if path.is_file() else path.name
    if _GENERIC_NAMES.match(name) and path.resolve().parent.name:
        return path.resolve().parent.name
    return name


def derive_id(author: object, year: object, language: object, fallback: str) -> str:
    """``surname + year + language`` ("kieviet2017rapanui"), the way grammar bibkeys are made.

    The language part is the name as the book writes it, squashed when it is one Glottolog name
    ("Rapa Nui"), else its first word ("Sanzhi Dargwa" -> "sanzhi"). Without a year it is
    ``surname + language``; without author or language a slug of ``fallback`` (see
    :func:`source_name`), never a folder name like ``src124``.
    """
    surname = surname_of(str(author or ""))
    lang = " ".join(str(language or "").split())
    if not surname or not lang:
        return slugify(fallback)
    word = lang.split()[0] if lang else ""
    if lang and len(lang.split()) > 1:
        try:
            if any(m.how in ("exact", "squashed") for m in get_languages().match_name(lang)):
                word = lang
        except Exception as exc:  # no table: the first word will do
            logger.debug("no Glottolog table: %s", exc)
    return slugify(f"{surname}{str(year or '')[:4]}{word}").replace("-", "")


def surname_of(author: str) -> str:
    """The first author's surname: "Kieviet, Paulus" and "Paulus Kieviet and X" -> "Kieviet"."""
    first = re.split(r"\s+(?:and|&|und|et|y)\s+|;", author.strip())[0].strip()
    if "," in first:
        return first.split(",")[0].strip()
    parts = first.split()
    return parts[-1] if parts else ""


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
    if caller_names_language(metadata):
        # the caller named the language: a guess from the title must not lend it other codes
        for key in _LANGUAGE_FIELDS:
            values.pop(key, None)
        values["language_confidence"] = (
            1.0 if (metadata or {}).get("glottocode") or (metadata or {}).get("iso639_3") else None
        )
    for key, value in (metadata or {}).items():
        if key not in GRAMMAR_FIELDS:
            raise IngestError(
                f"{source_path}: unknown grammar metadata field {key!r} "
                f"(known: {', '.join(GRAMMAR_FIELDS)})."
            )
        if value not in (None, ""):
            values[key] = value
    fill_language_codes(values, source_path)
    if values.get("language_confidence") is None:
        values.pop("language_confidence", None)
    values.setdefault("source_path", str(source_path))
    values.setdefault("source_format", source_format)
    if "year" in values:
        try:
            values["year"] = int(str(values["year"])[:4])
        except ValueError:
            raise IngestError(f"{source_path}: grammar year {values['year']!r} is not a year.") from None
    if "language_confidence" in values:
        values["language_confidence"] = float(str(values["language_confidence"]))
    str_fields = {f for f in GRAMMAR_FIELDS if f not in ("year", "language_confidence")}
    for key in str_fields & values.keys():
        if values[key] is None:
            del values[key]  # a missing code stays missing: str(None) would store the code "None"
        else:
            values[key] = str(values[key])
    if not values.get("id"):
        values["id"] = slugify(source_path.stem)
    return Grammar(**values)  # type: ignore[arg-type]

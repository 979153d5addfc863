"""Native units -> passages: stable ids, short-paragraph merging, token windows.

Every ingester first produces :class:`Unit` objects (one per native paragraph, interlinear example
or table, in reading order, each with its own page range and heading path) and hands them to
:func:`make_passages`. Keeping chunking in one place is what guarantees that provenance survives
it identically for every format: a passage only ever combines units that share a section (and,
for windows, a page range), so its page/section is never a guess.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from grammar_rag.ingest.base import ChunkingConfig
from grammar_rag.ingest.passage_cap import MAX_PASSAGE_CHARS, cap_units
from grammar_rag.types import Passage, PassageKind


@dataclass(frozen=True)
class Unit:
    """One native unit of a source, before chunking."""

    text: str
    page_start: str | None = None
    page_end: str | None = None
    section: tuple[str, ...] = ()
    kind: PassageKind = "prose"
    norm: str | None = None  # normalise_text(text) when the ingester already computed it
    notes: tuple[str, ...] = ()  # footnotes cited in the text ("4 The note's text.")


def join_units(first: Unit, second: Unit, kind: PassageKind, sep: str = "\n") -> Unit:
    """``first`` and ``second`` (neighbours in one section) as one unit of ``kind``: their pages
    span both and their footnotes travel along. The one way every ingester glues units together."""
    return Unit(first.text.rstrip() + sep + second.text.lstrip(), first.page_start or second.page_start,
                second.page_end or first.page_end, first.section, kind, notes=(*first.notes, *second.notes))


def _nfc(text: str) -> str:
    if text.isascii() or unicodedata.is_normalized("NFC", text):
        return text
    return unicodedata.normalize("NFC", text)


def normalise_text(text: str) -> str:
    """NFC + collapsed whitespace: the form used for ids and de-duplication, never for display."""
    return " ".join(_nfc(text).split())


def clean_text(text: str) -> str:
    """Display form: NFC, horizontal whitespace collapsed, at most one blank line; line breaks kept.

    Line breaks matter for interlinear examples (source / gloss / translation lines) and for
    tables, so only horizontal whitespace is collapsed. (str.split per line measured ~3x faster
    than whole-text regexes; this runs over every character of every corpus.)
    """
    lines = [" ".join(line.split()) for line in _nfc(text).split("\n")]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


def passage_id(
    grammar_id: str,
    text: str,
    page: str | None = None,
    section: Sequence[str] = (),
    normalised: str | None = None,
) -> str:
    """``<grammar_id>:<12 hex>`` from the normalised text and its provenance.

    Content-addressed rather than positional so that re-ingesting an edited source keeps the ids
    of untouched passages (caches and annotations keyed on them stay valid).
    """
    norm = normalised if normalised is not None else normalise_text(text)
    key = "\x1f".join([norm, page or "", "\x1e".join(section)])
    return f"{grammar_id}:{hashlib.sha1(key.encode('utf-8')).hexdigest()[:12]}"


def _merge_short(units: list[Unit], min_chars: int) -> list[Unit]:
    """Merge prose units shorter than ``min_chars`` into the following unit of the same section.

    Stray short lines ("(ref)", a caption fragment) make useless retrieval hits on their own;
    attached to the next paragraph they keep their context. Examples and tables are never merged
    (they are kept whole), and nothing is merged across a section boundary.
    """
    if min_chars <= 0:
        return units
    out: list[Unit] = []
    pending: Unit | None = None
    for unit in units:
        if pending is not None:
            if pending.section == unit.section and unit.kind == pending.kind:
                unit = join_units(pending, unit, unit.kind)
            else:
                out.append(pending)
            pending = None
        if unit.kind == "prose" and len(unit.text) < min_chars:
            pending = unit
        else:
            out.append(unit)
    if pending is not None:
        out.append(pending)
    return out


def _windows(units: list[Unit], size: int, overlap: int) -> list[Unit]:
    """Token windows over runs of units sharing section and page range.

    Examples and tables are emitted whole (a window never cuts an interlinear example apart).
    """
    size = max(1, size)
    step = max(1, size - max(0, overlap))
    out: list[Unit] = []

    def flush(run: list[Unit]) -> None:
        if not run:
            return
        tokens = [tok for unit in run for tok in unit.text.split()]
        first = run[0]
        start = 0
        while True:
            chunk = tokens[start : start + size]
            out.append(
                Unit(" ".join(chunk), first.page_start, run[-1].page_end, first.section, first.kind,
                     notes=tuple(n for unit in run for n in unit.notes) if start == 0 else ())
            )
            if start + size >= len(tokens):
                break
            start += step

    run: list[Unit] = []
    for unit in units:
        if unit.kind in ("example", "table"):
            flush(run)
            run = []
            out.append(unit)
            continue
        if run and (unit.section, unit.page_start, unit.page_end) != (
            run[0].section,
            run[0].page_start,
            run[0].page_end,
        ):
            flush(run)
            run = []
        run.append(unit)
    flush(run)
    return out


def make_passages(grammar_id: str, units: Iterable[Unit], config: ChunkingConfig, *,
                  max_chars: int = MAX_PASSAGE_CHARS) -> list[Passage]:
    """Turn units (reading order) into passages with stable ids and ``order`` = reading position."""
    cleaned = [
        Unit(clean_text(u.text), u.page_start, u.page_end or u.page_start, tuple(u.section), u.kind, u.norm,
             tuple(u.notes))
        for u in units
    ]
    cleaned = [u for u in cleaned if u.text]
    if config.mode == "window":
        chunks = _windows(cleaned, config.window_tokens, config.overlap_tokens)
    elif config.mode == "paragraph":
        chunks = _merge_short(cleaned, config.min_chars)
    else:  # pragma: no cover - Literal guards this for typed callers
        raise ValueError(f"unknown chunking mode {config.mode!r} (use 'paragraph' or 'window')")
    chunks = cap_units(chunks, lambda u: u.text, source=grammar_id, max_chars=max_chars)  # no multi-megabyte passages
    passages: list[Passage] = []
    seen: dict[str, int] = {}
    for order, unit in enumerate(chunks):
        pid = passage_id(grammar_id, unit.text, unit.page_start, unit.section, unit.norm)
        count = seen.get(pid, 0)
        seen[pid] = count + 1
        if count:  # the same text twice on one page/section: keep both, ids stay deterministic
            pid = f"{pid}-{count + 1}"
        passages.append(
            Passage(
                grammar_id=grammar_id,
                passage_id=pid,
                text=unit.text,
                page_start=unit.page_start,
                page_end=unit.page_end,
                section=unit.section,
                kind=unit.kind,
                order=order,
                notes=unit.notes,
            )
        )
    return passages

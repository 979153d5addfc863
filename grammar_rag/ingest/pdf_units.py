"""A PDF book's lines -> units: paragraphs, interlinear examples, tables, with section paths and notes.

Why apart from :mod:`grammar_rag.ingest.pdf` (running heads, page labels, front/back matter, the
ingester): this is where a page's lines become the coherent units passages are made of, by
typesetting conventions every grammar shares:

- a numbered example opens with its number at the left margin ("(12)", "(12a)"), set off from the
  text above; its vernacular, gloss and translation lines (and sub-examples "a.", "b.") are
  indented past the paragraph indent. It ends at the next line back at the margin.
- a table opens with its caption ("Table 4.2: ...") or with a row of three or more cells; its rows
  follow at table line spacing.
- headings come from the PDF's outline where it has one (:mod:`grammar_rag.ingest.pdf_outline`),
  else from the printed table of contents (:mod:`grammar_rag.ingest.pdf_contents`), else from
  type size, weight and numbering; heading lines never become text.
- footnotes are taken off the foot of the page (:mod:`grammar_rag.ingest.pdf_notes`) and stored
  with the unit whose text carries their mark.
"""

from __future__ import annotations

import itertools
import logging
import re
import statistics
from dataclasses import replace

from grammar_rag.ingest.chunking import Unit, join_units
from grammar_rag.ingest.pdf_contents import ContentsCursor, read_contents
from grammar_rag.ingest.pdf_layout import MARGIN_ZONE, TERMINAL, Line, PageText
from grammar_rag.ingest.pdf_notes import split_footnotes
from grammar_rag.ingest.pdf_outline import OutlineCursor, OutlineEntry, squash
from grammar_rag.ingest.sections import SectionPath, numbered_heading
from grammar_rag.types import PassageKind

EXAMPLE_START = re.compile(r"^\(\d{1,4}[a-z]?\)(?:\s|$)")  # "(12) ...", "(12a) ..."
SUB_EXAMPLE = re.compile(r"^(?:[a-h]\.|\([a-h]\)|[a-h]\))\s")  # "a. ...", "(b) ...", "c) ..."
TABLE_CAPTION = re.compile(r"^Table\s+[A-Z]?\d+(?:\.\d+)*\s*[:.]\s")
_GLUED_NUMBER = re.compile(r"^(\d{1,2}(?:\.\d{1,2})*)(?=[A-Z][a-z])")  # "8Theverbal", not a gloss "1SG"
SHORT_CHARS = 100  # a unit shorter than this is context for its neighbour, not a passage of its own

logger = logging.getLogger(__name__)

Block = str  # "prose" | "example" | "table"


def _ends_paragraph(prev: Line, col_right: float) -> bool:
    return prev.x1 < col_right - max(20.0, prev.size * 3) and bool(TERMINAL.search(prev.text))


def book_vocabulary(pages: list[PageText]) -> set[str]:
    """Every word of a book, hyphenated compounds whole: what tells "zero-" + "shot" from "learn-" + "ing"."""
    return {w.lower() for p in pages for ln in p.lines for w in re.findall(r"\w+(?:-\w+)*", ln.text)}


def join_broken(prev: str, text: str, vocab: set[str]) -> str:
    """Line ``prev`` and the next line ``text`` of one paragraph as one: a word broken at a line-end
    hyphen is joined again, unless the book writes it hyphenated and never whole (a compound)."""
    m = re.search(r"(\w+)-$", prev)
    if m and text[:1].islower():
        first = re.match(r"\w+", text)
        tail = first.group(0) if first else ""
        joined = (m.group(1) + tail).lower()
        hyphenated = (m.group(1) + "-" + tail).lower()
        if hyphenated in vocab and joined not in vocab:
            return prev + text  # a real compound: "zero-" + "shot"
        return prev[:-1] + text  # line-break hyphen: "learn-" + "ing"
    return prev + " " + text


class _Builder:
    """Accumulates lines into units, tracking page range, heading path, block type and notes."""

    def __init__(self, vocabulary: set[str]) -> None:
        self.vocab = vocabulary
        self.units: list[Unit] = []
        self.sections = SectionPath()
        self.outline_path: tuple[str, ...] | None = None
        self.buf: list[str] = []
        self.notes: list[str] = []
        self.start_label: str | None = None
        self.end_label: str | None = None
        self.zone: PassageKind = "prose"
        self.block: Block = "prose"
        self.captioned = False  # the open table began with its caption
        self.example_indent = 0.0  # the open example's number: distance from the margin
        self.page_notes: dict[str, str] = {}

    @property
    def path(self) -> tuple[str, ...]:
        return self.outline_path if self.outline_path is not None else self.sections.path

    def add_text(self, text: str) -> None:
        if not self.buf:
            self.buf.append(text)
            return
        prev = self.buf[-1]
        if self.block != "prose":  # examples and tables keep their lines
            self.buf.append(text)
            return
        self.buf[-1] = join_broken(prev, text, self.vocab)

    def start(self, block: Block) -> None:
        self.flush()
        self.block = block

    def line(self, ln: Line, label: str | None) -> None:
        if not self.buf:
            self.start_label = label
        self.end_label = label
        self.add_text(ln.text)
        for mark in ln.marks:
            note = self.page_notes.pop(mark, None)
            if note is not None:
                self.notes.append(f"{mark} {note}")

    def flush(self) -> None:
        if self.buf:
            text = "\n".join(self.buf).strip()
            if text:
                kind: PassageKind = self.zone if self.zone != "prose" else self.block  # type: ignore[assignment]
                self.units.append(Unit(text, self.start_label, self.end_label, self.path, kind,
                                       notes=tuple(self.notes)))
                self.notes = []
        self.buf = []
        self.block = "prose"

    def keep_notes(self, notes: list[str]) -> None:
        """Notes no mark claimed (or a note's continuation): with the open unit, else the last one."""
        if not notes:
            return
        if self.buf or not self.units:
            self.notes.extend(notes)
        else:
            last = self.units[-1]
            self.units[-1] = replace(last, notes=(*last.notes, *notes))

    @property
    def open_text(self) -> str:
        return self.buf[-1] if self.buf else ""


def _is_heading(ln: Line, body_size: float, col_width: float) -> tuple[int, str] | None:
    """A numbered heading set off by size, weight or length; or a larger-type unnumbered one."""
    # "8Theverbalclause": some heading fonts carry no space glyphs, not even after the number
    numbered = numbered_heading(_GLUED_NUMBER.sub(r"\1 ", ln.text))
    larger = ln.size >= body_size + 1.0
    short = (ln.x1 - ln.x0) < col_width * 0.8
    if numbered and (larger or short or ln.bold) and not ln.text.rstrip().endswith("."):
        return numbered
    if larger and len(ln.text) < 120 and ln.text[:1].isalpha() and not TERMINAL.search(ln.text) and any(c.isalpha() for c in ln.text):
        return 1, ln.text.strip()
    return None


_SECTION_NUMBER = re.compile(r"^(?:\d{1,2}|[A-Z])(?:\.\d{1,2})*\.?(?=\s|[A-Z]|$)\s*")


def _outline_heading(rest: str, ln: Line, body_size: float) -> str | None:
    """What is left of the entered titles once ``ln`` is read as (part of) them, or None if it is not.

    A printed number the outline leaves out ("1 Introduction" for "Introduction") is part of the
    heading line too.
    """
    sq = squash(ln.text)
    if not sq:
        return None
    if rest.startswith(sq):
        return rest[len(sq):]
    number = _SECTION_NUMBER.match(ln.text)
    unnumbered = squash(ln.text[number.end():]) if number else ""
    if unnumbered and rest.startswith(unnumbered):
        return rest[len(unnumbered):]
    at = rest.find(sq)
    if at >= 0 and len(sq) >= 3 and (ln.bold or ln.size >= body_size + 1.0):
        return rest[at + len(sq):]
    return None


def _strip_run_in(rest: str, ln: Line) -> Line | None:
    """``ln`` without a run-in heading at its start (the title's letters and digits, then spaces)."""
    if not squash(ln.text).startswith(rest):
        return None
    seen = 0
    for i, ch in enumerate(ln.text):
        if seen == len(rest):
            text = ln.text[i:].lstrip(" .:")
            return replace(ln, text=text) if text else None
        seen += ch.isalnum()
    return None


def body_metrics(pages: list[PageText]) -> tuple[float, float]:
    """The body type size (the most common, by text) and the usual gap between consecutive lines."""
    sizes = [round(ln.size, 1) for p in pages for ln in p.lines for _ in range(max(1, len(ln.text) // 20))]
    body_size = statistics.mode(sizes) if sizes else 10.0
    # over the whole document: a page with three lines cannot tell a paragraph gap from line spacing
    gaps = [
        b2.top - b1.bottom
        for p in pages
        for b1, b2 in itertools.pairwise(p.lines)
        if b1.column == b2.column and 0 <= b2.top - b1.bottom < body_size * 3
    ]
    return body_size, (statistics.median(gaps) if gaps else body_size * 0.3)


def build_units(pages: list[PageText], zones: list[str], outline: list[OutlineEntry] | None = None) -> list[Unit]:
    """Units in reading order; ``zones`` ("front"/"body"/"back" per page) type matter units.

    Headings follow the outline; lacking one, the printed contents; where fewer than half the
    contents' entries were found on their pages (a contents page read wrong, or one listing
    another edition's pages), the book is read again with headings by type and numbering alone.
    """
    cursor = OutlineCursor(outline) if outline else None
    contents = read_contents(pages, zones) if cursor is None else None  # the printed contents, lacking an outline
    if contents is None:
        return _build_units(pages, zones, cursor, None)
    lines = [page.lines for page in pages]  # footnotes are taken off the pages: a second reading needs them back
    units = _build_units(pages, zones, None, contents)
    if contents.found >= 0.5 * len(contents.entries):
        return units
    logger.info("printed contents: %d of %d entries found; headings read by type instead",
                contents.found, len(contents.entries))
    for page, page_lines in zip(pages, lines, strict=True):
        page.lines = page_lines
    return _build_units(pages, zones, None, None)


def _build_units(pages: list[PageText], zones: list[str], cursor: OutlineCursor | None,
                 contents: ContentsCursor | None) -> list[Unit]:
    body_size, typical_gap = body_metrics(pages)
    b = _Builder(book_vocabulary(pages))
    after_notes = False
    for page, zone in zip(pages, zones, strict=True):
        notes = split_footnotes(page, body_size, typical_gap, after_notes=after_notes)
        after_notes = bool(notes.notes or notes.continued)
        b.page_notes = dict(notes.notes)
        label = page.label or str(page.number)
        kind: PassageKind = "front_matter" if zone == "front" else "back_matter" if zone == "back" else "prose"
        if kind != b.zone:
            b.flush()
            b.zone = kind
        if notes.continued:
            b.keep_notes([notes.continued])
        _page_units(b, page, label, body_size, typical_gap, cursor,
                    contents if contents is not None and page.number - 1 > contents.last_page else None)
        b.keep_notes([f"{m} {t}" for m, t in b.page_notes.items()])
        b.page_notes = {}
    b.flush()
    return attach_short(b.units)


def _page_units(b: _Builder, page: PageText, label: str, body_size: float, typical_gap: float,
                cursor: OutlineCursor | None, contents: ContentsCursor | None = None) -> None:
    by_col: dict[int, list[Line]] = {}
    for ln in page.lines:
        by_col.setdefault(ln.column, []).append(ln)
    col_bounds = {c: (min(x.x0 for x in ls), max(x.x1 for x in ls)) for c, ls in by_col.items()}
    prev: Line | None = None
    heading_rest = ""
    for k, ln in enumerate(page.lines):
        following = page.lines[k + 1] if k + 1 < len(page.lines) else None
        left, right = col_bounds[ln.column]
        if cursor is not None:
            entered = cursor.advance(page.number - 1, ln.top, ln.size * 0.6)
            if entered:
                b.flush()
                b.outline_path = cursor.path
                heading_rest = "".join(squash(e.title) for e in entered)
            if heading_rest:
                rest = _outline_heading(heading_rest, ln, body_size)
                if rest is not None:
                    heading_rest = rest
                    number = _SECTION_NUMBER.match(ln.text)
                    if number and cursor.number_last(number.group(0).strip(), squash(ln.text[number.end():])):
                        b.outline_path = cursor.path
                    prev = None
                    continue
                run_in = _strip_run_in(heading_rest, ln)
                heading_rest = ""
                if run_in is not None:  # "6.2.3.1 o-class possessives are used ...": the text runs on
                    ln = run_in
                    prev = None
        in_example = b.block == "example" and ln.x0 - left > b.example_indent + ln.size * 1.5
        larger = ln.size >= body_size + 1.0
        # an example runs on to the next page until a line is back at the margin: a Part's title
        # page, centred in large type, is no example line where the contents list it
        if (cursor is None or not cursor.path) and (not in_example or (contents is not None and larger)) and (
            ln.top >= page.height * MARGIN_ZONE or ln.size > body_size + 0.5
        ):
            # no outline, or text before its first entry (an abstract): headings by type;
            # a running head (top margin, body size or smaller) is never a heading
            if contents is None:
                heading = _is_heading(ln, body_size, right - left)
            else:  # the printed contents decide what is a heading, and its depth
                set_off = prev is None or ln.top - prev.bottom > typical_gap + ln.size * 0.3
                what, depth, title = contents.read(ln, page.label, ln.bold or larger, set_off,
                                                   set_off and _alone(ln, following, right - left))
                heading = (depth, title) if what == "enter" else None
                if what == "extend":  # the wrapped rest of a heading the contents do not list
                    b.sections.extend(title)
                if what == "run-in":  # the heading's title in bold, its paragraph running on after it
                    b.flush()
                    b.sections.enter(depth, title)
                    ln = replace(ln, text=ln.text[ln.lead_bold:].lstrip(" .:"), lead_bold=0)
                if what in ("skip", "extend") or not ln.text:  # a heading's wrapped rest is no text
                    prev = None
                    continue
                if what == "run-in":
                    prev = None
            if heading:
                b.flush()
                b.sections.enter(*heading)
                prev = None
                continue
        gap = ln.top - prev.bottom if prev is not None else None
        if EXAMPLE_START.match(ln.text) and (
            gap is None or gap > typical_gap + ln.size * 0.25 or b.block == "example"
        ):
            b.start("example")
            b.example_indent = ln.x0 - left  # examples inside a numbered list sit further right
            b.line(ln, label)
            prev = ln
            continue
        if b.block == "example":
            # the example's own lines sit right of its number (measured from this page's margin:
            # facing pages have different margins)
            indented = ln.x0 - left > b.example_indent + ln.size * 1.5  # past a paragraph indent (1 em)
            if (indented or SUB_EXAMPLE.match(ln.text)) and (gap is None or gap < ln.size * 2.5):
                b.line(ln, label)
                prev = ln
                continue
            b.flush()
            prev = None
        caption = TABLE_CAPTION.match(ln.text)
        if caption and b.block == "table" and not b.captioned and gap is not None and gap <= ln.size * 2.5:
            b.line(ln, label)  # a caption below its rows closes the table
            b.flush()
            prev = None
            continue
        if caption or (ln.cells >= 3 and b.block != "table"):
            b.start("table")
            b.captioned = bool(caption)
            b.line(ln, label)
            prev = ln
            continue
        if b.block == "table":
            # rows follow at row spacing (rules add a little); a caption above is set off further
            limit = ln.size * (2.5 if b.captioned and len(b.buf) == 1 else 1.6)
            if gap is not None and gap <= limit and not EXAMPLE_START.match(ln.text):
                b.line(ln, label)
                prev = ln
                continue
            b.flush()
            prev = None
        if _new_paragraph(b, ln, prev, left, right, typical_gap, body_size):
            b.flush()
        b.line(ln, label)
        prev = ln


def _alone(ln: Line, following: Line | None, col_width: float) -> bool:
    """A short line followed by a line of plain text: how an unnumbered subheading stands (a bold
    table header spans its table, and rows follow it)."""
    return (
        ln.x1 - ln.x0 < col_width * 0.6
        and following is not None and not following.bold and following.top > ln.top
        and following.x1 - following.x0 >= col_width * 0.5
    )


def _new_paragraph(b: _Builder, ln: Line, prev: Line | None, left: float, right: float,
                   typical_gap: float, body_size: float) -> bool:
    if prev is not None:
        if ln.column != prev.column:
            # column change: continue only if the paragraph is visibly unfinished
            return bool(TERMINAL.search(prev.text)) or not ln.text[:1].islower()
        gap = ln.top - prev.bottom
        indent = ln.x0 - left
        return (
            gap > typical_gap + body_size * 0.6
            or gap < -body_size  # jumped back up: new block
            or (indent > body_size * 0.8 and prev.x0 - left < body_size * 0.5)
            or _ends_paragraph(prev, right)
        )
    if b.buf:
        # first line on a new page (or after an example): continue a paragraph ended mid-sentence
        return bool(TERMINAL.search(b.open_text)) or not ln.text[:1].islower()
    return True


def attach_short(units: list[Unit]) -> list[Unit]:
    """Short prose (a lead-in line "as in (12):", a one-line paragraph) joined to its neighbour.

    A prose unit under ``SHORT_CHARS`` joins the example or table right after it (its lead-in or
    label: "as in (12):", "2. relative clause following the head noun"), else the next prose
    unit, else the previous one, always within the same section and
    zone, and only where the two meet on one page (a citation by page stays exact). Nothing is dropped; a short unit with no neighbour stays as it is.
    """
    out: list[Unit] = []
    pending: Unit | None = None
    for unit in _join_short_runs(units):
        if pending is not None:
            fits = _near(pending, unit) and (
                unit.kind == pending.kind or (unit.kind in ("example", "table") and pending.kind == "prose")
            )
            if fits:
                unit = join_units(pending, unit, unit.kind)
            elif out and _near(out[-1], pending) and out[-1].kind == pending.kind and out[-1].page_start == pending.page_start:
                out[-1] = join_units(out[-1], pending, pending.kind)
            else:
                out.append(pending)
            pending = None
        if _short(unit):
            pending = unit
        else:
            out.append(unit)
    if pending is not None:
        if out and _near(out[-1], pending) and out[-1].kind == pending.kind and out[-1].page_start == pending.page_start:
            out[-1] = join_units(out[-1], pending, pending.kind)
        else:
            out.append(pending)
    return out


def _short(unit: Unit) -> bool:
    return unit.kind in ("prose", "front_matter", "back_matter") and len(unit.text) < SHORT_CHARS


def _join_short_runs(units: list[Unit]) -> list[Unit]:
    """Consecutive short units of one kind, section and page joined whole: a list set line by line
    (a lead-in and its items: "three clausal negators:", "ina neutral", "kai perfective", "(e) ko
    imperfective"). Joined one by one, the chain would stop at ``SHORT_CHARS`` and glue the last items
    to the paragraph after them."""
    out: list[Unit] = []
    in_run = False  # out[-1] is made of short units only (it may have grown past SHORT_CHARS)
    for unit in units:
        if in_run and _short(unit) and out[-1].kind == unit.kind and _near(out[-1], unit):
            out[-1] = join_units(out[-1], unit, unit.kind)
            continue
        out.append(unit)
        in_run = _short(unit)
    return out


def _near(first: Unit, second: Unit) -> bool:
    """Same section and the same page where they meet: a merge never blurs a page citation."""
    return first.section == second.section and (first.page_end or first.page_start) == second.page_start


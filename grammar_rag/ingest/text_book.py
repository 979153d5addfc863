"""The plain text of a whole book (``pdftotext`` or OCR output) -> units, as a typeset book is read.

Why apart from :mod:`grammar_rag.ingest.text` (blank-line paragraphs): a book's text has one line
per printed line, pages split by form feeds (``pdftotext``, ``ocrmypdf --sidecar``, Tesseract) or
marked only by their page-number lines, a running head on every page, paragraphs broken across
lines and pages with words hyphenated at the line end, interlinear examples over several lines,
and a contents and reference list. Without this, every page became one passage with no section
path, running heads and folios stuck to the text, and the bibliography was retrievable.

Pages and their printed numbers come from :mod:`grammar_rag.ingest.text_pages`, footnotes from
:mod:`grammar_rag.ingest.text_notes`. The book-structure rules are the PDF reader's, applied to
lines without geometry: folios and repeated head lines
(:func:`~grammar_rag.ingest.pdf.strip_running_heads`, which also validates printed page labels),
front and back matter (:func:`~grammar_rag.ingest.pdf.page_zones`), headings from the printed
contents (:mod:`~grammar_rag.ingest.pdf_contents`), line-end hyphens (:func:`~grammar_rag.ingest.
pdf_units.join_broken`). What geometry told there, line length tells here: a paragraph ends at a
short line ending a sentence, a heading is a short line standing alone.
"""

from __future__ import annotations

import functools
import logging
import re
import statistics
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from grammar_rag.ingest.book_meta import guess_pdf_metadata
from grammar_rag.ingest.chunking import Unit
from grammar_rag.ingest.language_guess import guess_language
from grammar_rag.ingest.metadata import source_name
from grammar_rag.ingest.pdf import IMPRINT_PAGES, page_zones, strip_running_heads
from grammar_rag.ingest.pdf_contents import ContentsCursor, read_contents
from grammar_rag.ingest.pdf_layout import (
    PAGE_LABEL,
    TERMINAL,
    Line,
    PageText,
)
from grammar_rag.ingest.pdf_units import (
    EXAMPLE_START,
    SUB_EXAMPLE,
    TABLE_CAPTION,
    attach_short,
    book_vocabulary,
    join_broken,
)
from grammar_rag.ingest.sections import SectionPath, numbered_heading
from grammar_rag.ingest.text_notes import split_text_notes
from grammar_rag.ingest.text_pages import as_pages, ocr_digits, page_spans, paginate
from grammar_rag.types import MATTER_KINDS, PassageKind

logger = logging.getLogger(__name__)

MIN_PAGES = 8  # fewer pages: a short text, read as blank-line paragraphs
# a free translation closes an example: it opens with a single quote ("‘The child runs.’"; double
# quotes are the speech quoted in the vernacular line) and ends with one, perhaps before its
# source: "'...' (Kornfilt 1997: 123)", "‘...’ [T2.001]"; it may wrap over lines
_TRANSLATION_START = re.compile(r"^[‘']")
_TRANSLATION_END = re.compile(r"[’'](?:\s*(?:\[[^\]]{0,60}\]|\([^)]{0,60}\)|\{[^}]{0,60}\}|<[^>]{0,60}>))*\s*$")
_OPENS_QUOTE = re.compile(r"^[‘'\"“]")
_BULLET = re.compile(r"^[•▪◦‣–-]\s")
_FUNCTION_WORDS = frozenset(("the", "a", "an", "of", "in", "is", "are", "was", "were", "to", "and", "that", "this",
                             "with", "as", "by", "for", "which", "be", "it", "on", "or"))


def _normal_folio(pages: list[PageText]) -> None:
    for page in pages:
        for ln in page.lines:
            if PAGE_LABEL.match(ocr_digits(ln.text)):
                ln.text = ocr_digits(ln.text)


def strip_section_heads(pages: list[PageText], zones: list[str], physical: bool = False) -> None:
    """Drop a page's first line when it is a running head naming the chapter or section: it
    changes every few pages, so it is rarely frequent enough for :func:`strip_running_heads`. It
    repeats an earlier line of the book (or two or three lines of one, joined: a heading wrapped
    over lines is printed whole as a head); the first time a title is printed is its heading and
    stays. The contents are not "earlier lines": they wrap titles as headings do not. On the page
    where a section begins, the head already names it: it repeats the heading printed lower on the
    same page ("15.3 Relative clauses" above the last lines of 15.2). That is told only on
    ``physical`` pages (split by form feeds): pages cut at printed numbers can run two together, a
    chapter's opening heading and the next page's head naming it."""
    seen: set[str] = set()
    for page, zone in zip(pages, zones, strict=True):
        if zone == "front":  # the contents print titles too, wrapped as they are, not as heads are
            continue
        first = " ".join(page.lines[0].text.split()) if len(page.lines) > 3 else ""
        if first and len(first) < 120:
            # the folio printed beside the head: "26 2 Phonology", "2.4 Pharyngealization 27"
            bare = re.sub(r"^\d{1,4}\s+(?=\d)|\s+\d{1,4}$", "", first)
            below = {" ".join(ln.text.split()) for ln in page.lines[1:]} if physical else set()
            if {first, bare} & (seen | below):
                page.lines = page.lines[1:]
        seen.update(" ".join(ln.text.split()) for ln in page.lines)
        # a heading wrapped over lines ("1 Nouns and their" / "inflection") is printed whole in heads
        tops = [" ".join(ln.text.split()) for ln in page.lines[:6]]
        seen.update(" ".join(tops[k : k + n]) for n in (2, 3) for k in range(len(tops) - n + 1))


@dataclass
class _Para:
    lines: list[str]
    kind: PassageKind
    start: str | None
    end: str | None
    section: tuple[str, ...]
    notes: list[str] = field(default_factory=list)  # footnotes its lines cite ("4 The note's text.")


def _prose_like(line: str, width: float) -> bool:
    """A line of English prose opening a sentence ("The following examples ..."), which ends an
    example or a table; a gloss line has function words too ("the-in house") but seldom a capital."""
    words = line.lower().split()
    return (len(line) >= 0.5 * width and sum(w in _FUNCTION_WORDS for w in words) >= 3
            and line[:1].isupper() and not _OPENS_QUOTE.match(line))


# a year opening a wrapped line ("(2013) and Kager (2015) show ..."): a citation, not example (2013)
_YEAR_AT_START = re.compile(r"^\((?:1[5-9]|20)\d\d[a-z]?\)\s+[a-z&]")


class _Assembler:
    """Lines -> paragraphs, examples and headings, across pages."""

    def __init__(self, width: float, matter: dict[str, PassageKind], contents: ContentsCursor | None,
                 vocab: set[str], labelled: bool = True) -> None:
        self.width = width
        self.labelled = labelled  # False: pages cut by length (no page numbers in the text) cite no page
        self.vocab = vocab
        self.contents = contents
        self.matter = matter
        self.sections = SectionPath()
        self.units: list[Unit] = []
        self.para: _Para | None = None
        self.translating = False  # the open example's free translation has begun
        self.translated = False  # ... and has been read to its end
        self.heading_open = False  # the last line was a heading whose title may wrap onto this one
        self.listed = False  # the last heading read was an entry of the printed contents
        self.page_notes: dict[str, str] = {}  # the page's footnotes not yet claimed by their mark
        self.marks: tuple[str, ...] = ()  # footnote marks detached from the line being read

    def flush(self) -> None:
        para, self.para = self.para, None
        if para and any(ln.strip() for ln in para.lines):
            if para.kind in ("example", "table", *MATTER_KINDS):
                text = "\n".join(para.lines)
            else:
                text = functools.reduce(lambda a, b: join_broken(a, b, self.vocab), [ln.strip() for ln in para.lines])
            self.units.append(Unit(text, para.start, para.end, para.section, para.kind, notes=tuple(para.notes)))
        elif para and para.notes and self.units:  # notes cited from a heading or a blank: with the unit before
            last = self.units[-1]
            self.units[-1] = replace(last, notes=(*last.notes, *para.notes))

    def open(self, kind: PassageKind, label: str | None) -> None:
        self.flush()
        self.para = _Para([], kind, label, label, self.sections.path)
        self.translating = self.translated = False

    def page(self, page: PageText, zone: str, notes: dict[str, str], pages_spanned: int = 1) -> None:
        """Read one page's lines; ``notes``: its footnotes by mark; ``pages_spanned``: printed pages
        its text covers (more than one where pages without a folio ran into it, in a text without
        page breaks)."""
        label = page.label or (str(page.number) if self.labelled else None)
        if self.contents is not None:
            self.contents.slack = max(1, pages_spanned)
        matter = self.matter.get(zone)
        self.page_notes = dict(notes)
        prev: str | None = self.para.lines[-1] if self.para and self.para.lines else None
        for ln in page.lines:
            self.marks = ln.marks
            text = ln.text
            if not text:
                if self.para and self.para.kind != "example":
                    self.flush()
                prev = None
                continue
            short_before = prev is None or len(prev) < 0.8 * self.width
            ended = short_before and (prev is None or bool(TERMINAL.search(prev)))
            # a heading follows a short line or a sentence's end; a page's first line is set off
            # (its running head is gone), as a PDF's is
            set_off = short_before or bool(TERMINAL.search(prev or "")) or ln is page.lines[0]
            what, heading = self._heading(ln, label, set_off) if not matter else ("text", None)
            if what == "skip":  # the wrapped rest of a heading's title
                prev = None
                continue
            if heading and what == "run-in":  # its paragraph runs on after the title
                self.flush()
                self.sections.enter(*heading)
                text = " ".join(text.split())[len(heading[1]):].lstrip(" .:")
            elif heading:  # a heading stands alone: not the rest of a full line's sentence
                self.flush()
                self.sections.enter(*heading)
                self.heading_open = not TERMINAL.search(text) and not self.listed
                prev = None
                continue
            if (self.heading_open and text[:1].islower() and len(text) < 0.75 * self.width and not TERMINAL.search(text)
                    and not SUB_EXAMPLE.match(text)):  # "c. S-T-V-R ..." goes on with an example, not a title
                self.sections.extend(text)  # "19 Valency classes and modification of" / "valency patterns"
                continue
            self.heading_open = False
            if matter:  # a page a unit, line by line: contents entries, abbreviations, references
                if not self.para or self.para.kind != matter or self.para.start != label:
                    self.open(matter, label)
                self._add(text, label)
            elif EXAMPLE_START.match(text) and not _YEAR_AT_START.match(text):
                self.open("example", label)
                self._add(text, label)
            elif TABLE_CAPTION.match(text):
                self.open("table", label)
                self._add(text, label)
            elif self.para and self._continues_block(text):
                self._add(text, label)
            else:
                in_list = bool(self.para and _BULLET.match(text) and (
                    _BULLET.match(self.para.lines[-1]) or self.para.lines[-1].endswith(":")))
                if not self.para or self.para.kind != "prose" or (ended and not in_list) or ln.x0 > 1.0:
                    self.open("prose", label)
                self._add(text, label)
            prev = text
        if self.page_notes and self.para is not None:  # cited where the mark was not found again
            self.para.notes.extend(f"{m} {t}" for m, t in self.page_notes.items())
        self.page_notes = {}

    def _heading(self, ln: Line, label: str | None, set_off: bool) -> tuple[str, tuple[int, str] | None]:
        """Is ``ln`` a heading? The printed contents decide where the book has them (as for a PDF
        without an outline); else a short numbered line standing alone."""
        text = ln.text
        short = len(text) < 0.75 * self.width
        if self.contents is None:
            heading = numbered_heading(ocr_digits(text)) if short and set_off else None
            return ("enter" if heading else "text"), heading
        probe = Line(ocr_digits(text), ln.x0, ln.x1, ln.top, ln.bottom, ln.size)
        found = self.contents.found
        # a short line with nothing running into it reads as a PDF heading's larger or bold type
        what, depth, title = self.contents.read(probe, label, set_off and short, set_off, set_off and short)
        # a listed title's wrapped rest is the contents' to skip: nothing else runs on as its tail
        self.listed = self.contents.found > found
        if what == "extend":
            self.sections.extend(title)
            return "skip", None
        return what, ((depth, title) if what in ("enter", "run-in") else None)

    def _continues_block(self, text: str) -> bool:
        """Does ``text`` go on with the open example (or table)?"""
        assert self.para is not None
        if self.para.kind == "table":
            return not _prose_like(text, self.width)
        if self.para.kind != "example":
            return False
        if SUB_EXAMPLE.match(text):
            return True
        if self.translated:  # a second translation (the grammar's other language) may follow
            return bool(_TRANSLATION_START.match(text) and _TRANSLATION_END.search(text))
        return not _prose_like(text, self.width)

    def _add(self, text: str, label: str | None) -> None:
        assert self.para is not None
        self.para.lines.append(text)
        self.para.end = label
        self.para.notes.extend(f"{m} {self.page_notes.pop(m)}" for m in self.marks if m in self.page_notes)
        if self.para.kind == "example" and len(self.para.lines) > 1:
            self.translating = self.translating or bool(_TRANSLATION_START.match(text))
            self.translated = self.translating and bool(_TRANSLATION_END.search(text))


def prose_width(pages: list[PageText], zones: list[str]) -> float:
    """The length of a full line of prose: the 80th percentile of the body's lines of three words or
    more. Lines of one or two words are left out because interlinear examples extracted from a PDF
    come a word a line: in a book dense with examples they are most lines, and over all lines the
    percentile fell to 32 characters, so that no heading was short beside it."""
    lengths = [len(ln.text) for p, z in zip(pages, zones, strict=True) if z == "body"
               for ln in p.lines if len(ln.text.split()) >= 3]
    return float(statistics.quantiles(lengths, n=10)[7]) if len(lengths) >= 10 else 80.0


def book_units(text: str) -> tuple[list[Unit], list[PageText], list[str]] | None:
    """Units of a book's text (with its pages and their zones), or None when the text is not
    paged (fewer than :data:`MIN_PAGES` pages): then it is read as blank-line paragraphs."""
    paged = paginate(text)
    if len(paged.pages) < MIN_PAGES:
        return None
    pages = as_pages(paged.pages)
    _normal_folio(pages)
    spans = [1] * len(pages)  # printed pages each page's text covers
    if "\f" not in text:  # each page's printed number, found closing (or opening) it, is its label
        for page, label in zip(pages, paged.labels, strict=True):
            page.label = label
        spans = page_spans(pages, paged.opened)
    strip_running_heads(pages)
    if paged.virtual:  # a number at the edge of a page cut by length is no folio
        for page in pages:
            page.label = None
    zones = page_zones(pages, 10.0, emphasised=lambda ln: True)
    strip_section_heads(pages, zones, physical="\f" in text)
    width = prose_width(pages, zones)
    vocab = book_vocabulary(pages)
    # footnotes off the body pages once: a second reading (below) finds the pages without them
    notes = [split_text_notes(page) if zone == "body" else {} for page, zone in zip(pages, zones, strict=True)]
    contents = read_contents(pages, zones, unindented_wraps=True, typeset=False)
    labelled = not paged.virtual
    units = _assemble(pages, zones, notes, spans, width, vocab, contents, labelled)
    if contents is not None and contents.found < 0.5 * len(contents.entries):
        # the contents read wrong (or listing another edition's pages): headings by numbering, as for a PDF
        logger.info("printed contents: %d of %d entries found; headings read by numbering instead",
                    contents.found, len(contents.entries))
        units = _assemble(pages, zones, notes, spans, width, vocab, None, labelled)
    return units, pages, zones


def _assemble(pages: list[PageText], zones: list[str], notes: list[dict[str, str]], spans: list[int], width: float,
              vocab: set[str], contents: ContentsCursor | None, labelled: bool = True) -> list[Unit]:
    assembler = _Assembler(width, {"front": "front_matter", "back": "back_matter"}, contents, vocab, labelled)
    for page, zone, page_notes, span in zip(pages, zones, notes, spans, strict=True):
        assembler.page(page, zone, page_notes, span)
    assembler.flush()
    # short lead-ins, one-line paragraphs and lists joined to their neighbours, as in a PDF (without
    # this, 13-16% of the shared books' text passages were under 100 characters; with it 2-9%)
    return attach_short(assembler.units)


def title_lines(pages: list[PageText]) -> list[str]:
    """Title candidates from the first pages' first lines, joined three and two at a time (a
    title page sets "A grammar of" / "Sanzhi Dargwa", or "A GRAMMAR" / "OF THE" / "X LANGUAGE", on
    lines of their own, perhaps under a scanner's stamp), then each line alone."""
    first = [ln.text for p in pages[:2] for ln in p.lines if ln.text][:8]
    joined = [" ".join(first[k : k + n]) for k in range(len(first)) for n in (2, 3) if k + n <= len(first)]
    candidates = [t for t in (*joined, *first) if len(t) < 200]
    # the book's title is the first candidate naming a language Glottolog knows ("A grammar of Sanzhi Dargwa")
    named = next((t for t in candidates if (g := guess_language([t])) and g.glottocode), None)
    return [named, *candidates] if named else candidates


def book_fields(path: Path, pages: list[PageText], zones: list[str], guess: bool) -> dict[str, object]:
    """Title, author, year, language and id of a book's text, read as from a PDF without its
    information dictionary (:func:`~grammar_rag.ingest.book_meta.guess_pdf_metadata`)."""
    texts = ["\n".join(ln.text for ln in p.lines) for p in pages]
    references = [t for t, z in zip(texts, zones, strict=True) if z == "back"] or texts[IMPRINT_PAGES:]
    return guess_pdf_metadata(path, {}, title_lines(pages[:3]), "\n".join(texts[: max(40, len(pages) // 4)]),
                              source_name(path), guess=guess, imprint_text="\n".join(texts[:IMPRINT_PAGES]),
                              references_text="\n".join(references), book_text="\n".join(texts),
                              saved=_saved_year(path))


def _saved_year(path: Path) -> int | None:
    """The year the text file was saved: a text has no build date, and pdftotext of a book rebuilt from
    its sources prints the build year on its imprint."""
    try:
        return datetime.fromtimestamp(path.stat().st_mtime).year
    except OSError:  # a stream or vanished file: no date to read
        return None

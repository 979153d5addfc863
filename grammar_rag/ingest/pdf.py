"""PDF grammars with pdfplumber: layout-aware text with page provenance.

Per page: words with positions -> margin line numbers removed -> columns detected from the
words' x-positions (a vertical gutter most lines do not cross) and read left column first ->
lines -> running headers/footers (lines repeating across pages, page numbers) removed -> printed
page labels detected -> paragraphs (vertical gaps, first-line indents, short last lines) with
de-hyphenation across line breaks, and paragraphs continued across columns and pages merged.

Failures raise :class:`IngestError` naming the file: no text layer ("needs OCR"), encrypted or
corrupt files. Nothing is returned for a file that failed, so nothing half-ingested reaches an
index.
"""

from __future__ import annotations

import itertools
import logging
import re
import statistics
from collections import Counter
from pathlib import Path

from grammar_rag.errors import IngestError
from grammar_rag.ingest.base import DEFAULT_CHUNKING, INGESTERS, ChunkingConfig, Ingester
from grammar_rag.ingest.book_meta import guess_pdf_metadata, pdf_document_info
from grammar_rag.ingest.chunking import Unit, make_passages
from grammar_rag.ingest.metadata import build_grammar, caller_names_language, source_name
from grammar_rag.ingest.pdf_layout import (
    MARGIN_ZONE,
    PAGE_LABEL,
    ROMAN,
    TERMINAL,
    Line,
    PageText,
)
from grammar_rag.ingest.pdf_read import (
    extract_pages,
)
from grammar_rag.ingest.sections import SectionPath, numbered_heading
from grammar_rag.types import IngestedGrammar, PassageKind

logger = logging.getLogger(__name__)


# -- running heads and page labels -------------------------------------------------------------
def _shape(text: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\b[ivxlcdm]+\b", "#", text.lower())).strip()


def strip_running_heads(pages: list[PageText]) -> None:
    """Remove header/footer lines repeating (digits ignored) on many pages, and bare folios.

    Also sets ``page.label`` from a folio found there, validated across pages (a printed page
    number must advance with the physical page).
    """
    n = len(pages)
    shapes: Counter[str] = Counter()
    for page in pages:
        seen = set()
        for ln in page.lines:
            if _in_margin(ln, page):
                seen.add(_shape(ln.text))
        shapes.update(seen)
    min_repeat = max(3, int(0.3 * n)) if n >= 4 else n + 1
    candidates: list[tuple[int, str]] = []
    for idx, page in enumerate(pages):
        keep: list[Line] = []
        for ln in page.lines:
            if _in_margin(ln, page):
                folio = PAGE_LABEL.match(ln.text)
                if folio:
                    candidates.append((idx, folio.group(1)))
                    continue
                if shapes[_shape(ln.text)] >= min_repeat:
                    m = re.match(r"^(\d{1,4})\s|\s(\d{1,4})$", ln.text)
                    if m:
                        candidates.append((idx, m.group(1) or m.group(2)))
                    continue
            keep.append(ln)
        page.lines = keep
    _assign_labels(pages, candidates)


def _in_margin(ln: Line, page: PageText) -> bool:
    return ln.top < page.height * MARGIN_ZONE or ln.bottom > page.height * (1 - MARGIN_ZONE)


def _assign_labels(pages: list[PageText], candidates: list[tuple[int, str]]) -> None:
    """Printed page labels: arabic folios consistent with one offset, roman ones as found."""
    offsets: Counter[int] = Counter()
    for idx, label in candidates:
        if label.isdigit():
            offsets[int(label) - idx] += 1
    offset = None
    if offsets:
        offset, support = offsets.most_common(1)[0]
        if support < 2 and len(pages) > 2:
            offset = None
    matched = []
    for idx, label in candidates:
        if label.isdigit() and offset is not None and int(label) - idx == offset:
            pages[idx].label = label
            matched.append(idx)
        elif not label.isdigit() and ROMAN.match(label) and pages[idx].label is None:
            pages[idx].label = label.lower()
    if matched and offset is not None:
        for idx in range(min(matched), max(matched) + 1):
            if pages[idx].label is None:
                pages[idx].label = str(idx + offset)  # folio suppressed (chapter openings)


# -- front and back matter ----------------------------------------------------------------------
_BACK_HEADING = re.compile(
    r"^(?:[A-Z]?\d*\s*)?(?:references|bibliography|works\s+cited|(?:literature|references)\s+cited|literature|"
    r"indexes|indices|index|(?:name|subject|author|language|languages|general|topic|person)\s+index)$",
    re.I,
)
_TOC_LINE = re.compile(r"(?:(?:\.\s*){3,}|\s)(?:\d{1,4}|[ivxlc]{1,7})$", re.I)


def page_zones(pages: list[PageText], body_size: float) -> list[str]:
    """"front", "body" or "back" per page.

    Front matter: pages before the first arabic printed page label (title pages, contents,
    abbreviations, preface carry roman folios or none), and contents-like pages (most lines end in
    a page number) in the first fifth (at least 30 pages) of the book. Back matter: from the first page in the second
    half that opens with a references/bibliography/index heading (larger or bold type) to the end.
    """
    n = len(pages)
    zones = ["body"] * n
    first_arabic = next((i for i, p in enumerate(pages) if p.label and p.label.isdigit()), None)
    if first_arabic is not None and first_arabic <= 0.5 * n:
        zones[:first_arabic] = ["front"] * first_arabic
    for i, page in enumerate(pages[: max(n // 5, min(n, 30))]):
        lines = [ln for ln in page.lines if len(ln.text) > 3]
        if len(lines) >= 5 and sum(bool(_TOC_LINE.search(ln.text)) for ln in lines) >= 0.6 * len(lines):
            zones[i] = "front"
    for i in range(n // 2, n):
        head = pages[i].lines[:3]
        if any(_BACK_HEADING.match(ln.text.strip()) and (ln.size >= body_size + 1.0 or ln.bold) for ln in head):
            zones[i:] = ["back"] * (n - i)
            break
    return zones


# -- paragraphs --------------------------------------------------------------------------------
def _ends_paragraph(prev: Line, col_right: float) -> bool:
    return prev.x1 < col_right - max(20.0, prev.size * 3) and bool(TERMINAL.search(prev.text))


class _Builder:
    """Accumulates lines into paragraphs, tracking page range and heading path."""

    def __init__(self, vocabulary: set[str], body_size: float) -> None:
        self.vocab = vocabulary
        self.body_size = body_size
        self.units: list[Unit] = []
        self.sections = SectionPath()
        self.buf: list[str] = []
        self.start_label: str | None = None
        self.end_label: str | None = None
        self.kind: PassageKind = "prose"

    def add_text(self, text: str) -> None:
        if not self.buf:
            self.buf.append(text)
            return
        prev = self.buf[-1]
        m = re.search(r"(\w+)-$", prev)
        if m and text[:1].islower():
            first = re.match(r"\w+", text)
            tail = first.group(0) if first else ""
            joined = (m.group(1) + tail).lower()
            hyphenated = (m.group(1) + "-" + tail).lower()
            if hyphenated in self.vocab and joined not in self.vocab:
                self.buf[-1] = prev + text  # a real compound: "zero-" + "shot"
            else:
                self.buf[-1] = prev[:-1] + text  # line-break hyphen: "learn-" + "ing"
            return
        self.buf[-1] = prev + " " + text

    def start(self, label: str | None) -> None:
        self.flush()
        self.start_label = label
        self.end_label = label

    def line(self, text: str, label: str | None) -> None:
        if not self.buf:
            self.start_label = label
        self.end_label = label
        self.add_text(text)

    def flush(self) -> None:
        if self.buf:
            text = " ".join(self.buf).strip()
            if text:
                self.units.append(Unit(text, self.start_label, self.end_label, self.sections.path, self.kind))
        self.buf = []

    @property
    def open_text(self) -> str:
        return self.buf[-1] if self.buf else ""


def _is_heading(ln: Line, body_size: float, col_width: float) -> tuple[int, str] | None:
    """A numbered heading set off by size, weight or length; or a larger-type unnumbered one."""
    numbered = numbered_heading(ln.text)
    larger = ln.size >= body_size + 1.0
    short = (ln.x1 - ln.x0) < col_width * 0.8
    if numbered and (larger or short or ln.bold) and not ln.text.rstrip().endswith("."):
        return numbered
    if larger and len(ln.text) < 120 and not TERMINAL.search(ln.text) and any(c.isalpha() for c in ln.text):
        return 1, ln.text.strip()
    return None


def build_units(pages: list[PageText]) -> list[Unit]:
    sizes = [round(ln.size, 1) for p in pages for ln in p.lines for _ in range(max(1, len(ln.text) // 20))]
    body_size = statistics.mode(sizes) if sizes else 10.0
    vocab = {w.lower() for p in pages for ln in p.lines for w in re.findall(r"\w+(?:-\w+)*", ln.text)}
    # the usual gap between consecutive lines, over the whole document: a page with three lines
    # cannot tell a paragraph gap from line spacing on its own
    gaps = [
        b2.top - b1.bottom
        for p in pages
        for b1, b2 in itertools.pairwise(p.lines)
        if b1.column == b2.column and 0 <= b2.top - b1.bottom < body_size * 3
    ]
    typical_gap = statistics.median(gaps) if gaps else body_size * 0.3
    b = _Builder(vocab, body_size)
    zones = page_zones(pages, body_size)
    for page, zone in zip(pages, zones, strict=True):
        label = page.label or str(page.number)
        kind: PassageKind = "front_matter" if zone == "front" else "back_matter" if zone == "back" else "prose"
        if kind != b.kind:
            b.flush()
            b.kind = kind
        by_col: dict[int, list[Line]] = {}
        for ln in page.lines:
            by_col.setdefault(ln.column, []).append(ln)
        col_bounds = {c: (min(x.x0 for x in ls), max(x.x1 for x in ls)) for c, ls in by_col.items()}
        prev: Line | None = None
        for ln in page.lines:
            left, right = col_bounds[ln.column]
            col_width = right - left
            heading = _is_heading(ln, body_size, col_width)
            if heading:
                b.flush()
                depth, title = heading
                b.sections.enter(depth, title)
                prev = None
                continue
            new_para = False
            if prev is not None:
                if ln.column != prev.column:
                    # column change: continue only if the paragraph is visibly unfinished
                    new_para = bool(TERMINAL.search(prev.text)) or not ln.text[:1].islower()
                else:
                    gap = ln.top - prev.bottom
                    indent = ln.x0 - left
                    new_para = (
                        gap > typical_gap + body_size * 0.6
                        or gap < -body_size  # jumped back up: new block
                        or (indent > body_size * 0.8 and prev.x0 - left < body_size * 0.5)
                        or _ends_paragraph(prev, right)
                    )
            elif b.buf:
                # first line on a new page: continue a paragraph that ended mid-sentence
                new_para = bool(TERMINAL.search(b.open_text)) or not ln.text[:1].islower()
            if new_para:
                b.flush()
            b.line(ln.text, label)
            prev = ln
    b.flush()
    return b.units


def title_lines(pages: list[PageText]) -> list[str]:
    """The largest-type text of each of the first pages (the title page's title), in order."""
    out = []
    for page in pages:
        if not page.lines:
            continue
        top = max(ln.size for ln in page.lines)
        text = " ".join(ln.text for ln in page.lines if ln.size >= top * 0.9)
        if text and text not in out and len(text) < 200:
            out.append(text)
    return out


# -- the ingester ------------------------------------------------------------------------------
def ingest_pdf(
    path: Path, *, chunking: ChunkingConfig = DEFAULT_CHUNKING, metadata: dict[str, object] | None = None
) -> list[IngestedGrammar]:
    """A PDF grammar; page provenance = printed page labels where detected."""
    path = Path(path)
    pages = extract_pages(path)
    if not pages:
        raise IngestError(f"{path}: PDF has no pages.")
    if not any(p.lines for p in pages):
        raise IngestError(
            f"{path}: no text layer (scanned images only); it needs OCR first, e.g. "
            "`ocrmypdf input.pdf output.pdf`, then ingest the OCRed file."
        )
    strip_running_heads(pages)
    units = build_units(pages)
    if not units:
        raise IngestError(f"{path}: no text left after removing running heads; needs OCR?")
    guessed = guess_pdf_metadata(path, pdf_document_info(path), title_lines(pages[:5]),
                                 "\n".join(ln.text for p in pages[: max(40, len(pages) // 4)] for ln in p.lines),
                                 source_name(path), guess=not caller_names_language(metadata))
    guessed.setdefault("title", path.stem)
    grammar = build_grammar(guessed, metadata, source_path=path, source_format="pdf")
    passages = make_passages(grammar.id, units, chunking)
    logger.info("%s: %d pages, %d passages", path, len(pages), len(passages))
    return [IngestedGrammar(grammar, passages)]


@INGESTERS.register("pdf", help="PDF via pdfplumber: columns, running heads, line numbers, page labels")
def _factory() -> Ingester:
    return ingest_pdf

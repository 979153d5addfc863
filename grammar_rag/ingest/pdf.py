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

import logging
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from grammar_rag.errors import IngestError
from grammar_rag.ingest.base import DEFAULT_CHUNKING, INGESTERS, ChunkingConfig, Ingester
from grammar_rag.ingest.book_meta import guess_pdf_metadata, pdf_document_info
from grammar_rag.ingest.chunking import make_passages
from grammar_rag.ingest.metadata import build_grammar, caller_names_language, source_name
from grammar_rag.ingest.pdf_layout import MARGIN_ZONE, PAGE_LABEL, ROMAN, Line, PageText
from grammar_rag.ingest.pdf_outline import pdf_outline
from grammar_rag.ingest.pdf_read import extract_pages
from grammar_rag.ingest.pdf_sizes import settle_sizes
from grammar_rag.ingest.pdf_units import body_metrics, build_units
from grammar_rag.types import IngestedGrammar

logger = logging.getLogger(__name__)


# -- running heads and page labels -------------------------------------------------------------
def _shape(text: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\b[ivxlcdm]+\b", "#", text.lower())).strip()


def strip_running_heads(pages: list[PageText], body_size: float | None = None) -> None:
    """Remove header/footer lines repeating (digits ignored) on many pages, and bare folios.

    With ``body_size``, also a page's first line when it sits in the top margin in type no larger
    than the body, set off from the text below by more than a line's height: a running head that
    names the current chapter or section changes every few pages, so repetition alone misses it
    (and it was read as a heading at every page break). Also sets ``page.label`` from a folio found there, validated across pages (a printed page
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
        for k, ln in enumerate(page.lines):
            if k == 0 and body_size and n >= 4 and _positional_head(page, body_size):
                continue
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


def _positional_head(page: PageText, body_size: float) -> bool:
    first = page.lines[0]
    if first.top >= page.height * MARGIN_ZONE or first.size > body_size + 0.5 or len(page.lines) < 2:
        return False
    below = page.lines[1]
    return below.top - first.bottom > max(first.size, below.size) * 0.8 and below.column == first.column


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
        # folios are suppressed on chapter openings, the book's first page included
        first = min(matched)
        while first > 0 and first - 1 + offset >= 1 and pages[first - 1].label is None:
            first -= 1
        for idx in range(first, max(matched) + 1):
            if pages[idx].label is None:
                pages[idx].label = str(idx + offset)  # folio suppressed (chapter openings)


# -- front and back matter ----------------------------------------------------------------------
BACK_HEADING = re.compile(
    r"^(?:[A-Z]?\d*\s*)?(?:references|bibliography|works\s+cited|(?:literature|references)\s+cited|literature|"
    r"indexes|indices|index|(?:name|subject|author|language|languages|general|topic|person)\s+index)$",
    re.I,
)
_TOC_LINE = re.compile(r"(?:(?:\.\s*){3,}|\s)(?:\d{1,4}|[ivxlc]{1,7})$", re.I)


def page_zones(pages: list[PageText], body_size: float,
               emphasised: Callable[[Line], bool] | None = None) -> list[str]:
    """"front", "body" or "back" per page.

    Front matter: pages before the first arabic printed page label (title pages, contents,
    abbreviations, preface carry roman folios or none), and contents-like pages (most lines end in
    a page number) in the first fifth (at least 30 pages) of the book. Back matter: from the first page in the second
    half that opens with a references/bibliography/index heading (larger or bold type, or as
    ``emphasised`` judges a line: text without type reads any such line alone as a heading) to the end.
    """
    if emphasised is None:
        def emphasised(ln: Line) -> bool:
            return ln.size >= body_size + 1.0 or ln.bold

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
        if any(BACK_HEADING.match(ln.text.strip()) and (emphasised(ln) or _listing(pages[i])) for ln in head):
            zones[i:] = ["back"] * (n - i)
            break
    return zones


_YEAR = re.compile(r"\b(?:1[89]|20)\d\d[a-z]?\b")
_LOCATORS = re.compile(r"\d+(?:[-–]\d+)?[.,]?$")


def _listing(page: PageText) -> bool:
    """Most of the page's lines are reference entries (a year) or index entries (ending in page
    numbers): what tells a "References" heading set in body type (a typescript, an OCR text layer
    whose sizes were settled) from the word standing alone in the text."""
    lines = [ln.text for ln in page.lines if len(ln.text) > 3]
    return len(lines) >= 5 and sum(bool(_YEAR.search(t) or _LOCATORS.search(t)) for t in lines) >= 0.6 * len(lines)


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


# the imprint (copyright, "published" and publisher lines) is on one of a book's first pages: after
# the title page, half-title and series page at most; later a "©" is a figure's or a quotation's
IMPRINT_PAGES = 8


# -- the ingester ------------------------------------------------------------------------------
def ingest_pdf(
    path: Path, *, chunking: ChunkingConfig = DEFAULT_CHUNKING, metadata: dict[str, object] | None = None,
    use_outline: bool = True,
) -> list[IngestedGrammar]:
    """A PDF grammar; page provenance = printed page labels where detected.

    Section paths come from the PDF's outline when it has one (``use_outline=False`` reads
    headings from type size and numbering only, as for a PDF without an outline).
    """
    path = Path(path)
    pages = extract_pages(path)
    if not pages:
        raise IngestError(f"{path}: PDF has no pages.")
    if not any(p.lines for p in pages):
        raise IngestError(
            f"{path}: no text layer (scanned images only); it needs OCR first, e.g. "
            "`ocrmypdf input.pdf output.pdf`, then ingest the OCRed file."
        )
    settle_sizes(pages)  # an OCR text layer's per-line sizes are noise, not headings
    body_size, _ = body_metrics(pages)
    strip_running_heads(pages, body_size)
    outline = pdf_outline(path) if use_outline else []
    zones = page_zones(pages, body_size)
    units = build_units(pages, zones, outline)
    if not units:
        raise IngestError(f"{path}: no text left after removing running heads; needs OCR?")
    texts = ["\n".join(ln.text for ln in p.lines) for p in pages]
    # the reference list for the book's year: the back matter, else every page past the imprint
    # (its citation line is shaped like an entry)
    references = [t for t, z in zip(texts, zones, strict=True) if z == "back"] or texts[IMPRINT_PAGES:]
    guessed = guess_pdf_metadata(path, pdf_document_info(path), title_lines(pages[:5]),
                                 "\n".join(texts[: max(40, len(pages) // 4)]),
                                 source_name(path), guess=not caller_names_language(metadata),
                                 imprint_text="\n".join(texts[:IMPRINT_PAGES]),
                                 references_text="\n".join(references),
                                 book_text="\n".join(texts))
    guessed.setdefault("title", path.stem)
    grammar = build_grammar(guessed, metadata, source_path=path, source_format="pdf")
    passages = make_passages(grammar.id, units, chunking)
    logger.info("%s: %d pages, %d passages", path, len(pages), len(passages))
    return [IngestedGrammar(grammar, passages)]


@INGESTERS.register("pdf", help="PDF via pdfplumber: columns, running heads, line numbers, page labels")
def _factory() -> Ingester:
    return ingest_pdf

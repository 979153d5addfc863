"""Printed page numbers for LaTeX passages, from a compiled PDF of the same book.

A LaTeX source has no pages, yet a linguist cites a grammar by page. When the book's PDF lies beside
its sources (in the LaTeX folder or its parent, as a publisher's download does), each passage is
located in the PDF's plain page text: runs of :data:`SHINGLE` words that occur on few pages vote for
a page, and the pages are assigned in reading order (a passage is not placed far before the one
before it). Plain pypdfium2 text costs about a second for a 650-page book, so this is cheap.
Passages found nowhere (interlinear examples, whose words the PDF lays out column by column) get the
page of their neighbours when both neighbours agree within one page.

A PDF that is not the same book aligns few passages and is ignored: the match rate is the check.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pypdfium2 as pdfium

from grammar_rag.ingest.chunking import Unit

logger = logging.getLogger(__name__)

SHINGLE = 6  # words per shingle: long enough to be distinctive, short enough to fit between line breaks
MAX_PAGES_PER_SHINGLE = 3  # a word run printed on more pages than this is formulaic, not evidence
SPAN = 3  # pages one passage may run over after the page where most of it is
AHEAD = 30  # pages the next passage may start after the one before, before it needs strong evidence
LOOKBACK = 2  # floats and footnotes move text a page or two against the source order
MIN_MATCHED_SHARE = 0.3  # below this the PDF is taken to be another book (or another edition)
MAX_CANDIDATES = 3  # PDFs tried per book: a folder of many books must not be read whole
_HYPHEN_BREAK = re.compile(r"[-\u00ad\u2010\x02]\s*\n\s*")
_WORD = re.compile(r"[^\W\d_]+")
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_FOLIO = re.compile(r"^\s*(\d{1,4})\s*$")


def words(text: str) -> list[str]:
    """Letter-only, accent-free, case-folded words; hyphens removed so that a word hyphenated at a
    PDF line end ("unsatis-/factory") and a compound ("cross-categorial") read alike in both."""
    text = _HYPHEN_BREAK.sub("", text.replace("\r\n", "\n")).replace("-", "")
    text = text.casefold()
    if not text.isascii():
        text = _COMBINING.sub("", unicodedata.normalize("NFKD", text))
    return _WORD.findall(text)


def _shingles(tokens: Sequence[str]) -> list[int]:
    return [hash(tuple(tokens[i : i + SHINGLE])) for i in range(len(tokens) - SHINGLE + 1)]


def read_pdf_pages(pdf: Path) -> tuple[list[str], list[str]]:
    """(plain text, printed page label) per page. Labels from the PDF's page-label tree where it
    has one; else a folio (a line holding only a number at the top or bottom of the page) that
    agrees with most folios on one offset from the page index; else the physical page number."""
    doc = pdfium.PdfDocument(str(pdf))
    try:
        texts: list[str] = []
        labels: list[str] = []
        for i in range(len(doc)):
            page = doc[i]
            textpage = page.get_textpage()
            try:
                texts.append(textpage.get_text_range())
            finally:
                textpage.close()
                page.close()
            label = doc.get_page_label(i)
            labels.append(label if label and label != "-1" else "")
    finally:
        doc.close()
    if not any(labels):
        labels = _folio_labels(texts)
    return texts, [label or str(i + 1) for i, label in enumerate(labels)]


def _folio_labels(texts: list[str]) -> list[str]:
    """Printed folios from the page text, kept only where they agree with the most common offset."""
    found: dict[int, int] = {}
    for i, text in enumerate(texts):
        lines = [ln for ln in text.replace("\r\n", "\n").split("\n") if ln.strip()]
        for line in (lines[:1] + lines[-1:]) if lines else []:
            m = _FOLIO.match(line)
            if m:
                found[i] = int(m.group(1))
                break
    offsets = Counter(n - i for i, n in found.items())
    if not offsets:
        return [""] * len(texts)
    offset, support = offsets.most_common(1)[0]
    if support < max(2, len(found) // 2):
        return [""] * len(texts)
    return [str(i + offset) if i + offset > 0 else "" for i in range(len(texts))]


class PageIndex:
    """Distinctive word runs of a PDF -> the pages they are printed on."""

    def __init__(self, texts: Sequence[str], labels: Sequence[str]) -> None:
        self.labels = list(labels)
        pages: dict[int, set[int]] = defaultdict(set)
        for i, text in enumerate(texts):
            for sh in _shingles(words(text)):
                pages[sh].add(i)
        self._pages = {sh: tuple(sorted(p)) for sh, p in pages.items() if len(p) <= MAX_PAGES_PER_SHINGLE}

    def locate(self, text: str, cursor: int) -> tuple[int, int] | None:
        """(first, last) page index of ``text``, or None.

        Pages near the ``cursor`` (the page of the passage before) win unless the evidence
        elsewhere is more than twice as strong; that also undoes a wrong jump, since the next
        passages then find their text far behind. Among equals the nearest page wins: an author
        may repeat a paragraph chapters later.
        """
        votes = Counter(p for sh in _shingles(words(text)) for p in self._pages.get(sh, ()))
        if not votes:
            return None
        near = {p: n for p, n in votes.items() if cursor - LOOKBACK <= p <= cursor + AHEAD}
        if near and 2 * max(near.values()) >= max(votes.values()):
            pool = near
        else:  # far from the cursor: only on more than a chance match
            pool = {p: n for p, n in votes.items() if n >= 3}
            if not pool:
                return None
        best = min(pool, key=lambda p: (-pool[p], abs(p - cursor)))
        # a passage may run over a page break, or (an example with sub-examples) over a few pages
        return min(p for p in votes if best - 1 <= p <= best), max(p for p in votes if best <= p <= best + SPAN)

def align_pages(units: Sequence[Unit], texts: Sequence[str], labels: Sequence[str]) -> tuple[list[Unit], float]:
    """``units`` with printed pages from the PDF, and the share of units located by their own text."""
    index = PageIndex(texts, labels)
    spans: list[tuple[int, int] | None] = []
    cursor = 0
    for unit in units:
        span = index.locate(unit.text, cursor)
        spans.append(span)
        if span is not None and unit.kind != "table":  # a float may print pages later than its source
            cursor = span[0]
    located = sum(s is not None for s in spans)
    filled = list(spans)
    for k, span in enumerate(spans):  # between two located neighbours on (nearly) the same page
        if span is None:
            before = next((s for s in reversed(spans[:k]) if s is not None), None)
            after = next((s for s in spans[k + 1 :] if s is not None), None)
            if before and after and 0 <= after[0] - before[1] <= 1:
                filled[k] = (before[1], after[0])
    out = [
        replace(u, page_start=labels[s[0]], page_end=labels[s[1]]) if s is not None else u
        for u, s in zip(units, filled, strict=True)
    ]
    return out, located / len(units) if units else 0.0


def candidate_pdfs(latex_path: Path) -> list[Path]:
    """PDFs that may be the compiled book: in the LaTeX folder itself or in its parent folder, the
    book's own name first (``book/latex`` + ``book/book.pdf``), at most :data:`MAX_CANDIDATES`."""
    folder = latex_path if latex_path.is_dir() else latex_path.parent
    found: list[Path] = []
    for where in (folder, folder.parent):
        found.extend(sorted(p for p in where.glob("*.pdf") if p.is_file()))
    names = {folder.name.lower(), folder.parent.name.lower(), "main"}
    found.sort(key=lambda p: p.stem.lower() not in names)
    return found[:MAX_CANDIDATES]


def add_pdf_pages(units: list[Unit], latex_path: Path) -> list[Unit]:
    """Attach printed pages from the first candidate PDF that aligns as the same book; else ``units``."""
    for pdf in candidate_pdfs(latex_path):
        try:
            texts, labels = read_pdf_pages(pdf)
        except pdfium.PdfiumError as exc:
            logger.info("%s: not read for page numbers (%s)", pdf, exc)
            continue
        paged, share = align_pages(units, texts, labels)
        if share >= MIN_MATCHED_SHARE:
            logger.info("%s: printed pages from %s (%.0f%% of units located)", latex_path, pdf.name, 100 * share)
            return paged
        logger.info("%s: %s is not this book's PDF (%.0f%% of units located); no pages", latex_path, pdf.name,
                    100 * share)
    return units

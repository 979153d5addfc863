"""A PDF's outline (bookmarks) as the authority for section titles, their depth and position.

Why: typeset books (LaTeX with hyperref, most publishers' PDFs) carry their table of contents as
an outline whose entries point at the heading's page and height. Titles read from the page are
worse on every count: pdfium gives no space between words of some heading fonts ("8
Theverbalclause"), wrapped titles arrive as two lines, and running heads or map labels in large
type look like headings. Where an outline exists, the book-structure pass in
:mod:`grammar_rag.ingest.pdf` walks it alongside the lines; where none exists, it falls back to
font-based heading detection.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

_TEX_QUOTES = re.compile(r"``|''")


@dataclass(frozen=True)
class OutlineEntry:
    level: int  # 0 outermost
    title: str
    page_index: int  # 0-based physical page
    top: float  # distance of the destination from the top of the page, in points (0 when unknown)
    label: str = ""  # the page's label in the PDF ("xii", "238"), or its 1-based number when it has none


def clean_title(title: str) -> str:
    """Outline titles are PDF text strings, sometimes with TeX quotes left in (``X'')."""
    return " ".join(_TEX_QUOTES.sub('"', title).split())


def read_outline(doc: Any) -> list[OutlineEntry]:
    """The outline of an open pypdfium2 document, in page/position order; [] when it has none.

    Entries without a destination in this document are skipped; a corrupt outline gives [] (with
    a log line), never a failed ingest.
    """
    out: list[OutlineEntry] = []
    try:
        for item in doc.get_toc(max_depth=12):
            dest = item.get_dest()
            index = dest.get_index() if dest is not None else None
            if index is None or not 0 <= index < len(doc):
                continue
            top = 0.0
            view = dest.get_view()
            if view and len(view) > 1 and len(view[1]) > 1 and view[1][1]:
                height = doc.get_page_size(index)[1]
                top = max(0.0, height - float(view[1][1]))
            title = clean_title(item.get_title() or "")
            if title:
                label = doc.get_page_label(index) or str(index + 1)
                out.append(OutlineEntry(int(item.level), title, int(index), top, label))
    except Exception as exc:  # a damaged outline must not cost the book
        logger.warning("PDF outline unreadable (%s: %s); headings are read from the page", type(exc).__name__, exc)
        return []
    out.sort(key=lambda e: (e.page_index, e.top))  # stable: same position keeps outline order
    return out


def pdf_outline(path: Path) -> list[OutlineEntry]:
    """The outline of a PDF file (for measures such as :func:`grammar_rag.ingest.quality.toc_match`)."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(path))
    try:
        return read_outline(doc)
    finally:
        doc.close()


def pdf_toc(path: Path) -> list[tuple[int, str, str]]:
    """``(level, title, page label)`` per outline entry, in book order: the reference for
    :func:`grammar_rag.ingest.quality.toc_match`."""
    return [(e.level, e.title, e.label) for e in pdf_outline(path)]


def squash(text: str) -> str:
    """Letters and digits only, lower-cased: how a title printed without spaces still matches."""
    return "".join(ch for ch in text.lower() if ch.isalnum())


class OutlineCursor:
    """Walks the outline in step with the lines of the pages, in reading order.

    ``advance(page_index, top)`` returns the entries whose destination lies at or above a line
    (destinations sit a little above their heading's top); ``path`` is the heading path then.
    """

    def __init__(self, entries: list[OutlineEntry]) -> None:
        self.entries = entries
        self._next = 0
        self._stack: list[OutlineEntry] = []

    def advance(self, page_index: int, top: float, slack: float) -> list[OutlineEntry]:
        entered: list[OutlineEntry] = []
        while self._next < len(self.entries):
            entry = self.entries[self._next]
            if entry.page_index > page_index or (entry.page_index == page_index and entry.top > top + slack):
                break
            self._stack = [e for e in self._stack if e.level < entry.level]
            self._stack.append(entry)
            entered.append(entry)
            self._next += 1
        return entered

    def number_last(self, number: str, squashed_title: str) -> bool:
        """Give the printed number to an entered title the outline lists without it ("Introduction"
        printed "1 Introduction"): grammars are cited by section number."""
        for k in range(len(self._stack) - 1, -1, -1):
            entry = self._stack[k]
            if squash(entry.title).startswith(squashed_title) and not squash(entry.title).startswith(squash(number)):
                self._stack[k] = replace(entry, title=f"{number} {entry.title}")
                return True
        return False

    @property
    def path(self) -> tuple[str, ...]:
        return tuple(e.title for e in self._stack)

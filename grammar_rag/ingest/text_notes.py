"""Footnotes at the foot of a book's text pages (pdftotext or OCR output), for the passages citing them.

Why its own step: in a book's text a page's notes are its last lines, "4 Only two speakers used
them.", and their marks are digits glued to the word they follow ("rare.4"). Read in order, the
notes became paragraphs of their own (or ran into the next page's first one) and the marks stuck to
the words. Without type sizes (:mod:`grammar_rag.ingest.pdf_notes` reads those), a block of lines at
the page's end counts as notes only when its notes are numbered one after another and every number
is also found glued to a word in the page's text above: a numbered list or a table row is not.
"""

from __future__ import annotations

import re

from grammar_rag.ingest.pdf_layout import PageText, join_lines

# "4 Only two ...", "9The agreement ...", "12 (See also ...": a capitalised word, not a gloss ("1 PL ...")
_NOTE_START = re.compile(r"^(\d{1,3})\s?(?=[A-Z][a-z]|[“‘\"(\[])")
MAX_NOTE_LINES = 30  # a page's notes take at most this many of its last lines


def _mark(number: str) -> re.Pattern[str]:
    """A note mark: the number right after a word or its punctuation ("rare.4", "verb4,"), never
    an example number "(4)", a gloss "4SG" or a section number "3.4"."""
    return re.compile(r"(?:(?<=[^\W\d_])|(?<=[^\d\s][.,;:!?’”'\")\]]))" + number + r"(?=[\s,.;:)]|$)")


def split_text_notes(page: PageText) -> dict[str, str]:
    """Take the footnote block off the end of ``page.lines``; return its notes (mark -> text) and
    detach each mark from the line citing it (into ``Line.marks``, as the PDF reader does)."""
    lines = page.lines
    starts = [k for k in range(max(0, len(lines) - MAX_NOTE_LINES), len(lines)) if _NOTE_START.match(lines[k].text)]
    for first in starts:  # the topmost start whose block holds consecutive, cited notes
        block = [k for k in starts if k >= first]
        numbers = [int(_NOTE_START.match(lines[k].text).group(1)) for k in block]  # type: ignore[union-attr]
        if numbers != list(range(numbers[0], numbers[0] + len(numbers))):
            continue
        citing = {}
        for n in numbers:
            pattern = _mark(str(n))
            k = next((k for k in range(first) if pattern.search(lines[k].text)), None)
            if k is None:
                break
            citing[str(n)] = k
        else:
            return _detach(page, first, block, citing)
    return {}


def _detach(page: PageText, first: int, block: list[int], citing: dict[str, int]) -> dict[str, str]:
    lines = page.lines
    notes: dict[str, str] = {}
    for i, start in enumerate(block):
        end = block[i + 1] if i + 1 < len(block) else len(lines)
        m = _NOTE_START.match(lines[start].text)
        assert m is not None
        rest = [ln.text for ln in lines[start + 1 : end] if ln.text]
        notes[m.group(1)] = join_lines([lines[start].text[m.end():].strip(), *rest])
    for mark, k in citing.items():
        ln = lines[k]
        ln.text = _mark(mark).sub("", ln.text, count=1)
        ln.marks = (*ln.marks, mark)
    page.lines = lines[:first]
    return notes

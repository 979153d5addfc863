"""A book's text (pdftotext or OCR output) -> pages with their printed page numbers.

Why apart from :mod:`grammar_rag.ingest.text_book` (what is on the pages): the pages come first and
in four shapes: split by form feeds (pdftotext, ``ocrmypdf --sidecar``, Tesseract), or run together
with only the printed page numbers left, either on lines of their own (a page's folio closes it) or
in the running heads (they open it), or with no page numbers at all (then cut by length, citing no
page). OCR reads 1 as l and 0 as O in those numbers.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from itertools import pairwise

from grammar_rag.ingest.pdf import BACK_HEADING
from grammar_rag.ingest.pdf_layout import PAGE_LABEL, ROMAN, Line, PageText, roman_to_int

MAX_FOLIO_GAP = 8  # pages without a printed number in a row: a part title, its blank back, a chapter opening
# soft hyphens as text extractors write them (U+00AD; pypdfium2 U+FFFE / U+0002): the word was
# broken there; at a line end it is read as a hyphen, to be joined again with the next line
_SOFT_HYPHEN = re.compile("[\u00ad\ufffe\u0002]")
_SOFT_HYPHEN_AT_END = re.compile("[\u00ad\ufffe\u0002][ \t]*\n")
# OCR reads 1 as l/I and 0 as O in numbers: "3.l Nouns", "l23" (only where digits surround them)
_OCR_DIGIT = re.compile(r"(?<=[\d.])[lI](?=[\d.\s]|$)|(?<=[\d.])O(?=[\d.\s]|$)|^[lI](?=\d)|^O(?=\d)")

def ocr_digits(line: str) -> str:
    """A heading or folio line with OCR's letter-for-digit confusions read as digits (counts and person
    glosses inside the text are read so by :mod:`grammar_rag.text.ocr_repair`'s ``OCR_NUMERAL`` and
    ``PERSON_DIGIT``)."""
    head, _, rest = line.partition(" ")
    return f"{_OCR_DIGIT.sub(lambda m: '1' if m.group(0) in 'lI' else '0', head)} {rest}".strip()


def _folio_chain(numbers: list[tuple[int, int]]) -> dict[int, int]:
    """Line index -> number along the longest run of candidate page numbers advancing by one (by up
    to :data:`MAX_FOLIO_GAP` where chapter openings, part titles and blank pages print none), in
    text order: the page numbers, not numbers standing in a table, a list, a gloss or a heading."""
    ending: dict[int, tuple[int, int]] = {}  # page number -> (chain length, candidate) of the best chain ending there
    before: list[int] = []  # per candidate: the candidate before it in its chain, or -1
    best = (0, -1)
    for k, (_, n) in enumerate(numbers):
        length, prev = max((ending.get(n - step, (0, -1)) for step in range(1, MAX_FOLIO_GAP + 1)), key=lambda e: e[0])
        before.append(prev if length else -1)
        if length + 1 > ending.get(n, (0, -1))[0]:
            ending[n] = (length + 1, k)
        best = max(best, (length + 1, k))
    chain: dict[int, int] = {}
    k = best[1]
    while k >= 0:
        chain[numbers[k][0]] = numbers[k][1]
        k = before[k]
    return chain


# a running head printed with its folio, as scanned books set them: "12 A GRAMMAR OF KALAMANG", "NOUNS 13"
# (or "26 2 Phonology", "2.4 Pharyngealization 27"): numbers standing so in headings, contents and
# sentences make shorter runs than the folios
_HEAD_LEAD = re.compile(r"^(\d{1,4})\s+(?=.*[A-Za-z]{2}).{2,80}$")
_HEAD_TAIL = re.compile(r"^(?=.*[A-Za-z]{2}).{2,80}\s(\d{1,4})$")
_LEADERS = re.compile(r"(?:\.\s*){3,}\d+$")  # a contents line's dot leaders: "2.1 Consonants . . . 19"


def _among_entries(lines: list[str], i: int) -> bool:
    """Whether the line before or after line ``i`` also ends in a number: a contents or index
    entry among others ("2 Phonology 19" / "2.1 Consonants 19"), not a running head over text."""
    near = (lines[i - 1] if i else "", lines[i + 1] if i + 1 < len(lines) else "")
    return any(re.search(r"\d$", ln.strip()) for ln in near)


# A printed page holds at most this many lines of extracted text (a LangSci page with interlinear
# examples written a word per line: ~90): a "folio" chain spacing its numbers further apart is
# chapter numbers in running heads or headings, not page numbers (see _plausible).
MAX_PAGE_LINES = 200
# A long text with no page numbers at all (an OCR dump that dropped them) is still a book: it is
# cut into pages of this many lines, with no printed page labels, so that its contents, front and
# back matter are found as in a paged book (else its references and index were retrievable).
VIRTUAL_PAGE_LINES = 50
VIRTUAL_MIN_LINES = 2000


def _plausible(chain: dict[int, int], n_lines: int) -> dict[int, int]:
    """``chain`` where its numbers stand a page's worth of lines apart all through the text (nine
    steps in ten within :data:`MAX_PAGE_LINES` per page, over at least half the text), else empty:
    chapter numbers in headings, or example numbers in one appendix, are no pagination."""
    steps = sorted(chain.items())
    gaps = sorted((b[0] - a[0]) / max(1, b[1] - a[1]) for a, b in pairwise(steps))
    if not gaps or steps[-1][0] - steps[0][0] < 0.5 * n_lines:
        return {}
    return chain if gaps[int(0.9 * (len(gaps) - 1))] <= MAX_PAGE_LINES else {}


def _repeating_heads(chain: dict[int, int], lines: list[str]) -> dict[int, int]:
    """``chain`` where most of its lines, numbers aside, recur in it: a running head repeats its
    chapter or section title over many pages; numbered footnotes ("4 The name is unknown ..."), which
    also advance by one or a few, never repeat."""
    shapes = Counter(re.sub(r"\d+", "", lines[i]).strip().lower() for i in chain)
    recurring = sum(n for n in shapes.values() if n >= 2)
    return chain if chain and recurring >= 0.5 * len(chain) else {}


def _virtual_pages(lines: list[str]) -> Pagination:
    """Pages of :data:`VIRTUAL_PAGE_LINES` lines, a page also opening at a references or index
    heading standing alone (back matter is found at the head of a page)."""
    pages: list[list[str]] = [[]]
    for i, line in enumerate(lines):
        alone = not (lines[i - 1].strip() if i else "") or not (lines[i + 1].strip() if i + 1 < len(lines) else "")
        if pages[-1] and (len(pages[-1]) >= VIRTUAL_PAGE_LINES or (alone and BACK_HEADING.match(line.strip()))):
            pages.append([])
        pages[-1].append(line)
    return Pagination(pages, [None] * len(pages), virtual=True)


def _head_numbers(line: str) -> list[int]:
    """The numbers a running head may carry as its folio: first, last or both ("1 Nouns 12")."""
    if _LEADERS.search(line):
        return []
    return [int(m.group(1)) for m in (_HEAD_LEAD.match(line), _HEAD_TAIL.match(line)) if m]


@dataclass
class Pagination:
    """A text's pages (lists of lines); where it has no form feeds, each page's printed number
    and whether numbers open pages (running heads) rather than close them (folios at the foot)."""

    pages: list[list[str]]
    labels: list[str | None]
    opened: bool = False
    virtual: bool = False  # no page numbers in the text: pages cut by length, no printed labels


def paginate(text: str) -> Pagination:
    """Pages of lines: form feeds where the text has them, else the printed page numbers: a
    page-number line closes its page (extractors and OCR write the folio where it is printed, most
    often at the foot); a running head carrying the number opens one. Whichever of the two forms
    makes the longer run of page numbers is the book's."""
    text = _SOFT_HYPHEN.sub("", _SOFT_HYPHEN_AT_END.sub("-\n", text))
    if "\f" in text:
        split = [page.split("\n") for page in text.split("\f")]
        return Pagination(split, [None] * len(split))
    lines = text.split("\n")
    arabic: list[tuple[int, int]] = []
    roman: list[tuple[int, int]] = []
    heads: list[tuple[int, int]] = []
    for i, line in enumerate(lines):
        stripped = ocr_digits(line.strip())
        folio = PAGE_LABEL.match(stripped)
        if folio and folio.group(1).isdigit():
            arabic.append((i, int(folio.group(1))))
        elif folio and folio.group(1).islower() and ROMAN.match(folio.group(1)):
            roman.append((i, roman_to_int(folio.group(1))))
        elif not _among_entries(lines, i):
            heads.extend((i, n) for n in _head_numbers(stripped))
    folios = _plausible(_folio_chain(arabic), len(lines))
    opening = _plausible(_repeating_heads(_folio_chain(heads), lines), len(lines))
    if not folios and not opening and len(lines) >= VIRTUAL_MIN_LINES:
        return _virtual_pages(lines)
    opened = len(opening) > len(folios)
    if opened:
        numbers = {i: str(n) for i, n in opening.items()}
    else:
        # the front matter's lower-case roman folios, before the first arabic one
        front = _folio_chain([r for r in roman if r[0] < min(folios, default=len(lines))])
        numbers = {i: lines[i].strip().lower() for i in front} | {i: str(n) for i, n in folios.items()}
    pages: list[list[str]] = [[]]
    labels: list[str | None] = [None]
    for i, line in enumerate(lines):
        if opened and i in numbers and any(ln.strip() for ln in pages[-1]):
            pages.append([])
            labels.append(None)
        pages[-1].append(line)
        if i in numbers:
            labels[-1] = numbers[i]
            if not opened:
                pages.append([])
                labels.append(None)
    kept = [(p, label) for p, label in zip(pages, labels, strict=True) if any(ln.strip() for ln in p)]
    return Pagination([p for p, _ in kept], [label for _, label in kept], opened)


def as_pages(raw: list[list[str]]) -> list[PageText]:
    """Lines with the geometry the book-structure rules read: one line per row, width by length."""
    out = []
    for number, lines in enumerate(raw, start=1):
        kept = [ln.rstrip() for ln in lines]
        while kept and not kept[-1].strip():
            kept.pop()
        while kept and not kept[0].strip():
            kept.pop(0)
        rows = [Line(ln.strip(), float(len(ln) - len(ln.lstrip())), float(len(ln)), float(i), i + 0.8, 10.0)
                for i, ln in enumerate(kept)]
        out.append(PageText(number, float(max((r.x1 for r in rows), default=1.0)), float(max(len(kept), 1)), rows))
    return out


def page_spans(pages: list[PageText], opened: bool) -> list[int]:
    """Printed pages each page's text covers, in a text without page breaks: pages printing no
    number run into the page before them (``opened``: numbers in running heads, which open a page)
    or after them (numbers at the foot, which close one)."""
    numbers = [int(p.label) if p.label and p.label.isdigit() else None for p in pages]
    out = []
    for k, n in enumerate(numbers):
        others = numbers[k + 1 :] if opened else numbers[:k][::-1]
        other = next((m for m in others if m is not None), None)
        out.append(abs(other - n) if n is not None and other is not None and other != n else 1)
    return out

"""A book's text (pdftotext or OCR output) -> pages with their printed page numbers.

Why apart from :mod:`grammar_rag.ingest.text_book` (what is on the pages): the pages come first and
in three shapes: split by form feeds (pdftotext, ``ocrmypdf --sidecar``, Tesseract), or run together
with only the printed page numbers left, either on lines of their own (a page's folio closes it) or
in the running heads (they open it). OCR reads 1 as l and 0 as O in those numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from grammar_rag.ingest.pdf_layout import PAGE_LABEL, ROMAN, Line, PageText, roman_to_int

MAX_FOLIO_GAP = 8  # pages without a printed number in a row: a part title, its blank back, a chapter opening
# soft hyphens as text extractors write them (U+00AD; pypdfium2 U+FFFE / U+0002): the word was
# broken there; at a line end it is read as a hyphen, to be joined again with the next line
_SOFT_HYPHEN = re.compile("[\u00ad\ufffe\u0002]")
_SOFT_HYPHEN_AT_END = re.compile("[\u00ad\ufffe\u0002][ \t]*\n")
# OCR reads 1 as l/I and 0 as O in numbers: "3.l Nouns", "l23" (only where digits surround them)
_OCR_DIGIT = re.compile(r"(?<=[\d.])[lI](?=[\d.\s]|$)|(?<=[\d.])O(?=[\d.\s]|$)|^[lI](?=\d)|^O(?=\d)")

def ocr_digits(line: str) -> str:
    """A heading or folio line with OCR's letter-for-digit confusions read as digits."""
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
    folios = _folio_chain(arabic)
    opening = _folio_chain(heads)
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

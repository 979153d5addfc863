"""Lines from positioned words: line numbers removed, columns found, footnote marks detached.

Why its own module: this is geometry on one page (words with boxes and fonts in, ``Line``s out),
used by both PDF readers (:mod:`grammar_rag.ingest.pdf_read`) and by the book-structure pass in
:mod:`grammar_rag.ingest.pdf`, which works on whole pages and never on characters.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass, field
from typing import Any

_NUMERIC = re.compile(r"^\d{1,4}$")
ROMAN = re.compile(r"^(?=[ivxlcdm]+$)m{0,3}(cm|cd|d?c{0,3})(xc|xl|l?x{0,3})(ix|iv|v?i{0,3})$", re.I)
PAGE_LABEL = re.compile(r"^[-–—\s]*(\d{1,4}|[ivxlcdm]{1,7})[-–—\s]*$", re.I)
TERMINAL = re.compile(r"[.!?:;)\]\"'’”]$")
MARGIN_ZONE = 0.09  # top/bottom fraction of the page where running heads and folios live


@dataclass
class Line:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    column: int = 0  # 0 full width / single column, 1 left, 2 right
    bold: bool = False
    marks: tuple[str, ...] = ()  # footnote marks detached from the words ("rare.⁴" -> ("4",))
    cells: int = 1  # runs of words separated by gaps of 1.5 em or more (table cells, gloss columns)
    lead_bold: int = 0  # characters of ``text`` in bold words at its start (a run-in heading's title)


@dataclass
class PageText:
    number: int  # physical, 1-based
    width: float
    height: float
    lines: list[Line] = field(default_factory=list)
    label: str | None = None


def roman_to_int(s: str) -> int:
    values = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100, "d": 500, "m": 1000}
    total = 0
    prev = 0
    for ch in reversed(s.lower()):
        v = values[ch]
        total = total - v if v < prev else total + v
        prev = max(prev, v)
    return total


# -- words -> lines ----------------------------------------------------------------------------
def join_lines(parts: list[str]) -> str:
    """Printed lines as one text: a word broken with a hyphen at the line end is joined again."""
    text = ""
    for part in parts:
        if text.endswith("-") and part[:1].islower():
            text = text[:-1] + part
        else:
            text = f"{text} {part}" if text else part
    return text.strip()


def _sorted_line_words(words: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Words grouped into rows: same top, or a smaller glyph sitting inside the row's band.

    A glyph from another font at another size (a saltillo, a superscript mark, an IPA sign) has
    its own loose box, a few points lower or higher than the row's; on its own it became a row,
    and so a one-character "line" that split the sentence around it.
    """
    rows: list[list[dict[str, Any]]] = []
    band_top = band_bottom = 0.0
    for w in sorted(words, key=lambda w: (w["top"], w["x0"])):
        size = float(w.get("size") or 10)
        if rows and (
            abs(w["top"] - rows[-1][0]["top"]) <= max(1.5, size * 0.35)
            or (band_top <= (w["top"] + w["bottom"]) / 2 <= band_bottom and w["bottom"] - w["top"] < band_bottom - band_top)
        ):
            rows[-1].append(w)
        else:
            rows.append([w])
            band_top, band_bottom = w["top"], w["bottom"]
    return [sorted(r, key=lambda w: w["x0"]) for r in rows]


# Typographic ligatures and soft hyphens from the PDF's glyphs: "ﬁnite" must match a search for
# "finite". (NFKC would do this too, but would also rewrite superscripts and IPA-adjacent letters.)
_LIGATURES = str.maketrans({"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st", "\u00ad": "-"})
_BOLD = re.compile(r"bold|black|heavy|semibold|demi|medi|\bbd\b|-bd|,bd", re.I)  # Times bold is "-Medi"


def _rows_to_lines(rows: list[list[dict[str, Any]]], column: int) -> list[Line]:
    out = []
    for row in rows:
        size = max(float(w.get("size") or 10) for w in row)
        row, marks = _without_note_marks(row, size)
        parts = [row[0]["text"]]
        cells = 1
        bold = [bool(_BOLD.search(str(w.get("fontname", "")))) for w in row]
        lead = len(list(itertools.takewhile(bool, bold)))  # leading bold words
        for prev, w in itertools.pairwise(row):
            # words split only by a font/size change (a superscript, a bold morpheme) touch
            gap = w["x0"] - prev["x1"]
            parts.append(("" if gap < size * 0.12 else " ") + w["text"])
            cells += gap >= size * 1.5
        out.append(
            Line(
                "".join(parts).translate(_LIGATURES),
                min(w["x0"] for w in row),
                max(w["x1"] for w in row),
                min(w["top"] for w in row),
                max(w["bottom"] for w in row),
                size,
                column,
                bold=all(bold),
                marks=marks,
                cells=cells,
                lead_bold=len("".join(parts[:lead]).translate(_LIGATURES)),
            )
        )
    return out


def _without_note_marks(row: list[dict[str, Any]], size: float) -> tuple[list[dict[str, Any]], tuple[str, ...]]:
    """Detach superscript footnote marks: "rare.⁴" reads "rare.", not "rare.4", and "4" is returned.

    A mark is a run of digits in smaller type, touching the word before it and raised above the
    line's baseline; or, raised well above it (a third of the type size, where a superscript sits),
    one word space after it: LaTeX prints "deletion.~\\footnote" and "deletion. \\footnote" with a
    space before the mark, and it read "deletion. 12". (A subscript, "C₁", sits below the baseline
    and stays.) The marks let the book-structure pass store each note with the passage that cites
    it (:mod:`grammar_rag.ingest.pdf_notes`).
    """
    base = max((float(w["bottom"]) for w in row if float(w.get("size") or 10) >= size - 0.1), default=0.0)
    keep = [row[0]]
    marks: list[str] = []
    for prev, w in itertools.pairwise(row):
        w_size = float(w.get("size") or 10)
        gap, rise = w["x0"] - prev["x1"], base - float(w["bottom"])
        if (
            w["text"].replace(",", "").isdigit()
            and w_size <= size * 0.85  # 8/10 pt marks read back a hair above 0.8
            and ((gap < size * 0.12 and rise > size * 0.15)  # touching
                 or (gap < size * 0.5 and rise > size * 0.3 and w_size >= size * 0.5))  # a space after
        ):
            marks.extend(m for m in w["text"].split(",") if m)
            continue
        keep.append(w)
    return keep, tuple(marks)


def remove_line_numbers(words: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Drop margin line numbers (review copies, legal-style grammars).

    A margin line-number column is a vertical stack (>= 5) of 1-4 digit tokens sharing an x
    position that lies entirely outside the text body (left of every other word, or right of
    it). Numbers inside the body (tables, example numbers) are never touched.
    """
    numeric = [w for w in words if _NUMERIC.match(w["text"])]
    if len(numeric) < 5:
        return words
    bins: dict[int, list[dict[str, Any]]] = {}
    for w in numeric:
        bins.setdefault(round(w["x0"] / 4), []).append(w)
    drop: set[int] = set()
    for group in bins.values():
        if len(group) < 5:
            continue
        ids = {id(w) for w in group}
        others = [w for w in words if id(w) not in ids and id(w) not in drop]
        if not others:
            continue
        gx0 = min(w["x0"] for w in group)
        gx1 = max(w["x1"] for w in group)
        body_x0 = min(w["x0"] for w in others)
        body_x1 = max(w["x1"] for w in others)
        stack = sorted(group, key=lambda w: w["top"])
        values = [int(w["text"]) for w in stack]
        increasing = sum(b > a for a, b in itertools.pairwise(values)) >= 0.8 * (len(values) - 1)
        if increasing and _regular_pitch(stack) and (gx1 <= body_x0 + 1 or gx0 >= body_x1 - 1):
            drop |= ids
    return [w for w in words if id(w) not in drop] if drop else words


def _regular_pitch(stack: list[dict[str, Any]]) -> bool:
    """Line numbers advance with the lines: one number step is the same height down the page
    (every line numbered, or every fifth). Chapter numbers printed left of a contents page's
    titles ("12 Verb formation", "13 ...") also make a rising stack outside the text, at no
    regular pitch; they are text."""
    pitches = [
        (b["top"] - a["top"]) / (int(b["text"]) - int(a["text"]))
        for a, b in itertools.pairwise(stack)
        if int(b["text"]) > int(a["text"])
    ]
    if not pitches:
        return False
    mid = sorted(pitches)[len(pitches) // 2]
    return mid > 0 and sum(abs(p - mid) <= 0.35 * mid for p in pitches) >= 0.8 * len(pitches)


def find_gutter(words: list[dict[str, Any]], width: float) -> float | None:
    """x of a column gutter, or None for a one-column page.

    Positions every 1 pt across the middle 30-70% of the text width are scored by how many text
    rows straddle them. A gutter is the centre of the widest run of best positions, provided that
    at most 20% of the rows cross it (titles, wide tables), each side holds >= 20% of the words,
    and on most rows with text on both sides the gap is at least one em wide. One-column
    justified text fails all of these: nearly every row crosses the middle.
    """
    if len(words) < 20:
        return None
    x_min = min(w["x0"] for w in words)
    x_max = max(w["x1"] for w in words)
    span = x_max - x_min
    if span < width * 0.4:
        return None
    rows = _sorted_line_words(words)
    base = x_min + span * 0.3
    n_pos = int(span * 0.4) + 1
    xs = [base + 1.0 * k for k in range(n_pos)]
    # rows straddling each position, per row as covered index ranges (a < base + k < b): linear in
    # words, not positions x rows x words
    scores = [0] * n_pos
    for row in rows:
        covered = bytearray(n_pos)
        for w in row:
            lo = max(0, math.floor(w["x0"] - base) + 1)
            hi = min(n_pos, math.ceil(w["x1"] - base))
            if lo < hi:
                covered[lo:hi] = b"\x01" * (hi - lo)
        if any(covered):
            scores = [sc + c for sc, c in zip(scores, covered, strict=True)]
    best = min(scores)
    if best > 0.2 * len(rows):
        return None
    run = [x for x, sc in zip(xs, scores, strict=True) if sc == best]
    groups: list[list[float]] = [[run[0]]]
    for x in run[1:]:
        if x - groups[-1][-1] <= 1.01:
            groups[-1].append(x)
        else:
            groups.append([x])
    chosen = max(groups, key=len)
    x = (chosen[0] + chosen[-1]) / 2
    left = sum(1 for w in words if w["x1"] <= x)
    right = sum(1 for w in words if w["x0"] >= x)
    if min(left, right) < 0.2 * len(words):
        return None
    gaps = []
    for row in rows:
        lefts = [w["x1"] for w in row if w["x1"] <= x]
        rights = [w["x0"] for w in row if w["x0"] >= x]
        if lefts and rights:
            size = max(float(w.get("size") or 10) for w in row)
            gaps.append((min(rights) - max(lefts)) / size)
    # Not all rows: a full-width table on a two-column page has narrow gaps on its rows (those
    # rows are kept whole by page_lines). Random alignment in one-column text never gives this.
    wide = sum(g >= 1.0 for g in gaps)
    if len(gaps) < 3 or wide < min(5, len(gaps)) or wide < 0.35 * len(gaps):
        return None
    return x


def page_lines(words: list[dict[str, Any]], width: float, height: float | None = None) -> list[Line]:
    """Lines in reading order: full-width lines as they come, two-column stretches left-then-right."""
    body = words
    if height:  # running heads and centred folios would look like text crossing the gutter
        body = [w for w in words if height * MARGIN_ZONE <= w["top"] and w["bottom"] <= height * (1 - MARGIN_ZONE)]
    gutter = find_gutter(body, width)
    rows = _sorted_line_words(words)
    if gutter is None:
        return _rows_to_lines(rows, 0)
    out: list[Line] = []
    left_block: list[list[dict[str, Any]]] = []
    right_block: list[list[dict[str, Any]]] = []

    def flush() -> None:
        out.extend(_rows_to_lines(left_block, 1))
        out.extend(_rows_to_lines(right_block, 2))
        left_block.clear()
        right_block.clear()

    for row in rows:
        left = [w for w in row if w["x1"] <= gutter]
        right = [w for w in row if w["x0"] >= gutter]
        size = max(float(w.get("size") or 10) for w in row)
        spanning = any(w["x0"] < gutter < w["x1"] for w in row) or (
            # a table row running across the gutter: real column text leaves a wide gap
            left and right and min(w["x0"] for w in right) - max(w["x1"] for w in left) < 0.8 * size
        )
        if spanning:
            flush()
            out.extend(_rows_to_lines([row], 0))
            continue
        if left:
            left_block.append(left)
        if right:
            right_block.append(right)
    flush()
    return out

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
import math
import re
import statistics
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grammar_rag.errors import IngestError
from grammar_rag.ingest.base import DEFAULT_CHUNKING, INGESTERS, ChunkingConfig, Ingester
from grammar_rag.ingest.book_meta import guess_pdf_metadata, pdf_document_info
from grammar_rag.ingest.chunking import Unit, make_passages
from grammar_rag.ingest.metadata import build_grammar, caller_names_language, source_name
from grammar_rag.ingest.sections import SectionPath, numbered_heading
from grammar_rag.progress import Progress
from grammar_rag.types import IngestedGrammar, PassageKind

logger = logging.getLogger(__name__)

_NUMERIC = re.compile(r"^\d{1,4}$")
_ROMAN = re.compile(r"^(?=[ivxlcdm]+$)m{0,3}(cm|cd|d?c{0,3})(xc|xl|l?x{0,3})(ix|iv|v?i{0,3})$", re.I)
_PAGE_LABEL = re.compile(r"^[-–—\s]*(\d{1,4}|[ivxlcdm]{1,7})[-–—\s]*$", re.I)
_TERMINAL = re.compile(r"[.!?:;)\]\"'’”]$")
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


@dataclass
class PageText:
    number: int  # physical, 1-based
    width: float
    height: float
    lines: list[Line] = field(default_factory=list)
    label: str | None = None


def _roman_to_int(s: str) -> int:
    values = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100, "d": 500, "m": 1000}
    total = 0
    prev = 0
    for ch in reversed(s.lower()):
        v = values[ch]
        total = total - v if v < prev else total + v
        prev = max(prev, v)
    return total


# -- words -> lines ----------------------------------------------------------------------------
def _sorted_line_words(words: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    rows: list[list[dict[str, Any]]] = []
    for w in sorted(words, key=lambda w: (w["top"], w["x0"])):
        size = float(w.get("size") or 10)
        if rows and abs(w["top"] - rows[-1][0]["top"]) <= max(1.5, size * 0.35):
            rows[-1].append(w)
        else:
            rows.append([w])
    return [sorted(r, key=lambda w: w["x0"]) for r in rows]


# Typographic ligatures and soft hyphens from the PDF's glyphs: "ﬁnite" must match a search for
# "finite". (NFKC would do this too, but would also rewrite superscripts and IPA-adjacent letters.)
_LIGATURES = str.maketrans({"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st", "\u00ad": "-"})
_BOLD = re.compile(r"bold|black|heavy|semibold|demi|medi|\bbd\b|-bd|,bd", re.I)  # Times bold is "-Medi"


def _rows_to_lines(rows: list[list[dict[str, Any]]], column: int) -> list[Line]:
    out = []
    for row in rows:
        size = max(float(w.get("size") or 10) for w in row)
        row = _without_note_marks(row, size)
        parts = [row[0]["text"]]
        for prev, w in itertools.pairwise(row):
            # words split only by a font/size change (a superscript, a bold morpheme) touch
            parts.append(("" if w["x0"] - prev["x1"] < size * 0.12 else " ") + w["text"])
        out.append(
            Line(
                "".join(parts).translate(_LIGATURES),
                min(w["x0"] for w in row),
                max(w["x1"] for w in row),
                min(w["top"] for w in row),
                max(w["bottom"] for w in row),
                size,
                column,
                bold=all(_BOLD.search(str(w.get("fontname", ""))) for w in row),
            )
        )
    return out


def _without_note_marks(row: list[dict[str, Any]], size: float) -> list[dict[str, Any]]:
    """Drop superscript footnote marks: "rare.⁴" reads "rare.", not "rare.4".

    A mark is a run of digits in smaller type, touching the word before it and raised above the
    line's baseline. The note itself stays where the page prints it.
    """
    base = max((float(w["bottom"]) for w in row if float(w.get("size") or 10) >= size - 0.1), default=0.0)
    keep = [row[0]]
    for prev, w in itertools.pairwise(row):
        w_size = float(w.get("size") or 10)
        if (
            w["text"].replace(",", "").isdigit()
            and w_size <= size * 0.8
            and w["x0"] - prev["x1"] < size * 0.12
            and float(w["bottom"]) < base - size * 0.15
        ):
            continue
        keep.append(w)
    return keep


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
        values = [int(w["text"]) for w in sorted(group, key=lambda w: w["top"])]
        increasing = sum(b > a for a, b in itertools.pairwise(values)) >= 0.8 * (len(values) - 1)
        if increasing and (gx1 <= body_x0 + 1 or gx0 >= body_x1 - 1):
            drop |= ids
    return [w for w in words if id(w) not in drop] if drop else words


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
                folio = _PAGE_LABEL.match(ln.text)
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
        elif not label.isdigit() and _ROMAN.match(label) and pages[idx].label is None:
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
    return prev.x1 < col_right - max(20.0, prev.size * 3) and bool(_TERMINAL.search(prev.text))


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
    if larger and len(ln.text) < 120 and not _TERMINAL.search(ln.text) and any(c.isalpha() for c in ln.text):
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
                    new_para = bool(_TERMINAL.search(prev.text)) or not ln.text[:1].islower()
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
                new_para = bool(_TERMINAL.search(b.open_text)) or not ln.text[:1].islower()
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
def extract_pages(path: Path) -> list[PageText]:
    """Every page's lines in reading order: pypdfium2's text page (fast, little memory), or
    pdfplumber where pypdfium2 is not installed."""
    try:
        import pypdfium2  # noqa: F401  (a pdfplumber dependency, so normally present)
    except ImportError:  # pragma: no cover - pdfplumber without pypdfium2
        return _plumber_pages(path)
    return list(iter_pdfium_pages(path))


def _open_pdfium(path: Path) -> Any:
    import pypdfium2 as pdfium

    try:
        return pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        text = str(exc).lower()
        if "password" in text:
            raise IngestError(f"{path}: PDF is encrypted (password protected); decrypt it first.") from exc
        raise IngestError(f"{path}: cannot open PDF ({exc}); the file is corrupt or not a PDF.") from exc


_SPACES = frozenset(" \t\r\n\x00\ufeff")


class _FontNames:
    """Base font names by font handle, looked up once per font (a few dozen per book)."""

    def __init__(self) -> None:
        import ctypes

        self._names: dict[int, str] = {}
        self._buf = ctypes.create_string_buffer(256)
        self._ctypes = ctypes

    def of(self, raw: Any, textpage: Any, index: int) -> str:
        obj = raw.FPDFText_GetTextObject(textpage, index)
        font = raw.FPDFTextObj_GetFont(obj) if obj else None
        key = self._ctypes.cast(font, self._ctypes.c_void_p).value if font else None
        if key is None:
            return ""
        if key not in self._names:
            n = raw.FPDFFont_GetBaseFontName(font, self._buf, 256)
            self._names[key] = self._buf.value.decode("utf-8", "replace") if n else ""
        return self._names[key]


def pdfium_words(textpage: Any, height: float, fonts: _FontNames | None = None) -> list[dict[str, Any]]:
    """Words of one page from pypdfium2's character stream, shaped like pdfplumber's words.

    A word ends at a space or line break (pdfium's own or generated), a gap wider than a quarter
    em, a jump back, or a change of size (a superscript footnote mark: ``_rows_to_lines`` re-joins
    touching pieces without a space). Boxes are pdfium's loose boxes
    (font ascent to descent), so every glyph of a line shares one top. pdfium marks a line-end
    hyphen as U+0002 (U+FFFE in a text range); it is read as "-" for the de-hyphenation downstream.
    """
    import pypdfium2.raw as raw

    fonts = fonts or _FontNames()
    tp = textpage.raw
    rect = raw.FS_RECTF()
    words: list[dict[str, Any]] = []
    chars: list[str] = []
    x0 = x1 = top = bottom = size = 0.0
    bold_name = ""

    def close() -> None:
        if chars:
            words.append({"text": "".join(chars), "x0": x0, "x1": x1, "top": top, "bottom": bottom,
                          "size": round(size, 2), "fontname": bold_name})
            chars.clear()

    n_chars = raw.FPDFText_CountChars(tp)
    text = textpage.get_text_range(0, n_chars) if n_chars > 0 else ""
    if len(text) != n_chars:  # characters outside the BMP: read them one by one
        text = "".join(chr(raw.FPDFText_GetUnicode(tp, k)) for k in range(n_chars))
    get_box, get_size, get_weight = raw.FPDFText_GetLooseCharBox, raw.FPDFText_GetFontSize, raw.FPDFText_GetFontWeight
    for k, ch in enumerate(text):  # the hot loop of PDF ingestion: two pdfium calls per glyph
        if ch in _SPACES:
            close()
            continue
        if ch in "\x02\ufffe":  # pdfium's line-end hyphen (U+0002 per char, U+FFFE in a text range)
            ch = "-"
        get_box(tp, k, rect)
        c_size = get_size(tp, k)
        c_top = height - rect.top
        if chars and (
            abs(c_size - size) > 0.01 or abs(c_top - top) > c_size * 0.3 or rect.left - x1 > c_size * 0.25
            or rect.left < x0 - 0.5
        ):
            close()
        if not chars:
            # weight once per word: a bold run inside a word stays one word (a line's boldness is
            # what headings need)
            x0, x1, top, bottom, size = rect.left, rect.right, c_top, height - rect.bottom, c_size
            weight = get_weight(tp, k)
            if weight >= 550:
                bold_name = "bold"
            elif weight < 0:  # no weight in the font descriptor: read the name ("Times-Bold")
                bold_name = fonts.of(raw, tp, k)
            else:
                bold_name = ""
        elif rect.right > x1:
            x1 = rect.right
        chars.append(ch)
    close()
    return words


def iter_pdfium_pages(path: Path) -> Iterator[PageText]:
    """Pages one at a time, each freed before the next is read (memory stays flat on 600 pages)."""
    doc = _open_pdfium(path)
    fonts = _FontNames()
    progress = Progress(f"reading {path.name}", len(doc))
    try:
        for number in range(1, len(doc) + 1):
            try:
                page = doc[number - 1]
                width, height = page.get_size()
                textpage = page.get_textpage()
                words = pdfium_words(textpage, height, fonts)
                textpage.close()
                page.close()
            except Exception as exc:
                raise IngestError(f"{path}: failed reading page {number} ({type(exc).__name__}: {exc}); "
                                  "the file may be corrupt.") from exc
            words = remove_line_numbers(words)
            yield PageText(number, float(width), float(height), page_lines(words, float(width), float(height)))
            progress.update()
    finally:
        progress.close()
        doc.close()


def _plumber_pages(path: Path) -> list[PageText]:
    try:
        import pdfplumber
        from pdfminer.pdfdocument import PDFPasswordIncorrect
        from pdfminer.pdfparser import PDFSyntaxError
    except ImportError as exc:  # pragma: no cover - a core dependency
        raise IngestError(f"{path}: pdfplumber is not installed (pip install pdfplumber).") from exc
    try:
        pdf = pdfplumber.open(path)
    except Exception as exc:  # pdfplumber wraps pdfminer's zoo of errors in PdfminerException
        causes = [exc, *exc.args, exc.__cause__, exc.__context__]
        if any(isinstance(c, PDFPasswordIncorrect) for c in causes) or any(
            "password" in type(c).__name__.lower() or "encrypt" in type(c).__name__.lower() for c in causes if c
        ):
            raise IngestError(f"{path}: PDF is encrypted (password protected); decrypt it first.") from exc
        if any(isinstance(c, PDFSyntaxError) for c in causes):
            raise IngestError(f"{path}: corrupt or not a PDF ({exc}).") from exc
        detail = str(exc) or type(exc.args[0]).__name__ if exc.args else type(exc).__name__
        raise IngestError(f"{path}: cannot open PDF ({detail}); the file is corrupt or not a PDF.") from exc
    pages: list[PageText] = []
    try:
        with pdf:
            import sys

            from tqdm import tqdm

            bar = tqdm(
                pdf.pages,
                desc=f"reading {path.name}",
                unit="page",
                disable=len(pdf.pages) < 20 or not sys.stderr.isatty(),
                leave=False,
            )
            for number, page in enumerate(bar, start=1):
                words = page.extract_words(x_tolerance_ratio=0.15, y_tolerance=3, extra_attrs=["size", "fontname"])
                words = [w for w in words if w["text"].strip()]
                words = remove_line_numbers(words)
                pages.append(
                    PageText(
                        number,
                        float(page.width),
                        float(page.height),
                        page_lines(words, float(page.width), float(page.height)),
                    )
                )
    except IngestError:
        raise
    except Exception as exc:
        raise IngestError(f"{path}: failed reading page {len(pages) + 1} ({type(exc).__name__}: {exc}); the file may be corrupt.") from exc
    return pages


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

"""Reading a PDF's characters and their boxes, page by page: pypdfium2's text page, pdfplumber as fallback.

Why apart from the layout and structure code: reading is the cost of a whole book (the fast path
streams one page at a time and holds no page objects); what lines and passages are made of the
words is :mod:`grammar_rag.ingest.pdf_layout` and :mod:`grammar_rag.ingest.pdf`.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import re
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from grammar_rag.config import usable_cores
from grammar_rag.errors import IngestError
from grammar_rag.ingest.pdf_layout import PageText, page_lines, remove_line_numbers
from grammar_rag.progress import Progress

log = logging.getLogger(__name__)

# A book of at least PARALLEL_MIN_PAGES pages is read by one process per core, in runs of
# CHUNK_PAGES pages: reading is Python-bound (one core), and on the 2-core CPU it was ~9 of a
# 648-page book's ~60 s ingest. Pages are independent, so the result is page for page the same.
# GRAMMAR_RAG_READ_PROCESSES=1 reads in this process only; OMP_NUM_THREADS caps the processes too.
PARALLEL_MIN_PAGES = 64
CHUNK_PAGES = 24
READ_PROCESSES_ENV = "GRAMMAR_RAG_READ_PROCESSES"


def extract_pages(path: Path) -> list[PageText]:
    """Every page's lines in reading order: pypdfium2's text page (fast, little memory), or
    pdfplumber where pypdfium2 is not installed."""
    try:
        import pypdfium2  # noqa: F401  (a pdfplumber dependency, so normally present)
    except ImportError:  # pragma: no cover - pdfplumber without pypdfium2
        return _plumber_pages(path)
    doc = _open_pdfium(path)  # a locked or broken file is named here, before any process starts
    n_pages = len(doc)
    doc.close()
    processes = reading_processes(n_pages)
    if processes > 1:
        try:
            return _pages_in_processes(path, n_pages, processes)
        except (OSError, BrokenProcessPool) as exc:  # no processes to be had here: read in this one
            log.warning("%s: reading in %d processes failed (%s); reading in one", path, processes, exc)
    return list(iter_pdfium_pages(path))


def reading_processes(n_pages: int) -> int:
    """How many processes read a book of ``n_pages`` pages (1: this process alone)."""
    wanted = os.environ.get(READ_PROCESSES_ENV)
    if wanted is not None:
        try:
            return max(1, int(wanted))
        except ValueError:
            raise IngestError(f"{READ_PROCESSES_ENV}={wanted!r}: give a whole number of processes (1: no others).") from None
    if n_pages < PARALLEL_MIN_PAGES or multiprocessing.current_process().daemon:  # a daemon may not fork
        return 1
    return max(1, min(usable_cores(), n_pages // CHUNK_PAGES))  # a Ray task's one CPU: one process


def _pages_in_processes(path: Path, n_pages: int, processes: int) -> list[PageText]:
    starts = range(1, n_pages + 1, CHUNK_PAGES)
    pages: list[PageText] = []
    progress = Progress(f"reading {path.name}", n_pages)
    # spawned, not forked: the caller may hold threads (an embedding model's), which fork would copy mid-flight
    context = multiprocessing.get_context("spawn")
    try:
        with ProcessPoolExecutor(processes, mp_context=context) as pool:
            for chunk in pool.map(read_page_range, [path] * len(starts), starts,
                                  [min(start + CHUNK_PAGES, n_pages + 1) for start in starts]):
                pages.extend(chunk)  # in page order: map yields in the order given
                progress.update(len(chunk))
    finally:
        progress.close()
    return pages


def read_page_range(path: Path, start: int, stop: int) -> list[PageText]:
    """Pages ``start`` .. ``stop - 1`` (1-based) of ``path``: one worker's share of a book."""
    doc = _open_pdfium(path)
    try:
        return list(_pdfium_pages(doc, path, range(start, stop), _FontNames()))
    finally:
        doc.close()


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


_SURROGATES = re.compile("[\ud800-\udfff]")


def join_utf16(chars: list[str]) -> str:
    """Characters read one by one from pdfium, with UTF-16 surrogate pairs made whole.

    pdfium counts a character outside the BMP (a mathematical letter, a rare IPA sign) as two
    code units; read one by one they arrive as lone surrogates, which no UTF-8 writer accepts
    (a whole book failed to ingest on one such glyph). A pair is joined; a lone half becomes U+FFFD.
    """
    word = "".join(chars)
    if _SURROGATES.search(word) is None:
        return word
    return word.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


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
            words.append({"text": join_utf16(chars), "x0": x0, "x1": x1, "top": top, "bottom": bottom,
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
            elif weight <= 0:  # no weight in the font descriptor (-1; 0 for the standard 14 fonts): read the name ("Times-Bold")
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
    progress = Progress(f"reading {path.name}", len(doc))
    try:
        for page in _pdfium_pages(doc, path, range(1, len(doc) + 1), _FontNames()):
            yield page
            progress.update()
    finally:
        progress.close()
        doc.close()


def _pdfium_pages(doc: Any, path: Path, numbers: range, fonts: _FontNames) -> Iterator[PageText]:
    for number in numbers:
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

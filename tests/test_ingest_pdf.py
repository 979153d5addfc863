"""PDF ingestion: PDFs built here with reportlab (no ../shared needed) plus the real paper."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from grammar_rag.errors import IngestError
from grammar_rag.ingest import ChunkingConfig, ingest_path
from grammar_rag.ingest.pdf_read import join_utf16

reportlab = pytest.importorskip("reportlab")
from reportlab.lib.pagesizes import A4  # noqa: E402
from reportlab.pdfbase import pdfmetrics  # noqa: E402
from reportlab.pdfbase.pdfmetrics import stringWidth  # noqa: E402
from reportlab.pdfbase.ttfonts import TTFont  # noqa: E402
from reportlab.pdfgen import canvas  # noqa: E402

# Vera ships inside reportlab and embeds real glyphs for accented Latin letters (Helvetica's
# standard encoding would not round-trip them).
pdfmetrics.registerFont(TTFont("Vera", "Vera.ttf"))
FONT = "Vera"
SIZE = 10
LEADING = 13
CONTINUED = "\x00continued"


def _wrap(text: str, width: float) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        trial = f"{current} {word}".strip()
        if stringWidth(trial, FONT, SIZE) > width and current:
            lines.append(current)
            current = word
        else:
            current = trial
    if current:
        lines.append(current)
    return lines


def _draw_column(c: canvas.Canvas, paragraphs: list[list[str]], x: float, y: float) -> float:
    """Draw pre-broken paragraphs (list of lines); first lines indented; returns the final y."""
    c.setFont(FONT, SIZE)
    for lines in paragraphs:
        indent = 15
        if lines and lines[0] == CONTINUED:  # continuation of a paragraph from the previous page
            lines = lines[1:]
            indent = 0
        for k, line in enumerate(lines):
            c.drawString(x + (indent if k == 0 else 0), y, line)
            y -= LEADING
        y -= 8  # paragraph gap
    return y


def _one_column_pdf(path: Path) -> None:
    """4 pages: running header, printed folios 12-15, a hyphenated word, a paragraph across pages."""
    c = canvas.Canvas(str(path), pagesize=A4)
    width, height = A4
    body = [
        [["Kalamang nouns can be divided into several subclasses, and this sentence is long",
          "enough to wrap onto a second line of the test page."],
         ["The first division concerns the morpho-", "logy of possession and the marking of", "plural number on nouns."]],
        [["Second page paragraph about negation: the clitic =nin marks standard negation",
          "after the predicate, as in ma sarat=nin."],
         ["This paragraph continues across the page break and it does not end on this",
          "page because the sentence goes on"]],
        [[CONTINUED, "onto the following page where it finally ends with a full stop."],
         ["Diacritics must survive: kié, ñandú and Müller are written as they are."]],
        [["Last page text about word order, which is verb-final in main clauses."]],
    ]
    for k, paragraphs in enumerate(body):
        c.setFont(FONT, 9)
        c.drawString(72, height - 40, "A Grammar of Testish")
        c.drawCentredString(width / 2, 30, str(12 + k))
        _draw_column(c, paragraphs, 72, height - 100)
        c.showPage()
    c.save()


LEFT_TEXT = (
    "Alpha begins the left column and describes the order of subject object and verb in "
    "considerable detail so that the column fills several lines of running text for the test. "
    "The left column then ends its paragraph here."
)
RIGHT_TEXT = (
    "Beta opens the right column and talks about polar questions marked by a clause final "
    "particle which is typical of the area and frequent in the narrative corpus of the language."
)


def _two_column_pdf(path: Path) -> None:
    """One page, two columns, review-style line numbers in both outer margins."""
    c = canvas.Canvas(str(path), pagesize=A4)
    width, height = A4
    c.setFont("Helvetica-Bold", 14)
    c.drawCentredString(width / 2, height - 60, "A Two Column Sketch Grammar")
    left = _wrap(LEFT_TEXT, 210)
    right = _wrap(RIGHT_TEXT, 210)
    y0 = height - 110
    c.setFont(FONT, SIZE)
    for k in range(max(len(left), len(right)) + 4):
        y = y0 - k * LEADING
        c.setFont(FONT, 7)
        c.drawString(20, y, f"{k + 1:03d}")
        c.drawString(width - 40, y, f"{k + 101:03d}")
        c.setFont(FONT, SIZE)
        if k < len(left):
            c.drawString(60, y, left[k])
        if k < len(right):
            c.drawString(320, y, right[k])
    c.setFont(FONT, 9)
    c.drawCentredString(width / 2, 30, "1")
    c.showPage()
    c.save()


def test_one_column_running_head_folios_hyphenation(tmp_path: Path) -> None:
    pdf = tmp_path / "testish.pdf"
    _one_column_pdf(pdf)
    [g] = ingest_path(pdf)
    assert g.grammar.id == "testish" and g.grammar.source_format == "pdf"
    texts = [p.text for p in g.passages]
    assert not any("A Grammar of Testish" in t for t in texts), "running header not removed"
    # de-hyphenation: "morpho-" + "logy" -> "morphology"
    first_page = [p for p in g.passages if p.page_start == "12"]
    assert any("morphology of possession" in p.text for p in first_page)
    # printed page labels (12..15), not physical pages
    assert {p.page_start for p in g.passages} == {"12", "13", "14", "15"}
    negation = next(p for p in g.passages if "=nin" in p.text)
    assert negation.page_start == "13" and "ma sarat=nin." in negation.text
    # a paragraph continued across the page break is one passage spanning both pages
    across = next(p for p in g.passages if "continues across the page break" in p.text)
    assert "finally ends with a full stop." in across.text
    assert (across.page_start, across.page_end) == ("13", "14")
    assert any("kié, ñandú and Müller" in t for t in texts)
    # no bare folio survives as text
    assert not any(re.fullmatch(r"\d+", t.strip()) for t in texts)


def test_two_columns_read_in_column_order_without_line_numbers(tmp_path: Path) -> None:
    pdf = tmp_path / "twocol.pdf"
    _two_column_pdf(pdf)
    [g] = ingest_path(pdf)
    full = "\n".join(p.text for p in g.passages)
    assert "The left column then ends its paragraph here." in full
    left = next(p for p in g.passages if p.text.startswith("Alpha begins"))
    right = next(p for p in g.passages if p.text.startswith("Beta opens"))
    assert left.order < right.order
    assert " ".join(LEFT_TEXT.split()) in " ".join(left.text.split())
    assert " ".join(RIGHT_TEXT.split()) in " ".join(right.text.split())
    assert not re.search(r"\b[01]\d\d\b", full), "margin line numbers leaked into the text"
    assert left.page_start == "1"


def test_window_chunking_keeps_pdf_provenance(tmp_path: Path) -> None:
    pdf = tmp_path / "testish.pdf"
    _one_column_pdf(pdf)
    [g] = ingest_path(pdf, chunking=ChunkingConfig(mode="window", window_tokens=8, overlap_tokens=2))
    assert all(len(p.text.split()) <= 8 for p in g.passages)
    neg = [p for p in g.passages if "=nin" in p.text]
    assert neg and all(p.page_start == "13" for p in neg)
    assert len({p.passage_id for p in g.passages}) == len(g.passages)


def _unreadable_pdf_error(pdf: Path, draw: Callable[[canvas.Canvas], None], **canvas_options: Any) -> str:
    """Write a one-page PDF drawn by ``draw``; ingest it; the IngestError message must name the file."""
    c = canvas.Canvas(str(pdf), pagesize=A4, **canvas_options)
    draw(c)
    c.showPage()
    c.save()
    with pytest.raises(IngestError) as exc:
        ingest_path(pdf)
    assert pdf.name in str(exc.value)
    return str(exc.value)


def test_no_text_layer_needs_ocr(tmp_path: Path) -> None:
    # an "image" with no text
    message = _unreadable_pdf_error(tmp_path / "scan.pdf", lambda c: c.rect(100, 100, 300, 400, fill=1))
    assert re.search("OCR", message)


def test_encrypted_pdf(tmp_path: Path) -> None:
    message = _unreadable_pdf_error(tmp_path / "locked.pdf", lambda c: c.drawString(100, 700, "hidden grammar text"),
                                    encrypt="secret")
    assert re.search("encrypted", message)


def test_corrupt_pdf(tmp_path: Path) -> None:
    pdf = tmp_path / "broken.pdf"
    pdf.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> garbage without end\n")
    with pytest.raises(IngestError, match=r"broken\.pdf"):
        ingest_path(pdf)


@pytest.fixture(scope="module")
def paper(shared_data: Path):
    path = shared_data.parent / "docs" / "from_mteb_to_mtob.pdf"
    if not path.is_file():
        pytest.skip("paper PDF not available")
    [g] = ingest_path(path)
    return g


def test_real_paper_abstract_intact_with_page(paper) -> None:
    sentence = (
        "Recent advances in language modeling have demonstrated significant improvements in "
        "zero-shot capabilities, including in-context learning, instruction following, and machine "
        "translation for extremely under-resourced languages"
    )
    hit = next(p for p in paper.passages if sentence in p.text)
    assert hit.page_start == "1" and hit.section == ("Abstract",)
    intro = next(p for p in paper.passages if "The advent of text-based foundational models" in p.text)
    assert intro.order > hit.order and intro.section[0] == "1 Introduction"


def test_real_paper_has_no_line_numbers_and_reads_columns_in_order(paper) -> None:
    for p in paper.passages:
        assert not re.search(r"(?<![\d.,])0\d\d(?![\d.,%])", p.text), p.text[:200]
    # the second paragraph of the abstract follows the first (left column read before right)
    texts = [p.text for p in paper.passages]
    first = next(i for i, t in enumerate(texts) if t.startswith("Recent advances in language modeling"))
    second = next(i for i, t in enumerate(texts) if t.startswith("In this paper, we introduce a set of benchmarks"))
    assert second == first + 1


def test_words_to_lines_ligatures_and_touching_words() -> None:
    from grammar_rag.ingest.pdf_layout import _rows_to_lines

    row = [
        {"text": "ﬁnite", "x0": 10.0, "x1": 30.0, "top": 5.0, "bottom": 15.0, "size": 10.0, "fontname": "X-Regu"},
        {"text": "verb", "x0": 33.0, "x1": 50.0, "top": 5.0, "bottom": 15.0, "size": 10.0, "fontname": "X-Regu"},
        {"text": "1", "x0": 50.2, "x1": 53.0, "top": 4.0, "bottom": 10.0, "size": 6.0, "fontname": "X-Regu"},
        {"text": "s", "x0": 20.0, "x1": 23.0, "top": 20.0, "bottom": 30.0, "size": 10.0, "fontname": "X-Bold"},
        {"text": "ing", "x0": 23.05, "x1": 33.0, "top": 20.0, "bottom": 30.0, "size": 10.0, "fontname": "X-Regu"},
    ]
    first, second = _rows_to_lines([row[:3], row[3:]], 0)
    # the raised small "1" is a footnote mark (dropped, not "verb1"); a touching bold "s" joins its word
    assert first.text == "finite verb" and not first.bold
    assert second.text == "sing"


def test_pdfium_surrogate_pairs_are_joined_and_lone_halves_replaced() -> None:
    """A glyph outside the BMP arrives from pdfium as two UTF-16 halves; a book once failed on one."""
    word = join_utf16(["x", "\ud835", "\udc9c", "y"])  # MATHEMATICAL SCRIPT CAPITAL A
    assert word == "x\U0001d49cy"
    word.encode("utf-8")  # would raise on a lone surrogate
    assert join_utf16(["a", "\ud835"]) == "a\ufffd"
    assert join_utf16(["plain"]) == "plain"

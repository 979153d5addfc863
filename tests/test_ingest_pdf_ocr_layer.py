"""A scanned book's OCR text layer sets each line in its own type size (fitted to the line's height
on the scan): read as a typeset PDF's sizes, every line a point larger than the body became a
heading, and a third of the passages were cut under 100 characters (a synthetic OCR layer of the
Sanzhi PDF's text: 0.8% -> 36% short passages)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from grammar_rag.ingest.pdf import ingest_pdf
from grammar_rag.ingest.pdf_layout import Line, PageText
from grammar_rag.ingest.pdf_sizes import settle_sizes

reportlab = pytest.importorskip("reportlab")
from reportlab.lib.pagesizes import A5  # noqa: E402
from reportlab.pdfgen import canvas  # noqa: E402

W, H = A5
PARAGRAPH = [
    "Clauses in this language are verb-initial, and the subject follows the verb",
    "in most declarative clauses, although topicalised subjects may come first",
    "when they are contrastive, as the examples in this section show for both",
    "kinds of clause; the object follows the subject in every clause we recorded.",
]


def _ocr_layer_book(path: Path, jitter: float) -> None:
    rng = random.Random(4)
    c = canvas.Canvas(str(path), pagesize=A5)
    for page in range(1, 7):
        y = H - 90
        for _ in range(5):
            for k, line in enumerate(PARAGRAPH):
                c.setFont("Helvetica", 9.5 + rng.uniform(-jitter, jitter))
                c.drawString(45 + (12 if k == 0 else 0), y, line)
                y -= 12
            y -= 4
        c.setFont("Helvetica", 9.5)
        c.drawCentredString(W / 2, 25, str(page))
        c.showPage()
    c.save()


@pytest.mark.parametrize("jitter", [0.0, 1.2])
def test_an_ocr_layers_line_sizes_do_not_cut_its_paragraphs(tmp_path: Path, jitter: float) -> None:
    path = tmp_path / "scan.pdf"
    _ocr_layer_book(path, jitter)
    (item,) = ingest_pdf(path)
    body = [p for p in item.passages if p.kind == "prose"]
    assert len(body) == 30  # five paragraphs a page, each whole
    assert all(p.text.startswith("Clauses in this language") and p.text.endswith("every clause we recorded.")
               for p in body)
    assert all(p.section == () for p in body)  # no line read as a heading


def _line(size: float, text: str = "some words of a line of body text") -> Line:
    return Line(text, 0.0, 100.0, 0.0, size, size)


def test_settle_sizes_snaps_noise_and_keeps_headings_and_exact_type() -> None:
    rng = random.Random(1)
    noisy = [PageText(1, 100.0, 100.0, [_line(10 + rng.uniform(-1.0, 1.0)) for _ in range(200)]
                      + [_line(16.0, "1 Introduction"), _line(7.0, "4 A footnote in small type.")])]
    settle_sizes(noisy)
    sizes = [ln.size for ln in noisy[0].lines]
    assert len(set(sizes[:200])) == 1 and sizes[200] == 16.0 and sizes[201] == 7.0
    typeset = [PageText(1, 100.0, 100.0, [_line(10.0)] * 50 + [_line(10.9, "2.1 Word order"), _line(8.0)])]
    settle_sizes(typeset)
    assert [ln.size for ln in typeset[0].lines][-2:] == [10.9, 8.0]  # exact sizes: nothing is noise


def test_a_references_heading_in_body_type_still_opens_the_back_matter(tmp_path: Path) -> None:
    """An OCR layer's (settled) sizes, or a plain typescript, set the "References" heading in body type:
    it opens the back matter when the page below it reads as a reference list (years on most lines);
    before, the list was retrievable."""
    path = tmp_path / "typescript.pdf"
    c = canvas.Canvas(str(path), pagesize=A5)
    for page in range(1, 9):
        y = H - 90
        c.setFont("Helvetica", 9.5)
        if page < 7:
            for _ in range(5):
                for k, line in enumerate(PARAGRAPH):
                    c.drawString(45 + (12 if k == 0 else 0), y, line)
                    y -= 12
                y -= 4
        else:
            if page == 7:
                c.drawString(45, y, "References")
                y -= 20
            for k in range(12):
                c.drawString(45, y, f"Author{page}{k}, Ada. 19{60 + k}. A grammar of a language. Berlin: Mouton.")
                y -= 12
        c.drawCentredString(W / 2, 25, str(page))
        c.showPage()
    c.save()
    (item,) = ingest_pdf(path)
    assert not any("Mouton" in p.text for p in item.passages if p.kind == "prose")
    assert any("Author70, Ada" in p.text for p in item.passages if p.kind == "back_matter")


def test_settle_sizes_leaves_a_typeset_book_in_a_few_sizes_alone() -> None:
    """Prose, examples and footnotes in three exact sizes, none of them most of the text: the median
    distance from the commonest size is a point, but the sizes are discrete, not scattered."""
    lines = [_line(10.0)] * 40 + [_line(9.0)] * 35 + [_line(8.0)] * 25 + [_line(12.0, "2.1 Word order")]
    typeset = [PageText(1, 100.0, 100.0, list(lines))]
    assert settle_sizes(typeset) == 0.0
    assert [ln.size for ln in typeset[0].lines] == [ln.size for ln in lines]

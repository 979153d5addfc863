"""Whole books: front matter (contents) and back matter (references, index) are stored but not
retrieved by default. Fixture PDFs are drawn here with reportlab."""

from __future__ import annotations

from pathlib import Path

import pytest

from grammar_rag.index import GrammarIndex
from grammar_rag.ingest import ingest_path

reportlab = pytest.importorskip("reportlab")
from reportlab.lib.pagesizes import A4  # noqa: E402
from reportlab.pdfgen import canvas  # noqa: E402

BODY = [
    "The basic constituent order of the language is verb subject object in main clauses,",
    "and this order is also found in most subordinate clauses of the narrative corpus.",
    "Word order in questions is the same as in declarative clauses of the language.",
]


def _book(path: Path) -> None:
    """Title page, two roman-numbered contents pages, four body pages (1-4), references, index."""
    c = canvas.Canvas(str(path), pagesize=A4)
    width, height = A4
    c.setFont("Helvetica-Bold", 24)
    c.drawString(72, height - 200, "A grammar of Kalamang")
    c.showPage()
    for k, folio in enumerate(("v", "vi")):
        c.setFont("Helvetica-Bold", 16)
        c.drawString(72, height - 100, "Contents")
        c.setFont("Helvetica", 10)
        for j in range(12):
            n = k * 12 + j + 1
            c.drawString(72, height - 140 - 16 * j, f"{n}.1 Basic constituent order of clauses {'. ' * 20} {n * 3}")
        c.drawCentredString(width / 2, 30, folio)
        c.showPage()
    for page in range(1, 5):
        c.setFont("Helvetica", 9)
        c.drawString(72, height - 40, "A grammar of Kalamang")
        c.setFont("Helvetica", 10)
        y = height - 100
        for para in range(3):
            for line in BODY:
                c.drawString(72, y, line if para else line.replace("basic", f"page {page} basic"))
                y -= 13
            y -= 10
        c.drawCentredString(width / 2, 30, str(page))
        c.showPage()
    c.setFont("Helvetica-Bold", 16)
    c.drawString(72, height - 100, "References")
    c.setFont("Helvetica", 10)
    for j in range(10):
        c.drawString(72, height - 140 - 16 * j,
                     f"Author{j}, Given. 200{j}. Basic constituent order of clauses in language {j}. Journal {j}.")
    c.drawCentredString(width / 2, 30, "5")
    c.showPage()
    c.setFont("Helvetica-Bold", 16)
    c.drawString(72, height - 100, "Subject index")
    c.setFont("Helvetica", 10)
    for j in range(10):
        c.drawString(72, height - 140 - 16 * j, f"constituent order, {j + 1}, {j + 2}")
    c.drawCentredString(width / 2, 30, "6")
    c.showPage()
    c.save()


def test_contents_and_references_are_matter_not_prose(tmp_path: Path) -> None:
    path = tmp_path / "book.pdf"
    _book(path)
    (item,) = ingest_path(path)
    kinds = {p.kind for p in item.passages}
    assert {"front_matter", "back_matter", "prose"} <= kinds
    toc = [p for p in item.passages if "Basic constituent order of clauses" in p.text and ". ." in p.text]
    refs = [p for p in item.passages if "Journal" in p.text]
    index_lines = [p for p in item.passages if "constituent order, 1" in p.text]
    assert toc and all(p.kind == "front_matter" for p in toc)
    assert refs and all(p.kind == "back_matter" for p in refs)
    assert index_lines and all(p.kind == "back_matter" for p in index_lines)
    body = [p for p in item.passages if "verb subject object" in p.text]
    assert body and all(p.kind == "prose" for p in body)


def test_matter_is_stored_but_not_retrieved_by_default(tmp_path: Path) -> None:
    path = tmp_path / "book.pdf"
    _book(path)
    index = GrammarIndex.create(tmp_path / "idx", "hashing-64")
    index.add_many(ingest_path(path))
    hits = index.retrieve("basic constituent order of clauses", k=10)
    assert hits.passages and all(sp.passage.kind not in ("front_matter", "back_matter") for sp in hits.passages)
    with_matter = index.retrieve("basic constituent order of clauses", k=50, include_matter=True)
    assert any(sp.passage.kind == "front_matter" for sp in with_matter.passages)
    assert any(sp.passage.kind == "back_matter" for sp in with_matter.passages)


def _page_of_body(path: Path) -> tuple[canvas.Canvas, float]:
    """A page of body text (``BODY``) and the height where the next line goes."""
    c = canvas.Canvas(str(path), pagesize=A4)
    y = A4[1] - 100
    for line in BODY:
        c.setFont("Helvetica", 10)
        c.drawString(72, y, line)
        y -= 13
    return c, y


def test_footnote_marks_do_not_stick_to_words(tmp_path: Path) -> None:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    path = tmp_path / "notes.pdf"
    c, y = _page_of_body(path)
    text = "Relative clauses with a gap are rare."
    c.setFont("Helvetica", 10)
    c.drawString(72, y, text)
    c.setFont("Helvetica", 6)
    c.drawString(72 + stringWidth(text, "Helvetica", 10) + 0.3, y + 4, "4")
    c.showPage()
    c.save()
    (item,) = ingest_path(path)
    joined = " ".join(p.text for p in item.passages)
    assert "are rare." in joined and "rare.4" not in joined


def test_footnote_mark_set_after_a_space_is_detached(tmp_path: Path) -> None:
    """"vowel deletion.\\footnote{...}" with a space before the command prints a word space, then
    the raised mark: it read "deletion. 12", a stray number in the sentence. A lowered (subscript)
    digit after a space, or a number in body type, is text and stays."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    path = tmp_path / "notes.pdf"
    c, y = _page_of_body(path)
    space = stringWidth(" ", "Helvetica", 10)
    for text, mark, raise_by in (("It appears after vowel deletion.", "12", 4.0),
                                 ("The slot is written C", "1", -2.0)):
        c.setFont("Helvetica", 10)
        c.drawString(72, y, text)
        c.setFont("Helvetica", 8)
        c.drawString(72 + stringWidth(text, "Helvetica", 10) + space, y + raise_by, mark)
        y -= 13
    c.setFont("Helvetica", 10)
    c.drawString(72, y, "The recordings were made in 12 villages.")
    c.showPage()
    c.save()
    (item,) = ingest_path(path)
    joined = " ".join(p.text for p in item.passages)
    assert "vowel deletion." in joined and "deletion. 12" not in joined
    assert "written C 1" in joined and "in 12 villages" in joined


def test_passage_stats_count_short_matter_and_kinds() -> None:
    from grammar_rag.ingest.quality import passage_stats
    from grammar_rag.types import Passage

    def p(text: str, kind: str = "prose", section: tuple[str, ...] = ("1 Intro",)) -> Passage:
        return Passage(grammar_id="g", passage_id=f"g:{len(text)}{kind}", text=text, page_start="3",
                       section=section, kind=kind)  # type: ignore[arg-type]

    stats = passage_stats([p("x" * 50), p("y" * 150), p("z" * 300, "example"), p("1 Intro . . . 3", "front_matter"),
                           p("Smith 2001. Title.", "back_matter", ())])
    assert stats["passages"] == 5 and stats["retrievable"] == 3
    assert stats["short_share"] == round(1 / 3, 4)
    assert (stats["front_matter"], stats["back_matter"]) == (1, 1)
    assert stats["kinds"] == {"back_matter": 1, "example": 1, "front_matter": 1, "prose": 2}
    assert stats["with_section"] == 1.0

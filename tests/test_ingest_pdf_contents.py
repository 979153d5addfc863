"""A PDF without an outline: section paths from its printed table of contents.

The book is drawn with reportlab in the test, after the conventions typeset grammars share: a
contents page in the front matter ("2.2 Case . . . . 5"), a Part printed on its own page ("Part I"
over its title), chapter and section headings in larger bold type, a title wrapped over two lines,
a numbered heading below the contents' deepest level, a run-in heading in bold opening its
paragraph, and a line in large type that is no heading. Nothing depends on ../shared.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from grammar_rag.ingest.pdf import ingest_pdf
from grammar_rag.ingest.pdf_contents import parse_contents
from grammar_rag.ingest.pdf_layout import Line, PageText, remove_line_numbers
from grammar_rag.ingest.quality import toc_match

reportlab = pytest.importorskip("reportlab")
from reportlab.lib.pagesizes import A4  # noqa: E402
from reportlab.pdfbase.pdfmetrics import stringWidth  # noqa: E402
from reportlab.pdfgen import canvas  # noqa: E402

W, H = A4
LEFT = 72
RIGHT = W - 72
FONT, BOLD = "Helvetica", "Helvetica-Bold"
PROSE = [
    "Clauses in this language are verb-initial, and the subject follows the verb in",
    "most declarative clauses, although topicalised subjects may come first when they",
    "are contrastive, as the examples in this section show for both kinds of clause.",
]
WRAPPED = "2.1 Nominal number and the marking of plurality in possessed nouns"
# (level, title, page) of every heading, as an outline would list them: what the paths must follow
TOC = [
    (1, "1 Introduction", "1"),
    (2, "1.1 Scope of this grammar", "1"),
    (0, "I Morphology", "3"),
    (1, "2 Nouns", "4"),
    (2, WRAPPED, "4"),
    (2, "2.2 Case", "5"),
    (3, "2.2.1 Ergative marking", "5"),
    (3, "2.2.2 Dative", "5"),
]


def _prose(c: canvas.Canvas, y: float, times: int = 3) -> float:
    c.setFont(FONT, 10)
    for _ in range(times):
        for k, line in enumerate(PROSE):
            c.drawString(LEFT + (15 if k == 0 else 0), y, line)
            y -= 13
        y -= 10
    return y


def _heading(c: canvas.Canvas, y: float, text: str, size: float) -> float:
    c.setFont(BOLD, size)
    c.drawString(LEFT, y, text)
    return y - size * 2.2


def _end_page(c: canvas.Canvas, folio: str) -> None:
    c.setFont(FONT, 10)
    c.drawCentredString(W / 2, 30, folio)
    c.showPage()


def _contents_line(c: canvas.Canvas, y: float, indent: float, text: str, page: str, *, bold: bool = False,
                   size: float = 10, leaders: bool = True) -> float:
    font = BOLD if bold else FONT
    c.setFont(font, size)
    c.drawString(LEFT + indent, y, text)
    c.drawRightString(RIGHT, y, page)
    if leaders:
        x = LEFT + indent + stringWidth(text, font, size) + 6
        c.drawString(x, y, " ." * int((RIGHT - 20 - x) / stringWidth(" .", font, size)))
    return y - size * 1.5


def _book(path: Path, shift: int = 0) -> None:
    """Five body pages after a contents page; ``shift`` misprints the contents' page numbers."""
    def at(page: int) -> str:
        return str(page + shift)

    c = canvas.Canvas(str(path), pagesize=A4)  # no bookmarks: no outline
    c.setFont(BOLD, 24)
    c.drawCentredString(W / 2, H / 2, "A grammar of Testish")
    c.showPage()
    # the printed contents, in the front matter (roman folio)
    y = _heading(c, H - 100, "Contents", 20)
    y = _contents_line(c, y, 0, "1 Introduction", at(1), bold=True, leaders=False)
    y = _contents_line(c, y, 15, "1.1 Scope of this grammar", at(1))
    y = _contents_line(c, y - 8, 0, "I Morphology", at(3), bold=True, size=12, leaders=False)
    y = _contents_line(c, y, 0, "2 Nouns", at(4), bold=True, leaders=False)
    c.setFont(FONT, 10)
    c.drawString(LEFT + 15, y, "2.1 Nominal number and the marking of plurality in")  # wrapped: no page here
    y = _contents_line(c, y - 15, 35, "possessed nouns", at(4))
    _contents_line(c, y, 15, "2.2 Case", at(5))
    _end_page(c, "v")
    # page 1: chapter and section
    y = _heading(c, H - 100, "1 Introduction", 16)
    y = _heading(c, y, "1.1 Scope of this grammar", 12)
    _prose(c, y)
    _end_page(c, "1")
    # page 2: a label in large type (a map's), not a heading
    y = _prose(c, H - 100, 2)
    c.setFont(FONT, 14)
    c.drawString(LEFT + 40, y - 10, "Map of the island")
    _prose(c, y - 40, 2)
    _end_page(c, "2")
    # page 3: the Part's own page, centred
    c.setFont(BOLD, 20)
    c.drawCentredString(W / 2, H / 2 + 40, "Part I")
    c.setFont(BOLD, 24)
    c.drawCentredString(W / 2, H / 2, "Morphology")
    _end_page(c, "3")
    # page 4: a chapter and a section whose title wraps
    y = _heading(c, H - 100, "2 Nouns", 16)
    c.setFont(BOLD, 12)
    c.drawString(LEFT, y, "2.1 Nominal number and the marking of plurality in")
    y = _heading(c, y - 15, "possessed nouns", 12)
    _prose(c, y)
    _end_page(c, "4")
    # page 5: a section, a deeper numbered heading, and a run-in heading opening its paragraph
    y = _heading(c, H - 100, "2.2 Case and its marking", 12)  # worded longer than its contents line
    y = _prose(c, y, 1)
    y = _heading(c, y - 6, "2.2.1 Ergative marking", 11)
    y = _prose(c, y, 1)
    c.setFont(BOLD, 10)
    c.drawString(LEFT, y - 6, "2.2.2 Dative")
    c.setFont(FONT, 10)
    c.drawString(LEFT + stringWidth("2.2.2 Dative", BOLD, 10) + 6, y - 6,
                 "The dative marks recipients and experiencers of verbs of")
    c.drawString(LEFT, y - 19, "perception, and the goal of motion verbs when it is animate.")
    _end_page(c, "5")
    c.save()


def test_contents_page_gives_section_paths_without_an_outline(tmp_path: Path) -> None:
    path = tmp_path / "contents.pdf"
    _book(path)
    (item,) = ingest_pdf(path, use_outline=False)
    by_page: dict[str, set[tuple[str, ...]]] = {}
    for p in item.passages:
        if p.kind not in ("front_matter", "back_matter"):
            by_page.setdefault(p.page_start or "", set()).add(p.section)
    intro = ("1 Introduction", "1.1 Scope of this grammar")
    assert by_page["1"] == {intro}
    assert by_page["2"] == {intro}  # the large-type label cut no path
    assert by_page["4"] == {("I Morphology", "2 Nouns", WRAPPED)}  # Part level; the whole wrapped title
    case = ("I Morphology", "2 Nouns", "2.2 Case")
    assert by_page["5"] == {case, (*case, "2.2.1 Ergative marking"), (*case, "2.2.2 Dative")}
    assert toc_match(item.passages, TOC) == 1.0
    texts = "\n".join(p.text for p in item.passages if p.kind == "prose")
    # headings never become text; the label and the run-in heading's paragraph do
    assert not any(h in texts for h in ("possessed nouns", "Part I", "Morphology", "2.2 Case", "its marking", "Ergative"))
    assert "Map of the island" in texts
    dative = [p for p in item.passages if p.section == (*case, "2.2.2 Dative")]
    assert len(dative) == 1 and dative[0].text.startswith("The dative marks recipients")


def test_contents_listing_other_pages_leaves_headings_to_type(tmp_path: Path) -> None:
    """A contents page whose numbers match no page (another edition's): its entries are found
    nowhere, and headings are read by type and numbering as without contents; none becomes text."""
    path = tmp_path / "misprinted.pdf"
    _book(path, shift=40)
    (item,) = ingest_pdf(path, use_outline=False)
    on_1 = {p.section for p in item.passages if p.page_start == "1"}
    assert on_1 == {("1 Introduction", "1.1 Scope of this grammar")}
    assert not any("1 Introduction" in p.text for p in item.passages if p.kind == "prose")


def test_chapter_numbers_left_of_contents_titles_are_not_line_numbers() -> None:
    """Chapter numbers stand left of every other word on a contents page, rising down it, as margin
    line numbers do; they are no line numbers: they come at no regular pitch."""
    def word(text: str, x0: float, top: float) -> dict[str, object]:
        return {"text": text, "x0": x0, "x1": x0 + 6 * len(text), "top": top, "bottom": top + 10, "size": 10}

    chapters = [word(str(n), 58, top) for n, top in zip(range(12, 17), (79, 196, 242, 455, 585), strict=True)]
    titles = [word("Title", 80, top) for top in range(79, 600, 12)]
    assert len(remove_line_numbers(chapters + titles)) == len(chapters) + len(titles)
    numbered = [word(str(n), 30, 79 + 12 * (n - 1)) for n in range(1, 30)]  # one a line: line numbers
    assert remove_line_numbers(numbered + titles) == titles


def test_contents_lines_parse_into_entries_with_depths() -> None:
    """Depth from the numbering (a Part's roman numeral above chapters), else from indentation; a
    wrapped title joined (its first line ending in "II", no page number: roman pages are lower case)."""
    def line(text: str, x0: float, top: float) -> Line:
        return Line(text, x0, 400, top, top + 10, 10)

    rows = [("Contents", 72), ("Acknowledgments xi", 72), ("1 Introduction 1", 72),
            ("1.1 Scope of this grammar . . . . . 2", 87), ("I Morphology 5", 72), ("2 Verbs 7", 72),
            ("2.1 Experiential I and II", 87), ("in the past . . . . . 7", 110),
            ("Texts from the 1970s . . . . . 9", 87), ("Appendix A: Texts 11", 72), ("References 20", 72)]
    page = PageText(3, W, H, [line(text, x0, 100 + 14 * k) for k, (text, x0) in enumerate(rows)])
    entries = parse_contents([page], ["front"])
    assert [(e.number, e.title, e.page, e.depth) for e in entries] == [
        ("", "Acknowledgments", "xi", 1),
        ("1", "1 Introduction", "1", 1),
        ("1.1", "1.1 Scope of this grammar", "2", 2),
        ("I", "I Morphology", "5", 0),
        ("2", "2 Verbs", "7", 1),
        ("2.1", "2.1 Experiential I and II in the past", "7", 2),
        ("", "Texts from the 1970s", "9", 2),  # unnumbered, indented as sections are
        ("A", "Appendix A: Texts", "11", 1),
        ("", "References", "20", 1),
    ]


def test_text_contents_nest_dotted_unnumbered_entries_under_the_entry_above_without_leaders() -> None:
    """Plain text has no indentation: an appendix's unnumbered texts ("Te tātane taŋata - The devilman
    . . . 575" under "Appendix A: Interlinear texts 575") were read as chapters beside it. A typeset
    contents prints chapter-level entries without dot leaders and the entries under them with, so in
    text a dotted unnumbered entry is a child of the last entry printed without; with positions the
    indentation decides as before."""
    rows = ["Contents", "Acknowledgments . . . . . xi", "1 Introduction 1", "1.1 Scope . . . . . 2",
            "Appendix A: Interlinear texts 575", "The devilman (R215) . . . . . 575", "Ataranga (R352) . . . . . 579",
            "Appendix B: The text corpus 591", "Older texts . . . . . 591", "References 595"]
    page = PageText(3, W, H, [Line(text, 0.0, float(len(text)), float(k), k + 0.8, 10.0) for k, text in enumerate(rows)])
    entries = parse_contents([page], ["front"], unindented_wraps=True)
    assert [(e.title, e.depth) for e in entries] == [
        ("Acknowledgments", 1),  # nothing above it: the chapters' depth
        ("1 Introduction", 1), ("1.1 Scope", 2),
        ("Appendix A: Interlinear texts", 1), ("The devilman (R215)", 2), ("Ataranga (R352)", 2),
        ("Appendix B: The text corpus", 1), ("Older texts", 2),
        ("References", 1),
    ]

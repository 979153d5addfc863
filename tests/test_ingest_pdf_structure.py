"""PDF book structure: examples, tables, footnotes, outline headings, running heads, short units.

Every PDF here is drawn with reportlab in the test, after the conventions typeset grammars share
(example numbers at the margin, indented gloss lines, quoted translations, table captions, smaller
footnotes at the page foot, an outline of bookmarks). Nothing depends on ../shared.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from grammar_rag.ingest import ingest_path
from grammar_rag.ingest.pdf import ingest_pdf
from grammar_rag.ingest.quality import passage_stats, printed_contents_match, toc_match, toc_matches
from grammar_rag.types import Passage

reportlab = pytest.importorskip("reportlab")
from reportlab.lib.pagesizes import A4  # noqa: E402
from reportlab.pdfbase.pdfmetrics import stringWidth  # noqa: E402
from reportlab.pdfgen import canvas  # noqa: E402

W, H = A4
LEFT = 72
FONT = "Helvetica"
PROSE = [
    "Clauses in this language are verb-initial, and the subject follows the verb in",
    "most declarative clauses, although topicalised subjects may come first when they",
    "are contrastive, as the examples in this section show for both kinds of clause.",
]


def _prose(c: canvas.Canvas, y: float, lines: list[str] = PROSE, size: float = 10) -> float:
    c.setFont(FONT, size)
    for k, line in enumerate(lines):
        c.drawString(LEFT + (15 if k == 0 else 0), y, line)
        y -= 13
    return y - 10


def _example(c: canvas.Canvas, y: float, number: str, vernacular: str, gloss: str, translation: str) -> float:
    c.setFont(FONT, 10)
    c.drawString(LEFT, y, number)
    c.drawString(LEFT + 35, y, vernacular)
    c.drawString(LEFT + 35, y - 13, gloss)
    c.drawString(LEFT + 35, y - 28, translation)
    return y - 52


def _folio(c: canvas.Canvas, n: int) -> None:
    c.setFont(FONT, 10)
    c.drawCentredString(W / 2, 30, str(n))


def test_numbered_examples_are_whole_and_typed_example(tmp_path: Path) -> None:
    path = tmp_path / "examples.pdf"
    c = canvas.Canvas(str(path), pagesize=A4)
    y = _prose(c, H - 100)
    y = _example(c, y, "(12)", "Ka tere te poki ki te hare.", "cntg run art child to art house",
                 "‘The child runs to the house.’ [T1.004]")
    y = _example(c, y, "(13a)", "He oho a Hina.", "ntr go prop Hina", "‘Hina went.’")
    _prose(c, y)
    c.showPage()
    c.save()
    (item,) = ingest_path(path)
    examples = [p for p in item.passages if p.kind == "example"]
    assert len(examples) == 2
    first = examples[0].text.splitlines()
    assert first[0].startswith("(12) Ka tere") and first[1].startswith("cntg run") and first[2].startswith("‘The child")
    assert examples[1].text.startswith("(13a) He oho")
    prose = [p for p in item.passages if p.kind == "prose"]
    assert prose and not any("cntg run" in p.text or "(12)" in p.text for p in prose)
    assert passage_stats(item.passages)["example_lines"] == {"numbered": 2, "interlinear": 2, "whole": 2, "whole_share": 1.0}


def test_lead_in_line_joins_its_example(tmp_path: Path) -> None:
    path = tmp_path / "lead.pdf"
    c = canvas.Canvas(str(path), pagesize=A4)
    y = _prose(c, H - 100)
    y = _prose(c, y, ["Sometimes the particle means ‘for the first time’:"])
    _example(c, y, "(4)", "He piri iho mai ki a au.", "ntr meet just hither to prop 1sg", "‘I meet him for the first time.’")
    c.showPage()
    c.save()
    (item,) = ingest_path(path)
    (example,) = [p for p in item.passages if p.kind == "example"]
    assert example.text.startswith("Sometimes the particle means") and "(4) He piri" in example.text
    assert all(len(p.text) >= 100 for p in item.passages)


def test_table_is_typed_table_with_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "table.pdf"
    c = canvas.Canvas(str(path), pagesize=A4)
    y = _prose(c, H - 100)
    c.setFont(FONT, 10)
    c.drawString(LEFT + 100, y - 8, "Table 3.1: Personal pronouns")
    y -= 40
    rows = [("person", "singular", "plural"), ("1", "au", "matou"), ("2", "koe", "koutou"), ("3", "ia", "ratou")]
    for row in rows:
        for k, cell in enumerate(row):
            c.drawString(LEFT + 20 + 110 * k, y, cell)
        y -= 14
    _prose(c, y - 25)
    c.showPage()
    c.save()
    (item,) = ingest_path(path)
    (table,) = [p for p in item.passages if p.kind == "table"]
    lines = table.text.splitlines()
    assert lines[0] == "Table 3.1: Personal pronouns"
    assert lines[1:] == ["person singular plural", "1 au matou", "2 koe koutou", "3 ia ratou"]
    assert not any("koutou" in p.text for p in item.passages if p.kind != "table")


@pytest.mark.parametrize("mark_size", [6.0, 8.2])  # marks in real books read back at 0.80-0.82 of the body size
def test_footnote_is_detached_and_stored_with_the_citing_passage(tmp_path: Path, mark_size: float) -> None:
    path = tmp_path / "notes.pdf"
    c = canvas.Canvas(str(path), pagesize=A4)
    y = _prose(c, H - 100)
    text = "Relative clauses with a gap are rare."
    c.setFont(FONT, 10)
    c.drawString(LEFT, y, text)
    c.setFont(FONT, mark_size)
    c.drawString(LEFT + stringWidth(text, FONT, 10) + 0.3, y + 4, "4")
    y = _prose(c, y - 23)
    c.setFont(FONT, 8)
    c.drawString(LEFT, 110, "4 Only two speakers used them, both in fast speech, and never in")
    c.drawString(LEFT + 8, 100, "elicitation sessions.")
    c.showPage()
    c.save()
    (item,) = ingest_path(path)
    citing = [p for p in item.passages if "are rare." in p.text]
    assert len(citing) == 1 and "rare.4" not in citing[0].text
    assert citing[0].notes == ("4 Only two speakers used them, both in fast speech, and never in elicitation sessions.",)
    assert not any("fast speech" in p.text for p in item.passages)


def _outline_book(path: Path, *, outline: bool) -> None:
    """Four pages; headings printed without spaces between words (as pdfium reads some heading
    fonts), varying running heads, folios 1-4, and (``outline``) bookmarks with the real titles."""
    c = canvas.Canvas(str(path), pagesize=A4)
    headings = {1: [(0, "1 Clauses", "1Clauses", 16)], 3: [(1, "1.1 Word order", "1.1Wordorder", 12)]}
    for page in range(1, 5):
        if page % 2 == 0:  # the chapter's running head on even pages: too rare to be caught as repeating
            c.setFont(FONT, 10)
            c.drawString(LEFT, H - 40, "1 Clauses")
        y = H - 100
        for n, (level, title, printed, size) in enumerate(headings.get(page, [])):
            key = f"h{page}.{n}"
            c.bookmarkPage(key, fit="XYZ", left=0, top=y + size + 2)
            if outline:
                c.addOutlineEntry(title, key, level=level)
            c.setFont(FONT, size)
            c.drawString(LEFT, y, printed)
            y -= 30
        for _ in range(3):
            y = _prose(c, y)
        _folio(c, page)
        c.showPage()
    c.save()


def test_outline_gives_section_paths_and_headings_never_become_text(tmp_path: Path) -> None:
    path = tmp_path / "outline.pdf"
    _outline_book(path, outline=True)
    (item,) = ingest_path(path)
    sections = {p.section for p in item.passages}
    assert sections == {("1 Clauses",), ("1 Clauses", "1.1 Word order")}
    assert not any("Wordorder" in p.text or "1Clauses" in p.text for p in item.passages)
    on_3 = [p for p in item.passages if p.page_start == "3"]
    assert on_3 and on_3[-1].section == ("1 Clauses", "1.1 Word order")
    toc = [(0, "1 Clauses", "1"), (1, "1.1 Word order", "3")]
    assert toc_match(item.passages, toc) == 1.0


def test_running_heads_never_become_headings_without_an_outline(tmp_path: Path) -> None:
    path = tmp_path / "heads.pdf"
    _outline_book(path, outline=False)
    (item,) = ingest_pdf(path, use_outline=False)
    assert not any("1 Clauses" in p.text for p in item.passages)
    # the running head on page 4 does not cut the path back to the chapter
    page_4 = [p for p in item.passages if p.page_start == "4"]
    assert page_4 and all(len(p.section) == 2 for p in page_4)
    assert all(len(p.section) == 1 for p in item.passages if p.page_start in ("1", "2"))


def test_small_glyph_stays_in_its_line(tmp_path: Path) -> None:
    """A glyph set smaller and lower (a saltillo, an IPA sign) is part of its line, not a line."""
    path = tmp_path / "glyph.pdf"
    c = canvas.Canvas(str(path), pagesize=A4)
    y = H - 100
    c.setFont(FONT, 10)
    first = "The word tu"
    c.drawString(LEFT, y, first)
    x = LEFT + stringWidth(first, FONT, 10)
    c.setFont(FONT, 7)
    c.drawString(x, y - 0.5, "x")
    c.setFont(FONT, 10)
    c.drawString(x + stringWidth("x", FONT, 7), y, "u ‘to arrive’ is written with a glottal stop in every word list.")
    _prose(c, y - 13)
    c.showPage()
    c.save()
    (item,) = ingest_path(path)
    assert any("The word tuxu ‘to arrive’ is written" in p.text for p in item.passages)


def test_toc_match_is_strict_about_titles_and_pages() -> None:
    def p(section: tuple[str, ...], page: str, kind: str = "prose") -> Passage:
        return Passage("g", f"g:{page}{section}", "text " * 30, page, page, section, kind)  # type: ignore[arg-type]

    toc = [(0, "2 Clauses", "5"), (1, "2.1 Word order", "7"), (0, "3 Nouns", "12")]
    passages = [
        p(("2 Clauses",), "5"),
        p(("2 Clauses", "2.1 Word order"), "7"),  # heading on its page
        p(("2 Clauses", "2.1 Word order"), "9"),
        p(("2 Clauses", "2.1 Wordorder"), "9"),  # squashed title
        p(("2 Clauses",), "10"),  # should be in 2.1 by then
        p(("3 Nouns",), "13"),
        p(("Contents",), "iii", "front_matter"),  # not retrievable: not counted
    ]
    assert toc_match(passages, toc) == pytest.approx(4 / 6, abs=1e-4)


def test_toc_match_ignores_how_an_outline_renders_quotes_slashes_and_glottal_stops() -> None:
    """A LaTeX-built PDF's outline holds TeX's rendering of a title ("`remain'", "=sat=satːin",
    "Me e" for "Meꞌe"); the printed title read from the page must still match it, and a title
    whose words ran together must not."""
    def p(title: str, page: str) -> Passage:
        return Passage("g", f"g:{page}{title}", "text " * 30, page, page, ("15 Verbs", title), "prose")

    toc = [(0, "15 Verbs", "3"), (1, "15.2 Verb forms with kelgʷ- `remain'", "4"),
           (1, "15.3 The enclitics =sat=satːin", "6"), (1, "15.4 Me e rahi `much'", "8"),
           (1, "15.5 Verb forms with b-el", "10")]
    passages = [p("15.2 Verb forms with kelgʷ- ‘remain’", "4"), p("15.3 The enclitics =sat/=satːin", "6"),
                p("15.4 Meꞌe rahi ‘much’", "8"), p("15.5 Verb formswith b-el", "10")]
    assert toc_matches(passages, toc) == {passages[0].passage_id: True, passages[1].passage_id: True,
                                          passages[2].passage_id: True, passages[3].passage_id: False}


def test_printed_contents_match_leaves_out_outline_entries_the_contents_do_not_print() -> None:
    """An outline entry without a title ("6.3.1.1", a numbered run-in item) or an unnumbered run-in
    subheading ("Subject") is not in the printed contents; a text reader cannot show it, so the
    printed-contents figure compares paths only as deep as the contents go. A wrong title still fails."""
    def p(section: tuple[str, ...], page: str) -> Passage:
        return Passage("g", f"g:{page}{section}", "text " * 30, page, page, section, "prose")

    toc = [(0, "6 Possession", "290"), (1, "6.3 Semantics", "291"), (2, "6.3.1", "291"), (2, "6.3.2", "292"),
           (1, "6.4 Kinship", "294"), (2, "Subject", "295")]
    listed = ["6 Possession", "6.3 Semantics", "6.4 Kinship"]  # as the contents print them
    passages = [
        p(("6 Possession", "6.3 Semantics"), "291"),
        p(("6 Possession", "6.3 Semantics", "6.3.1 Ownership:"), "291"),  # the run-in item as printed
        p(("6 Possession", "6.3 Semantics", "6.3.2 Whole/part relations:"), "292"),
        p(("6 Possession", "6.4 Kinship"), "296"),  # under the bold run-in "Subject"
        p(("6 Possession", "6.3 Semantics"), "297"),  # should be in 6.4 by then
    ]
    assert toc_match(passages, toc) == pytest.approx(1 / 5, abs=1e-4)
    assert printed_contents_match(passages, toc, listed) == pytest.approx(4 / 5, abs=1e-4)


def test_passage_notes_round_trip_and_old_records_load() -> None:
    with_notes = Passage("g", "g:1", "Gaps are rare.", "3", "3", ("1 Clauses",), "prose", 0, ("4 In fast speech.",))
    assert Passage.from_dict(with_notes.to_dict()) == with_notes
    plain = Passage("g", "g:2", "No notes here.")
    assert "notes" not in plain.to_dict()  # stored shape unchanged for passages without notes
    assert Passage.from_dict({"grammar_id": "g", "passage_id": "g:2", "text": "No notes here."}) == plain


def test_example_figures_count_split_interlinear_examples() -> None:
    def p(text: str, kind: str, n: int) -> Passage:
        return Passage("g", f"g:{n}", text, "1", "1", ("1 Clauses",), kind, n)  # type: ignore[arg-type]

    passages = [
        p("(1) Ka oho.\ncntg go\n‘He goes.’", "example", 0),  # whole
        p("(2) He oho a Hina.\nntr go prop Hina", "example", 1),  # translation cut off into the next passage
        p("‘Hina went.’ [T2.001]", "prose", 2),
        p("(3) Stress falls on the penultimate syllable.", "example", 3),  # a numbered rule, not interlinear
        p("as in the following:\n(4) Ka tere.", "prose", 4),  # number left in prose
    ]
    assert passage_stats(passages)["example_lines"] == {"numbered": 4, "interlinear": 3, "whole": 1, "whole_share": 0.3333}


def test_gloss_line_is_never_a_heading_without_an_outline(tmp_path: Path) -> None:
    """"1SG 2SG window-GEN" opens like a numbered heading glued to its title ("8Theverbalclause")."""
    path = tmp_path / "gloss.pdf"
    c = canvas.Canvas(str(path), pagesize=A4)
    y = _prose(c, H - 100)
    y = _example(c, y, "(39)", "dam u balnica-la ame-r", "1SG 2SG window-GEN hospital-IN", "‘I saw you from the window.’")
    _prose(c, y)
    c.showPage()
    c.save()
    (item,) = ingest_pdf(path, use_outline=False)
    (example,) = [p for p in item.passages if p.kind == "example"]
    assert "1SG 2SG window-GEN" in example.text and "‘I saw you" in example.text
    assert all(p.section == () for p in item.passages)

"""A book's publication year, and so its id: stated years, build stamps, and what the book dates.

Fixtures are made here: small LaTeX trees (README, .bib, a signed preface) and reportlab PDFs
whose CreationDate is set apart from the year they print. The language is Kalamang (resolved
from the title against the bundled Glottolog), the author made up.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from grammar_rag.ingest import ingest_path
from grammar_rag.ingest.book_year import (
    YearEvidence,
    dated_years,
    publication_year,
    reference_list_years,
    source_stated_year,
)

REFERENCES = """Able, Ann. 2014. Clause chaining in Papuan languages. Journal of Linguistics 5. 1-20.
Baker, Bob. 2021a. Verb-final order revisited. Studies in Language 9. 33-60.
Cole, Cat. 2029. A future paper. Oceanic Linguistics. To appear.
"""


# -- the rules ----------------------------------------------------------------------------------
def test_reference_list_years_leave_out_forthcoming_works() -> None:
    assert reference_list_years(REFERENCES) == [2014, 2021]
    assert reference_list_years("Dunn, Dan. Forthcoming. A grammar. Berlin: Press.") == []


def test_dates_written_with_a_month() -> None:
    text = "defended in July\n2016.\n\\textit{Leiden, January~2017} and on March 3, 2019; page 2063."
    assert dated_years(text) == [2016, 2017, 2019]


def test_year_a_source_sets_for_itself() -> None:
    assert source_stated_year(r"\renewcommand{\lsYear}{2018}") == 2018
    assert source_stated_year(r"\def\pubyear{2019}") == 2019
    assert source_stated_year(r"\date{Berlin, May 2020}") == 2020
    assert source_stated_year(r"\newcommand{\lsYear}{\the\year} \date{\today}") is None


def test_imprint_year_equal_to_the_build_year_is_checked_against_dated_content(
    caplog: pytest.LogCaptureFixture,
) -> None:
    stamped = YearEvidence("book.pdf", stated=2026, stated_how="imprint", built=2026)
    stamped.floor("reference list", [2014, 2022])
    with caplog.at_level(logging.WARNING):
        assert publication_year(stamped) == 2022
    assert "built" in caplog.text and "--meta year=" in caplog.text
    recent = YearEvidence("book.pdf", stated=2026, stated_how="imprint", built=2026)
    recent.floor("reference list", [2025])  # a book published the year its file was made
    assert publication_year(recent) == 2026
    other = YearEvidence("book.pdf", stated=2017, stated_how="imprint", built=2026)
    other.floor("reference list", [2012])
    assert publication_year(other) == 2017  # not the build's year: as printed


def test_newest_dated_content_without_a_stated_year_and_the_build_year_last() -> None:
    ev = YearEvidence("src", built=2026)
    ev.floor("dated text", [2016, 2017])
    ev.floor("cited works", [2016, 2031])  # after the file was built: not a date of the book
    assert publication_year(ev) == 2017
    assert publication_year(YearEvidence("src", built=2026)) == 2026
    assert publication_year(YearEvidence("src")) is None


# -- LaTeX sources ------------------------------------------------------------------------------
BIB = """@book{able2014, author = {Able, Ann}, title = {Clauses}, year = {2014}}
@article{baker2020, author = {Baker, Bob}, title = {Order}, journal = {SL}, year = {2020}}
@article{cole2023, author = {Cole, Cat}, title = {Future}, journal = {OL}, year = {2023}, pubstate = {forthcoming}}
@article{dunn2024, author = {Dunn, Dan}, title = {Never cited}, journal = {OL}, year = {2024}}
"""


def _latex_book(root: Path, body: str, readme: str, preamble: str = "") -> Path:
    root.mkdir(parents=True)
    (root / "main.tex").write_text(
        "\\documentclass{book}\n\\title{A grammar of Kalamang}\n\\author{Ana Example}\n" + preamble
        + "\\begin{document}\n\\chapter{Introduction}\n"
        "Kalamang has verb-final order in main clauses and a set of postpositions.\n" + body
        + "\n\\end{document}\n",
        encoding="utf-8",
    )
    (root / "localbibliography.bib").write_text(BIB, encoding="utf-8")
    (root / "README.md").write_text(readme, encoding="utf-8")
    return root


def test_latex_year_is_never_before_the_newest_work_it_cites(tmp_path: Path) -> None:
    """A README's copyright line dates the repository; the book cites a later published work."""
    src = _latex_book(tmp_path / "src", "See \\citet{able2014}, \\citet{baker2020} and \\citet{cole2023}.",
                      "# x\n- Publication Date: not yet published\n\nCopyright: (c) 2019, the author.\n")
    (item,) = ingest_path(src)
    assert (item.grammar.year, item.grammar.id) == (2020, "example2020kalamang")


def test_latex_year_from_a_signed_preface(tmp_path: Path) -> None:
    body = ("As \\citet{able2014} notes, the order is fixed.\n\n"
            "Ana Example\n\n\\textit{Leiden, The Netherlands, January 2017}\n")
    (item,) = ingest_path(_latex_book(tmp_path / "src", body, "# 124\nA grammar of Kalamang\n"))
    assert (item.grammar.year, item.grammar.id) == (2017, "example2017kalamang")


def test_latex_stated_year_wins(tmp_path: Path) -> None:
    src = _latex_book(tmp_path / "a", "See \\citet{baker2020}.", "# x\nCopyright: (c) 2019\n",
                      preamble="\\renewcommand{\\lsYear}{2021}\n")
    assert ingest_path(src)[0].grammar.year == 2021
    src = _latex_book(tmp_path / "b", "See \\citet{baker2020}.", "# x\n- Publication Date: 2022\n")
    assert ingest_path(src)[0].grammar.year == 2022


# -- PDFs ---------------------------------------------------------------------------------------
def _pdf_book(path: Path, imprint: list[str], references: str, built: int, *, heading: str = "References",
              body_pages: int = 4) -> Path:
    pytest.importorskip("reportlab")
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=A4)
    c.setDateFormatter(lambda *_: f"D:{built}0601120000+00'00'")  # the year the file was built
    c.setTitle("A grammar of Kalamang")
    c.setAuthor("Ana Example")
    _width, height = A4
    c.setFont("Helvetica-Bold", 24)
    c.drawString(72, height - 200, "A grammar of Kalamang")
    c.showPage()
    c.setFont("Helvetica", 10)
    for k, line in enumerate(imprint):
        c.drawString(72, height - 200 - 14 * k, line)
    c.showPage()
    for _ in range(body_pages):
        c.setFont("Helvetica", 10)
        for k in range(30):
            c.drawString(72, height - 100 - 14 * k, f"Kalamang has verb-final order in main clauses, line {k}.")
        c.showPage()
    c.setFont("Helvetica-Bold", 16)
    c.drawString(72, height - 100, heading)
    c.setFont("Helvetica", 10)
    for k, line in enumerate(references.splitlines()):
        c.drawString(72, height - 140 - 14 * k, line)
    c.showPage()
    c.save()
    return path


def test_pdf_imprint_stamped_by_the_build_gives_way_to_the_reference_list(
    tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    """A book rebuilt from its sources in 2030 prints 2030 on its imprint; its works cited end in 2021."""
    path = _pdf_book(tmp_path / "book.pdf", ["Ana Example. 2030. A grammar of Kalamang. Berlin: Example Press.",
                                             "© 2030, Ana Example"], REFERENCES, built=2030)
    with caplog.at_level(logging.WARNING):
        (item,) = ingest_path(path)
    assert (item.grammar.year, item.grammar.id) == (2021, "example2021kalamang")
    assert "low confidence" in caplog.text


def test_pdf_reference_list_found_without_its_heading(tmp_path: Path) -> None:
    """No back matter found (an unrecognised heading): entries are read past the imprint pages."""
    path = _pdf_book(tmp_path / "book.pdf", ["Ana Example. 2030. A grammar of Kalamang."], REFERENCES, built=2030,
                     heading="Works consulted", body_pages=8)
    assert ingest_path(path)[0].grammar.year == 2021


def test_pdf_imprint_year_of_a_recent_book_is_kept(tmp_path: Path) -> None:
    refs = REFERENCES.replace("2021a", "2029a")
    path = _pdf_book(tmp_path / "book.pdf", ["© 2030, Ana Example"], refs, built=2030)
    assert ingest_path(path)[0].grammar.year == 2030


@pytest.mark.parametrize("line", ["Berlin: Example Press, 2019.", "First published 2019 by Example Press.",
                                  "Copyright © 2019 Ana Example"])
def test_pdf_printed_year_beats_the_creation_date(tmp_path: Path, line: str) -> None:
    path = _pdf_book(tmp_path / "book.pdf", [line], REFERENCES.replace("2021a", "2018a"), built=2030)
    assert ingest_path(path)[0].grammar.year == 2019


def test_pdf_creation_date_is_the_last_resort(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = _pdf_book(tmp_path / "book.pdf", ["Example Press"], "", built=2030)
    with caplog.at_level(logging.WARNING):
        assert ingest_path(path)[0].grammar.year == 2030
    assert "year the file was built" in caplog.text

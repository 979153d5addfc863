"""LaTeX passages get printed page numbers from a compiled PDF of the same book lying beside the
sources; a PDF of another book gives none (the alignment itself is the check)."""

from __future__ import annotations

from pathlib import Path

import pytest

from grammar_rag.ingest import ingest_path
from grammar_rag.ingest.latex_pages import candidate_pdfs, read_pdf_pages, words

pytest.importorskip("reportlab")
from reportlab.pdfgen import canvas

PARAGRAPHS = [  # over 100 characters each, so that each stays a passage of its own
    "Verbs agree with their subject in person and number through a set of prefixes on the stem, never suffixes.",
    "Nouns take a plural suffix only when they refer to humans and are definite in the discourse at that point.",
    "The ergative case marker attaches to the last word of the noun phrase whatever its class or its length is.",
    "Questions end in a rising intonation and need no particle except in the southern dialects near the coast.",
]
MAIN = (r"\documentclass{langscibook}\title{A grammar of Testish}\begin{document}\mainmatter"
        r"\chapter{Morphology}" + "\n\n".join(PARAGRAPHS[:2]) + r"\chapter{Syntax}" + "\n\n".join(PARAGRAPHS[2:])
        + r"\end{document}")


def _pdf(path: Path, paragraphs: list[str], first_folio: int) -> None:
    """One paragraph per page, printed folio at the foot, and a hyphen at a line end in each."""
    c = canvas.Canvas(str(path))
    for k, para in enumerate(paragraphs):
        head, tail = para[: len(para) // 2], para[len(para) // 2 :]
        first, _, rest = tail.partition(" ")
        c.drawString(60, 700, head + first[:2] + "-")  # a word hyphenated at the line end
        c.drawString(60, 685, first[2:] + " " + rest)
        c.drawString(300, 40, str(first_folio + k))
        c.showPage()
    c.save()


def _book(tmp_path: Path, paragraphs: list[str]) -> Path:
    book = tmp_path / "testish2024"
    (book / "latex").mkdir(parents=True)
    (book / "latex" / "main.tex").write_text(MAIN, encoding="utf-8")
    _pdf(book / "testish2024.pdf", paragraphs, first_folio=11)
    return book / "latex"


def test_passages_get_the_printed_page_of_the_pdf_beside_the_sources(tmp_path: Path) -> None:
    (item,) = ingest_path(_book(tmp_path, PARAGRAPHS))
    pages = {p.text.split()[0]: p.page_start for p in item.passages}
    # printed folios (11, 12, ...), not the PDF's physical page numbers (1, 2, ...)
    assert pages == {"Verbs": "11", "Nouns": "12", "The": "13", "Questions": "14"}
    assert all(p.citation.startswith("p. ") for p in item.passages)


def test_a_pdf_of_another_book_gives_no_pages(tmp_path: Path) -> None:
    other = [" ".join(reversed(p.split())) for p in PARAGRAPHS]  # same words, no common word runs
    (item,) = ingest_path(_book(tmp_path, other))
    assert [p.page_start for p in item.passages] == [None] * len(item.passages)


def test_folios_read_from_the_page_text_when_the_pdf_has_no_page_labels(tmp_path: Path) -> None:
    pdf = tmp_path / "x.pdf"
    _pdf(pdf, PARAGRAPHS, first_folio=7)
    texts, labels = read_pdf_pages(pdf)
    assert labels == ["7", "8", "9", "10"] and "Verbs agree" in texts[0]


def test_hyphenated_line_ends_read_like_the_source() -> None:
    assert words("cross-\r\ncategorial Ämter") == words("cross-categorial Amter") == ["crosscategorial", "amter"]


def test_candidate_pdfs_prefer_the_books_own_name(tmp_path: Path) -> None:
    book = tmp_path / "kalamang"
    (book / "latex").mkdir(parents=True)
    for name in ("appendix.pdf", "kalamang.pdf"):
        (book / name).write_bytes(b"%PDF-1.4")
    assert [p.name for p in candidate_pdfs(book / "latex")] == ["kalamang.pdf", "appendix.pdf"]


def test_a_paragraph_repeated_chapters_later_keeps_its_own_page(tmp_path: Path) -> None:
    """Page 12 holds most of the second paragraph (its end runs onto page 13); an appendix forty pages
    on repeats it whole. The passage belongs where the reading order puts it, not where most words match."""
    second = PARAGRAPHS[1].split()
    cut = 2 * len(second) // 3
    filler = [f"Filler page {k} " + " ".join(f"w{k}x{j}" for j in range(12)) for k in range(40)]
    pages = [PARAGRAPHS[0], " ".join(second[:cut]), " ".join(second[cut:]) + " " + PARAGRAPHS[2],
             PARAGRAPHS[3], *filler, "Appendix. " + PARAGRAPHS[1]]
    book = tmp_path / "testish2024"
    (book / "latex").mkdir(parents=True)
    (book / "latex" / "main.tex").write_text(MAIN, encoding="utf-8")
    c = canvas.Canvas(str(book / "testish2024.pdf"))
    for k, text in enumerate(pages):
        c.drawString(40, 700, text)
        c.drawString(300, 40, str(11 + k))
        c.showPage()
    c.save()
    (item,) = ingest_path(book / "latex")
    nouns = next(p for p in item.passages if p.text.startswith("Nouns"))
    assert (nouns.page_start, nouns.page_end) == ("12", "13")

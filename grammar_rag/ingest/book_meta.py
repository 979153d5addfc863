"""Title, author, year and language of a typeset book, from its PDF metadata and first pages.

A PDF says who wrote it and what it is in two places: the document information dictionary
(``Title``, ``Author``, often filled by LaTeX's hyperref) and the first pages (the title page in
large type, the imprint's citation line "Kieviet, Paulus. 2017. A grammar of Rapa Nui.").
:func:`guess_pdf_metadata` reads both; the language comes from
:func:`~grammar_rag.ingest.language_guess.guess_language` over every title found, the year from
:mod:`~grammar_rag.ingest.book_year` (the imprint's year, checked against the file's build year and
the dates in the book: its reference list, dated signatures).
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from grammar_rag.ingest.book_year import (
    YEAR,
    YearEvidence,
    dated_years,
    publication_year,
    reference_list_years,
)
from grammar_rag.ingest.language_guess import guess_language
from grammar_rag.ingest.metadata import derive_id, language_fields, surname_of

logger = logging.getLogger(__name__)

# "Surname, Given. 2017. Title ..." or "Given Surname. 2017. Title ..." as printed on an imprint
# page (the how-to-cite line)
_CITATION = re.compile(r"(?P<who>[A-Z][^\n]{1,80}?)\.\s+(?P<year>(?:1[5-9]|20)\d\d)\.\s+(?P<title>[^\n]{5,200})")
# what an imprint page prints: "© 2022", "First published 2019 by ...", "Berlin: Language Science
# Press, 2022" (place: publisher, year)
_IMPRINT_YEARS = (
    ("copyright line", re.compile(rf"(?:©|\(c\)|copyright)\s*(?P<year>{YEAR})\b", re.I)),
    ("publication line", re.compile(rf"\bpublished(?:\s+in)?\s+(?P<year>{YEAR})\b", re.I)),
    ("publisher line", re.compile(rf"^[A-Z][\w .,-]{{1,40}}:\s*[A-Z][^:\n]{{2,80}},\s*(?P<year>{YEAR})\.?$", re.M)),
)
_PDF_DATE = re.compile(rf"^(?:D:)?(?P<year>{YEAR})")


def pdf_document_info(path: Path) -> dict[str, str]:
    """The PDF's information dictionary (Title, Author, CreationDate...), empty if unreadable."""
    try:
        import pypdfium2 as pdfium

        doc = pdfium.PdfDocument(str(path))
        try:
            return {k: str(v).strip() for k, v in doc.get_metadata_dict().items() if v}
        finally:
            doc.close()
    except Exception as exc:  # metadata is a bonus: the page reader reports unreadable files
        logger.debug("%s: no PDF metadata (%s)", path, exc)
        return {}


def guess_pdf_metadata(
    path: Path, info: dict[str, str], title_lines: list[str], front_text: str, fallback_id: str,
    guess: bool = True, *, imprint_text: str = "", references_text: str = "", book_text: str = "",
    saved: int | None = None,
) -> dict[str, object]:
    """Grammar fields guessed from the information dictionary and the first pages.

    ``title_lines`` are the first pages' large-type lines (the title page), ``front_text`` the
    text of the first pages (imprint, preface, introduction) where a citation line or a stated
    Glottocode may be found. For the year: ``imprint_text`` is the first few pages' text (where a
    copyright or "published" line is the book's own), ``references_text`` the reference list and
    ``book_text`` the whole text (its dates written with a month), ``saved`` the year a text file was
    saved (:class:`~grammar_rag.ingest.book_year.YearEvidence`).
    """
    guessed: dict[str, object] = {}
    titles = [t for t in (info.get("Title", ""), *title_lines) if t and not re.fullmatch(r"[\w.-]+\.(?:dvi|tex|pdf)", t)]
    if titles:
        guessed["title"] = titles[0]
    author = info.get("Author", "")
    # without an author to check it by, the imprint's own citation line comes first: the front
    # pages of a short book may reach its reference list
    citation = _citation(front_text, author) if author else (
        _citation(imprint_text, "") or _named_citation(imprint_text) or _citation(front_text, ""))
    if author:
        guessed["author"] = author
    elif citation:
        guessed["author"] = citation.group("who")
    year = publication_year(_year_evidence(path, info, citation, imprint_text, references_text, book_text, saved))
    if year is not None:
        guessed["year"] = year
    if citation:
        titles.append(citation.group("title"))
    if guess:  # (not when the caller named the language: nothing to guess or warn about)
        guessed.update(language_fields(guess_language(titles, front_text), path))
    guessed["id"] = derive_id(guessed.get("author"), guessed.get("year"), guessed.get("language"), fallback_id)
    return guessed


def _citation(text: str, author: str) -> re.Match[str] | None:
    """The imprint's citation line; the author's surname must match when the PDF names one."""
    surname = surname_of(author).lower()
    for m in _CITATION.finditer(text):
        if (not surname and "," in m.group("who")) or (surname and surname in m.group("who").lower()):
            return m
    return None


_GIVEN_SURNAME = re.compile(r"[A-Z][\w'’-]+(?:\s+[A-Z][\w.'’-]+){1,3}")


def _named_citation(imprint_text: str) -> re.Match[str] | None:
    """The imprint's citation line naming its author "Given Surname" ("Gabriela Caballero. 2022.
    A grammar of ..."): read only on the imprint pages, where a reference list's entries are not."""
    return next((m for m in _CITATION.finditer(imprint_text) if _GIVEN_SURNAME.fullmatch(m.group("who").strip())), None)


def _year_evidence(path: Path, info: dict[str, str], citation: re.Match[str] | None, imprint_text: str,
                   references_text: str, book_text: str, saved: int | None) -> YearEvidence:
    built = next((int(m.group("year")) for key in ("CreationDate", "ModDate")
                  if (m := _PDF_DATE.match(info.get(key, "")))), None)
    ev = YearEvidence(path, built=built, saved=saved)
    if citation:
        ev.stated, ev.stated_how = int(citation.group("year")), "imprint's citation line"
    else:
        for how, pattern in _IMPRINT_YEARS:
            m = pattern.search(imprint_text)
            if m:
                ev.stated, ev.stated_how = int(m.group("year")), f"imprint's {how}"
                break
    ev.floor("the reference list", reference_list_years(references_text))
    ev.floor("a date in the text", dated_years(" ".join(book_text.split())))
    return ev

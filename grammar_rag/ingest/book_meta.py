"""Title, author, year and language of a typeset book, from its PDF metadata and first pages.

A PDF says who wrote it and what it is in two places: the document information dictionary
(``Title``, ``Author``, often filled by LaTeX's hyperref) and the first pages (the title page in
large type, the imprint's citation line "Kieviet, Paulus. 2017. A grammar of Rapa Nui.").
:func:`guess_pdf_metadata` reads both; the language comes from
:func:`~grammar_rag.ingest.language_guess.guess_language` over every title found.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from grammar_rag.ingest.language_guess import guess_language
from grammar_rag.ingest.metadata import derive_id, language_fields, surname_of

logger = logging.getLogger(__name__)

# "Surname, Given. 2017. Title ..." or "Given Surname. 2017. Title ..." as printed on an imprint
# page (the how-to-cite line)
_CITATION = re.compile(r"(?P<who>[A-Z][^\n]{1,80}?)\.\s+(?P<year>(?:1[5-9]|20)\d\d)\.\s+(?P<title>[^\n]{5,200})")
_COPYRIGHT_YEAR = re.compile(r"(?:©|\(c\)|copyright)\s*(?P<year>(?:1[5-9]|20)\d\d)", re.I)
_PDF_DATE = re.compile(r"^(?:D:)?(?P<year>(?:1[5-9]|20)\d\d)")


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
    guess: bool = True,
) -> dict[str, object]:
    """Grammar fields guessed from the information dictionary and the first pages.

    ``title_lines`` are the first pages' large-type lines (the title page), ``front_text`` the
    text of the first pages (imprint, preface, introduction) where a citation line or a stated
    Glottocode may be found.
    """
    guessed: dict[str, object] = {}
    titles = [t for t in (info.get("Title", ""), *title_lines) if t and not re.fullmatch(r"[\w.-]+\.(?:dvi|tex|pdf)", t)]
    if titles:
        guessed["title"] = titles[0]
    author = info.get("Author", "")
    citation = _citation(front_text, author)
    if author:
        guessed["author"] = author
    elif citation:
        guessed["author"] = citation.group("who")
    year_match = citation or _COPYRIGHT_YEAR.search(front_text) or _PDF_DATE.match(info.get("CreationDate", ""))
    if year_match:
        guessed["year"] = int(year_match.group("year"))
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

"""The plain text of a whole book (pdftotext / OCR output) read as a book: pages and printed page
labels, running heads, paragraphs joined across lines and pages, examples kept whole, headings
from the printed contents, front and back matter kept out of retrieval, and the language and id
read from the title page (issue 23, OCR text and scanned-era books)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from grammar_rag.ingest.text import ingest_text
from grammar_rag.ingest.text_pages import paginate
from grammar_rag.types import MATTER_KINDS, Passage

FILLER = ("The language has a rich system of verbal prefixes that mark the subject and the object of\n"
          "a transitive verb, and these prefixes are described in detail in the chapters below.\n")


TITLE_PAGE = ["A grammar of", "Sanzhi Dargwa", "Ada Lovelace", "language", "science", "press"]


def _book(folios: bool = True, form_feeds: bool = True, ocr: bool = False, title_page: list[str] = TITLE_PAGE,
          heads: bool = False) -> str:
    """A 12-page book: title, imprint, contents, two chapters with running heads, references."""
    pages: list[list[str]] = [
        title_page,
        ["Ada Lovelace. 2019. A grammar of Sanzhi Dargwa. Berlin: Language Science Press.",
         "© 2019, Ada Lovelace"],
        ["Contents", "I Morphology 11", "1 Nouns and their", "inflection 11", "1.1 Case . . . . . . . . . 11",
         "1.2 Number . . . . . . . . . 13", "2 Clauses 15", "2.1 Word order . . . . . . . . 15",
         "References 17"],
        ["Part I", "Morphology"],
        ["1 Nouns and their", "inflection", "1.1 Case",
         "Nouns inflect for case with suffixes that are added to the oblique stem, which is iden-",
         "tical to the ergative form in most nouns of the language and in all loans from Russian.",
         "The oblique stem is formed with one of several augments.",
         FILLER.splitlines()[0], FILLER.splitlines()[1]],
        ["1 Nouns and their inflection",
         "(1) du-l rursːi ag-ur",
         "1SG-ERG girl see.PFV-PRET",
         "in the house of the village where it is the custom to sit and talk at the door or in the yard",
         "‘I saw the girl.’",
         "‘Я увидел девочку.’",
         "Ergative and absolutive are the grammatical cases of the language and the other",
         "cases are spatial; the ergative marks the agent of a transitive verb as in (1), while",
         "the absolutive marks the subject of an intransitive verb and the object of a transitive",
         "verb, and both are used with all nouns of the"],
        ["1.1 Case",
         "language, including the loan words from Russian that entered it in the last century.",
         "1.2 Number",
         "Plural is marked by a suffix on the noun, as in the account of the noun by Lovelace and Byron",
         "(2013) and many others, and the choice among the plural suffixes of the language",
         "depends on the stem of the noun rather than on its meaning or its gender, a well-",
         "known pattern: a well-known pattern of the region.",
         FILLER.splitlines()[0], FILLER.splitlines()[1]],
        ["1 Nouns and their inflection", *FILLER.splitlines(), *FILLER.splitlines()],
        ["2 Clauses", "2.1 Word order",
         "The basic constituent order is subject, object, verb (see 1.4), and the verb is final in most",
         "clauses of the texts in the corpus that were recorded in the village.4",
         *FILLER.splitlines(), "4 Only two speakers used other orders, both in fast speech."],
        ["2 Clauses", *FILLER.splitlines(), *FILLER.splitlines()],
        ["References", "Forker, Diana. 2019. A grammar of Sanzhi Dargwa. Berlin: Language Science Press.",
         "Haspelmath, Martin. 1993. A grammar of Lezgian. Berlin: Mouton de Gruyter."],
        ["Forker, Diana. 2016. Toward a typology for additive markers. Lingua 180. 88–106.",
         "Sumbatova, Nina & Rasul Mutalov. 2003. A grammar of Icari Dargwa. München: Lincom."],
    ]
    labels = ["", "", "v", "", "11", "12", "13", "14", "15", "16", "17", "18"]
    out = []
    for lines, label in zip(pages, labels, strict=True):
        folio = "l1" if ocr and label == "11" else label  # OCR: 1 read as l
        body = list(lines)
        if heads and folio:  # the folio printed in the running head, as scanned books set it
            body[0] = f"{body[0]} {folio}"
        elif folios and folio:
            body.append(folio)
        out.append("\n".join(body))
    return ("\f" if form_feeds else "\n").join(out) + "\n"


def _ingest(tmp_path: Path, text: str) -> tuple[object, list[Passage]]:
    path = tmp_path / "book.txt"
    path.write_text(text, encoding="utf-8")
    (item,) = ingest_text(path)
    return item.grammar, item.passages


def _retrievable(passages: list[Passage]) -> list[Passage]:
    return [p for p in passages if p.kind not in MATTER_KINDS]


def test_book_text_pages_heads_paragraphs_and_examples(tmp_path: Path) -> None:
    _, passages = _ingest(tmp_path, _book())
    body = _retrievable(passages)
    text = "\n".join(p.text for p in body)
    # a hyphenated word joined again, a paragraph continued over a page break and its running head
    assert "identical to the ergative form" in text
    assert "gender, a well-known pattern:" in text  # a compound the book writes hyphenated keeps its hyphen
    assert any("both are used with all nouns of the language, including the loan words" in p.text for p in body)
    assert "1 Nouns and their inflection" not in text and "1.1 Case" not in text
    # the example whole, both translations with it, typed example, on its printed page
    (example,) = [p for p in body if p.kind == "example"]
    assert example.text.splitlines() == [
        "(1) du-l rursːi ag-ur", "1SG-ERG girl see.PFV-PRET",
        "in the house of the village where it is the custom to sit and talk at the door or in the yard",
        "‘I saw the girl.’", "‘Я увидел девочку.’"]  # a long line without a capital is no prose ending it
    assert example.page_start == "12"
    # section paths from the printed contents: the Part, the chapter title wrapped over two lines
    order = next(p for p in body if "basic constituent order" in p.text)
    assert order.section == ("I Morphology", "2 Clauses", "2.1 Word order")
    assert order.page_start == "15"
    # the footnote stored with the passage citing it, its mark off the word, never a passage
    assert order.notes == ("4 Only two speakers used other orders, both in fast speech.",)
    assert "village.4" not in order.text and "recorded in the village." in order.text
    assert "(see 1.4)" in order.text  # a section number is no mark
    assert not any("fast speech" in p.text for p in passages)
    number = next(p for p in body if "Plural is marked" in p.text)
    assert "Lovelace and Byron (2013) and many others" in number.text  # a year opening a line is no example
    assert number.section == ("I Morphology", "1 Nouns and their inflection", "1.2 Number")
    # contents and references stored, not retrievable
    assert not any("Haspelmath" in p.text or ". . ." in p.text for p in body)
    assert any("Haspelmath" in p.text for p in passages if p.kind == "back_matter")
    assert any("1.1 Case" in p.text for p in passages if p.kind == "front_matter")


def test_book_text_language_and_id_from_title_page_and_imprint(tmp_path: Path) -> None:
    grammar, _ = _ingest(tmp_path, _book())
    assert grammar.language == "Sanzhi Dargwa" and grammar.glottocode == "sanz1248"  # type: ignore[attr-defined]
    assert grammar.id == "lovelace2019sanzhi"  # type: ignore[attr-defined]


def test_book_text_whose_contents_read_wrong_keeps_its_footnotes(tmp_path: Path) -> None:
    """Contents listing another edition's pages: headings are read again by numbering, and the
    second reading still has the page's footnotes."""
    pages = _book().split("\f")
    pages[2] = "\n".join(re.sub(r"(\d+)$", lambda m: str(int(m.group(1)) + 200), ln) for ln in pages[2].split("\n"))
    _, passages = _ingest(tmp_path, "\f".join(pages))
    order = next(p for p in passages if "basic constituent order" in p.text)
    assert order.section[-1] == "2.1 Word order"
    assert order.notes == ("4 Only two speakers used other orders, both in fast speech.",)


@pytest.mark.parametrize(("saved", "year"), [(2030, 2019), (2031, 2030)])
def test_book_text_imprint_stamped_by_the_build_gives_way_to_the_reference_list(tmp_path: Path, saved: int,
                                                                               year: int) -> None:
    """The text of a book rebuilt from its sources (pdftotext of a PDF made in 2030) prints 2030 on its
    imprint, while nothing it cites is later than 2019. A text has no build date but its file's: the
    year the text was saved stands in for a PDF's CreationDate, so the rule that gives a PDF the year
    of its newest reference holds for its text too; saved in another year, the printed year stands."""
    import os
    from datetime import datetime

    text = _book().replace("2019. A grammar of Sanzhi Dargwa. Berlin", "2030. A grammar of Sanzhi Dargwa. Berlin", 1)
    text = text.replace("© 2019", "© 2030")
    path = tmp_path / "book.txt"
    path.write_text(text, encoding="utf-8")
    stamp = datetime(saved, 6, 1).timestamp()
    os.utime(path, (stamp, stamp))
    (item,) = ingest_text(path)
    assert (item.grammar.year, item.grammar.id) == (year, f"lovelace{year}sanzhi")


def test_book_text_title_set_over_three_lines_under_a_scanners_stamp(tmp_path: Path) -> None:
    grammar, _ = _ingest(tmp_path, _book(title_page=["Digitized by Google", "A GRAMMAR", "OF THE", "KALAMANG LANGUAGE"]))
    assert grammar.glottocode == "kara1499"  # type: ignore[attr-defined]
    assert grammar.title == "A GRAMMAR OF THE KALAMANG LANGUAGE"  # type: ignore[attr-defined]


def test_book_text_without_form_feeds_pages_by_its_page_number_lines(tmp_path: Path) -> None:
    pages = paginate(_book(form_feeds=False)).pages
    assert [p[-1] for p in pages if p[-1].isdigit()] == [str(n) for n in range(11, 19)]
    _, passages = _ingest(tmp_path, _book(form_feeds=False))
    order = next(p for p in passages if "basic constituent order" in p.text)
    assert order.page_start == "15" and order.section[-1] == "2.1 Word order"


def test_book_text_without_form_feeds_pages_by_the_numbers_in_its_running_heads(tmp_path: Path) -> None:
    pages = paginate(_book(form_feeds=False, heads=True)).pages
    assert [p[0].rsplit(" ", 1)[-1] for p in pages if p[0][-1:].isdigit()][-8:] == [str(n) for n in range(11, 19)]
    _, passages = _ingest(tmp_path, _book(form_feeds=False, heads=True))
    order = next(p for p in passages if "basic constituent order" in p.text)
    assert order.page_start == "15" and order.section[-1] == "2.1 Word order"


@pytest.mark.parametrize("ocr", [False, True])
def test_book_text_folios_read_through_ocr_confusions(tmp_path: Path, ocr: bool) -> None:
    """OCR reads the folio "11" as "l1": still page 11, and never text."""
    _, passages = _ingest(tmp_path, _book(ocr=ocr))
    case = next(p for p in passages if "Nouns inflect for case" in p.text)
    assert case.page_start == "11" and not case.text.rstrip().endswith("l1")


def test_short_text_keeps_blank_line_paragraphs(tmp_path: Path) -> None:
    """A few pages (an article, notes) are still read as blank-line paragraphs."""
    _, passages = _ingest(tmp_path, "1 Word order\n\nThe order is SOV in this language.\n\fPage two text here.\n")
    assert [(p.text, p.page_start, p.section) for p in passages] == [
        ("The order is SOV in this language.", "1", ("1 Word order",)), ("Page two text here.", "2", ("1 Word order",))]


def test_book_text_short_lead_in_joins_its_example(tmp_path: Path) -> None:
    """A one-line lead-in ("... as in (2):") is context for the example after it, as in a PDF: alone it
    was a passage under 100 characters (15% of a text book's passages were such fragments)."""
    text = _book().replace("1.2 Number\n", "1.2 Number\nThe plural is formed as in (2):\n(2) rursːi-ti\ngirl-PL\n‘girls’\n")
    _, passages = _ingest(tmp_path, text)
    body = _retrievable(passages)
    (example,) = [p for p in body if "rursːi-ti" in p.text]
    assert example.kind == "example"
    assert example.text.startswith("The plural is formed as in (2):\n(2) rursːi-ti")
    assert not any(p.text.strip() == "The plural is formed as in (2):" for p in body)


def test_book_text_without_form_feeds_reads_a_contents_page_run_together_with_the_title_pages(tmp_path: Path) -> None:
    """Without form feeds a page is what its printed number closes: a first contents page printing
    no number runs together with the title pages before it. Its entries were lost (a whole book's
    first three chapters had no section path); the contents now start at their heading."""
    first = "Contents\nI Morphology 11\n1 Nouns and their\ninflection 11\n1.1 Case . . . . . . . . . 11\n1.2 Number . . . . . . . . . 13"
    second = ("2 Clauses 15\n2.1 Word order . . . . . . . . 15\n2.2 Clause chaining . . . . . . 16\n"
              "2.3 Questions . . . . . . . . 16\n2.4 Negation . . . . . . . . 16\nReferences 17")
    whole = ("Contents\nI Morphology 11\n1 Nouns and their\ninflection 11\n1.1 Case . . . . . . . . . 11\n"
             "1.2 Number . . . . . . . . . 13\n2 Clauses 15\n2.1 Word order . . . . . . . . 15\nReferences 17\nv")
    book = _book(form_feeds=False)
    assert whole in book
    text = book.replace(whole, first + "\n" + second + "\nvi")
    _, passages = _ingest(tmp_path, text)
    case = next(p for p in passages if "Nouns inflect for case" in p.text)
    assert case.section == ("I Morphology", "1 Nouns and their inflection", "1.1 Case")
    assert not any("Ada Lovelace" in p.text and p.kind not in MATTER_KINDS for p in passages)


def test_book_text_without_any_page_numbers_still_keeps_its_references_out(tmp_path: Path) -> None:
    """An OCR dump that dropped the page numbers: before, the chapter numbers of its headings were
    taken for folios (a "page" per chapter, no back matter found) and the references were
    retrievable. It is now read in pages cut by length, which cite no page."""
    chapters = []
    for n, title in ((1, "Nouns"), (2, "Clauses"), (3, "Questions")):
        chapters += ["", f"{n} {title}", "", *(FILLER.splitlines() * 350), ""]
    text = "\n".join([*TITLE_PAGE, "", "Contents", "1 Nouns 1", "2 Clauses 40", "3 Questions 80", "References 120",
                      "Index 130", "", *chapters, "", "References", "",
                      *[f"Author{k}, Ada. 20{k:02d}. A grammar of Sanzhi Dargwa. Berlin: Language Science Press." for k in range(40)],
                      ""])
    assert len(text.splitlines()) > 2000
    _, passages = _ingest(tmp_path, text)
    body = _retrievable(passages)
    assert not any("Language Science Press" in p.text for p in body)
    assert any("Author3, Ada" in p.text for p in passages if p.kind == "back_matter")
    assert not any(p.page_start for p in passages)  # no page is printed: none is cited
    assert {p.section[-1] for p in body if p.section} >= {"1 Nouns", "2 Clauses", "3 Questions"}


def test_book_text_running_head_of_the_page_where_its_section_begins(tmp_path: Path) -> None:
    """A section beginning mid-page names the page's running head already ("15.3 Relative clauses" above
    the last lines of 15.2): the head repeats a heading printed lower on the same page, not an earlier
    line, and had become a heading itself, with the next line as its tail."""
    text = _book().replace("\f1.1 Case\nlanguage, including", "\f1.2 Number\nlanguage, including")
    _, passages = _ingest(tmp_path, text)
    body = _retrievable(passages)
    before = next(p for p in body if "including the loan words" in p.text)
    assert before.section == ("I Morphology", "1 Nouns and their inflection", "1.1 Case")
    number = next(p for p in body if "Plural is marked" in p.text)
    assert number.section == ("I Morphology", "1 Nouns and their inflection", "1.2 Number")
    assert not any(p.text.startswith("1.2 Number") for p in passages)


def test_pages_cut_at_printed_numbers_keep_a_heading_repeated_below() -> None:
    """Without form feeds two printed pages can run together (a chapter opening without its folio):
    its heading on top and the next page's head naming it below. Only physical pages tell a head so."""
    from grammar_rag.ingest.pdf_layout import Line, PageText
    from grammar_rag.ingest.text_book import strip_section_heads

    def page(n: int) -> PageText:
        texts = ["2 Clauses", "The basic order is SOV.", *FILLER.splitlines(), "2 Clauses", "More text follows."]
        return PageText(n, 500.0, 800.0, [Line(t, 0.0, 400.0, 10.0 * i, 10.0 * i + 8, 10.0) for i, t in enumerate(texts)])

    cut, physical = page(1), page(1)
    strip_section_heads([cut], ["body"])
    strip_section_heads([physical], ["body"], physical=True)
    assert cut.lines[0].text == "2 Clauses" and physical.lines[0].text == "The basic order is SOV."


def _word_per_line(number: int, words: int) -> list[str]:
    """An interlinear example as PDF text extraction gives it: each word and its gloss a line."""
    lines = [f"({number}) du", "1sg"]
    for k in range(words):
        lines += [f"wa{k}", "see"]
    return [*lines, "‘I saw it.’"]


def test_book_text_set_mostly_one_word_a_line_still_finds_its_deeper_headings(tmp_path: Path) -> None:
    """Where interlinear examples come one word a line (pypdfium2 text), most of a book's lines are
    one word long: the width of a line of prose is measured on lines of prose, so a heading deeper
    than the contents list is still a short line ("8.6.4.1 Possessive S/A arguments" was read as
    text), and the example's first word below it does not run on as its title's second line."""
    page = "2 Clauses\n" + FILLER + FILLER
    deeper = "\n".join([page.rstrip("\n"), "2.1.1 Transitive clauses", *_word_per_line(2, 120),
                        "The object precedes the verb in all transitive clauses of the corpus, as in (2).",
                        *FILLER.splitlines()])
    text = _book().replace(page, deeper + "\n", 1)
    assert text.count("2.1.1 Transitive clauses") == 1
    _, passages = _ingest(tmp_path, text)
    body = _retrievable(passages)
    after = next(p for p in body if "object precedes the verb" in p.text)
    assert after.section == ("I Morphology", "2 Clauses", "2.1 Word order", "2.1.1 Transitive clauses")
    example = next(p for p in body if p.text.startswith("(2) du"))
    assert example.kind == "example" and example.section == after.section


def test_book_text_heading_title_never_runs_on_into_a_sub_example(tmp_path: Path) -> None:
    """A heading whose title may wrap takes a short lower-case line below it as the rest of its title
    ("19 Valency classes and modification of" / "valency patterns"); a sub-example's letter ("c. S-T-V-R
    niˈhê ˈmí") opens lower case too, where a page read as opening with a heading goes on with an example."""
    text = _book().replace("2.1 Word order\nThe basic", "2.1 Word order\nb. du-l rursːi ag-ur\nThe basic", 1)
    _, passages = _ingest(tmp_path, text)
    order = next(p for p in _retrievable(passages) if "basic constituent order" in p.text)
    assert order.section == ("I Morphology", "2 Clauses", "2.1 Word order")


def test_book_text_listed_heading_takes_no_tail_the_contents_do_not_print(tmp_path: Path) -> None:
    """A heading the printed contents list has its whole title there (its wrapped rest is skipped as
    the contents print it): a lower-case line under it, such as an example's next line where a page
    read as opening with that heading goes on with an example, is no part of the title."""
    text = _book().replace("2.1 Word order\nThe basic", "2.1 Word order\nke neg biˈlá=ti indeed=1pl.nom\nThe basic", 1)
    _, passages = _ingest(tmp_path, text)
    order = next(p for p in _retrievable(passages) if "basic constituent order" in p.text)
    assert order.section == ("I Morphology", "2 Clauses", "2.1 Word order")


def test_book_text_numbered_run_in_heading_below_the_contents_opens_its_paragraph(tmp_path: Path) -> None:
    """"2.1.1 Basic order The basic constituent order is ..." - a numbered heading deeper than the
    printed contents, run into its paragraph as typeset books set their lowest levels: text has no
    bold to end the title, so it ends before the paragraph's first capitalised word. It had stayed
    text, its passages filed under 2.1; a cross-reference wrapped to a line's start is no heading."""
    text = _book().replace("The basic constituent order is subject, object, verb (see 1.4), and the verb is final in most",
                           "2.1.1 Basic order The basic constituent order is subject, object, verb (see 1.4), and the verb is final in most")
    _, passages = _ingest(tmp_path, text)
    order = next(p for p in passages if "basic constituent order" in p.text)
    assert order.section[-1] == "2.1.1 Basic order"
    assert order.text.startswith("The basic constituent order") and "2.1.1" not in order.text
    crossref = _book().replace("The basic constituent order is subject, object, verb (see 1.4), and the verb is final in most",
                               "2.1.1 above shows the basic constituent order: subject, object, verb, and the verb is final in most")
    _, passages = _ingest(tmp_path, crossref)
    assert next(p for p in passages if "basic constituent order" in p.text).section[-1] == "2.1 Word order"


def test_book_text_listed_heading_whose_title_wraps_at_full_line_width(tmp_path: Path) -> None:
    """"4.2.1 The demonstrative series in the columns: iC vs. heC vs. hiC and" / "i(C)tːi vs. ..." - a
    listed heading whose title fills its first line and wraps, as its contents entry does: the first
    line is as wide as prose, so it does not read as a heading's short line; it opens the entry's
    title, and the rest is the wrapped line below. It had stayed text, its section's passages filed
    under the section above; a body line that opens with the number but not the title stays text."""
    title = "1.2 Number marking on nouns, on the adjectives and on the demonstratives that"
    text = _book().replace("1.2 Number . . . . . . . . . 13", f"{title}\nagree with them . . . . . . . . . 13", 1)
    text = text.replace("\n1.2 Number\n", f"\n{title}\nagree with them\n", 1)
    _, passages = _ingest(tmp_path, text)
    plural = next(p for p in _retrievable(passages) if "Plural is marked" in p.text)
    assert plural.text.startswith("Plural is marked")
    assert plural.section == ("I Morphology", "1 Nouns and their inflection", f"{title} agree with them")
    assert not any("agree with them" in p.text for p in passages if p.kind == "prose")
    other = text.replace(f"\n{title}\nagree with them\n", "\n1.2 Number marking on nouns is described in the chapter on the plural\n", 1)
    _, passages = _ingest(tmp_path, other)
    plural = next(p for p in _retrievable(passages) if "Plural is marked" in p.text)
    assert plural.section[-1] != f"{title} agree with them"

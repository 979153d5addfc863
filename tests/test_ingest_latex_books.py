"""LaTeX books: chapter numbers run on across \\part, \\ref-family macros resolve to numbers, and
citations read author-year from the book's own .bib (no label or cite keys in passages)."""

from __future__ import annotations

import re
from pathlib import Path

from grammar_rag.ingest import ingest_path
from grammar_rag.ingest.latex_bib import Citations, parse_bib

MAIN = r"""\documentclass{langscibook}
\newcommand{\refsec}[1]{\sectref{#1}}
\newcommand{\refexrange}[2]{(\ref{#1}\textendash\ref{#2})}
\title{A grammar of Kalamang}
\author{Eline Visser}
\begin{document}
\frontmatter
\chapter*{Abbreviations}
\textsc{sg} singular, \textsc{pl} plural, \textsc{erg} ergative case marker in the glosses of this book.
\mainmatter
\part{Preliminaries}
\chapter{Introduction}\label{chap:intro}
Intro text about the language and its speakers on the island.
\part{Grammar}
\chapter{Syntax}\label{chap:syntax}
\section{Word order}\label{sec:wo}
The basic order is SOV \citep[12]{visser2022} and \citet{smith2001}; compare \citealt{lee2010grammar}
and \cite{mystery}. See \sectref{sec:wo}, \chapref{chap:intro}, example \REF{ex:one} and \Next.
The book's own aliases resolve too: \refsec{sec:wo}, \refexrange{ex:one}{ex:two}, \xxref{ex:one}{ex:two}.
\ea\label{ex:one}
\gll ma sarat\\
3SG eat\\
\glt `she eats'
\ex\label{ex:two}
\gll ma nan\\
3SG drink\\
\glt `she drinks'
\z
\end{document}
"""

BIB = r"""@book{visser2022,
  author = {Visser, Eline},
  title = {A grammar of {Kalamang}},
  year = {2022},
}
@article{smith2001,
  author = "John Smith and Mary {J}ones",
  title = {Word order},
  year = 2001,
}
@misc{three2019,
  author = {A, B and C, D and E, F},
  date = {2019-05-01},
}
"""


def _book(root: Path) -> Path:
    root.mkdir()
    (root / "main.tex").write_text(MAIN, encoding="utf-8")
    (root / "localbibliography.bib").write_text(BIB, encoding="utf-8")
    return root


def _ingest_tex(tmp_path: Path, main: str, bib: str | None = None):
    """Ingest a one-file book (``main.tex``, optionally a ``localbibliography.bib``) made in the test."""
    root = tmp_path / "book"
    root.mkdir()
    (root / "main.tex").write_text(main, encoding="utf-8")
    if bib is not None:
        (root / "localbibliography.bib").write_text(bib, encoding="utf-8")
    (item,) = ingest_path(root)
    return item


def test_chapters_numbered_across_parts(tmp_path: Path) -> None:
    (item,) = ingest_path(_book(tmp_path / "book"))
    sections = {p.section for p in item.passages}
    assert ("Preliminaries", "1 Introduction") in sections
    assert ("Grammar", "2 Syntax", "2.1 Word order") in sections


def test_refs_and_citations_resolved(tmp_path: Path) -> None:
    (item,) = ingest_path(_book(tmp_path / "book"))
    text = next(p.text for p in item.passages if "basic order" in p.text)
    assert "(Visser 2022: 12)" in text and "Smith & Jones (2001)" in text and "Lee 2010" in text
    assert "§2.1" in text and "Chapter 1" in text and "example (1)" in text and "(next example)" in text
    assert "(reference)" in text  # a key in no .bib and not shaped like one
    assert "aliases resolve too: §2.1, (1–2), (1–2)." in text
    assert not re.search(r"\b(?:sec|chap|ex|tab|fig):\w", text), text
    assert not re.search(r"visser2022|smith2001|lee2010grammar|mystery", text), text


def test_bib_reader() -> None:
    entries = parse_bib(BIB)
    assert entries == {"visser2022": ("Visser", "2022"), "smith2001": ("Smith & Jones", "2001"),
                       "three2019": ("A et al.", "2019")}
    cite = Citations(entries)
    assert cite.render("citeauthor", ["smith2001"], None) == "Smith & Jones"
    assert cite.render("citeyearpar", ["visser2022"], "3") == "(2022: 3)"
    assert cite.render("citep", ["visser2022", "three2019"], None) == "(Visser 2022; A et al. 2019)"
    # textual citations of several works: each author once, parentheses closed
    three = Citations({"f2016": ("Forker", "2016"), "f2019": ("Forker", "2019"), "s2001": ("Smith", "2001")})
    assert three.render("citet", ["f2016", "f2019", "s2001"], "3") == "Forker (2016, 2019); Smith (2001: 3)"
    assert three.render("citet", ["s2001"], None) == "Smith (2001)"


def test_bib_names_lose_their_tex() -> None:
    entries = parse_bib(r"@book{k2007, author = {Kratochv{\'\i}l, Frantisek}, year = {2007}}" "\n"
                        r"@book{m2010, author = {Mu\~{n}oz, Ana and {van der Berg}, Helma}, year = {2010}}")
    assert entries == {"k2007": ("Kratochvíl", "2007"), "m2010": ("Muñoz & van der Berg", "2010")}


def test_front_matter_typed_and_body_not(tmp_path: Path) -> None:
    (item,) = ingest_path(_book(tmp_path / "book"))
    abbreviations = [p for p in item.passages if "ergative case marker" in p.text]
    assert abbreviations and all(p.kind == "front_matter" for p in abbreviations)
    assert all(p.kind != "front_matter" for p in item.passages if "basic order" in p.text)


def test_book_citation_aliases_and_bare_label_groups_leave_no_keys(tmp_path: Path) -> None:
    """``\\citeb`` defined in the book as ``\\citealp``, and a label key in bare braces (a \\ref whose
    command was lost: the book prints the key) both resolve; no key reaches the text."""
    main = MAIN.replace(r"\newcommand{\refsec}", r"\newcommand{\citeb}[1]{\citealp{#1}}" "\n" r"\newcommand{\refsec}")
    main = main.replace("Intro text", r"See e.g. \citeb{smith2001} and examples {ex:one}{ex:two}. Intro text")
    item = _ingest_tex(tmp_path, main, bib=BIB)
    text = next(p.text for p in item.passages if "Intro text" in p.text)
    assert "See e.g. Smith & Jones 2001 and examples (1)(2)." in text, text
    assert not re.search(r"smith2001|ex:", text), text


def test_book_macros_without_arguments_print_their_text(tmp_path: Path) -> None:
    """Phonemes and abbreviations a book defines as macros are text, not markup to drop."""
    item = _ingest_tex(tmp_path,
        "\\documentclass{langscibook}\\begin{document}\n"
        "\\newcommand{\\pafr}{š}\\newcommand{\\tnd}{\\textendash}\\newcommand{\\ꞌ}{\\hspace{1pt}\\textsf{ꞌ}}\n"
        "\\newcommand{\\tcf}{cf\\protect\\@ifnextchar{.}{}{.\\protect\\@}}\n"
        "\\mainmatter\\chapter{Sounds}\n"
        "The word ma\\pafr{}a has a glottal stop in ha{\\ꞌ}e (Smith 2003: 48\\tnd51; \\tcf. Lee 2010, \\tcf\\ Kim 2011).\n"
        "\\end{document}\n")
    assert "The word maša has a glottal stop in haꞌe (Smith 2003: 48–51; cf. Lee 2010, cf. Kim 2011)." in (
        item.passages[0].text)


def test_paragraph_headings_numbered_below_subsubsections_as_langscibook_prints_them(tmp_path: Path) -> None:
    item = _ingest_tex(tmp_path,
        "\\documentclass{langscibook}\\begin{document}\\mainmatter\\chapter{Nouns}\\section{Case}\\subsection{Core}"
        "\\subsubsection{Ergative}\\paragraph{With pronouns}\nText about ergative pronouns.\n"
        "\\subsubsubsection{With names}\nText about ergative names.\n\\end{document}\n")
    assert [p.section[-1] for p in item.passages] == ["1.1.1.1.1 With pronouns", "1.1.1.1.2 With names"]


def test_tables_typed_with_rows_and_no_column_spec(tmp_path: Path) -> None:
    item = _ingest_tex(tmp_path,
        "\\documentclass{langscibook}\\begin{document}\\mainmatter\\chapter{Nouns}\n"
        "\\begin{table}\\caption{Case suffixes}\\label{tab:case}\n"
        "\\begin{tabularx}{\\textwidth}[]{>{\\raggedright\\arraybackslash\\itshape}p{10pt} X}\n"
        "case & suffix\\\\\nergative & -l\\\\\n\\end{tabularx}\\end{table}\n"
        "The suffixes are in Table~\\ref{tab:case}, which lists every case the language has, with the suffix that marks it on nouns.\n"
        "\\end{document}\n")
    (table,) = [p for p in item.passages if p.kind == "table"]
    assert table.text == "Table 1.1: Case suffixes\ncase | suffix\nergative | -l"

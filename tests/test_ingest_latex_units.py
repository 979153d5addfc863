"""LaTeX passages are coherent units: a lead-in joins the example it introduces, a remark joins
the example it follows, examples carry the number the book prints (inside lists too, not counting
footnote examples), judgements print, and definitions (\\newenvironment, \\setcounter) print nothing."""

from __future__ import annotations

from pathlib import Path

from grammar_rag.ingest import ingest_path
from grammar_rag.ingest.chunking import Unit
from grammar_rag.ingest.latex_units import cohere

BOOK = r"""\documentclass{langscibook}
\begin{document}
\newenvironment{listWWNumi}{\begin{itemize}}{\end{itemize}}
\setcounter{listWWNumi}{0}
\mainmatter
\chapter{Nouns}
\section{Plural}
The plural marker always occurs before the noun:
\ea\label{ex:pl}
\gll ŋā poki\\
PL child\\
\glt `children'
\z
Notice that (\ref{ex:pl}) has no article.

The genitive case of nouns has two uses in the language, both of them frequent in the texts we recorded:
\begin{itemize}
\item in possessive phrases:
\begin{exe}
\ex\label{ex:gen}
\gll qal-la sala\\
house-GEN in.front\\
\glt `in front of the house'
\end{exe}
\item in partitive constructions, where the genitive noun phrase is the object of a verb of eating or drinking.
\end{itemize}
Footnotes may hold examples of their own, which the book numbers apart.\footnote{Compare:
\ea
\gll he rere\\
NTR jump\\
\glt `he jumped'
\z
}

\ea[*]{
\gll te poki he\\
ART child NTR\\
\glt `(intended) the child'
}
\z
\end{document}
"""


def _passages(tmp_path: Path):
    root = tmp_path / "book"
    root.mkdir()
    (root / "main.tex").write_text(BOOK, encoding="utf-8")
    (item,) = ingest_path(root)
    return item.passages


def test_lead_in_and_remark_stay_with_their_numbered_example(tmp_path: Path) -> None:
    ps = _passages(tmp_path)
    (plural,) = [p for p in ps if "ŋā poki" in p.text]
    assert plural.kind == "example"
    assert plural.text.startswith("The plural marker always occurs before the noun:\n\n(1) ŋā poki\nPL child\n")
    assert plural.text.endswith("'children'\n\nNotice that (1) has no article.")
    assert not [p for p in ps if p.text.startswith("Notice")]


def test_examples_in_list_items_are_examples_and_footnote_examples_take_no_number(tmp_path: Path) -> None:
    ps = _passages(tmp_path)
    (gen,) = [p for p in ps if "qal-la sala" in p.text]
    assert gen.kind == "example" and "• in possessive phrases:\n\n(2) qal-la sala\nhouse-GEN in.front" in gen.text
    footnote = next(p for p in ps if "numbers apart" in p.text)
    assert footnote.kind == "prose" and footnote.text.endswith("numbers apart.") and not [p for p in ps if "he rere" in p.text]
    assert len(footnote.notes) == 1 and footnote.notes[0].startswith("1 Compare:") and "he rere" in footnote.notes[0]
    assert "(3) *te poki he\nART child NTR\n'(intended) the child'" in next(p.text for p in ps if "te poki he" in p.text)


def test_definitions_print_nothing(tmp_path: Path) -> None:
    assert not [p for p in _passages(tmp_path) if "listWW" in p.text or "itemize" in p.text]


def _u(text: str, kind: str = "prose", section: tuple[str, ...] = ("1 A",)) -> Unit:
    return Unit(text, None, None, section, kind)  # type: ignore[arg-type]


def test_cohere_never_crosses_sections_and_keeps_one_example_per_unit() -> None:
    long, ex1, ex2 = "x" * 150, "(1) a\nb\n'c'", "(2) d\ne\n'f'"
    out = cohere([_u(long), _u("Short close.", section=("1 A", "1.1 B")), _u(ex1, "example"),
                  _u(ex2, "example"), _u("Short remark.", "back_matter")])
    # nothing joins across 1 A / 1.1 B, two short examples stay two, back matter never joins the body
    assert [u.text for u in out] == [long, "Short close.", ex1, ex2, "Short remark."]
    assert [u.kind for u in out] == ["prose", "prose", "example", "example", "back_matter"]

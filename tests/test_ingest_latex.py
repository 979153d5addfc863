"""LaTeX (Language Science Press style) ingestion: a small synthetic book + the real Kalamang grammar."""

from __future__ import annotations

from pathlib import Path

import pytest

from grammar_rag.errors import IngestError
from grammar_rag.ingest import ChunkingConfig, detect_format, ingest_path
from grammar_rag.ingest.latex_render import InlineRenderer, strip_comments

MAIN = r"""\documentclass[output=book]{langscibook}
\title{A grammar of Testish}
\author{Jane Doe}
\begin{document}
\maketitle
\frontmatter
\include{chapters/preface}
\mainmatter
\include{chapters/01intro}
\include{chapters/02nouns}
\appendix
\include{chapters/appendix}
\end{document}
"""

PREFACE = r"""\addchap{Preface}
Thanks to everyone who helped with this book over many years of fieldwork.
"""

INTRO = r"""\chapter{Introduction}\label{ch:intro}
Testish is spoken on one island.\is{island} See §\ref{sec:plural} and \citet{doe2020} on plurals. % a comment
\section{Speakers}\label{sec:speakers}
There are about 130 speakers, according to \citep[12]{smith1999}.\footnote{Counted in 2019.}
"""

NOUNS = r"""\chapter{Nouns}
\section{Gender}
Nouns have no gender.\footnote{Unlike its neighbour; see §\ref{sec:plural}.}
\section{Plural}
\label{sec:plural}
Plural is marked with the enclitic \textit{=ot}, glossed \textsc{pl}; negation uses \textit{=nin} (\textsc{neg}).
See example~(\ref{exe:plural}) and Table~\ref{tab:pl}.

\begin{exe}
  \ex \gll ma kiē=ot sarat=nin\\
  \textsc{3sg} fish=\textsc{pl} ascend=\textsc{neg}\\
  \glt `The fish do not go up.' \jambox*{\href{http://example.org}{[narr1\_0:12]}}
  \label{exe:plural}
  \ex \gll an {\glse} bot\\
  \textsc{1sg} {\glse} go\\
  \glt `I have already gone.'
\end{exe}

\ea
  \ea \gll ema-un\\
  mother-\textsc{3poss}\\
  \glt `his mother'
  \ex \gll ema-an\\
  mother-\textsc{1sg.poss}\\
  \glt `my mother'
  \z
\z

\begin{table}
\caption{Plural markers}\label{tab:pl}
\begin{tabular}{l l}
\lsptoprule
form & gloss\\\midrule
\textit{=ot} & \textsc{pl}\\
\lspbottomrule
\end{tabular}
\end{table}

\subsection{Irregular plurals}
Some nouns \is{noun!irregular}reduplicate instead: \textit{tum∼tum} `children'.
"""

APPENDIX = r"""\chapter{Texts}
A short text follows here for the appendix chapter numbering test.
"""


@pytest.fixture()
def book(tmp_path: Path) -> Path:
    root = tmp_path / "testish_tex"
    (root / "chapters").mkdir(parents=True)
    (root / "main.tex").write_text(MAIN, encoding="utf-8")
    (root / "chapters" / "preface.tex").write_text(PREFACE, encoding="utf-8")
    (root / "chapters" / "01intro.tex").write_text(INTRO, encoding="utf-8")
    # beside main.tex rather than in chapters/, as in the Kalamang sources
    (root / "02nouns.tex").write_text(NOUNS, encoding="utf-8")
    (root / "chapters" / "appendix.tex").write_text(APPENDIX, encoding="utf-8")
    return root


def test_sections_numbered_from_structure(book: Path) -> None:
    assert detect_format(book) == "latex"
    [g] = ingest_path(book, metadata={"license": "CC-BY-4.0"})
    assert (g.grammar.title, g.grammar.author, g.grammar.language) == ("A grammar of Testish", "Jane Doe", "Testish")
    assert g.grammar.source_format == "latex" and g.grammar.license == "CC-BY-4.0"
    by_text = {p.text.split("\n")[0][:30]: p for p in g.passages}
    assert next(p for p in g.passages if "Thanks to everyone" in p.text).section == ("Preface",)
    speakers = next(p for p in g.passages if "130 speakers" in p.text)
    assert speakers.section == ("1 Introduction", "1.1 Speakers")
    irregular = next(p for p in g.passages if "reduplicate instead" in p.text)
    assert irregular.section == ("2 Nouns", "2.2 Plural", "2.2.1 Irregular plurals")
    texts = next(p for p in g.passages if "appendix chapter" in p.text)
    assert texts.section == ("A Texts",)
    assert by_text  # every passage has text
    assert all(p.page_start is None for p in g.passages)  # LaTeX: sections stand in for pages


def test_macros_rendered(book: Path) -> None:
    [g] = ingest_path(book)
    intro = next(p for p in g.passages if p.text.startswith("Testish is spoken"))
    assert intro.text == "Testish is spoken on one island. See §2.2 and Doe (2020) on plurals."
    speakers = next(p for p in g.passages if "130 speakers" in p.text)
    assert "(Smith 1999: 12)" in speakers.text
    # a footnote is detached and kept with the passage citing it, numbered as the book numbers it
    # (per chapter), as PDF and text ingestion do: its words are not the paragraph's for search or quotes
    assert "Counted" not in speakers.text and "Footnote" not in speakers.text
    assert speakers.notes == ("1 Counted in 2019.",)
    # numbering restarts with each chapter; references in a note resolve like the text's
    gender = next(p for p in g.passages if p.text.startswith("Nouns have no gender"))
    assert gender.text == "Nouns have no gender." and gender.notes == ("1 Unlike its neighbour; see §2.2.",)
    plural = next(p for p in g.passages if p.text.startswith("Plural is marked"))
    assert "enclitic =ot, glossed PL; negation uses =nin (NEG)" in plural.text
    assert "See example (1) and Table 2.1." in plural.text
    irregular = next(p for p in g.passages if "reduplicate" in p.text)
    assert "\\" not in irregular.text and "tum∼tum 'children'" in irregular.text


def test_interlinear_examples_kept_whole(book: Path) -> None:
    [g] = ingest_path(book)
    examples = [p for p in g.passages if p.kind == "example"]
    assert len(examples) == 3
    first = examples[0]
    assert first.text.split("\n") == [
        "(1) ma kiē=ot sarat=nin",  # the number the book prints
        "3SG fish=PL ascend=NEG",
        "'The fish do not go up.' [narr1_0:12]",
    ]
    assert first.section == ("2 Nouns", "2.2 Plural")
    assert examples[1].text.split("\n")[1] == "1SG SE go"  # book-specific gloss macro
    nested = examples[2].text
    assert "a. ema-un\nmother-3POSS\n'his mother'" in nested and "b. ema-an" in nested
    table = next(p for p in g.passages if p.kind == "table")
    assert table.text.split("\n") == ["Table 2.1: Plural markers", "form | gloss", "=ot | PL"]


def test_window_chunking_never_splits_examples(book: Path) -> None:
    [g] = ingest_path(book, chunking=ChunkingConfig(mode="window", window_tokens=5, overlap_tokens=1))
    examples = [p for p in g.passages if p.kind == "example"]
    assert examples[0].text.count("\n") == 2 and len(examples) == 3
    prose = [p for p in g.passages if p.kind == "prose"]
    assert all(len(p.text.split()) <= 5 for p in prose)
    assert {p.section for p in prose if "130" in p.text} == {("1 Introduction", "1.1 Speakers")}


def test_renderer_details() -> None:
    r = InlineRenderer()
    assert r.render(r"\'{e}t\'e na\"{\i}ve \c{c}a") == "été naïve ça"
    assert r.render(r"{\scshape neg} \textsc{3sg.poss}") == "NEG 3SG.POSS"
    assert r.render(r"a \textendash{} b --- c \& d \% e") == "a – b — c & d % e"
    assert r.render(r"\unknownmacro{kept text} here") == "kept text here"
    assert strip_comments("keep % drop\n50\\% stays") == "keep \n50\\% stays"


@pytest.fixture(scope="module")
def kalamang(shared_data: Path):
    tex = shared_data / "kalamang" / "grammar_tex"
    if not tex.is_dir():
        pytest.skip("Kalamang LaTeX sources not available")
    [g] = ingest_path(tex)
    return g


def test_kalamang_metadata_and_provenance(kalamang) -> None:
    g = kalamang.grammar
    assert (g.id, g.language, g.author, g.year, g.license) == (
        "visser2022kalamang", "Kalamang", "Eline Visser", 2022, "CC-BY-4.0"
    )
    assert (g.iso639_3, g.glottocode) == ("kgv", "kara1499")  # filled from Glottolog by name
    hit = next(p for p in kalamang.passages if p.text.startswith("Kalamang nouns can be divided into several subclasses."))
    assert hit.section == ("6 Nouns, noun phrases and postpositional phrases", "6.1 Noun subclasses")
    example = next(p for p in kalamang.passages if "Both their whatsits point up" in p.text)
    assert example.kind == "example"
    assert example.text.split("\n")[:2] == [
        "(2) mier-gan neba-un kit-pis siep∼siep-un eir-gan",
        "3PL-both what-3POSS top-side edge∼INTS-3POSS two-both",
    ]
    assert example.section[-1] == "6.1.2.1 Alienability"


def test_kalamang_whole_book(kalamang) -> None:
    kinds = {p.kind for p in kalamang.passages}
    assert kinds >= {"prose", "example", "table", "other"}
    chapters = {p.section[0] for p in kalamang.passages if p.section}
    assert {"1 Introduction", "17 Other topics", "D Wordlist"} <= chapters
    assert not any("\\" in p.text for p in kalamang.passages)
    assert sum(p.kind == "example" for p in kalamang.passages) > 1000
    neg = [p for p in kalamang.passages if p.kind == "example" and "=NEG" in p.text]
    assert len(neg) > 20  # small-caps glosses upper-cased, clitic boundaries kept
    ids = [p.passage_id for p in kalamang.passages]
    assert len(set(ids)) == len(ids)


def test_folder_of_chapter_files_without_main(tmp_path: Path) -> None:
    (tmp_path / "01intro.tex").write_text(INTRO, encoding="utf-8")
    (tmp_path / "02nouns.tex").write_text(NOUNS, encoding="utf-8")
    assert detect_format(tmp_path) == "latex"
    [g] = ingest_path(tmp_path)
    plural = next(p for p in g.passages if p.text.startswith("Plural is marked"))
    assert plural.section == ("2 Nouns", "2.2 Plural")


def test_unclosed_chapter_brace_is_named(tmp_path: Path) -> None:
    """A chapter left open swallows the book: the error names the unbalanced brace, not 'no text'."""
    (tmp_path / "main.tex").write_text(
        "\\documentclass{book}\n\\begin{document}\n\\chapter{Phonology\n\nVowels are short.\n\\end{document}\n",
        encoding="utf-8",
    )
    with pytest.raises(IngestError, match=r"unbalanced braces.*line 3.*never closed"):
        ingest_path(tmp_path, format="latex")

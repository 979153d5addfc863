"""Which language a whole book describes: titles, PDF/LaTeX metadata, Glottolog resolution, ids.

Fixtures are made here (reportlab PDFs, a small LaTeX tree, text files); names are resolved
against the bundled Glottolog table, so no ../shared data is needed.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from grammar_rag.features.languages import load_bundled_languages
from grammar_rag.ingest import ingest_path
from grammar_rag.ingest.language_guess import bare_name, guess_language, names_from_title, resolve_name
from grammar_rag.ingest.metadata import build_grammar, derive_id, source_name
from grammar_rag.types import Grammar

TABLE = load_bundled_languages()


@pytest.mark.parametrize(
    ("title", "name"),
    [
        ("A grammar of Rapa Nui", "Rapa Nui"),
        ("A descriptive grammar of the Kalamang language", "Kalamang"),
        ("Kalamang: a grammar", "Kalamang"),
        ("The Hatam language", "Hatam"),
        ("Grammaire du wolof", "wolof"),
        ("Grammaire de la langue bambara", "bambara"),
        ("Gramática del yagua", "yagua"),
        ("Description grammaticale du tuki", "tuki"),
        ("Esquisse de la langue kera", "kera"),
        ("La langue mbay", "mbay"),
        ("Esbozo gramatical del mocho", "mocho"),
        ("A grammar of Mauwake (Papua New Guinea)", "Mauwake"),
        ("Yuracaré grammar", "Yuracaré"),
    ],
)
def test_title_patterns_name_the_language(title: str, name: str) -> None:
    assert names_from_title(title)[0] == name


def test_title_without_a_language_names_none() -> None:
    assert names_from_title("Proceedings of the workshop") == []
    assert names_from_title("A grammar") == []


def test_full_name_beats_a_prefix() -> None:
    """Rapa Nui is Glottolog's Rapanui (rapa1244), never Mangaia-Old Rapa (rapa1245)."""
    guess = resolve_name("Rapa Nui", TABLE)
    assert (guess.glottocode, guess.iso639_3) == ("rapa1244", "rap")
    assert guess.confident


def test_variety_name_corroborated_by_its_language() -> None:
    """"Sanzhi Dargwa": Sanzhi is a dialect of Southwestern Dargwa, and the rest of the name agrees."""
    guess = resolve_name("Sanzhi Dargwa", TABLE)
    assert guess.glottocode == "sanz1248"
    assert guess.confident


def test_unknown_name_stays_unresolved_with_a_reason() -> None:
    guess = resolve_name("Zzyzxian Qwerty", TABLE)
    assert guess.glottocode is None and guess.confidence == 0.0
    assert "Zzyzxian Qwerty" in guess.reason


def test_stated_glottocode_confirms_or_fills_in() -> None:
    confirmed = guess_language(["A grammar of Sanzhi Dargwa"], "Sanzhi (Glottocode: sanz1248) belongs to ...", TABLE)
    assert confirmed is not None and confirmed.glottocode == "sanz1248" and confirmed.confidence >= 0.95
    only_text = guess_language(["Fieldnotes"], "The language (Glottocode: kara1499) is spoken ...", TABLE)
    assert only_text is not None and only_text.glottocode == "kara1499"
    assert guess_language(["Fieldnotes"], "no codes here", TABLE) is None


def test_ids_from_author_year_language_not_folder_names(tmp_path: Path) -> None:
    assert derive_id("Paulus Kieviet", 2017, "Rapa Nui", "src124") == "kieviet2017rapanui"
    assert derive_id("Forker, Diana", 2020, "Sanzhi Dargwa", "src") == "forker2020sanzhi"
    assert derive_id("", None, "Rapa Nui", "visser-2022") == "visser-2022"
    folder = tmp_path / "kieviet2017" / "src124"
    folder.mkdir(parents=True)
    assert source_name(folder) == "kieviet2017"


# -- sources ----------------------------------------------------------------------------------
def _latex_tree(root: Path, title: str, author: str = "Diana Forker") -> Path:
    root.mkdir(parents=True)
    (root / "main.tex").write_text(
        "\\documentclass{book}\n"
        f"% \\title{{A grammar of Commented Out}}\n\\title{{{title}}}\n\\author{{{author}}}\n"
        "\\begin{document}\n\\chapter{Introduction}\\label{chap:intro}\n"
        "The language described here has a rich case system and verb-final order in main clauses.\n"
        "\\end{document}\n",
        encoding="utf-8",
    )
    (root / "README.md").write_text("# x\n- Publication Date: 2020\n", encoding="utf-8")
    return root


def test_latex_language_and_id_from_title(tmp_path: Path) -> None:
    src = _latex_tree(tmp_path / "book" / "src124", "A grammar of Sanzhi Dargwa")
    (grammar_item,) = ingest_path(src)
    g = grammar_item.grammar
    assert g.glottocode == "sanz1248"
    assert g.id == "forker2020sanzhi"
    assert g.language == "Sanzhi Dargwa"
    assert g.language_confidence is not None and g.language_confidence >= 0.8


def test_meta_language_alone_fills_codes_and_overrides_the_title(tmp_path: Path) -> None:
    src = _latex_tree(tmp_path / "book", "A grammar of Sanzhi Dargwa")
    (item,) = ingest_path(src, metadata={"language": "Rapa Nui"})
    assert (item.grammar.language, item.grammar.iso639_3, item.grammar.glottocode) == ("Rapa Nui", "rap", "rapa1244")


def test_unresolvable_language_is_named_with_the_fix(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    src = _latex_tree(tmp_path / "book", "A grammar of Zzyzxian Qwerty")
    with caplog.at_level(logging.WARNING):
        (item,) = ingest_path(src)
    assert item.grammar.glottocode is None
    assert item.grammar.language_confidence == 0.0
    assert "--meta glottocode=" in caplog.text and "Zzyzxian Qwerty" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        ingest_path(src, metadata={"language": "Zzyzxian Qwerty"})
    assert "cannot fill in codes" in caplog.text and "--meta glottocode=" in caplog.text


def test_text_grammar_language_from_first_line(tmp_path: Path) -> None:
    path = tmp_path / "wolof.txt"
    path.write_text("Grammaire du wolof\n\nLe wolof est une langue du Sénégal; l'ordre est SVO.\n", encoding="utf-8")
    (item,) = ingest_path(path)
    assert (item.grammar.glottocode, item.grammar.iso639_3) == ("nucl1347", "wol")


@pytest.mark.parametrize("imprint", ["Kieviet, Paulus. 2017. A grammar of Rapa Nui. Berlin: Language Science Press.",
                                     "Paulus Kieviet. 2017. A grammar of Rapa Nui (Studies 12)."])
def test_pdf_language_author_year_from_metadata_and_imprint(tmp_path: Path, imprint: str) -> None:
    pytest.importorskip("reportlab")
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    path = tmp_path / "src124.pdf"
    c = canvas.Canvas(str(path), pagesize=A4)
    c.setTitle("A grammar of Rapa Nui")
    c.setAuthor("Paulus Kieviet")
    _width, height = A4
    c.setFont("Helvetica-Bold", 24)
    c.drawString(72, height - 200, "A grammar of Rapa Nui")
    c.showPage()
    c.setFont("Helvetica", 10)
    c.drawString(72, height - 230, "1. Other, Author. 2009. A grammar of Kalamang.")
    c.drawString(72, height - 200, imprint)
    c.showPage()
    c.setFont("Helvetica", 10)
    for k in range(5):
        c.drawString(72, height - 200 - 14 * k, "The basic constituent order is verb subject object in this language.")
    c.showPage()
    c.save()
    (item,) = ingest_path(path)
    g = item.grammar
    assert (g.glottocode, g.iso639_3) == ("rapa1244", "rap")
    assert g.id == "kieviet2017rapanui"
    assert g.year == 2017


def test_pdf_title_page_names_the_language_without_metadata(tmp_path: Path) -> None:
    pytest.importorskip("reportlab")
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    path = tmp_path / "scan.pdf"
    c = canvas.Canvas(str(path), pagesize=A4)
    _width, height = A4
    c.setFont("Helvetica-Bold", 24)
    c.drawString(72, height - 200, "Kalamang: a grammar")
    c.showPage()
    c.setFont("Helvetica", 10)
    c.drawString(72, height - 200, "Kalamang has verb-final order and a rich set of postpositions.")
    c.showPage()
    c.save()
    (item,) = ingest_path(path)
    assert item.grammar.glottocode == "kara1499"


def test_stated_iso_fills_a_variety_without_one() -> None:
    """Glottolog gives Sanzhi (a dialect) no ISO code; the book's "ISO dar" (same family) fills it."""
    guess = guess_language(["A grammar of Sanzhi Dargwa"], "Sanzhi Dargwa (ISO dar; Glottocode sanz1248)", TABLE)
    assert guess is not None and (guess.glottocode, guess.iso639_3) == ("sanz1248", "dar")
    unrelated = guess_language(["A grammar of Sanzhi Dargwa"], "compare Kalamang (ISO kgv)", TABLE)
    assert unrelated is not None and unrelated.iso639_3 is None


def test_info_shows_the_resolved_language(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from grammar_rag.cli import main

    (tmp_path / "rapanui.md").write_text("# A grammar of Rapa Nui\n\nThe basic order is VSO.\n", encoding="utf-8")
    (tmp_path / "mystery.md").write_text("# A grammar of Zzyzxian\n\nThe basic order is SOV.\n", encoding="utf-8")
    index = tmp_path / "idx"
    for name in ("rapanui.md", "mystery.md"):
        assert main(["ingest", str(tmp_path / name), "--index", str(index), "--model", "hashing-64",
                     "--no-progress"]) == 0
    capsys.readouterr()
    assert main(["info", "--index", str(index)]) == 0
    rows = {line.split()[0]: line for line in capsys.readouterr().out.splitlines() if line.strip()}
    assert "Rapa Nui" in rows["rapanui"] and "rapa1244" in rows["rapanui"] and "rap" in rows["rapanui"]
    assert "Zzyzxian?" in rows["mystery"]


def test_reingest_recognised_by_content_before_parsing(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from grammar_rag.cli import main

    book = tmp_path / "rapanui.md"
    book.write_text("# A grammar of Rapa Nui\n\nThe basic order is VSO.\n", encoding="utf-8")
    index = tmp_path / "idx"
    assert main(["ingest", str(book), "--index", str(index), "--model", "hashing-64", "--no-progress"]) == 0
    copy = tmp_path / "copy" / "same-book.md"
    copy.parent.mkdir()
    copy.write_bytes(book.read_bytes())
    import grammar_rag.ingest as ingest_pkg

    def no_parsing(*args: object, **kwargs: object) -> None:
        raise AssertionError("parsed a source already in the index")

    monkeypatch.setattr(ingest_pkg, "ingest_path", no_parsing)
    capsys.readouterr()
    assert main(["ingest", str(copy), "--index", str(index), "--model", "hashing-64", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "already in index" in err and "as rapanui" in err and "--replace" in err and len(err.splitlines()) == 1
    assert main(["ingest", str(copy), "--index", str(index), "--model", "hashing-64", "--no-progress",
                 "--skip-existing"]) == 0
    assert "already indexed as rapanui" in capsys.readouterr().err


def test_progress_lines_when_stderr_is_not_a_terminal(caplog: pytest.LogCaptureFixture) -> None:
    from grammar_rag.progress import Progress

    with caplog.at_level(logging.INFO, logger="grammar_rag.progress"):
        progress = Progress("reading book.pdf", 30, every=0.0)  # pytest's stderr is no terminal
        for _ in range(30):
            progress.update()
        progress.close()
    lines = [r.getMessage() for r in caplog.records if r.name == "grammar_rag.progress"]
    assert len(lines) >= 30 and lines[0].startswith("reading book.pdf: 1/30 pages")


def test_a_variety_glottolog_lacks_is_placed_by_the_iso_code_the_book_states_and_flagged() -> None:
    """A local variety's name is not in Glottolog; the Ethnologue code the book gives places it, unconfirmed."""
    text = ("Choguita Rarámuri belongs to the Central dialect area of the Ethnologue's classification "
            "([tar]; Eberhard et al. 2021).")
    guess = guess_language(["A grammar of Choguita Rarámuri"], text)
    assert guess is not None
    assert (guess.glottocode, guess.iso639_3) == ("cent2131", "tar")
    assert not guess.confident and "[tar]" in guess.reason
    # a bracketed gloss is not a stated code: the name stays unresolved
    bare = guess_language(["A grammar of Choguita Rarámuri"], "the suffix [det] marks definiteness")
    assert bare is not None and bare.glottocode is None


def test_a_language_without_an_iso_code_keeps_none_not_the_string_none(tmp_path: Path) -> None:
    """The Sanzhi PDF resolves to sanz1248, a dialect whose Glottolog language has no ISO code: `info` showed
    its ISO as "None" (str(None) stored in the index) where it should show none."""
    grammar = build_grammar({"language": "Sanzhi Dargwa", "glottocode": "sanz1248", "language_confidence": 0.9},
                            None, source_path=tmp_path / "sanzhi.pdf", source_format="pdf")
    assert grammar.glottocode == "sanz1248" and grammar.iso639_3 is None
    coded = build_grammar({"language": "Rapa Nui", "glottocode": "rapa1244"}, None,
                          source_path=tmp_path / "rapanui.pdf", source_format="pdf")
    assert coded.iso639_3 == "rap"
    # an index written before the fix holds the string "None": it reads back as no code
    stored = {**grammar.to_dict(), "iso639_3": "None"}
    assert Grammar.from_dict(stored).iso639_3 is None and Grammar.from_dict(coded.to_dict()) == coded


@pytest.mark.parametrize(
    ("title", "name"),
    [
        ("Baure: An Arawak Language of Bolivia", "Baure"),
        ("Imonda, a Papuan Language", "Imonda"),
        ("Studies in Nez Perce Grammar and Discourse", "Nez Perce"),
        ("Topics in Zuni Syntax", "Zuni"),
        ("An Introduction to Grebo", "Grebo"),
        ("A syntactic study of Tlingit", "Tlingit"),
        ("The fundamentals of the Thai language", "Thai"),
        ("Micmac morphophonemics", "Micmac"),
        ("Ilocano Dictionary and Grammar", "Ilocano"),
        ("Aghu: annotated texts with grammatical introduction and vocabulary lists", "Aghu"),
        ("A Grammar of the Kolokuma Dialect of Ijo", "Kolokuma Ijo"),
        ("Language and folklore of the Alutor people", "Alutor"),
    ],
)
def test_more_title_shapes_name_the_language(title: str, name: str) -> None:
    """Titles of older grammars and monographs: "X: a ... language of", "Studies in X grammar",
    "An introduction to X", "X morphophonemics", a title that is the name alone."""
    assert names_from_title(title)[0] == name


@pytest.mark.parametrize(
    ("title", "name"),
    [
        ("An outline of Swahili grammar", "Swahili"),
        ("AN OUTLINE OF SWAHILI GRAMMAR", "SWAHILI"),
        ("Grammatik der Nama-Sprache", "Nama"),
        ("Die Sprache der Ewe", "Ewe"),
        ("Grammaire bambara", "bambara"),
        ("Lingala: grammaire et vocabulaire", "Lingala"),
        ("Quechua: gramática y diccionario", "Quechua"),
        ("Kanuri: Grammatik und Texte", "Kanuri"),
    ],
)
def test_titles_in_other_shapes_and_languages_name_the_language(title: str, name: str) -> None:
    """"An outline of X grammar" (the name, not "X grammar"), a German "X-Sprache" / "Sprache der
    X", a French "Grammaire X" (the name after the noun), "X: grammaire / gramática / Grammatik":
    older and non-English grammars are titled so."""
    assert names_from_title(title)[0] == name


def test_a_bare_title_is_a_name_only_when_it_resolves() -> None:
    """A title that is the name alone ("Tunica", "Tetelcingo Nahuatl") names the language if it resolves."""
    assert bare_name("Tetelcingo Nahuatl") == "Tetelcingo Nahuatl"
    guess = guess_language(["Tunica"], table=TABLE)
    assert guess is not None and guess.resolved_name == "Tunica" and guess.confident
    assert bare_name("Proceedings of the workshop") is None and bare_name("Chapter 1") is None
    assert guess_language(["Fieldnotes"], table=TABLE) is None
    assert guess_language(["Gabriela Caballero"], table=TABLE) is None  # an author's line on a title page


@pytest.mark.parametrize(
    ("name", "glottocode"),
    [
        ("Meithei", "mani1292"),  # Glottolog: Manipuri
        ("Motuna", "siwa1245"),  # Glottolog: Siwai
        ("Harar Oromo", "east2652"),  # WALS writes "Oromo (Harar)"
    ],
)
def test_a_name_typologists_use_resolves_through_wals(name: str, glottocode: str) -> None:
    """WALS's language names (bundled with its values) are the names typological grammars often use;
    a name Glottolog does not have whole is looked up there before any partial reading."""
    guess = resolve_name(name, TABLE)
    assert guess.glottocode == glottocode and guess.confident
    assert "WALS" in guess.reason


def test_glottolog_name_still_beats_wals() -> None:
    """An exact Glottolog name is kept even where WALS files the same name under another code."""
    guess = resolve_name("Wikchamni", TABLE)
    assert guess.glottocode == "wikc1234"


def test_a_function_word_or_region_word_is_never_the_language() -> None:
    """Glottolog has languoids named "The", "Central", "Southern"; a title's word is not one of them."""
    for title in ("A Sketch of the Phonology and Grammar of Gimira (Benchnon)",
                  "A Grammar of Nakkara (Central Arnhem Land Coast)", "A Grammar of Southern Tati Dialects"):
        guess = guess_language([title], table=TABLE)
        assert guess is None or guess.resolved_name not in {"The", "Central", "Southern"}, (title, guess)


def test_a_name_that_differs_by_an_apostrophe_is_only_a_guess() -> None:
    """"Abu'" (Abu' Arapesh) is not Glottolog's Abu, a Ramu language: a glottal stop can tell languages apart."""
    guess = resolve_name("Abu'", TABLE)
    assert not guess.confident and "apostrophe" in guess.reason
    assert "Abu'" in names_from_title("Sociolinguistic Aspects of Abu', a Papuan Language")
    assert names_from_title("A grammar of 'Kalamang'")[0] == "Kalamang"
    assert resolve_name("Rapa Nui", TABLE).confident  # spaces and hyphens still squash safely


def test_wals_picking_one_of_several_glottolog_languages_is_a_guess() -> None:
    """WALS's "Kanuri" is Central Kanuri, but Glottolog has other Kanuri languages: ingest should ask."""
    guess = resolve_name("Kanuri", TABLE)
    assert guess.glottocode == "cent2050" and not guess.confident
    assert "WALS" in guess.reason and "Manga-Dagera Kanuri" in guess.reason


def test_a_wals_language_glottolog_lists_as_a_group_is_a_flagged_guess(tmp_path: Path) -> None:
    """WALS's Slave is slav1253 (ISO den), which Glottolog lists as a group of languages, left out of the
    bundled table: the title gets WALS's code, flagged, and ``--meta glottocode=slav1253`` fills the name."""
    guess = resolve_name("Slave", TABLE)
    assert (guess.glottocode, guess.iso639_3) == ("slav1253", "den") and not guess.confident
    assert "group" in guess.reason
    book = tmp_path / "rice1989.txt"
    book.write_text("A Grammar of Slave\n\nSlave is an Athapaskan language. Objects precede the verb.\n", encoding="utf-8")
    (item,) = ingest_path(book, metadata={"glottocode": "slav1253"})
    assert (item.grammar.language, item.grammar.glottocode, item.grammar.iso639_3) == ("Slave", "slav1253", "den")


def test_name_spelled_otherwise_than_glottolog_is_a_named_guess() -> None:
    """Books spell names in other orthographies ("Tikuna", "Apinajé", "Yurakaré" for Glottolog's Ticuna,
    Apinayé, Yuracaré): a guess below the confident level, which ingest names with its fix."""
    for name, code in (("Tikuna", "ticu1245"), ("Apinajé", "apin1244"), ("Yurakaré", "yura1255")):
        guess = resolve_name(name, TABLE)
        assert guess.glottocode == code and not guess.confident, name
        assert "spelled" in guess.reason
    assert resolve_name("Paris", TABLE).glottocode is None

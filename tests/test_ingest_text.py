"""Plain text and Markdown ingestion, format detection, chunking and stable ids."""

from __future__ import annotations

from pathlib import Path

import pytest

from grammar_rag.errors import IngestError
from grammar_rag.ingest import INGESTERS, ChunkingConfig, detect_format, ingest_path

MARKDOWN = """# A sketch of Testish

Intro paragraph before any section, long enough to stand alone.

## 3 Morphology

### 3.2 Clitics

The negative clitic =NEG follows the verb: ma sarat=nin 'he does not go up'.
It is written with a diacritic in kiē and ŋ-initial words.

| form | gloss |
| ---- | ----- |
| =nin | NEG   |

```
ma  sarat=nin
3SG ascend=NEG
'He does not go up.'
```

## 4 Syntax

Word order is SOV in main clauses; see the examples in chapter 4.
"""

TEXT = (
    "1 Introduction\n\nTestish is spoken on a small island by a few hundred people today.\n\n"
    "1.1 Speakers\n\nMost speakers are over thirty years old and bilingual in Malay.\n"
    "\f2 Phonology\n\nThere are five vowels and fifteen consonants in the inventory.\n\n"
    "Stress falls on the penultimate syllable of the word in most cases.\n"
)


def test_markdown_headings_tables_code(tmp_path: Path) -> None:
    path = tmp_path / "testish.md"
    path.write_text(MARKDOWN, encoding="utf-8")
    assert detect_format(path) == "markdown"
    [g] = ingest_path(path)
    assert g.grammar.title == "A sketch of Testish" and g.grammar.source_format == "markdown"
    neg = next(p for p in g.passages if "=NEG follows" in p.text)
    assert neg.section == ("A sketch of Testish", "3 Morphology", "3.2 Clitics")
    assert "kiē and ŋ-initial" in neg.text  # non-ASCII preserved
    table = next(p for p in g.passages if p.kind == "table")
    assert "| =nin | NEG |" in table.text
    code = next(p for p in g.passages if "3SG ascend=NEG" in p.text)
    assert code.kind == "other" and code.text.split("\n") == ["ma sarat=nin", "3SG ascend=NEG", "'He does not go up.'"]
    sov = next(p for p in g.passages if "SOV" in p.text)
    assert sov.section == ("A sketch of Testish", "4 Syntax") and sov.page_start is None


def test_plain_text_pages_and_numbered_headings(tmp_path: Path) -> None:
    path = tmp_path / "Testish Grammar.txt"
    path.write_text(TEXT, encoding="utf-8")
    [g] = ingest_path(path)
    assert g.grammar.id == "testish-grammar"
    speakers = next(p for p in g.passages if "bilingual in Malay" in p.text)
    assert speakers.section == ("1 Introduction", "1.1 Speakers") and speakers.page_start == "1"
    stress = next(p for p in g.passages if "penultimate" in p.text)
    assert stress.section == ("2 Phonology",) and stress.page_start == "2"
    assert [p.order for p in g.passages] == list(range(len(g.passages)))


def test_metadata_overrides_and_validation(tmp_path: Path) -> None:
    path = tmp_path / "g.txt"
    path.write_text(TEXT, encoding="utf-8")
    [g] = ingest_path(path, metadata={"id": "doe2020testish", "language": "Testish", "iso639_3": "tst", "year": "2020"})
    assert (g.grammar.id, g.grammar.language, g.grammar.iso639_3, g.grammar.year) == (
        "doe2020testish", "Testish", "tst", 2020
    )
    assert all(p.grammar_id == "doe2020testish" and p.passage_id.startswith("doe2020testish:") for p in g.passages)
    with pytest.raises(IngestError, match="unknown grammar metadata field 'lang'"):
        ingest_path(path, metadata={"lang": "x"})


def test_ids_stable_and_content_addressed(tmp_path: Path) -> None:
    path = tmp_path / "g.txt"
    path.write_text(TEXT, encoding="utf-8")
    first = [p.passage_id for p in ingest_path(path)[0].passages]
    assert first == [p.passage_id for p in ingest_path(path)[0].passages]
    # editing one paragraph changes only that passage's id
    path.write_text(TEXT.replace("five vowels", "six vowels"), encoding="utf-8")
    second = [p.passage_id for p in ingest_path(path)[0].passages]
    assert len(first) == len(second) and sum(a != b for a, b in zip(first, second, strict=True)) == 1


def test_window_chunking_respects_sections_and_overlap(tmp_path: Path) -> None:
    path = tmp_path / "g.txt"
    long_para = " ".join(f"w{i}" for i in range(30))
    path.write_text(f"1 Intro\n\n{long_para}\n\n2 Next\n\nshort tail text in section two\n", encoding="utf-8")
    cfg = ChunkingConfig(mode="window", window_tokens=10, overlap_tokens=3)
    [g] = ingest_path(path, chunking=cfg)
    intro = [p for p in g.passages if p.section == ("1 Intro",)]
    assert [p.text.split()[0] for p in intro] == ["w0", "w7", "w14", "w21"]
    assert all(len(p.text.split()) <= 10 for p in g.passages)
    assert intro[0].text.split()[-3:] == intro[1].text.split()[:3]  # the overlap
    assert not any("w29" in p.text and "short" in p.text for p in g.passages)  # no window crosses sections


def test_min_chars_merges_short_prose_into_next(tmp_path: Path) -> None:
    path = tmp_path / "g.txt"
    path.write_text("Short.\n\nThis is the following, much longer paragraph of text.\n", encoding="utf-8")
    [merged] = ingest_path(path)[0].passages
    assert merged.text.startswith("Short.\nThis is the following")
    unmerged = ingest_path(path, chunking=ChunkingConfig(min_chars=0))[0].passages
    assert len(unmerged) == 2


def test_detection_and_errors(tmp_path: Path) -> None:
    assert set(INGESTERS.names()) >= {"pdf", "latex", "text", "markdown", "paragraph-csv"}
    bad = tmp_path / "notes.docx"
    bad.write_bytes(b"PK\x03\x04")
    with pytest.raises(IngestError, match=r"notes\.docx"):
        ingest_path(bad)
    with pytest.raises(IngestError, match="no such file"):
        ingest_path(tmp_path / "missing.txt")
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("caf\xe9".encode("latin-1"))
    with pytest.raises(IngestError, match="not UTF-8"):
        ingest_path(latin1)
    with pytest.raises(IngestError, match="unknown format"):
        ingest_path(latin1, format="docx")


def test_folder_of_files_one_grammar_each(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "b.md").write_text(MARKDOWN, encoding="utf-8")
    (tmp_path / "ignored.json").write_text("{}", encoding="utf-8")
    grammars = ingest_path(tmp_path)
    assert [g.grammar.id for g in grammars] == ["a", "b"]
    assert [g.grammar.source_format for g in grammars] == ["text", "markdown"]
    with pytest.raises(IngestError, match="metadata 'id'"):
        ingest_path(tmp_path, metadata={"id": "x"})
    (tmp_path / "A.txt").write_text(TEXT, encoding="utf-8")  # slug collides with a.txt
    with pytest.raises(IngestError, match="already used"):
        ingest_path(tmp_path)

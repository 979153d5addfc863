"""The paper's paragraph CSVs: per-grammar de-duplication across features, metadata, real corpus."""

from __future__ import annotations

import csv
import time
from pathlib import Path

import pytest

from grammar_rag.errors import IngestError
from grammar_rag.ingest import ChunkingConfig, detect_format, ingest_path
from grammar_rag.ingest.paragraph_csv import parse_pages


def _write(path: Path, rows: list[tuple[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["Paragraph", "Page number"])
        w.writerows(rows)


SHARED = "Negation is marked by the clitic =nin after the verb: ma sarat=nin."


@pytest.fixture()
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "rag_on_grammars"
    _write(root / "paragraphs" / "WALS_81A" / "doe2020testish.csv", [
        ("Word order is SOV.\nThe verb comes last.", "[98]"),
        (SHARED, "[12, 13]"),
    ])
    _write(root / "paragraphs" / "GB_107" / "doe2020testish.csv", [
        (SHARED, "[12, 13]"),  # same paragraph retrieved for another feature: stored once
        ("  Negation is   marked by the clitic =nin after the verb: ma sarat=nin.", "[12, 13]"),  # whitespace variant
        ("Other text on a page number that differs.", "[7]"),
    ])
    _write(root / "paragraphs" / "GB_107" / "roe1999other.csv", [("Kiē ŋa ɲo: diacritics stay.", "[3]")])
    with (root / "annotated_benchmark.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["lgcode_iso3", "Name", "WALS 81A: Order of Subject, Object and Verb", "WALS 81A: Pages",
                    "Filename", "Title", "Author", "Year"])
        w.writerow(["tst", "Testish", "SOV", "98", "doe2020testish", "A Grammar of Testish", "Doe, Jane", "2020"])
    return root


def test_dedup_and_metadata(tree: Path) -> None:
    assert detect_format(tree) == "paragraph-csv"
    grammars = {g.grammar.id: g for g in ingest_path(tree)}
    assert set(grammars) == {"doe2020testish", "roe1999other"}
    testish = grammars["doe2020testish"]
    assert len(testish.passages) == 3  # 5 rows, the shared paragraph (and its whitespace variant) once
    assert sum(SHARED in p.text for p in testish.passages) == 1
    # reading order is page order, and page ranges come from the list
    assert [p.page_start for p in testish.passages] == ["7", "12", "98"]
    neg = testish.passages[1]
    assert (neg.page_start, neg.page_end, neg.pages) == ("12", "13", "12-13")
    assert testish.passages[2].text == "Word order is SOV.\nThe verb comes last."  # line breaks kept
    g = testish.grammar
    assert (g.language, g.iso639_3, g.title, g.author, g.year, g.source_format) == (
        "Testish", "tst", "A Grammar of Testish", "Doe, Jane", 2020, "paragraph-csv"
    )
    # gold columns never leak into the Grammar record
    assert "SOV" not in str(g.to_dict().values())
    other = grammars["roe1999other"]
    assert other.passages[0].text == "Kiē ŋa ɲo: diacritics stay."
    assert other.grammar.language == ""  # no metadata row: nothing invented


def test_single_file_and_errors(tree: Path, tmp_path: Path) -> None:
    one = tree / "paragraphs" / "GB_107" / "doe2020testish.csv"
    [g] = ingest_path(one)
    assert g.grammar.id == "doe2020testish" and len(g.passages) == 2
    assert g.grammar.language == "Testish"  # metadata found beside paragraphs/
    bad = tmp_path / "other.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(IngestError, match=r"other\.csv"):
        ingest_path(bad)
    with pytest.raises(IngestError, match="metadata 'id'"):
        ingest_path(tree, metadata={"id": "x"})


def test_window_chunking_keeps_pages(tree: Path) -> None:
    grammars = ingest_path(tree, chunking=ChunkingConfig(mode="window", window_tokens=4, overlap_tokens=1))
    testish = next(g for g in grammars if g.grammar.id == "doe2020testish")
    neg = [p for p in testish.passages if "=nin" in p.text or "clitic" in p.text]
    assert len(neg) >= 3 and all((p.page_start, p.page_end) == ("12", "13") for p in neg)


def test_parse_pages() -> None:
    assert parse_pages("[98]") == ("98", "98")
    assert parse_pages("[12, 13, 14]") == ("12", "14")
    assert parse_pages("") == (None, None)
    # a range written with a hyphen is a range, not a negative page ("-13")
    assert parse_pages("12-13") == ("12", "13")
    # a page cell without digits (roman front matter) is kept as written, for provenance
    assert parse_pages("[xii]") == ("xii", "xii")


def test_real_paragraph_corpus(shared_data: Path) -> None:
    started = time.perf_counter()
    grammars = ingest_path(shared_data / "rag_on_grammars")
    elapsed = time.perf_counter() - started
    assert len(grammars) == 184
    total = sum(len(g.passages) for g in grammars)
    assert 16_000 < total < 18_000, total  # ~21.8k rows, 17,073 unique (text, pages) pairs
    carlson = next(g for g in grammars if g.grammar.id == "carlson1994grammar")
    assert carlson.grammar.language == "Supyire" and carlson.grammar.iso639_3 == "spp"
    assert carlson.grammar.glottocode  # filled from Glottolog by ISO code
    ids = [p.passage_id for g in grammars for p in g.passages]
    assert len(set(ids)) == len(ids)
    print(f"ingested {total} passages from 184 grammars in {elapsed:.1f}s")

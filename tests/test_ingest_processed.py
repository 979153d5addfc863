"""Processed-grammar folders (the bundled corpora's format) ingest as-is, ids and provenance kept."""

from __future__ import annotations

import dataclasses
import gzip
from pathlib import Path

import pytest

from grammar_rag.config import CORPORA_DIR
from grammar_rag.corpus import load_bundled, write_bundled
from grammar_rag.errors import IngestError
from grammar_rag.ingest import ingest_path
from grammar_rag.ingest.detect import detect_format
from grammar_rag.types import Grammar, IngestedGrammar, Passage


def test_bundled_corpus_folder_is_detected_and_ingested_unchanged() -> None:
    folder = CORPORA_DIR / "kalamang"
    assert detect_format(folder) == "passages"
    [ingested] = ingest_path(folder)
    bundled = load_bundled("kalamang")
    assert ingested.grammar.id == "visser2022kalamang"
    assert [p.passage_id for p in ingested.passages] == [p.passage_id for p in bundled.passages]
    assert any(p.kind == "example" and p.section for p in ingested.passages)


def test_round_trip_through_write_bundled(tmp_path: Path) -> None:
    grammar = Grammar(id="g1", language="Testish", iso639_3="tst")
    passages = [Passage("g1", "g1:1", "Verbs take the suffix =NEG.", page_start="12", section=("4 Negation",))]
    write_bundled(IngestedGrammar(grammar, passages), tmp_path / "g1")
    [ingested] = ingest_path(tmp_path / "g1")
    # ingest records the source's content hash (to recognise a re-ingest); everything else round-trips
    assert dataclasses.replace(ingested.grammar, source_sha256=None) == grammar
    assert ingested.grammar.source_sha256
    assert ingested.passages == passages


def test_corrupt_processed_folder_names_the_folder(tmp_path: Path) -> None:
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "grammar.json").write_text('{"id": "x"}', encoding="utf-8")
    with gzip.open(folder / "passages.jsonl.gz", "wt", encoding="utf-8") as fh:
        fh.write("{not json\n")
    with pytest.raises(IngestError, match="broken"):
        ingest_path(folder)

"""Maximum passage size: hard-wrapped text and huge lines become sentence-bounded windows, with a warning."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from grammar_rag.ingest import ingest_path
from grammar_rag.ingest.passage_cap import MAX_PASSAGE_CHARS, TARGET_CHARS


def test_hard_wrapped_text_without_blank_lines_is_split(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    sentence = "The verb agrees with the subject in person and number, and it takes a tense suffix."
    lines = [sentence[i:i + 60] for i in range(0, len(sentence), 60)]
    source = tmp_path / "wrapped.txt"
    source.write_text("\n".join(lines * 400), encoding="utf-8")  # ~34 KB, no blank line
    with caplog.at_level(logging.WARNING):
        (grammar,) = ingest_path(source, format="text")
    sizes = [len(p.text) for p in grammar.passages]
    assert len(sizes) > 5 and max(sizes) <= TARGET_CHARS
    assert all(p.text.rstrip().endswith(".") for p in grammar.passages[:-1])  # cut at sentence ends
    assert "split into sentence-bounded windows" in caplog.text


def test_one_huge_line_is_split(tmp_path: Path) -> None:
    source = tmp_path / "line.txt"
    source.write_text("word " * (MAX_PASSAGE_CHARS // 2), encoding="utf-8")  # no sentence end at all
    (grammar,) = ingest_path(source, format="text")
    assert max(len(p.text) for p in grammar.passages) <= TARGET_CHARS
    assert sum(len(p.text.split()) for p in grammar.passages) == MAX_PASSAGE_CHARS // 2  # nothing lost


def test_ordinary_paragraphs_are_untouched(tmp_path: Path) -> None:
    source = tmp_path / "g.txt"
    source.write_text("The basic order is SOV.\n\nNegation is marked by a suffix on the verb.\n", encoding="utf-8")
    (grammar,) = ingest_path(source, format="text")
    assert [p.text for p in grammar.passages] == ["The basic order is SOV.", "Negation is marked by a suffix on the verb."]

"""A long PDF is read by several processes, page for page as one process reads it."""

from __future__ import annotations

import logging
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pytest

from grammar_rag.errors import IngestError
from grammar_rag.ingest import ingest_path, pdf_read

pytest.importorskip("reportlab")
from reportlab.pdfgen import canvas

SENTENCES = [
    "Verbs agree with their subject in person and number through prefixes on the stem.",
    "Nouns take a plural suffix only when they refer to humans and are definite.",
    "The ergative marker attaches to the last word of the noun phrase.",
]


def _book(path: Path, pages: int) -> Path:
    c = canvas.Canvas(str(path))
    for number in range(1, pages + 1):
        c.setFont("Helvetica-Bold", 14)
        c.drawString(60, 760, f"{number} Chapter {number}")
        c.setFont("Helvetica", 10)
        for row, sentence in enumerate(SENTENCES):
            c.drawString(60, 700 - 15 * row, f"{sentence} (page {number})")
        c.drawString(300, 40, str(number))
        c.showPage()
    c.save()
    return path


@pytest.fixture()
def book(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(pdf_read, "PARALLEL_MIN_PAGES", 4)
    monkeypatch.setattr(pdf_read, "CHUNK_PAGES", 3)  # 14 pages: five runs, the last one short
    return _book(tmp_path / "testish.pdf", 14)


def test_processes_read_what_one_process_reads(book: Path, monkeypatch: pytest.MonkeyPatch,
                                              caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv(pdf_read.READ_PROCESSES_ENV, "1")
    alone = pdf_read.extract_pages(book)
    monkeypatch.setenv(pdf_read.READ_PROCESSES_ENV, "2")
    with caplog.at_level(logging.WARNING, logger="grammar_rag.ingest.pdf_read"):
        shared = pdf_read.extract_pages(book)
    assert "reading in one" not in caplog.text  # the processes did the reading
    assert [p.number for p in shared] == list(range(1, 15))
    assert shared == alone and "(page 14)" in " ".join(line.text for line in shared[-1].lines)
    monkeypatch.delenv(pdf_read.READ_PROCESSES_ENV)
    with_processes = ingest_path(book)[0].passages
    monkeypatch.setenv(pdf_read.READ_PROCESSES_ENV, "1")
    assert [p.text for p in ingest_path(book)[0].passages] == [p.text for p in with_processes]


def test_no_processes_to_be_had_reads_in_one(book: Path, monkeypatch: pytest.MonkeyPatch,
                                            caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv(pdf_read.READ_PROCESSES_ENV, "1")
    alone = pdf_read.extract_pages(book)

    def broken(*args: object) -> None:
        raise BrokenProcessPool("a worker was killed")

    monkeypatch.setenv(pdf_read.READ_PROCESSES_ENV, "2")
    monkeypatch.setattr(pdf_read, "_pages_in_processes", broken)
    with caplog.at_level(logging.WARNING, logger="grammar_rag.ingest.pdf_read"):
        assert pdf_read.extract_pages(book) == alone
    assert "reading in one" in caplog.text


def test_a_bad_process_count_is_named(book: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(pdf_read.READ_PROCESSES_ENV, "two")
    with pytest.raises(IngestError, match=pdf_read.READ_PROCESSES_ENV):
        pdf_read.extract_pages(book)
    monkeypatch.delenv(pdf_read.READ_PROCESSES_ENV)
    assert pdf_read.reading_processes(3) == 1  # below PARALLEL_MIN_PAGES: not worth a process


def test_the_core_budget_caps_the_processes(monkeypatch: pytest.MonkeyPatch) -> None:
    # Ray sets OMP_NUM_THREADS to a task's CPUs: a task holding one CPU reads its book alone
    monkeypatch.delenv(pdf_read.READ_PROCESSES_ENV, raising=False)
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    assert pdf_read.reading_processes(1000) == 1
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    assert pdf_read.reading_processes(1000) == 3
    assert pdf_read.reading_processes(2 * pdf_read.CHUNK_PAGES + 20) == 2  # no more processes than runs of pages

"""``grammar-rag ingest --engine ray``: books parsed on Ray workers give an index with the same
grammars, passages and passage ids as a serial ingest of the same folder (skipped without Ray)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from grammar_rag.cli import main
from grammar_rag.cluster import LOOPBACK_ENV

os.environ.setdefault(LOOPBACK_ENV, "0")  # before Ray is imported: the private cluster stays on 127.0.0.1
pytest.importorskip("ray", reason="Ray is the optional extra grammar-rag[ray]")

pytestmark = pytest.mark.slow


def _book(title: str, n: int) -> str:
    chapters = []
    for c in range(1, n + 1):
        chapters.append(
            f"{c} Chapter {c} of {title}\n\n"
            f"{title} marks the object with a suffix in chapter {c}; the order is verb final in main clauses.\n\n"
            f"{c}.1 Examples\n\nA longer paragraph about negation, questions and word order number {c} in {title}."
        )
    return "\n\n".join(chapters) + "\n"


def _contents(index_dir: Path) -> dict[str, tuple[dict[str, object], list[dict[str, object]]]]:
    from grammar_rag.index import GrammarIndex

    index = GrammarIndex.open(index_dir)
    return {g.id: (g.to_dict(), [p.to_dict() for p in index.passages(g.id)]) for g in index.grammars()}


def test_ray_ingest_of_a_shelf_equals_serial_ingest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shelf = tmp_path / "shelf"
    shelf.mkdir()
    for i, title in enumerate(("Testish", "Otherish", "Thirdish")):
        (shelf / f"{title.lower()}.txt").write_text(_book(title, 3 + i), encoding="utf-8")
    monkeypatch.chdir(tmp_path)  # relative paths, as a user types them (recorded as source_path)
    assert main(["ingest", "shelf", "--index", "serial", "--model", "hashing", "--no-progress"]) == 0
    assert main(["ingest", "shelf", "--index", "parallel", "--model", "hashing", "--no-progress",
                 "--engine", "ray", "--workers", "2"]) == 0
    serial, parallel = _contents(tmp_path / "serial"), _contents(tmp_path / "parallel")
    assert sorted(serial) == ["otherish", "testish", "thirdish"]
    assert parallel == serial
    assert all(passages for _, passages in serial.values())

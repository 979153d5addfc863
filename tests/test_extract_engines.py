"""Batch-extraction engines without Ray: the one-line install hint for ``--engine ray`` when Ray is
absent, and per-pair failure isolation (a pair that raises in a worker fails alone)."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import pytest

from grammar_rag.cli import main
from grammar_rag.cluster import RAY_INSTALL_HINT
from grammar_rag.extract.engine_spec import PairFailure, predict_isolating
from grammar_rag.extract.runner import run_extraction
from grammar_rag.extract.store import ResultStore, RunConfig
from grammar_rag.types import Feature, Grammar, Prediction


def test_engine_ray_without_ray_says_how_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` raises ImportError, installed or not
    code = main(["extract", "--index", str(tmp_path / "idx"), "--features", "81A", "--out", str(tmp_path / "o"),
                 "--engine", "ray"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert err[-1].endswith(RAY_INSTALL_HINT) and "pip install 'grammar-rag[ray]'" in err[-1]
    assert not (tmp_path / "o").exists()


def _pairs(n: int) -> list[tuple[Grammar, Feature]]:
    return [(Grammar(id=f"g{i}", language=f"L{i}"), Feature(id="81A", database="WALS", name="Order", question="?")) for i in range(n)]


def test_one_raising_pair_fails_alone_and_the_rest_is_committed(tmp_path: Path) -> None:
    def predict(pairs: list[tuple[Grammar, Feature]]) -> list[Prediction]:
        if any(g.id == "g2" for g, _ in pairs):
            raise ValueError("unreadable page in g2")
        return [Prediction(grammar_id=g.id, feature_id=f.id, value="SOV") for g, f in pairs]

    outcomes = predict_isolating(predict, _pairs(4))
    assert [isinstance(o, PairFailure) for o in outcomes] == [False, False, True, False]
    assert outcomes[2] == PairFailure("ValueError: unreadable page in g2")

    pairs = _pairs(5)
    grammars, features = [g for g, _ in pairs], [pairs[0][1]]
    config = RunConfig("stub")
    with ResultStore(tmp_path / "results.sqlite") as store:
        summary = run_extraction(store, config, grammars, features, lambda b: predict_isolating(predict, b),
                                 batch_size=2, progress=False)
        assert summary.failed == 1 and summary.computed_now == 4
        assert summary.failures == [("g2", "81A", "ValueError: unreadable page in g2")]
        assert store.done_pairs(config) == {(f"g{i}", "81A") for i in (0, 1, 3, 4)}


def test_ingest_engine_ray_without_ray_says_how_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)
    book = tmp_path / "book.txt"
    book.write_text("1 Intro\n\nTestish is spoken on an island.\n", encoding="utf-8")
    code = main(["ingest", str(book), "--index", str(tmp_path / "idx"), "--engine", "ray"])
    assert code == 2
    assert capsys.readouterr().err.strip().splitlines()[-1].endswith(RAY_INSTALL_HINT)
    assert not (tmp_path / "idx").exists()


@pytest.mark.parametrize("progress, expect_lines", [(None, True), (False, False)])
def test_extraction_logs_progress_lines_when_stderr_is_not_a_terminal(
        tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch,
        progress: bool | None, expect_lines: bool) -> None:
    """A long `extract` under nohup or CI said nothing until it finished (its tqdm bar was off without a
    terminal); it now logs a line every few seconds unless `--no-progress` was given."""
    monkeypatch.setattr("grammar_rag.progress.EVERY_S", 0.0)  # a line per pair, so the test needs no sleep
    pairs = _pairs(25)

    def predict(batch: list[tuple[Grammar, Feature]]) -> list[Prediction]:
        return [Prediction(grammar_id=g.id, feature_id=f.id, value="SOV") for g, f in batch]

    with caplog.at_level(logging.INFO, logger="grammar_rag.progress"), \
            ResultStore(tmp_path / "results.sqlite") as store:
        summary = run_extraction(store, RunConfig("stub"), [g for g, _ in pairs], [pairs[0][1]], predict,
                                 progress=progress)
    assert summary.computed_now == 25
    lines = [r.getMessage() for r in caplog.records if r.name == "grammar_rag.progress"]
    if expect_lines:
        assert lines[0].startswith("extract: 1/25 pairs") and any(line.startswith("extract: 25/25 pairs") for line in lines)
    else:
        assert lines == []

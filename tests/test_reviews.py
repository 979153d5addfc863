"""The reviews table: decisions beside the results in a real SQLite store, never lost."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from grammar_rag.extract.reviews import (
    ACCEPT,
    NOT_STATED,
    OTHER_VALUE,
    ReviewError,
    ReviewInput,
    ReviewStore,
)
from grammar_rag.extract.store import ResultStore, RunConfig
from grammar_rag.types import Evidence, Prediction

REPO = Path(__file__).resolve().parents[1]


def proposal(value: str = "1", passage: str = "p1") -> Prediction:
    return Prediction(
        grammar_id="g1", feature_id="GB107", value=value, code=f"GB107-{value}", confidence=0.8,
        evidence=[Evidence(passage_id=passage, grammar_id="g1", quote="Negation is a suffix -ke.", pages="123")],
    )


def test_save_and_reload_after_reopen(tmp_path: Path) -> None:
    path = tmp_path / "results.sqlite"
    with ReviewStore(path) as store:
        result = store.save(ReviewInput("g1", "GB107", ACCEPT, "", "123-124", "clear", "Ana"), proposal())
        assert result.review.value == "1" and result.review.version == 1 and not result.conflict
        store.save(ReviewInput("g1", "GB108", NOT_STATED, "", reviewer="Ana"), None)
        store.save(ReviewInput("g1", "81A", OTHER_VALUE, "SOV", reviewer="Ben"), None)
    with ReviewStore(path) as store:
        reviews = {r.feature_id: r for r in store.all("g1")}
    assert reviews["GB107"].decision == ACCEPT and reviews["GB107"].pages == "123-124"
    assert reviews["GB107"].comment == "clear" and reviews["GB107"].reviewer == "Ana"
    assert reviews["GB108"].value == "?"
    assert reviews["81A"].value == "SOV" and reviews["81A"].proposal_value is None


def test_reviews_live_beside_results_and_a_rerun_does_not_touch_them(tmp_path: Path) -> None:
    path = tmp_path / "results.sqlite"
    config = RunConfig("evidence")
    with ResultStore(path) as results:
        results.put(proposal("1"), config)
    with ReviewStore(path) as reviews:
        reviews.save(ReviewInput("g1", "GB107", ACCEPT, "", reviewer="Ana"), proposal("1"))
    # a re-run with other settings stores a different proposal for the same pair
    with ResultStore(path) as results:
        assert results.put(proposal("0", passage="p9"), RunConfig("evidence", settings={"k": 3}))
    with ReviewStore(path) as reviews:
        review = reviews.get("g1", "GB107")
        assert review is not None and review.value == "1"
        assert ReviewStore.proposal_changed(review, proposal("0", passage="p9"))
        assert not ReviewStore.proposal_changed(review, proposal("1"))
    tables = {r[0] for r in sqlite3.connect(path).execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"results", "reviews"} <= tables


def test_last_write_wins_and_the_stale_writer_is_told(tmp_path: Path) -> None:
    path = tmp_path / "results.sqlite"
    tab1, tab2 = ReviewStore(path), ReviewStore(path)
    try:
        seen1 = tab1.get("g1", "GB107")
        seen2 = tab2.get("g1", "GB107")
        assert seen1 is None and seen2 is None
        first = tab1.save(ReviewInput("g1", "GB107", ACCEPT, "", reviewer="Ana"), proposal(), expected_version=0)
        assert not first.conflict
        second = tab2.save(ReviewInput("g1", "GB107", OTHER_VALUE, "0", reviewer="Ben"), proposal(),
                           expected_version=0)
        assert second.conflict and second.overwrote_unseen is not None
        assert second.overwrote_unseen.reviewer == "Ana"
        assert second.review.version == 2
        # the overwritten decision is kept in the history
        history = tab1.history("g1", "GB107")
        assert [h["reviewer"] for h in history] == ["Ana"]
        current = tab1.get("g1", "GB107")
        assert current is not None and current.value == "0" and current.reviewer == "Ben"
        third = tab1.save(ReviewInput("g1", "GB107", ACCEPT, "", reviewer="Ana"), proposal(), expected_version=2)
        assert not third.conflict and third.review.version == 3
    finally:
        tab1.close()
        tab2.close()


def test_bad_reviews_are_refused_and_save_many_is_all_or_nothing(tmp_path: Path) -> None:
    with ReviewStore(tmp_path / "results.sqlite") as store:
        with pytest.raises(ReviewError, match="reviewer"):
            store.save(ReviewInput("g1", "GB107", ACCEPT, "", reviewer=" "), proposal())
        with pytest.raises(ReviewError, match="Unknown decision"):
            store.save(ReviewInput("g1", "GB107", "maybe", "1", reviewer="Ana"), proposal())
        with pytest.raises(ReviewError, match="no proposal"):
            store.save(ReviewInput("g1", "GB107", ACCEPT, "", reviewer="Ana"), None)
        good = (ReviewInput("g1", "GB107", OTHER_VALUE, "1", reviewer="Ana"), None, None)
        bad = (ReviewInput("g1", "GB108", OTHER_VALUE, "", reviewer="Ana"), None, None)
        with pytest.raises(ReviewError):
            store.save_many([good, bad])
        assert store.all() == []


_WRITER = """
import sys
from grammar_rag.extract.reviews import ReviewInput, ReviewStore, OTHER_VALUE
store = ReviewStore(sys.argv[1])
i = 0
while True:
    i += 1
    store.save(ReviewInput("g1", f"F{i % 50}", OTHER_VALUE, str(i), comment="x" * 2000, reviewer="Ana"))
    if i == 20:
        print("ready", flush=True)
"""


def test_kill_9_mid_save_loses_nothing_committed(tmp_path: Path) -> None:
    path = tmp_path / "results.sqlite"
    proc = subprocess.Popen([sys.executable, "-c", _WRITER, str(path)], stdout=subprocess.PIPE, cwd=REPO,
                            env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == b"ready"
        time.sleep(0.3)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    with ReviewStore(path) as store:
        reviews = store.all("g1")
        assert len(reviews) >= 20
        for review in reviews:  # every stored row is a whole decision: version matches its history
            assert review.comment == "x" * 2000
            assert len(store.history("g1", review.feature_id)) == review.version - 1


def test_accepting_an_abstention_is_not_stated(tmp_path: Path) -> None:
    from grammar_rag.types import NOT_ENOUGH_INFO

    with ReviewStore(tmp_path / "results.sqlite") as store:
        saved = store.save(ReviewInput("g1", "GB107", ACCEPT, "", reviewer="Ana"), proposal(NOT_ENOUGH_INFO))
    assert (saved.review.decision, saved.review.value) == (NOT_STATED, "?")

"""NDCG / recall / page-hit metrics: hand-computed values and the published BM25 NDCG@K column."""

from __future__ import annotations

import csv
import math

import pytest

from grammar_rag.evaluation.metrics import (
    bootstrap_mean_interval,
    mean,
    ndcg_at_k,
    ndcg_curve,
    page_hit_at_k,
    page_set,
    recall_at_k,
)


def test_ndcg_hand_computed_linear_gain() -> None:
    # ranked relevances 3, 0, 2 ; ideal 3, 2, 0
    dcg = 3 / math.log2(2) + 0 / math.log2(3) + 2 / math.log2(4)
    idcg = 3 / math.log2(2) + 2 / math.log2(3) + 0
    assert ndcg_at_k([3, 0, 2], 3) == pytest.approx(dcg / idcg)
    assert ndcg_at_k([3, 0, 2], 1) == pytest.approx(1.0)
    assert ndcg_at_k([0, 3, 2], 1) == 0.0
    # @2: (3 + 0) / (3 + 2/log2 3)
    assert ndcg_at_k([3, 0, 2], 2) == pytest.approx(3 / (3 + 2 / math.log2(3)))


def test_ndcg_edge_cases() -> None:
    assert ndcg_at_k([0, 0, 0], 2) == 0.0
    assert ndcg_at_k([5, 4, 3], 3) == pytest.approx(1.0)
    assert ndcg_curve([1, 0], 2) == [pytest.approx(1.0), pytest.approx(1.0)]
    # the ideal comes from the same list, so k beyond its length is harmless
    assert ndcg_at_k([0, 2], 10) == pytest.approx((2 / math.log2(3)) / 2)


def test_recall_at_k() -> None:
    assert recall_at_k([1, 0, 1, 0], 1) == pytest.approx(0.5)
    assert recall_at_k([1, 0, 1, 0], 3) == pytest.approx(1.0)
    assert recall_at_k([0, 0], 2) == 0.0


def test_page_set_forms() -> None:
    assert page_set("238") == {238}
    assert page_set("376-397") == set(range(376, 398))
    assert page_set("42-53, 56-58") == set(range(42, 54)) | {56, 57, 58}
    assert page_set("[75, 76]") == {75, 76}
    assert page_set("182-7") == set(range(182, 188))
    assert page_set("") == set() and page_set(None) == set() and page_set("nan") == set()


def test_page_hit() -> None:
    ranked = [{10}, {11, 12}, {238}]
    assert not page_hit_at_k(ranked, {238}, 2)
    assert page_hit_at_k(ranked, {238}, 3)
    assert page_hit_at_k(ranked, {12, 400}, 2)


def _bm25_rows(path):
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    rows.sort(key=lambda r: int(r["BM25 Rank"]))
    return rows


def test_reproduces_published_bm25_ndcg_column(shared_data) -> None:
    directory = shared_data / "rag_on_grammars" / "rerankers_benchmark"
    files = sorted(directory.glob("*.csv"))
    assert files, "no rerankers benchmark files"
    at20 = []
    for path in files:
        rows = _bm25_rows(path)
        rel = [float(r["Relevance Score"]) for r in rows]
        for k, row in enumerate(rows, start=1):
            assert ndcg_at_k(rel, k) == pytest.approx(float(row["BM25 NDCG@K"]), abs=1e-9), (path.name, k)
        at20.append(ndcg_at_k(rel, 20))
    if len(files) == 10:
        assert mean(at20) == pytest.approx(0.7327, abs=5e-5)


def test_bootstrap_interval_of_a_mean() -> None:
    right = [1.0] * 74 + [0.0] * 26  # micro-F1 0.74 on 100 grammars
    interval = bootstrap_mean_interval(right)
    assert interval is not None
    low, high = interval
    # the normal approximation gives 0.74 +- 1.96 * sqrt(0.74 * 0.26 / 100) = 0.654 .. 0.826
    assert low == pytest.approx(0.654, abs=0.02) and high == pytest.approx(0.826, abs=0.02)
    assert bootstrap_mean_interval(right) == (low, high)  # seeded: reproducible
    narrow = bootstrap_mean_interval(right * 10)  # ten times the grammars: about a third as wide
    assert narrow is not None and (narrow[1] - narrow[0]) < 0.45 * (high - low)
    assert bootstrap_mean_interval([1.0, 1.0, 1.0]) == (1.0, 1.0)
    assert bootstrap_mean_interval([]) is None

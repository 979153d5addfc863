"""Rank fusion used by hybrid retrieval."""

from __future__ import annotations

import pytest

from grammar_rag.index.fusion import RRF_C, rrf, weighted


def test_rrf_rewards_agreement() -> None:
    bm25 = [("a", 12.0), ("b", 9.0), ("c", 1.0)]
    dense = [("b", 0.9), ("d", 0.8), ("a", 0.1)]
    fused = rrf([bm25, dense])
    assert [k for k, _ in fused] == ["b", "a", "d", "c"]
    assert fused[0][1] == pytest.approx(1 / (RRF_C + 2) + 1 / (RRF_C + 1))


def test_weighted_minmax() -> None:
    bm25 = [("a", 10.0), ("b", 5.0), ("c", 0.0)]
    dense = [("c", 0.9), ("a", 0.5), ("b", 0.1)]
    fused = dict(weighted([bm25, dense], weights=[0.5, 0.5]))
    assert fused["a"] == pytest.approx(0.5 * 1.0 + 0.5 * 0.5)
    assert fused["c"] == pytest.approx(0.5 * 0.0 + 0.5 * 1.0)
    assert fused["b"] == pytest.approx(0.5 * 0.5 + 0.0)
    only_lexical = [k for k, _ in weighted([bm25, dense], weights=[1.0, 0.0])]
    assert only_lexical[0] == "a"

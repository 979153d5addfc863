"""BM25 lives once: the candidate-list scorer in ``index/bm25.py`` that the rerankers call."""

from __future__ import annotations

import math

import pytest

from grammar_rag.index.bm25 import okapi_scores
from grammar_rag.rerank.lexical import bm25_scores
from grammar_rag.text.tokens import tokens


def test_okapi_scores_follow_the_formula_by_hand() -> None:
    docs = [["ergative", "case"], ["case"], ["verb"]]
    # n = 3, avgdl = 4/3, df(ergative) = 1, df(case) = 2; k1 = 1.2, b = 0.75
    idf_erg = math.log(1 + (3 - 1 + 0.5) / (1 + 0.5))
    idf_case = math.log(1 + (3 - 2 + 0.5) / (2 + 0.5))
    norm0 = 1 + 1.2 * (1 - 0.75 + 0.75 * 2 / (4 / 3))
    norm1 = 1 + 1.2 * (1 - 0.75 + 0.75 * 1 / (4 / 3))
    scores = okapi_scores(["ergative", "case", "case"], docs, k1=1.2, b=0.75)
    assert scores[0] == pytest.approx(idf_erg * 2.2 / norm0 + 2 * idf_case * 2.2 / norm0)  # query "case" twice
    assert scores[1] == pytest.approx(2 * idf_case * 2.2 / norm1)
    assert scores[2] == 0.0
    assert okapi_scores(["case"], [], k1=1.2, b=0.75) == []


def test_the_reranker_bm25_is_the_index_scorer_with_its_own_tokens_and_k1() -> None:
    texts = ["The ergative case marker follows the noun.", "Case is not marked.", "Verbs agree with the subject."]
    query = "ergative case marking"
    expected = okapi_scores(tokens(query), [tokens(t) for t in texts], k1=1.2, b=0.75)
    assert bm25_scores(query, texts) == expected
    assert expected[0] > 0.0 and expected[2] == 0.0
    assert bm25_scores(query, texts, k1=1.5) != expected

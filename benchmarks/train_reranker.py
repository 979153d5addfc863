"""Train the shipped weights of the ``learned`` reranker and print its leave-one-grammar-out score.

    python -m benchmarks.train_reranker --data-dir ../shared/data [--out grammar_rag/data/rerank_learned.json]

Trains a pairwise linear ranker (:func:`grammar_rag.rerank.learned.fit_pairwise`) on every grammar
of ``rerankers_benchmark/`` with the catalogue query for WALS 81A. The features and the
regularisation constant are fixed in code; the leave-one-grammar-out NDCG@20 printed here is the
figure to quote (the benchmark recomputes it).
"""

from __future__ import annotations

import argparse
import logging

from grammar_rag.config import data_dir as resolve
from grammar_rag.evaluation.metrics import mean, ndcg_at_k
from grammar_rag.evaluation.retrieval_data import load_feature, load_rerank_cases
from grammar_rag.rerank import build_query
from grammar_rag.rerank.learned import DEFAULT_FEATURES, MODEL_PATH, feature_matrix, fit_pairwise

C_VALUE = 0.05
QUERY_STYLE = "catalogue"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir")
    parser.add_argument("--out", default=str(MODEL_PATH))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    root = resolve(args.data_dir)
    cases = load_rerank_cases(root)
    query = build_query(load_feature("WALS 81A"), QUERY_STYLE)
    features = list(DEFAULT_FEATURES)
    mats = [feature_matrix(query, c.passages, features) for c in cases]
    logo = {}
    for i, case in enumerate(cases):
        model = fit_pairwise([m for j, m in enumerate(mats) if j != i],
                             [c.relevance for j, c in enumerate(cases) if j != i], features, c=C_VALUE)
        scores = model.score(mats[i])
        order = sorted(range(len(scores)), key=lambda k: (-scores[k], k))
        logo[case.grammar] = ndcg_at_k([case.relevance[k] for k in order], 20)
    model = fit_pairwise(mats, [c.relevance for c in cases], features, c=C_VALUE, meta={
        "trained_on": [c.grammar for c in cases],
        "C": C_VALUE,
        "query_style": QUERY_STYLE,
        "feature": "WALS 81A",
        "logo_ndcg@20": mean(logo.values()),
        "trainer": "benchmarks.train_reranker (pairwise logistic, within-grammar pairs)",
    })
    model.save(args.out)
    for g, v in logo.items():
        print(f"{g:28s} {v:.4f}")
    print(f"LOGO mean NDCG@20 {mean(logo.values()):.4f}; weights -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

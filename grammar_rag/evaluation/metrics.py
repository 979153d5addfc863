"""Ranking and classification metrics exactly as the paper computes them.

NDCG@k (Järvelin & Kekäläinen 2002) with *linear* gain (the graded relevance 0-5 itself, not
2^rel - 1), discount log2(i + 1) for 1-based position i, and the ideal DCG taken over the same
candidate list sorted by relevance. This variant reproduces every ``BM25 NDCG@K`` column of the
published ``rerankers_benchmark/*.csv`` files to 1e-12 (checked by tests/test_metrics.py); the
2^rel - 1 gain does not.

Recall@k is the share of the binary-relevant passages found in the top k; page hit@k asks whether
any gold page lies among the pages of the top-k passages (the RAG benchmark only knows pages).

Classification: accuracy and micro / macro / weighted F1 over the grammars of one feature and
configuration (scikit-learn, ``zero_division=0``, rounded to 4 places as the paper reports them),
the confusion matrix, and a percentile bootstrap interval of micro-F1 over grammars.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Iterable, Sequence
from typing import Any


def dcg(relevances: Sequence[float], k: int) -> float:
    """Discounted cumulative gain of the first ``k`` relevances (linear gain, log2(i+1))."""
    return sum(float(r) / math.log2(i + 2) for i, r in enumerate(relevances[:k]))


def ndcg_at_k(ranked_relevances: Sequence[float], k: int, pool: Sequence[float] | None = None) -> float:
    """NDCG@k of relevances listed in ranked order.

    ``pool`` is the set of relevances the ideal ordering is drawn from (default: the ranked list
    itself, i.e. the paper's "ideal ordering of the same 50"). Returns 0.0 when nothing in the
    pool is relevant.
    """
    ideal = sorted(pool if pool is not None else ranked_relevances, reverse=True)
    idcg = dcg(ideal, k)
    return dcg(ranked_relevances, k) / idcg if idcg > 0 else 0.0


def ndcg_curve(ranked_relevances: Sequence[float], max_k: int | None = None) -> list[float]:
    """[NDCG@1, ..., NDCG@max_k] (default: the length of the list)."""
    n = max_k or len(ranked_relevances)
    return [ndcg_at_k(ranked_relevances, k) for k in range(1, n + 1)]


def recall_at_k(ranked_binary: Sequence[float], k: int) -> float:
    """Share of relevant items (binary 1) that appear in the top ``k``; 0.0 when none exist."""
    total = sum(1 for b in ranked_binary if b)
    if total == 0:
        return 0.0
    return sum(1 for b in ranked_binary[:k] if b) / total


_RANGE_RE = re.compile(r"(\d+)\s*[-–—]\s*(\d+)|(\d+)")


def page_set(text: object) -> set[int]:
    """Page numbers in "238", "376-397", "42-53, 56-58" or "[75, 76]" forms (empty for NaN/blank).

    A range whose end is shorter than its start ("182-7", "61-62") is read the book-index way:
    "182-7" -> 182..187.
    """
    if text is None:
        return set()
    s = str(text).strip()
    if not s or s.lower() in {"nan", "none", "-", "?"}:
        return set()
    pages: set[int] = set()
    for m in _RANGE_RE.finditer(s):
        if m.group(3):
            pages.add(int(m.group(3)))
            continue
        lo_s, hi_s = m.group(1), m.group(2)
        lo, hi = int(lo_s), int(hi_s)
        if len(hi_s) < len(lo_s):
            hi = int(lo_s[: len(lo_s) - len(hi_s)] + hi_s)
        if hi < lo or hi - lo > 500:  # not a plausible page range; keep the endpoints only
            pages.update({lo, hi})
        else:
            pages.update(range(lo, hi + 1))
    return pages


def page_hit_at_k(ranked_pages: Sequence[Iterable[int]], gold: set[int], k: int) -> bool:
    """True when any of the top-``k`` passages lies on a gold page."""
    return any(gold & set(p) for p in ranked_pages[:k])


def mean(values: Iterable[float]) -> float:
    vals = list(values)
    return sum(vals) / len(vals) if vals else 0.0


def bootstrap_mean_interval(scores: Sequence[float], resamples: int = 2000, level: float = 0.95,
                            seed: int = 0) -> tuple[float, float] | None:
    """Percentile bootstrap interval of the mean of per-grammar ``scores`` (resampling grammars).

    Micro-F1 of a single-label feature is the mean of per-grammar 0/1 correctness, and the polar
    composite's mean micro-F1 over its strategies is the mean of each grammar's share of strategies
    right, so one function serves both. Why report it: with 50-110 grammars per feature, one
    grammar moves micro-F1 by 0.01-0.02, and a difference from the paper's figure inside the
    interval is not evidence of being better or worse. Seeded, so a report is reproducible.
    """
    import numpy as np

    values = np.asarray(scores, dtype=float)
    if values.size == 0:
        return None
    rng = np.random.default_rng(seed)
    means = values[rng.integers(0, values.size, size=(resamples, values.size))].mean(axis=1)
    tail = (1.0 - level) / 2 * 100
    low, high = np.percentile(means, [tail, 100 - tail])
    return round(float(low), 4), round(float(high), 4)


def classification_metrics(y_true: list[str], y_pred: list[str]) -> dict[str, Any]:
    """Accuracy and micro / macro / weighted F1 of one feature and configuration (all None for no items)."""
    with warnings.catch_warnings():  # one-class subsets (small halves) are expected, not noteworthy
        warnings.simplefilter("ignore", UserWarning)
        return _classification_metrics(y_true, y_pred)


def _classification_metrics(y_true: list[str], y_pred: list[str]) -> dict[str, Any]:
    from sklearn.metrics import accuracy_score, f1_score

    if not y_true:
        return {"accuracy": None, "f1_micro": None, "f1_macro": None, "f1_weighted": None, "n": 0}
    kw = {"zero_division": 0}
    return {
        "accuracy": round(float(accuracy_score(y_true, y_pred)), 4),
        "f1_micro": round(float(f1_score(y_true, y_pred, average="micro", **kw)), 4),
        "f1_macro": round(float(f1_score(y_true, y_pred, average="macro", **kw)), 4),
        "f1_weighted": round(float(f1_score(y_true, y_pred, average="weighted", **kw)), 4),
        "n": len(y_true),
    }


def confusion(y_true: list[str], y_pred: list[str], labels: list[str]) -> dict[str, Any]:
    """Confusion matrix (rows gold, columns predicted) over the ``labels`` that occur in either list."""
    from sklearn.metrics import confusion_matrix

    used = [lab for lab in labels if lab in set(y_true) | set(y_pred)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        matrix = confusion_matrix(y_true, y_pred, labels=used).tolist() if y_true else []
    return {"labels": used, "matrix": matrix, "rows": "gold", "columns": "predicted"}

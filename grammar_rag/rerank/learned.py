"""A small learned reranker: a linear pairwise ranker over the evidence cues.

Why linear and pairwise: there are only ten annotated grammars (500 passages), so anything with
more capacity than a weight per cue overfits; pairwise training (logistic loss on "passage a is
more relevant than passage b" within one grammar) optimises the order, which is what NDCG scores,
and never compares passages across grammars. Features are the evidence cues of
:func:`grammar_rag.rerank.evidence.passage_features` (all computed from the passage text, the
feature query and the first-stage order — never from labels).

The shipped weights (``grammar_rag/data/rerank_learned.json``) were trained on all ten grammars of
the published rerankers benchmark by ``python -m benchmarks.train_reranker``; the benchmark reports
the honest figure, retraining with each grammar left out (``learned-logo``).
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from grammar_rag.config import BUNDLED_DATA_DIR
from grammar_rag.errors import GrammarRagError
from grammar_rag.rerank.base import RERANKERS, FeatureQuery, as_query, ranked
from grammar_rag.rerank.dense import dense_similarities
from grammar_rag.rerank.evidence import FEATURE_NAMES, head_first, passage_features
from grammar_rag.text.ocr_repair import repair
from grammar_rag.types import Passage, ScoredPassage

log = logging.getLogger(__name__)

MODEL_PATH = BUNDLED_DATA_DIR / "rerank_learned.json"
DENSE_PREFIX = "dense:"  # a feature "dense:<model>" is the z-scored cosine similarity under <model>


@dataclass
class LinearRanker:
    """score = sum_i w_i * (x_i - mean_i) / scale_i over named features."""

    features: list[str]
    weights: list[float]
    mean: list[float]
    scale: list[float]
    meta: dict[str, Any] = field(default_factory=dict)

    def score(self, matrix: np.ndarray) -> np.ndarray:
        z = (matrix - np.asarray(self.mean)) / np.asarray(self.scale)
        return z @ np.asarray(self.weights)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1)

    def save(self, path: str | os.PathLike[str]) -> None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(self.to_json())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: str | os.PathLike[str] = MODEL_PATH) -> LinearRanker:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise GrammarRagError(
                f"Learned reranker weights not found at {path}; train them with "
                "`python -m benchmarks.train_reranker --data-dir DIR`."
            ) from None
        return cls(**data)


def feature_matrix(query: FeatureQuery | str, passages: Sequence[Passage], features: Sequence[str]) -> np.ndarray:
    """Rows = passages, columns = ``features`` (evidence cue names and ``dense:<model>``)."""
    q = as_query(query)
    cues = passage_features(q, passages)
    cols = []
    for name in features:
        if name.startswith(DENSE_PREFIX):
            sims = dense_similarities(name[len(DENSE_PREFIX) :], q.text, [repair(p.text) for p in passages])
            sims = (sims - sims.mean()) / (sims.std() + 1e-6) if len(sims) else sims
            cols.append(np.asarray(sims, dtype=float))
        else:
            cols.append(np.array([c[name] for c in cues], dtype=float))
    return np.column_stack(cols) if cols else np.zeros((len(passages), 0))


def fit_pairwise(
    matrices: Sequence[np.ndarray],
    relevances: Sequence[Sequence[float]],
    features: Sequence[str],
    c: float = 0.05,
    meta: dict[str, Any] | None = None,
) -> LinearRanker:
    """Fit a pairwise logistic ranker on several candidate lists (one per grammar).

    Pairs are formed only *within* a list (a passage vs. a less relevant one of the same grammar),
    each list weighted equally so a grammar with many relevant passages does not dominate.
    """
    from sklearn.linear_model import LogisticRegression

    stacked = np.vstack(matrices)
    mean = stacked.mean(axis=0)
    scale = stacked.std(axis=0)
    scale[scale < 1e-9] = 1.0
    diffs, labels, weights = [], [], []
    for m, rel in zip(matrices, relevances, strict=True):
        z = (m - mean) / scale
        r = np.asarray(rel, dtype=float)
        hi, lo = np.nonzero(r[:, None] > r[None, :])
        if len(hi) == 0:
            continue
        d = z[hi] - z[lo]
        gap = (r[hi] - r[lo]) / len(hi)  # bigger relevance gaps matter more; lists weigh equally
        diffs += [d, -d]
        labels += [np.ones(len(d)), np.zeros(len(d))]
        weights += [gap, gap]
    if not diffs:
        raise GrammarRagError("No graded pairs to learn from (every candidate list has a single relevance level).")
    x = np.vstack(diffs)
    y = np.concatenate(labels)
    w = np.concatenate(weights)
    w = w * (len(w) / w.sum())
    model = LogisticRegression(C=c, fit_intercept=False, max_iter=5000)
    model.fit(x, y, sample_weight=w)
    return LinearRanker(
        features=list(features),
        weights=[float(v) for v in model.coef_[0]],
        mean=[float(v) for v in mean],
        scale=[float(v) for v in scale],
        meta=dict(meta or {}),
    )


# guideline_phrase is left out: trained on one feature (WALS 81A) its weight is noise there (LOGO
# NDCG@20 0.865 with it, 0.872 without); the hand-weighted evidence reranker uses it.
DEFAULT_FEATURES: tuple[str, ...] = tuple(f for f in FEATURE_NAMES if f != "guideline_phrase")


class LearnedReranker:
    """Scores candidates with a :class:`LinearRanker` (the shipped one unless given)."""

    name = "learned"

    def __init__(self, model: LinearRanker | None = None, path: str | os.PathLike[str] | None = None) -> None:
        self.model = model or LinearRanker.load(path or MODEL_PATH)

    def rerank(self, query: FeatureQuery | str, passages: list[Passage]) -> list[ScoredPassage]:
        if not passages:
            return []
        scores = self.model.score(feature_matrix(query, passages, self.model.features))
        return ranked(passages, head_first(query, passages, [float(s) for s in scores]))


@RERANKERS.register("learned", help="pairwise linear ranker over evidence cues (weights shipped in the package)")
def _make_learned(model: LinearRanker | None = None, path: str | None = None) -> LearnedReranker:
    return LearnedReranker(model=model, path=path)

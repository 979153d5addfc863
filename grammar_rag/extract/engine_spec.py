"""What every extraction engine computes, and how a pair that failed is reported.

Why apart from :mod:`grammar_rag.extract.engines`: the local engine and the Ray actors
(:mod:`grammar_rag.extract.ray_engine`) both build workers from an :class:`EngineSpec` and isolate
failing pairs the same way; keeping these here lets ``engines`` import the Ray engine without a
circle.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from grammar_rag.types import Feature, Grammar, Prediction

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PairFailure:
    """One pair a worker could not compute; ``error`` is ``"ExceptionType: message"``."""

    error: str


PairOutcome = Prediction | PairFailure


def describe_error(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def predict_isolating(
    predict: Callable[[list[tuple[Grammar, Feature]]], Sequence[Prediction]],
    pairs: list[tuple[Grammar, Feature]],
) -> list[PairOutcome]:
    """``predict(pairs)``; when it raises, retry pair by pair so only the culprit fails.

    Runs inside a worker: one bad grammar file (or a bug hit by one feature) must not take its
    batch-mates, nor the worker, down with it.
    """
    try:
        return list(predict(pairs))
    except Exception as exc:  # a worker reports any error of a pair, it never dies of one
        if len(pairs) == 1:
            logger.warning("pair (%s, %s) failed: %s", pairs[0][0].id, pairs[0][1].id, describe_error(exc))
            return [PairFailure(describe_error(exc))]
    out: list[PairOutcome] = []
    for pair in pairs:
        out.extend(predict_isolating(predict, [pair]))
    return out


@dataclass
class EngineSpec:
    """What an engine needs to build workers that compute exactly what the driver would."""

    engine: str = "local"
    index_dir: str = ""
    backend: str = "evidence"
    retrieval: Any = None
    prompt_version: str = ""
    workers: int = 1
    address: str | None = None
    gpus_per_worker: float = 0.0
    max_in_flight: int | None = None
    classifier_options: dict[str, Any] = field(default_factory=dict)

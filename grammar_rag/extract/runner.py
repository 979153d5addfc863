"""Run every missing (grammar, feature) pair of a batch extraction into a :class:`ResultStore`.

The runner knows nothing about retrieval or models: it is handed a ``predict`` callable that turns
a batch of pairs into predictions (see :mod:`grammar_rag.extract.predictors`). That keeps the
resumability logic (what is missing, commit as each pair finishes, counts) in one place and
testable with any stand-in, while the backend decides how to be fast:

* ``batch_size`` > 1 hands several pairs to one call (LLM backends batch prompts, vLLM above all);
* ``concurrency`` > 1 keeps that many calls in flight on threads (HTTP backends wait on the network;
  the GIL makes threads useless for the CPU-bound model-free backend, so it defaults to 1).

Results are committed by the calling thread only (SQLite connections are not shared across
threads). Ctrl-C cancels calls not yet started and re-raises: everything committed stays.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

from grammar_rag.errors import GrammarRagError
from grammar_rag.extract.engine_spec import PairFailure, PairOutcome
from grammar_rag.extract.store import ResultStore, RunConfig
from grammar_rag.progress import Progress
from grammar_rag.types import Feature, Grammar

logger = logging.getLogger(__name__)

Pair = tuple[Grammar, Feature]
# An engine may answer a pair with a PairFailure (that pair raised in a worker): recorded as failed.
PredictFn = Callable[[list[Pair]], Sequence[PairOutcome]]


@dataclass
class RunSummary:
    """What a run did. ``done_before`` + ``computed_now`` + ``failed`` == ``total``."""

    config: RunConfig
    total: int = 0
    done_before: int = 0
    computed_now: int = 0
    failed: int = 0
    elapsed_s: float = 0.0
    failures: list[tuple[str, str, str]] = field(default_factory=list)  # (grammar, feature, message)

    @property
    def complete(self) -> bool:
        return self.done_before + self.computed_now == self.total

    def to_dict(self) -> dict[str, object]:
        return {
            "config": self.config.to_dict(),
            "total": self.total,
            "done_before": self.done_before,
            "computed_now": self.computed_now,
            "failed": self.failed,
            "elapsed_s": round(self.elapsed_s, 3),
            "failures": [{"grammar": g, "feature": f, "error": m} for g, f, m in self.failures],
        }


def missing_pairs(
    store: ResultStore, config: RunConfig, grammars: Sequence[Grammar], features: Sequence[Feature]
) -> tuple[list[Pair], int]:
    """Pairs not yet stored for ``config`` (grammar-major order), and how many already are."""
    done = store.done_pairs(config)
    todo = [(g, f) for g in grammars for f in features if (g.id, f.id) not in done]
    return todo, len(grammars) * len(features) - len(todo)


def _batches(pairs: list[Pair], size: int) -> Iterator[list[Pair]]:
    for start in range(0, len(pairs), max(1, size)):
        yield pairs[start : start + max(1, size)]


def _timed(predict: PredictFn, batch: list[Pair]) -> tuple[list[PairOutcome], float]:
    start = time.perf_counter()
    predictions = list(predict(batch))
    return predictions, time.perf_counter() - start


def run_extraction(
    store: ResultStore,
    config: RunConfig,
    grammars: Sequence[Grammar],
    features: Sequence[Feature],
    predict: PredictFn,
    *,
    batch_size: int = 1,
    concurrency: int = 1,
    progress: bool | None = None,
) -> RunSummary:
    """Compute and commit every pair of ``grammars`` x ``features`` missing for ``config``.

    A batch whose ``predict`` raises a :class:`GrammarRagError` (an unreachable endpoint, a
    malformed reply) is recorded in ``failures`` and left missing, so a rerun retries it; any
    other exception propagates after the finished pairs are committed.
    """
    started = time.perf_counter()
    store.register_config(config)
    todo, done_before = missing_pairs(store, config, grammars, features)
    summary = RunSummary(config=config, total=len(grammars) * len(features), done_before=done_before)
    logger.info(
        "%s: %d pairs, %d already stored, %d to compute",
        config.describe(),
        summary.total,
        done_before,
        len(todo),
    )
    bar = Progress("extract", len(todo), unit="pair", show=progress)

    def commit(batch: list[Pair], outcome: tuple[list[PairOutcome], float] | BaseException) -> None:
        if isinstance(outcome, GrammarRagError):
            for grammar, feature in batch:
                summary.failures.append((grammar.id, feature.id, str(outcome)))
            summary.failed += len(batch)
            logger.warning("%d pair(s) failed (%s); a rerun retries them", len(batch), outcome)
            bar.update(len(batch))
            return
        if isinstance(outcome, BaseException):
            raise outcome
        predictions, elapsed = outcome
        if len(predictions) != len(batch):
            raise GrammarRagError(
                f"backend {config.backend} returned {len(predictions)} predictions for {len(batch)} pairs"
            )
        per_pair = elapsed / max(1, len(batch))
        for (grammar, feature), prediction in zip(batch, predictions, strict=True):
            if isinstance(prediction, PairFailure):
                summary.failures.append((grammar.id, feature.id, prediction.error))
                summary.failed += 1
                logger.warning("pair (%s, %s) failed: %s; a rerun retries it", grammar.id, feature.id,
                               prediction.error)
                bar.update(1)
                continue
            if (prediction.grammar_id, prediction.feature_id) != (grammar.id, feature.id):
                raise GrammarRagError(
                    f"prediction for ({prediction.grammar_id}, {prediction.feature_id}) returned "
                    f"for pair ({grammar.id}, {feature.id})"
                )
            if store.put(prediction, config, per_pair):
                summary.computed_now += 1
            bar.update(1)

    try:
        batches = _batches(todo, batch_size)
        if concurrency <= 1:
            for batch in batches:
                try:
                    outcome: tuple[list[PairOutcome], float] | BaseException = _timed(predict, batch)
                except GrammarRagError as exc:
                    outcome = exc
                commit(batch, outcome)
        else:
            _run_concurrent(batches, predict, concurrency, commit)
    finally:
        bar.close()
        summary.elapsed_s = time.perf_counter() - started
        logger.info(
            "done before: %d, computed now: %d, failed: %d (%.1f s)",
            summary.done_before,
            summary.computed_now,
            summary.failed,
            summary.elapsed_s,
        )
    return summary


def _run_concurrent(
    batches: Iterator[list[Pair]],
    predict: PredictFn,
    concurrency: int,
    commit: Callable[[list[Pair], tuple[list[PairOutcome], float] | BaseException], None],
) -> None:
    """At most ``concurrency`` batches in flight; results committed here, in the calling thread."""
    executor = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="extract")
    in_flight: dict[Future[tuple[list[PairOutcome], float]], list[Pair]] = {}
    try:
        for batch in batches:
            while len(in_flight) >= concurrency:
                _drain(in_flight, commit, wait(in_flight, return_when=FIRST_COMPLETED).done)
            in_flight[executor.submit(_timed, predict, batch)] = batch
        while in_flight:
            _drain(in_flight, commit, wait(in_flight, return_when=FIRST_COMPLETED).done)
    finally:
        # On Ctrl-C / an error: drop what has not started; running calls finish in the background.
        executor.shutdown(wait=False, cancel_futures=True)


def _drain(
    in_flight: dict[Future[tuple[list[PairOutcome], float]], list[Pair]],
    commit: Callable[[list[Pair], tuple[list[PairOutcome], float] | BaseException], None],
    done: set[Future[tuple[list[PairOutcome], float]]],
) -> None:
    for future in done:
        batch = in_flight.pop(future)
        exc = future.exception()
        commit(batch, exc if exc is not None else future.result())

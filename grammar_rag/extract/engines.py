"""Where batch-extraction pairs are computed: ``local`` (this machine) or ``ray`` (a Ray cluster).

An *engine* only decides where ``predict`` runs. Everything that makes a run trustworthy stays in
one place, the driver: :func:`grammar_rag.extract.runner.run_extraction` picks the missing pairs
from the result store, hands batches to the engine's ``predict`` and commits each finished pair
itself. So both engines write the same rows (same :class:`RunConfig`, same keys) and a rerun of
either resumes the other's store.

* ``local`` is what ran before engines existed: the pipeline in this process, or a spawned
  process pool with ``--workers N``.
* ``ray`` (optional extra ``grammar-rag[ray]``) shards pairs over warm actors on a Ray cluster
  (:mod:`grammar_rag.extract.ray_engine`); Ray is imported only when it is asked for.

A pair that raises inside a Ray worker comes back as a :class:`PairFailure` (the error text): the
runner records that pair as failed and every other pair of the batch is committed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from grammar_rag.cluster import require_ray
from grammar_rag.errors import GrammarRagError
from grammar_rag.extract.engine_spec import EngineSpec, PairOutcome
from grammar_rag.extract.predictors import ProcessPoolPredictor
from grammar_rag.extract.ray_engine import RayPredictor
from grammar_rag.extract.store import RunConfig
from grammar_rag.types import Feature, Grammar

logger = logging.getLogger(__name__)

ENGINES = ("local", "ray")


class Engine:
    """A ``predict`` callable plus how many calls the runner should keep in flight, and cleanup."""

    name = "local"

    def __init__(self, predict: Callable[[list[tuple[Grammar, Feature]]], Sequence[PairOutcome]],
                 concurrency: int, run_config: RunConfig, close: Callable[[], None] | None = None) -> None:
        self.predict = predict
        self.concurrency = concurrency
        self.run_config = run_config
        self._close = close

    def __call__(self, pairs: list[tuple[Grammar, Feature]]) -> Sequence[PairOutcome]:
        return self.predict(pairs)

    def close(self) -> None:
        if self._close is not None:
            self._close()
            self._close = None

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def make_engine(spec: EngineSpec, local: Any, default_concurrency: int) -> Engine:
    """Build the engine ``spec.engine`` around ``local`` (the driver's own PipelinePredictor).

    ``local`` gives the run configuration in every case: the rows a Ray run stores are keyed
    exactly like a local run's, so the two resume each other and export identically.
    """
    if spec.engine not in ENGINES:
        raise GrammarRagError(f"Unknown engine {spec.engine!r}; choose one of: {', '.join(ENGINES)}.")
    if spec.engine == "ray":
        require_ray(spec.address)
        ray_predictor = RayPredictor(spec)
        engine = Engine(ray_predictor, ray_predictor.concurrency, local.run_config, ray_predictor.close)
        engine.name = "ray"
        return engine
    if spec.address:
        raise GrammarRagError("--address is for --engine ray; drop it or add --engine ray.")
    if spec.workers > 1:
        pool = ProcessPoolPredictor(local, spec.index_dir, spec.workers)
        return Engine(pool, spec.workers, local.run_config, pool.close)
    return Engine(local, default_concurrency, local.run_config)

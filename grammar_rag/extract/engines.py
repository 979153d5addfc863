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
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any
from urllib.parse import urlparse

from grammar_rag.errors import GrammarRagError
from grammar_rag.extract.store import RunConfig
from grammar_rag.types import Feature, Grammar, Prediction

logger = logging.getLogger(__name__)

ENGINES = ("local", "ray")
RAY_INSTALL_HINT = "--engine ray needs Ray: pip install 'grammar-rag[ray]' (or pip install 'ray>=2.40')."


@dataclass(frozen=True)
class PairFailure:
    """One pair a worker could not compute; ``error`` is ``"ExceptionType: message"``."""

    error: str


PairOutcome = Prediction | PairFailure


# Ray rewrites a loopback address to the machine's outward IP unless this is "0" (read at import):
# a cluster started on 127.0.0.1 (``ray start --head --node-ip-address 127.0.0.1``) is then reachable.
LOOPBACK_ENV = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"


def is_loopback(address: str) -> bool:
    host = urlparse(address if "://" in address else f"tcp://{address}").hostname or ""
    return host in ("127.0.0.1", "localhost")


def require_ray(address: str | None = None) -> ModuleType:
    """Import Ray, or fail with the one line that says how to install it.

    With no ``address`` (a private cluster) or a loopback one, Ray is told to stay on 127.0.0.1;
    ``auto`` and remote addresses use Ray's own address discovery.
    """
    if "ray" not in sys.modules and (address is None or is_loopback(address)):
        os.environ.setdefault(LOOPBACK_ENV, "0")
    try:
        import ray
    except ImportError as exc:
        raise GrammarRagError(RAY_INSTALL_HINT) from exc
    return ray


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
        from grammar_rag.extract.ray_engine import RayPredictor

        ray_predictor = RayPredictor(spec)
        engine = Engine(ray_predictor, ray_predictor.concurrency, local.run_config, ray_predictor.close)
        engine.name = "ray"
        return engine
    if spec.address:
        raise GrammarRagError("--address is for --engine ray; drop it or add --engine ray.")
    if spec.workers > 1:
        from grammar_rag.extract.predictors import ProcessPoolPredictor

        pool = ProcessPoolPredictor(local, spec.index_dir, spec.workers)
        return Engine(pool, spec.workers, local.run_config, pool.close)
    return Engine(local, default_concurrency, local.run_config)

"""``--engine ray``: batch-extraction pairs sharded over warm actors on a Ray cluster.

Design (the why of each choice):

* **Warm actors.** Each worker is a Ray actor that opens the index and builds the classifier once
  (for ``--backend vllm``: one vLLM engine per actor, ``num_gpus=1``), then serves batches of
  pairs for the whole run. Per-call cost is one small message each way, so the engine overhead is
  the actors' start-up, not a per-pair tax.
* **The driver is the only writer.** Actors return predictions; the runner in the driver commits
  each pair to the SQLite result store (the single source of truth, ``UNIQUE`` on pair + run
  configuration). A batch retried after a worker died can therefore never store a row twice, and
  a driver killed with ``kill -9`` is resumed by rerunning the command: only missing pairs run.
* **Faults.** A worker (or its node) that dies mid-batch surfaces as a ``RayActorError``: the
  actor is retired, its batch goes to the next live actor, and a replacement actor is started and
  joins the pool once it is up (on whatever node has room). A pair that *raises* inside a worker
  is not a fault of the worker: it comes back as a :class:`PairFailure` with the error text, and
  the runner records it as failed while every other pair completes.
* **The index reaches workers through a shared path.** Workers open ``--index`` at the same
  absolute path as the driver: on one machine, or on a cluster with a shared filesystem (NFS,
  a mounted bucket) at the same mount point. We chose this over shipping the index through the
  object store because the index is already an immutable, content-hashed directory (manifest +
  sha256 per file) that the model-free pipeline reads lazily per grammar: a shared path costs
  nothing to set up, and a worker that cannot see it fails at start with a message naming it.
* **Bounded in-flight calls.** The driver keeps at most ``concurrency`` calls in flight across
  the whole cluster (each actor accepts ``max_concurrency`` of them): for ``--backend openai``
  this is the bound on concurrent requests against the endpoint(s), set with ``--max-in-flight``.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import queue
import socket
import threading
from pathlib import Path
from typing import Any

import grammar_rag
from grammar_rag.cluster import connect, require_ray
from grammar_rag.errors import GrammarRagError
from grammar_rag.extract.engine_spec import EngineSpec, PairFailure, PairOutcome, predict_isolating
from grammar_rag.extract.inputs import open_index
from grammar_rag.extract.predictors import PipelinePredictor
from grammar_rag.types import Feature, Grammar, Prediction

logger = logging.getLogger(__name__)

READY_TIMEOUT_S = 600.0


def build_pipeline_predictor(spec: EngineSpec) -> Any:
    """The predictor a worker runs: the same pipeline, settings and prompt version as the driver's."""
    if not Path(spec.index_dir).exists():
        raise GrammarRagError(
            f"Index {spec.index_dir} is not visible on worker node {socket.gethostname()}: put it on a path "
            "every node shares (same mount point), then rerun."
        )
    return PipelinePredictor(
        open_index(spec.index_dir), spec.backend, retrieval=spec.retrieval, prompt_version=spec.prompt_version,
        **spec.classifier_options,
    )


class PairWorker:
    """Body of one Ray actor: a warm predictor serving batches of pairs for the whole run.

    ``factory`` (optional) builds the predictor instead of :func:`build_pipeline_predictor`; tests
    use it to make one pair raise.
    """

    def __init__(self, spec: EngineSpec, factory: Any = None) -> None:
        self._predict = factory(spec) if factory is not None else build_pipeline_predictor(spec)

    def ready(self) -> dict[str, Any]:
        return {"host": socket.gethostname(), "pid": os.getpid(), "grammar_rag": grammar_rag.__file__}

    def predict(self, payload: list[tuple[dict[str, Any], dict[str, Any]]]) -> list[dict[str, Any]]:
        pairs = [(Grammar.from_dict(g), Feature.from_dict(f)) for g, f in payload]
        return [
            {"error": o.error} if isinstance(o, PairFailure) else {"prediction": o.to_dict()}
            for o in predict_isolating(self._predict, pairs)
        ]


def _fault_types(ray: Any) -> tuple[type[BaseException], ...]:
    """Errors meaning "the worker or its node went away" (names vary a little across Ray versions)."""
    names = ("RayActorError", "WorkerCrashedError", "NodeDiedError", "ObjectLostError", "OwnerDiedError",
             "ActorUnavailableError", "ActorDiedError")
    return tuple(t for n in names if isinstance(t := getattr(ray.exceptions, n, None), type))


class RayPredictor:
    """``predict(pairs)`` for the runner, executed by a pool of warm :class:`PairWorker` actors.

    Thread-safe: the runner calls it from ``concurrency`` threads at once; each call takes one free
    actor slot, waits for its answer and gives the slot back.
    """

    def __init__(self, spec: EngineSpec, *, factory: Any = None, max_attempts: int = 4) -> None:
        self._ray: Any = require_ray(spec.address)
        ray = self._ray
        self.spec = spec
        self.spec.index_dir = str(Path(spec.index_dir).resolve())
        self._factory = factory
        self.max_attempts = max(1, max_attempts)
        gpu = spec.gpus_per_worker or (1.0 if spec.backend == "vllm" else 0.0)
        self._owned = connect(ray, spec.address, spec.workers or os.cpu_count() or 1)
        resources = ray.cluster_resources()
        if gpu:
            available = int(resources.get("GPU", 0) // gpu)
            if available < 1:
                raise GrammarRagError(f"--backend {spec.backend} needs {gpu:g} GPU(s) per worker; the Ray cluster "
                                      "has none (attach to a GPU cluster with --address).")
        else:
            available = int(resources.get("CPU", 1))
        self.workers = max(1, spec.workers if spec.workers and spec.workers > 0 else available)
        in_flight = spec.max_in_flight or self.workers
        self.per_actor = max(1, math.ceil(in_flight / self.workers))
        self.concurrency = self.workers * self.per_actor if spec.max_in_flight is None else in_flight
        self._actor_options: dict[str, Any] = {
            "num_cpus": 0 if gpu else 1, "num_gpus": gpu, "max_restarts": 0,
            "max_concurrency": self.per_actor, "scheduling_strategy": "SPREAD",
        }
        self._remote_cls = ray.remote(PairWorker)
        self._faults = _fault_types(ray)
        self._lock = threading.Lock()
        self._idle: queue.Queue[Any] = queue.Queue()
        self._live: dict[int, Any] = {}  # actor id -> handle, only actors that answered ready()
        self._dead: set[int] = set()
        self._pending = 0
        self._spawned: list[Any] = []  # every actor we started, so close() also cancels pending ones
        self._start_errors: list[str] = []
        self._replacements_left = 2 * self.workers + 2
        self._closed = False
        self.retried_batches = 0
        logger.info("ray: %d worker(s) x %d slot(s), options %s", self.workers, self.per_actor, self._actor_options)
        for _ in range(self.workers):
            self._spawn()

    # -- pool --------------------------------------------------------------------------------
    def _spawn(self) -> None:
        actor = self._remote_cls.options(**self._actor_options).remote(self.spec, self._factory)
        with self._lock:
            self._pending += 1
            self._spawned.append(actor)
        threading.Thread(target=self._admit, args=(actor,), name="ray-admit", daemon=True).start()

    def _admit(self, actor: Any) -> None:
        """Wait for ``actor`` to be up (index open, classifier built), then offer its slots."""
        try:
            info = self._ray.get(actor.ready.remote(), timeout=READY_TIMEOUT_S)
        except Exception as exc:  # any start-up failure is reported, the pool goes on
            with self._lock:
                self._pending -= 1
                self._start_errors.append(_root_message(exc))
                if self._closed:
                    return
            logger.warning("a Ray worker failed to start: %s", _root_message(exc))
            return
        key = id(actor)
        with self._lock:
            self._pending -= 1
            if self._closed:
                return
            self._live[key] = actor
        logger.info("ray worker up: %s", info)
        for _ in range(self.per_actor):
            self._idle.put(actor)

    def _take(self) -> Any:
        while True:
            try:
                actor = self._idle.get(timeout=1.0)
            except queue.Empty:
                with self._lock:
                    if not self._live and not self._pending:
                        errors = "; ".join(sorted(set(self._start_errors))) or "no worker could be started"
                        raise GrammarRagError(f"No Ray worker is running ({errors}).") from None
                continue
            if id(actor) not in self._dead:
                return actor

    def _retire(self, actor: Any, exc: BaseException) -> None:
        key = id(actor)
        with self._lock:
            if key in self._dead:
                return
            self._dead.add(key)
            self._live.pop(key, None)
            replace = self._replacements_left > 0 and not self._closed
            self._replacements_left -= 1
        logger.warning("Ray worker lost (%s); its batch is retried on another worker%s",
                       type(exc).__name__, ", a replacement is starting" if replace else "")
        if replace:
            self._spawn()

    # -- predict -----------------------------------------------------------------------------
    def __call__(self, pairs: list[tuple[Grammar, Feature]]) -> list[PairOutcome]:
        payload = [(g.to_dict(), f.to_dict()) for g, f in pairs]
        last: BaseException | None = None
        for attempt in range(self.max_attempts):
            actor = self._take()
            try:
                answers = self._ray.get(actor.predict.remote(payload))
            except self._faults as exc:
                last = exc
                self._retire(actor, exc)
                if attempt == 0:
                    with self._lock:
                        self.retried_batches += 1
                continue
            except self._ray.exceptions.RayTaskError as exc:  # predict itself broke: not the pairs' fault
                self._idle.put(actor)
                raise GrammarRagError(f"Ray worker error: {_root_message(exc)}") from exc
            self._idle.put(actor)
            return [
                PairFailure(a["error"]) if "error" in a else Prediction.from_dict(a["prediction"]) for a in answers
            ]
        raise GrammarRagError(
            f"{len(pairs)} pair(s) lost their worker {self.max_attempts} times in a row "
            f"({type(last).__name__}); a rerun retries them."
        )

    def close(self) -> None:
        """Kill our actors; shut Ray down only if this process started it."""
        with self._lock:
            self._closed = True
            actors = list(self._spawned)
            self._live.clear()
        for actor in actors:
            with contextlib.suppress(Exception):  # best effort: the job's end reaps them anyway
                self._ray.kill(actor)
        if self._owned and self._ray.is_initialized():
            self._ray.shutdown()


def _root_message(exc: BaseException) -> str:
    """The innermost error text of a Ray exception chain (Ray wraps the worker's exception)."""
    cause = getattr(exc, "cause", None) or exc.__cause__
    while cause is not None and (getattr(cause, "cause", None) or cause.__cause__) is not None:
        cause = getattr(cause, "cause", None) or cause.__cause__
    text = str(cause if cause is not None else exc).strip().splitlines()
    return text[-1] if text else type(exc).__name__

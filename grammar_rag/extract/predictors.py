"""The default ``predict`` for batch extraction: the project pipeline over an index.

Retrieval is per pair (each grammar's own passages); classification goes through the classifier's
``classify_many`` so LLM backends receive a whole batch of prompts at once (vLLM batches them on
the GPU, HTTP backends may fan out). The run configuration recorded with every stored row comes
from here: backend name, the classifier's prompt version, and the retrieval settings.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Callable
from typing import Any, cast

from grammar_rag import rerank
from grammar_rag.classify import Classifier, derived, make_classifier
from grammar_rag.extract.inputs import open_index
from grammar_rag.extract.store import RunConfig
from grammar_rag.index import GrammarIndex
from grammar_rag.index.results import Mode
from grammar_rag.pipeline import RetrievalConfig, retrieve_passages
from grammar_rag.types import Feature, Grammar, Prediction, ScoredPassage

logger = logging.getLogger(__name__)

# How many pairs one classify_many call receives, and how many calls run at once, per backend kind.
# The model-free backend is CPU-bound in Python (threads do not help under the GIL); LLM backends
# batch prompts; HTTP endpoints mostly wait on the network.
BATCH_DEFAULTS: dict[str, tuple[int, int]] = {
    "evidence": (1, 1),
    "vllm": (64, 1),
    "local": (4, 1),
    "fake": (8, 1),
    "openai": (8, 4),
}


def default_parallelism(backend: str) -> tuple[int, int]:
    """(batch_size, concurrency) suited to ``backend`` (unknown names are treated as HTTP)."""
    return BATCH_DEFAULTS.get(backend, (8, 4))


def prompt_version_of(classifier: Any) -> str:
    """The version string a classifier stamps on its predictions ("" when it has none)."""
    for attr in ("prompt_version", "version", "rules_version"):
        value = getattr(classifier, attr, None)
        if isinstance(value, str) and value:
            return value
    return ""


def make_retrieval_config(mode: str | None = None, k: int | None = None) -> RetrievalConfig:
    """The pipeline's default :class:`RetrievalConfig` with ``mode`` (first stage) and ``k`` (passages
    the classifier reads, ``top_k``) overridden when given."""
    config = RetrievalConfig()
    if mode is not None:  # a name from the command line or the app; GrammarIndex.retrieve rejects an
        # unknown one with the list of choices, as it always has
        config = dataclasses.replace(config, mode=cast(Mode, mode))
    if k is not None:
        config = dataclasses.replace(config, top_k=k)
    return config


class PipelinePredictor:
    """Classify (grammar, feature) pairs with ``grammar_rag.pipeline`` over ``index``."""

    def __init__(
        self,
        index: GrammarIndex,
        backend: str = "evidence",
        retrieval: RetrievalConfig | None = None,
        prompt_version: str | None = None,
        **classifier_options: Any,
    ) -> None:
        self.index = index
        self.backend = backend
        self.retrieval = retrieval if retrieval is not None else RetrievalConfig()
        self.classifier: Classifier = make_classifier(backend, **classifier_options)
        self.prompt_version = prompt_version or prompt_version_of(self.classifier)
        self._options = classifier_options

    @property
    def run_config(self) -> RunConfig:
        settings: dict[str, Any] = {"retrieval": dataclasses.asdict(self.retrieval)}
        if settings["retrieval"]["reranker"] is None:
            # "the default reranker" must be recorded by name: if the default changes, so does the hash
            settings["retrieval"]["reranker"] = rerank.DEFAULT_RERANKER
        if settings["retrieval"]["reranker"]:
            # new query rules or weights rank other passages: their rows must not mix with the old.
            # Read from the module at call time, so the recorded version is the one in force now.
            settings["retrieval"]["reranker_version"] = rerank.RERANK_VERSION
        if self.retrieval.mode != "bm25":  # dense or hybrid retrieval reads the index's vectors
            settings["index_embedding_model"] = self.index.embedding_model
        if self._options:
            settings["classifier"] = {k: v for k, v in sorted(self._options.items())}
        return RunConfig(self.backend, self.prompt_version, settings)

    def passages_for(self, grammar: Grammar, feature: Feature) -> list[ScoredPassage]:
        """The pipeline's evidence passages for one pair (retrieval + reranking only)."""
        return list(retrieve_passages(grammar, feature, index=self.index, retrieval=self.retrieval))

    def _classify_plain(self, pairs: list[tuple[Grammar, Feature]]) -> list[Prediction]:
        """Retrieve per pair, then classify the whole batch in one ``classify_many`` call."""
        items = [(f, self.passages_for(g, f), g) for g, f in pairs]
        return list(self.classifier.classify_many(items)) if len(items) > 1 else [self.classifier.classify(*i) for i in items]

    def __call__(self, pairs: list[tuple[Grammar, Feature]]) -> list[Prediction]:
        """Retrieve per pair, then classify the whole batch in one ``classify_many`` call; a feature
        the catalogue derives from others is answered from its components (classified on their own)."""
        plain = [k for k, (_, f) in enumerate(pairs) if derived.derivation_for(f) is None]
        by_pair: dict[int, Prediction] = dict(zip(plain, self._classify_plain([pairs[k] for k in plain]), strict=True))
        min_precision = getattr(self.classifier, "min_precision", None)
        # a component read once per grammar, whether it is in the batch or shared by derived features
        read: dict[tuple[str, str], Prediction] = {(pairs[k][0].id, pairs[k][1].id): by_pair[k] for k in plain}

        def reader(grammar: Grammar) -> Callable[[Feature], Prediction]:
            def classify_plain(feature: Feature) -> Prediction:
                key = (grammar.id, feature.id)
                if key not in read:  # read on its own, never derived again (that would recurse)
                    read[key] = self._classify_plain([(grammar, feature)])[0]
                return read[key]
            return classify_plain

        for k, (grammar, feature) in enumerate(pairs):
            if k not in by_pair:
                by_pair[k] = derived.predict(feature, reader(grammar), min_precision)
        predictions = [by_pair[k] for k in range(len(pairs))]
        for (grammar, feature), prediction in zip(pairs, predictions, strict=True):
            prediction.grammar_id = prediction.grammar_id or grammar.id
            prediction.feature_id = prediction.feature_id or feature.id
            prediction.backend = prediction.backend or self.backend
            prediction.prompt_version = prediction.prompt_version or self.prompt_version
        return predictions


# ------------------------------------------------------------------------------------ process pool
_WORKER: PipelinePredictor | None = None


def _die_with_parent(parent_pid: int) -> None:
    """Exit this worker as soon as the parent is gone (even after SIGKILL, which it cannot trap).

    multiprocessing queues hand both pipe ends to the workers, so they never see EOF by
    themselves: on Linux the kernel kills us with the parent (PR_SET_PDEATHSIG); elsewhere, and
    as a fallback, a daemon thread notices the re-parenting within a second.
    """
    import ctypes
    import os
    import signal
    import threading
    import time

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)  # PR_SET_PDEATHSIG = 1
    except (OSError, AttributeError):
        pass

    def watch() -> None:
        while True:
            if os.getppid() != parent_pid:
                os._exit(1)
            time.sleep(1.0)

    if os.getppid() != parent_pid:  # the parent died before the hook was in place
        os._exit(1)
    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _init_worker(index_dir: str, backend: str, retrieval: RetrievalConfig, prompt_version: str,
                 parent_pid: int) -> None:
    """Runs once in each worker process: open the index and build the classifier there."""
    global _WORKER
    _die_with_parent(parent_pid)

    _WORKER = PipelinePredictor(open_index(index_dir), backend, retrieval=retrieval, prompt_version=prompt_version)


def _predict_in_worker(pairs: list[tuple[dict[str, Any], dict[str, Any]]]) -> list[dict[str, Any]]:
    assert _WORKER is not None, "worker not initialised"
    items = [(Grammar.from_dict(g), Feature.from_dict(f)) for g, f in pairs]
    return [p.to_dict() for p in _WORKER(items)]


class ProcessPoolPredictor:
    """Spread CPU-bound pairs (the model-free backend) over ``workers`` processes.

    Each call blocks until its batch is done, so the runner's ``concurrency`` (threads that only
    wait) decides how many batches are in flight: set it to ``workers``. Workers are *spawned*
    (a clean interpreter, no inherited SQLite handle) and exit with their parent, even when it is
    SIGKILLed (:func:`_die_with_parent`). Results are committed by the parent only, exactly as in
    the single-process path.
    """

    def __init__(self, local: PipelinePredictor, index_dir: str, workers: int) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        self.local = local
        self.workers = max(1, workers)
        self._pool = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
            initargs=(str(index_dir), local.backend, local.retrieval, local.prompt_version, os.getpid()),
        )

    @property
    def run_config(self) -> RunConfig:
        return self.local.run_config  # same pipeline, same settings: same rows as one process

    def __call__(self, pairs: list[tuple[Grammar, Feature]]) -> list[Prediction]:
        payload = [(g.to_dict(), f.to_dict()) for g, f in pairs]
        return [Prediction.from_dict(d) for d in self._pool.submit(_predict_in_worker, payload).result()]

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

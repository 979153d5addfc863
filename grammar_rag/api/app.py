"""FastAPI application: translation, classification and the feature catalogue over HTTP.

``create_app(index_dir=..., backend=...)`` builds an app whose blocking work (retrieval, LLM calls)
runs in a bounded worker pool (:mod:`grammar_rag.api.limits`): too many pending requests -> 503, a
request over its time limit -> 504, an LLM backend failure -> 502, bad input -> 4xx naming the
problem (422 malformed body, 400 unknown language / bad option, 404 unknown feature or grammar).
Nothing a client sends can produce a 500 or hang the server.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import grammar_rag
from grammar_rag.api.guards import (
    GUARD_RESPONSES,
    GuardConfig,
    IndexWatcher,
    allowed_backends,
    check_backend,
    install,
)
from grammar_rag.api.limits import Saturated, TimedOut, WorkLimiter
from grammar_rag.api.models import (
    ClassifyRequest,
    ClassifyResponse,
    ErrorResponse,
    FeatureDetail,
    FeatureSummary,
    HealthResponse,
    TranslateRequest,
    TranslateResponse,
)
from grammar_rag.errors import (
    BackendError,
    DataDirError,
    GrammarRagError,
    IndexStoreError,
    UnknownFeatureError,
    UnknownLanguageError,
)
from grammar_rag.features import get_catalogue
from grammar_rag.features.catalogue import normalise_database
from grammar_rag.index import GrammarIndex
from grammar_rag.llm import BACKENDS
from grammar_rag.pipeline import classify, resolve_feature
from grammar_rag.translate import MODEL_FREE_NAMES, available_languages, load_resources, translate
from grammar_rag.translate.languages import resolve_pair

if TYPE_CHECKING:
    from fastapi import FastAPI
    from fastapi.responses import JSONResponse

log = logging.getLogger(__name__)

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorResponse, "description": "bad option (unknown language, backend...)"},
    404: {"model": ErrorResponse, "description": "unknown feature or grammar"},
    502: {"model": ErrorResponse, "description": "the LLM backend failed"},
    503: {"model": ErrorResponse, "description": "server busy, or a resource (index, data) is not available"},
    504: {"model": ErrorResponse, "description": "the request exceeded the per-request time limit"},
    **GUARD_RESPONSES,
}


class ServiceUnavailable(GrammarRagError):
    """A part of the service is not configured (no index, module not installed)."""


def _status_for(exc: BaseException) -> int:
    """One mapping from library errors to HTTP status codes."""
    if isinstance(exc, UnknownFeatureError):
        return 404
    if isinstance(exc, KeyError) and isinstance(exc, IndexStoreError):  # GrammarNotFoundError
        return 404
    if isinstance(exc, UnknownLanguageError):
        return 400
    if isinstance(exc, BackendError):
        return 502
    if isinstance(exc, Saturated | ServiceUnavailable | DataDirError | IndexStoreError):
        return 503
    if isinstance(exc, TimedOut):
        return 504
    if isinstance(exc, GrammarRagError):
        return 400
    return 500


class AppState:
    """Lazily loaded, shared resources (index, LLM backends, translation resources)."""

    def __init__(
        self,
        index_dir: str | Path | None,
        backend: Any,
        data_dir: str | Path | None,
        translate_resources: Any,
        embedder: Any,
    ) -> None:
        self.index_dir = Path(index_dir) if index_dir else None
        self.backend = backend
        self.data_dir = data_dir
        self.embedder = embedder
        self._index: Any = None
        self._resources: dict[str, Any] = {}
        preloaded = translate_resources if isinstance(translate_resources, (list, tuple)) else [translate_resources]
        for res in preloaded:  # one LanguageResources or several (one per language pack)
            if res is not None:
                self._resources[res.language.code] = res
        self._backends: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._watcher = IndexWatcher(self.index_dir / "manifest.json") if self.index_dir else None

    @property
    def backend_name(self) -> str:
        if self.backend is None:
            return "model-free"
        return self.backend if isinstance(self.backend, str) else getattr(self.backend, "name", type(self.backend).__name__)

    def index(self) -> Any:
        if self.index_dir is None:
            raise ServiceUnavailable("No grammar index loaded: start the server with --index DIR to use /classify.")
        with self._lock:
            changed = self._watcher is not None and self._watcher.changed()  # grammars ingested since start
            if self._index is None or changed:
                self._index = GrammarIndex.open(self.index_dir)
            return self._index

    def resources(self, language: str) -> Any:
        with self._lock:
            if language not in self._resources:
                self._resources[language] = load_resources(language, data_dir=self.data_dir, embedder=self.embedder)
            return self._resources[language]

    def pair(self, source: str, target: str) -> tuple[Any, Any]:
        """(source, target) languages: a preloaded pack by any of its names, else the pack store."""

        for res in self._resources.values():
            pack = res.language.pack
            if pack is not None and {source.strip().lower(), target.strip().lower()} & pack.names():
                return resolve_pair(source, target, pack=pack)
        return resolve_pair(source, target)

    def languages(self) -> list[str]:
        return sorted(set(available_languages()) | set(self._resources) | {"eng"})

    def llm(self, name: str | None) -> Any:
        """The backend to use: request's name, else the server's; None means model-free."""
        chosen = name if name is not None else self.backend
        if chosen is None or (isinstance(chosen, str) and chosen.lower() in MODEL_FREE_NAMES):
            return None
        if not isinstance(chosen, str):
            return chosen
        with self._lock:
            if chosen not in self._backends:
                self._backends[chosen] = BACKENDS.create(chosen)
            return self._backends[chosen]


def create_app(
    index_dir: str | Path | None = None,
    backend: Any = None,
    *,
    data_dir: str | Path | None = None,
    translate_resources: Any = None,
    embedder: Any = "default",
    max_concurrency: int = 4,
    max_queue: int = 64,
    timeout_s: float = 30.0,
    warm: bool = False,
    guards: GuardConfig | None = None,
) -> FastAPI:
    """Build the API.

    ``backend``: default LLM for /translate (None = model-free fallback) — a registered name or an
    object with ``generate``. ``translate_resources``: preloaded :class:`LanguageResources` (tests,
    benchmarks). ``warm``: load translation resources (and the index) at start-up, so the first
    request is not slow.
    """
    # FastAPI (starlette, its OpenAPI models) takes longer to import than the rest of the package:
    # only a server needs it, not every `grammar-rag` command, whose parser imports this module
    from fastapi import FastAPI, Query, Request
    from fastapi.responses import JSONResponse

    state = AppState(index_dir, backend, data_dir, translate_resources, embedder)
    limiter = WorkLimiter(max_concurrency, max_queue, timeout_s)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if warm:
            res = state.resources("kgv")
            res.warm()
            if state.index_dir is not None:
                state.index()
        yield
        limiter.shutdown()

    app = FastAPI(
        title="grammar-rag",
        version=grammar_rag.__version__,
        description=(
            "Retrieval-augmented classification of typological features from descriptive grammars and "
            "grammar-and-dictionary translation (Kalamang <-> English)."
        ),
        lifespan=lifespan,
    )
    app.state.grammar_rag = state
    app.state.limiter = limiter
    guard = guards or GuardConfig()
    install(app, guard)  # body limit, Unicode, token, Host, Retry-After (see grammar_rag.api.guards)
    backends_allowed = allowed_backends(guard, backend)

    @app.exception_handler(GrammarRagError)
    async def _library_error(_: Request, exc: GrammarRagError) -> JSONResponse:
        return JSONResponse(status_code=_status_for(exc), content={"detail": str(exc)})

    async def run(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run blocking work under the limiter; plain JSON results are sent as they are.

        The work already returns JSON-ready dicts shaped like the response models (the tests check
        the schema), so FastAPI's re-validation/encoding of large nested payloads is skipped.
        """
        try:
            result = await limiter.run(fn, *args, **kwargs)
        except (Saturated, TimedOut) as exc:
            return JSONResponse(status_code=_status_for(exc), content={"detail": str(exc)})
        return JSONResponse(content=result)

    @app.get("/health", response_model=HealthResponse, summary="liveness and configuration")
    async def health() -> HealthResponse:
        grammars = None
        if state._index is not None:
            grammars = len(state._index.grammars())
        return HealthResponse(
            status="ok",
            version=grammar_rag.__version__,
            backend=state.backend_name,
            index=str(state.index_dir) if state.index_dir else None,
            grammars=grammars,
            translate_languages=state.languages(),
            in_flight=limiter.in_flight,
            max_concurrency=limiter.max_concurrency,
            max_queue=limiter.max_queue,
            timeout_s=limiter.timeout_s,
        )

    @app.post("/translate", response_model=TranslateResponse, responses=ERRORS, summary="translate a sentence")
    async def translate_endpoint(body: TranslateRequest) -> Any:
        check_backend(body.backend, backends_allowed)
        src, tgt = state.pair(body.source, body.target)  # 400 before any work is queued
        object_lang = tgt if src.code == "eng" else src

        def work() -> dict[str, Any]:
            llm = state.llm(body.backend)
            res = state.resources(object_lang.code)
            return translate(body.text, source=src.code, target=tgt.code, backend=llm, resources=res).to_dict()

        return await run(work)

    @app.post("/classify", response_model=ClassifyResponse, responses=ERRORS, summary="classify a feature for a grammar")
    async def classify_endpoint(body: ClassifyRequest) -> Any:
        check_backend(body.backend, backends_allowed)
        def work() -> dict[str, Any]:
            feature = resolve_feature(body.feature)  # 404 for unknown features, before the index is touched
            index = state.index()
            name = body.backend or (state.backend if isinstance(state.backend, str) else None) or "evidence"
            if name.lower() in ("model-free", "fallback", "none"):
                name = "evidence"
            pred = classify(body.grammar, feature, index=index, backend=name)
            calibrated = "calibrated" in pred.flags
            return {**pred.to_dict(), "abstained": pred.abstained, "calibrated": calibrated,
                    "confidence_percent": f"{pred.confidence:.0%}" if calibrated else None}

        return await run(work)

    @app.get("/features", response_model=list[FeatureSummary], responses=ERRORS, summary="list or search features")
    async def features(
        q: str | None = Query(default=None, max_length=200, description="search text (id, name, topic)"),
        database: str | None = Query(default=None, max_length=20, description="WALS | Grambank | composite"),
        limit: int = Query(default=50, ge=1, le=1000),
    ) -> Any:
        def work() -> list[dict[str, Any]]:
            try:
                normalise_database(database)
            except UnknownFeatureError as exc:  # a bad filter value is a bad request, not a missing feature
                raise GrammarRagError(str(exc)) from None
            cat = get_catalogue()
            items = cat.search(q, limit=limit, database=database) if q else cat.all(database)[:limit]
            return [{"id": f.id, "database": f.database, "name": f.name, "question": f.question} for f in items]

        return await run(work)

    @app.get("/features/{feature_id}", response_model=FeatureDetail, responses=ERRORS, summary="one feature")
    async def feature(feature_id: str) -> Any:
        def work() -> dict[str, Any]:
            return get_catalogue().get(feature_id).to_dict()

        return await run(work)

    return app

"""Request guards in front of the API: size, encoding, auth, Host, backend choice, busy hints, reloads.

Why a separate ASGI layer: FastAPI reads and parses the whole body before a route sees it, so a
500 MB body was buffered whole and a lone surrogate (``"\\ud800"``, valid JSON, invalid Unicode)
crashed later when text was encoded. Here the body is counted as it streams in (``413`` as soon as
it passes the limit, or at once from ``Content-Length``), checked for invalid Unicode (``422``),
and only then handed on. Validation errors never echo large inputs back, every ``503`` carries
``Retry-After``, and a server bound beyond loopback requires a bearer token and checks ``Host``
(a DNS-rebinding page cannot reach a loopback server under another name).

Clients may choose among the backends in an allow-list only: by default the server's configured
backend and the model-free ones, never the ``fake`` test double or an in-process ``local`` model
unless the operator lists it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from grammar_rag.errors import GrammarRagError

log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

DEFAULT_MAX_BODY_BYTES = 1_000_000  # a request is a sentence or a feature id: 1 MB is generous
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
MODEL_FREE_BACKENDS = frozenset({"evidence", "model-free", "fallback", "none"})
MAX_ECHO_CHARS = 80  # a 422 shows at most this much of an offending input
TOKEN_ENV = "GRAMMAR_RAG_API_TOKEN"
OPEN_PATHS = frozenset({"/health"})  # liveness probes need no token

GUARD_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "a bearer token is required (server started with --token)"},
    413: {"description": "the request body is larger than the server's limit"},
}


@dataclass(frozen=True)
class GuardConfig:
    """What the guard enforces; ``create_app(guards=...)``, set from ``serve``'s options."""

    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    token: str | None = None  # bearer token; None = no authentication
    allowed_hosts: frozenset[str] | None = None  # Host header names accepted; None = no Host check
    allowed_backends: frozenset[str] | None = None  # None = the configured backend + model-free ones
    retry_after_s: int = 2

    @classmethod
    def for_server(cls, host: str, *, token: str | None = None, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
                   extra_hosts: tuple[str, ...] = (), allowed_backends: tuple[str, ...] = ()) -> GuardConfig:
        """The guard for ``serve --host HOST``: beyond loopback a token is required."""
        token = token or os.environ.get(TOKEN_ENV) or None
        if host not in LOOPBACK_HOSTS and not token:
            raise GrammarRagError(
                f"serve --host {host} exposes the API beyond this machine: set a bearer token with --token "
                f"(or ${TOKEN_ENV}), or bind 127.0.0.1."
            )
        hosts = set(LOOPBACK_HOSTS) | {h.lower() for h in extra_hosts}
        if host not in ("0.0.0.0", "::"):
            hosts.add(host.lower())
        return cls(max_body_bytes=max_body_bytes, token=token,
                   allowed_hosts=None if "*" in hosts else frozenset(hosts),
                   allowed_backends=frozenset(b.lower() for b in allowed_backends) or None)


def allowed_backends(config: GuardConfig, configured: Any) -> frozenset[str]:
    """Backend names a client may ask for: the allow-list, else the configured one + model-free."""
    if config.allowed_backends is not None:
        return config.allowed_backends | MODEL_FREE_BACKENDS
    names = set(MODEL_FREE_BACKENDS)
    if isinstance(configured, str):
        names.add(configured.lower())
    elif configured is not None:
        names.add(str(getattr(configured, "name", "")).lower())
    return frozenset(names)


def check_backend(requested: str | None, allowed: frozenset[str]) -> None:
    """Refuse (400) a backend the operator did not enable, before any work is queued."""
    if requested is None or requested.lower() in allowed:
        return
    raise GrammarRagError(
        f"backend '{requested[:40]}' is not enabled on this server; choose one of: {', '.join(sorted(allowed))} "
        "(the operator enables more with `serve --allow-backend NAME`)."
    )


def _has_lone_surrogate(value: Any) -> bool:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(_has_lone_surrogate(k) or _has_lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_lone_surrogate(v) for v in value)
    return False


def _short(value: Any) -> Any:
    """An input as a 422 may show it: long strings cut, containers summarised."""
    if isinstance(value, str):
        value = value.encode("utf-8", "replace").decode("utf-8")
        return value if len(value) <= MAX_ECHO_CHARS else value[:MAX_ECHO_CHARS] + f"... ({len(value)} chars)"
    if isinstance(value, dict | list):
        text = json.dumps(value, ensure_ascii=True, default=str)
        return value if len(text) <= MAX_ECHO_CHARS else f"<{type(value).__name__} of {len(value)} items>"
    return value


async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
    """FastAPI's 422 body, without echoing large inputs (or invalid text) back to the client."""
    errors = []
    for err in exc.errors():
        item = {k: err[k] for k in ("type", "loc", "msg") if k in err}
        if "input" in err:
            item["input"] = _short(err["input"])
        errors.append(item)
    return JSONResponse(status_code=422, content={"detail": errors})


class RequestGuard:
    """ASGI middleware: Host, token, body size and Unicode checks; ``Retry-After`` on 503."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]], config: GuardConfig) -> None:
        self.app = app
        self.config = config

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        refusal = self._refuse(scope, headers)
        if refusal is not None:
            await _respond(send, *refusal)
            return
        send = self._with_retry_after(send)
        if scope.get("method") in ("POST", "PUT", "PATCH"):
            body = await self._read_body(receive, send)
            if body is None:
                return  # refused (413/422) or the client went away
            receive = _replay(body, receive)
        await self.app(scope, receive, send)

    def _refuse(self, scope: Scope, headers: dict[str, str]) -> tuple[int, str, dict[str, str]] | None:
        cfg = self.config
        if cfg.allowed_hosts is not None:
            host = headers.get("host", "").strip().lower()
            if _host_name(host) not in cfg.allowed_hosts:
                return 400, f"Host '{host[:60]}' is not served here; use one of: {', '.join(sorted(cfg.allowed_hosts))}.", {}
        if cfg.token and scope.get("path") not in OPEN_PATHS:
            given = headers.get("authorization", "")
            scheme, _, credential = given.partition(" ")
            if scheme.lower() != "bearer" or not hmac.compare_digest(credential.strip().encode(), cfg.token.encode()):
                return 401, "missing or wrong bearer token: send 'Authorization: Bearer <token>'.", {
                    "www-authenticate": "Bearer"}
        length = headers.get("content-length")
        if length is not None:
            if not length.strip().isdigit():
                return 400, "invalid Content-Length header.", {}
            if int(length) > cfg.max_body_bytes:
                return 413, _too_large(cfg.max_body_bytes), {}
        return None

    async def _read_body(self, receive: Receive, send: Send) -> bytes | None:
        limit = self.config.max_body_bytes
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:  # stop reading: a streamed body is never buffered past the limit
                await _respond(send, 413, _too_large(limit), {"connection": "close"})
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        problem = _unicode_problem(body)
        if problem:
            await _respond(send, 422, [{"type": "unicode_error", "loc": ["body"], "msg": problem}], {})
            return None
        return body

    def _with_retry_after(self, send: Send) -> Send:
        retry = str(self.config.retry_after_s).encode()

        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start" and message.get("status") == 503:
                headers = list(message.get("headers", []))
                if not any(k.lower() == b"retry-after" for k, _ in headers):
                    headers.append((b"retry-after", retry))
                message["headers"] = headers
            await send(message)

        return wrapped


def _host_name(host: str) -> str:
    """'example.org:8000' -> 'example.org'; '[::1]:8000' -> '[::1]'."""
    if host.startswith("["):
        return host.split("]", 1)[0] + "]"
    return host.rsplit(":", 1)[0]


def _too_large(limit: int) -> str:
    return (f"request body exceeds the server's limit of {limit} bytes; send a shorter text "
            "(the operator sets the limit with `serve --max-body-bytes`).")


def _unicode_problem(body: bytes) -> str | None:
    """Why ``body`` is not valid Unicode text (invalid UTF-8, or a lone surrogate escape), or None."""
    if not body:
        return None
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"request body is not valid UTF-8 (byte {exc.start}); send UTF-8 encoded JSON."
    if "\\u" not in text.lower() and "\\U" not in text:
        return None  # surrogates can only arrive as \\u escapes in valid UTF-8
    try:
        data = json.loads(text)
    except ValueError:
        return None  # malformed JSON: FastAPI's own 422 says where
    if _has_lone_surrogate(data):
        return ("request body contains invalid Unicode (a lone surrogate escape such as \\ud800); "
                "send well-formed text.")
    return None


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # later calls: wait for the disconnect, as the server would

    return replay


async def _respond(send: Send, status: int, detail: str | list[dict[str, Any]], headers: dict[str, str]) -> None:
    payload = json.dumps({"detail": detail}).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    raw += [(k.encode(), v.encode()) for k, v in headers.items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": payload})


def install(app: FastAPI, config: GuardConfig) -> None:
    """Add the guard middleware and the short 422 handler to ``app``."""
    app.add_middleware(RequestGuard, config=config)
    app.add_exception_handler(RequestValidationError, validation_error)  # type: ignore[arg-type]


@dataclass
class IndexWatcher:
    """Re-open the server's index when its manifest changes (grammars ingested after start-up).

    The manifest is replaced atomically on every commit, so a changed (mtime, size, inode) means a
    new index state; the hash of the manifest confirms it. Checked at most every ``interval_s``.
    """

    path: Path
    interval_s: float = 2.0
    _stamp: tuple[int, int, int] | None = None
    _digest: str | None = None
    _checked: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def changed(self) -> bool:
        """True when the manifest differs from the one seen at the last call (first call: False)."""
        now = time.monotonic()
        with self._lock:
            if self._stamp is not None and now - self._checked < self.interval_s:
                return False
            self._checked = now
            try:
                st = self.path.stat()
            except OSError:
                return False
            stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
            if stamp == self._stamp:
                return False
            digest = hashlib.sha256(self.path.read_bytes()).hexdigest()
            first = self._stamp is None
            self._stamp = stamp
            if digest == self._digest:
                return False
            self._digest = digest
            return not first

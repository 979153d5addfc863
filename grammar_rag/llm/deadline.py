"""A total deadline for an HTTP call to an LLM server: connect, send and *all* reads together.

Why: ``httpx`` timeouts are per operation. An endpoint that trickles one byte a second never
trips a read timeout, so ``classify --llm-timeout 3`` hung indefinitely, and a silent endpoint
held an API worker long after the API client had its 504. Here every socket operation of the
calling thread gets ``min(its own timeout, time left)`` and fails once the deadline has passed;
httpcore then drops the connection, so the LLM server sees the client go away and stops
generating (vLLM and llama.cpp's server abort a request whose connection closes).

Deadlines are per thread and nest (the tighter one wins): the API sets one per request
(:mod:`grammar_rag.api.limits`), the OpenAI-compatible client one per call.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterable, Iterator
from typing import Any

import httpcore
import httpx

_local = threading.local()


def current_deadline() -> float | None:
    """The calling thread's deadline (``time.monotonic()`` value), or None."""
    return getattr(_local, "deadline", None)


def remaining() -> float | None:
    """Seconds left before the thread's deadline (may be <= 0), or None without one."""
    deadline = current_deadline()
    return None if deadline is None else deadline - time.monotonic()


@contextlib.contextmanager
def deadline_scope(seconds: float | None) -> Iterator[None]:
    """Within the block, network operations of this thread end ``seconds`` from now at the latest."""
    previous = current_deadline()
    new = None if seconds is None else time.monotonic() + max(0.0, float(seconds))
    _local.deadline = new if previous is None else (previous if new is None else min(previous, new))
    try:
        yield
    finally:
        _local.deadline = previous


def _bounded(timeout: float | None, kind: type[Exception]) -> float | None:
    left = remaining()
    if left is None:
        return timeout
    if left <= 0:
        raise kind("the call's total deadline has passed")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    """A socket stream whose every read/write is bounded by the thread's deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _bounded(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _bounded(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname,
                                                     _bounded(timeout, httpcore.ConnectTimeout)))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's network backend with :func:`deadline_scope` applied to connect, reads and writes."""

    def __init__(self, inner: httpcore.NetworkBackend | None = None) -> None:
        self._inner = inner or httpcore.SyncBackend()

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        stream = self._inner.connect_tcp(host, port, _bounded(timeout, httpcore.ConnectTimeout), local_address,
                                         socket_options)
        return _DeadlineStream(stream)

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        stream = self._inner.connect_unix_socket(path, _bounded(timeout, httpcore.ConnectTimeout), socket_options)
        return _DeadlineStream(stream)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def deadline_transport(**kwargs: Any) -> httpx.HTTPTransport:
    """An ``httpx.HTTPTransport`` whose connections obey :func:`deadline_scope`.

    httpx does not take a network backend, so the one of its connection pool is swapped before
    the first connection exists; should httpx change that attribute, calls still work with
    per-operation timeouts only (and the deadline tests fail loudly).
    """
    transport = httpx.HTTPTransport(**kwargs)
    pool = getattr(transport, "_pool", None)
    if isinstance(pool, httpcore.ConnectionPool) and hasattr(pool, "_network_backend"):
        pool._network_backend = DeadlineBackend(pool._network_backend)
    return transport


__all__ = ["DeadlineBackend", "current_deadline", "deadline_scope", "deadline_transport", "remaining"]

"""A total deadline per LLM call: trickling and silent servers on 127.0.0.1 are abandoned in time,
and the dropped connection tells the server its client went away."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from grammar_rag.errors import BackendError
from grammar_rag.llm.deadline import deadline_scope
from grammar_rag.llm.openai_compat import OpenAICompatBackend


class TrickleServer:
    """Answers every request with headers (or not) and then one body byte per ``interval`` seconds."""

    def __init__(self, *, headers_first: bool, interval: float = 0.2) -> None:
        self.headers_first = headers_first
        self.interval = interval
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.disconnected_at: list[float] = []
        self._stop = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        conn.recv(65536)
        try:
            if self.headers_first:
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n")
            while not self._stop.is_set():
                conn.sendall(b" " if self.headers_first else b"H")
                time.sleep(self.interval)
        except OSError:
            self.disconnected_at.append(time.monotonic())  # the client went away: stop "generating"
        finally:
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self.sock.close()


@pytest.fixture(params=["trickling-body", "trickling-headers"])
def server(request: pytest.FixtureRequest) -> Iterator[TrickleServer]:
    srv = TrickleServer(headers_first=request.param == "trickling-body")
    yield srv
    srv.close()


def test_trickling_endpoint_is_abandoned_within_the_timeout(server: TrickleServer) -> None:
    backend = OpenAICompatBackend(f"http://127.0.0.1:{server.port}/v1", model="m", timeout=1.5, max_retries=3,
                                  backoff_base=0.05)
    start = time.monotonic()
    with pytest.raises(BackendError, match=r"timed out|deadline"):
        backend.generate(["hello"])
    elapsed = time.monotonic() - start
    assert elapsed < 1.5 + 1.0, elapsed
    deadline = time.monotonic() + 2.0  # the server notices within its next write
    while not server.disconnected_at and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.disconnected_at and server.disconnected_at[0] - start < 1.5 + 1.0
    backend.close()


def test_silent_endpoint_and_an_outer_deadline() -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)  # accepts (kernel backlog) and never answers
    try:
        backend = OpenAICompatBackend(f"http://127.0.0.1:{sock.getsockname()[1]}/v1", model="m", timeout=30)
        start = time.monotonic()
        with deadline_scope(0.8), pytest.raises(BackendError):  # e.g. the API request's own limit
            backend.generate(["hello"])
        assert time.monotonic() - start < 0.8 + 1.0
        backend.close()
    finally:
        sock.close()

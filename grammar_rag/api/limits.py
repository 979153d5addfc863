"""Bounded concurrency and per-request time limits for the blocking work behind the API.

Translation and classification are CPU-bound or wait on an LLM, so they run in a private thread
pool of ``max_concurrency`` workers. At most ``max_queue`` further requests may wait; beyond that a
request is refused at once with 503 (the client should retry) instead of piling up. A request
that takes longer than ``timeout_s`` gets 504; its worker keeps its slot until it really finishes,
so the bound on concurrent work holds even for requests that timed out.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from grammar_rag.llm.deadline import deadline_scope

T = TypeVar("T")


class Saturated(Exception):
    """More requests are pending than the bound allows."""


class TimedOut(Exception):
    """The work did not finish within the per-request limit."""


def _within(deadline: float, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    with deadline_scope(deadline - time.monotonic()):
        return fn(*args, **kwargs)


class WorkLimiter:
    def __init__(self, max_concurrency: int = 4, max_queue: int = 64, timeout_s: float = 30.0) -> None:
        self.max_concurrency = max(1, max_concurrency)
        self.max_queue = max(0, max_queue)
        self.timeout_s = timeout_s
        self.pending = 0  # running + waiting (touched only on the event loop thread)
        self._sem: asyncio.Semaphore | None = None
        self._executor = ThreadPoolExecutor(max_workers=self.max_concurrency, thread_name_prefix="grammar-rag-api")

    @property
    def in_flight(self) -> int:
        return self.pending

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        if self._sem is None:
            self._sem = asyncio.Semaphore(self.max_concurrency)
        if self.pending >= self.max_concurrency + self.max_queue:
            raise Saturated(
                f"server busy: {self.pending} requests pending (limit {self.max_concurrency} running + "
                f"{self.max_queue} queued); retry later"
            )
        self.pending += 1
        deadline = time.monotonic() + self.timeout_s
        try:
            await asyncio.wait_for(self._sem.acquire(), timeout=self.timeout_s)
        except TimeoutError:
            self.pending -= 1
            raise TimedOut(f"request waited {self.timeout_s:.0f} s for a free worker") from None
        loop = asyncio.get_running_loop()
        # the request's deadline also bounds the LLM calls the worker makes: once the client has its
        # 504 the worker's HTTP calls end too, and the worker is free again
        future = loop.run_in_executor(self._executor, functools.partial(_within, deadline, fn, *args, **kwargs))

        def _release(_: object) -> None:
            self._sem.release()  # type: ignore[union-attr]
            self.pending -= 1

        future.add_done_callback(_release)
        try:
            return await asyncio.wait_for(asyncio.shield(future), timeout=max(0.01, deadline - time.monotonic()))
        except TimeoutError:
            raise TimedOut(f"request exceeded the {self.timeout_s:g} s limit") from None

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)

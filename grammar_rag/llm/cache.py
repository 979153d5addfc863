"""Response cache: the same prompt to the same model with the same parameters is answered once.

Benchmarks rerun the same (grammar, feature, configuration) prompts many times (after a crash,
with another metric, for a report); an LLM call costs seconds and, on hosted APIs, money. The key
is a SHA-256 of everything that determines the reply: backend, model, system prompt, prompt,
closed choice list, max_tokens, temperature and the prompt version. Replies live in one SQLite
file under :func:`grammar_rag.config.cache_dir` (WAL mode: each write is an atomic transaction, so
a run killed mid-batch leaves every finished reply usable and nothing half-written).

Only deterministic calls (temperature 0) are cached: sampling at a higher temperature is a request
for a *new* sample.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from grammar_rag.config import cache_dir
from grammar_rag.llm.base import LLMBackend
from grammar_rag.llm.confidence import Completion

log = logging.getLogger(__name__)
T = TypeVar("T")

CACHE_FILE = "llm_responses.sqlite"


def cache_key(**parts: Any) -> str:
    blob = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class ResponseCache:
    """A persistent key -> reply map (SQLite), safe to share between threads of one process."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path) if path else cache_dir() / CACHE_FILE
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute(
            "CREATE TABLE IF NOT EXISTS replies (key TEXT PRIMARY KEY, reply TEXT NOT NULL, meta TEXT)"
        )
        self._conn.commit()
        self.hits = 0
        self.misses = 0

    def get(self, key: str) -> str | None:
        with self._lock:
            row = self._conn.execute("SELECT reply FROM replies WHERE key = ?", (key,)).fetchone()
        if row is None:
            self.misses += 1
            return None
        self.hits += 1
        return str(row[0])

    def put(self, key: str, reply: str, meta: dict[str, Any] | None = None) -> None:
        with self._lock, self._conn:
            self._conn.execute(
                "INSERT OR REPLACE INTO replies (key, reply, meta) VALUES (?, ?, ?)",
                (key, reply, json.dumps(meta or {}, ensure_ascii=False)),
            )

    def __len__(self) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT COUNT(*) FROM replies").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._conn.close()


class CachedBackend:
    """Wraps any :class:`LLMBackend`; only the prompts missing from the cache reach it (as one batch)."""

    def __init__(self, inner: LLMBackend, cache: ResponseCache | None = None, namespace: str = "") -> None:
        self.inner = inner
        self.cache = cache if cache is not None else ResponseCache()
        self.namespace = namespace  # e.g. the prompt version: a new version never reuses old replies
        self.name = inner.name
        self.model = inner.model

    def __getattr__(self, attr: str) -> Any:  # count_tokens, context_tokens, score_choices, ...
        return getattr(self.inner, attr)

    def _key(
        self,
        prompt: str,
        choices: list[str] | None,
        max_tokens: int,
        temperature: float,
        system: str | None,
        kind: str = "generate",
    ) -> str:
        return cache_key(
            kind=kind,
            backend=self.inner.name,
            model=self.inner.model,
            params=getattr(self.inner, "cache_params", {}),
            namespace=self.namespace,
            prompt=prompt,
            choices=choices,
            max_tokens=max_tokens,
            temperature=temperature,
            system=system,
        )

    def _through(self, keys: list[str], compute: Callable[[list[int]], list[T]], encode: Callable[[T], str],
                 decode: Callable[[str], T], meta: dict[str, Any]) -> list[T | None]:
        """Each key's cached value, the missing ones computed in one batch (``compute(indices)``)
        and stored: one read-through loop for replies, label scores and logprob completions."""
        out: list[T | None] = []
        for k in keys:
            hit = self.cache.get(k)
            out.append(decode(hit) if hit is not None else None)
        todo = [i for i, r in enumerate(out) if r is None]
        if todo:
            for i, value in zip(todo, compute(todo), strict=True):
                self.cache.put(keys[i], encode(value), meta)
                out[i] = value
        log.debug("cache: %d hits, %d calls", len(keys) - len(todo), len(todo))
        return out

    def generate(
        self,
        prompts: list[str],
        *,
        choices: list[str] | None = None,
        max_tokens: int = 512,
        temperature: float = 0.0,
        system: str | None = None,
    ) -> list[str]:
        if temperature > 0:
            return self.inner.generate(
                prompts, choices=choices, max_tokens=max_tokens, temperature=temperature, system=system
            )
        keys = [self._key(p, choices, max_tokens, temperature, system) for p in prompts]
        out = self._through(
            keys,
            lambda todo: self.inner.generate([prompts[i] for i in todo], choices=choices, max_tokens=max_tokens,
                                             temperature=temperature, system=system),
            str, str, {"backend": self.inner.name, "model": self.inner.model})
        return [r if r is not None else "" for r in out]

    def score_choices(
        self, prompts: list[str], choices: list[str], system: str | None = None
    ) -> list[dict[str, float]]:
        """Cached form of a backend's label-likelihood scoring (only when the backend has it)."""
        scorer = getattr(self.inner, "score_choices", None)
        if scorer is None:
            raise AttributeError("score_choices")
        keys = [self._key(p, choices, 0, 0.0, system, kind="score") for p in prompts]
        out = self._through(keys, lambda todo: scorer([prompts[i] for i in todo], choices, system=system),
                            json.dumps, json.loads, {"backend": self.inner.name, "kind": "score"})
        return [r or {} for r in out]

    def generate_with_logprobs(
        self,
        prompts: list[str],
        *,
        choices: list[str] | None = None,
        max_tokens: int = 512,
        temperature: float = 0.0,
        system: str | None = None,
    ) -> list[Completion]:
        """Cached form of a backend's replies with token log-probabilities (only when it has them)."""
        inner = getattr(self.inner, "generate_with_logprobs", None)
        if inner is None:
            raise AttributeError("generate_with_logprobs")
        if temperature > 0:
            return list(inner(prompts, choices=choices, max_tokens=max_tokens, temperature=temperature, system=system))
        keys = [self._key(p, choices, max_tokens, temperature, system, kind="logprobs") for p in prompts]
        out = self._through(
            keys,
            lambda todo: list(inner([prompts[i] for i in todo], choices=choices, max_tokens=max_tokens,
                                    temperature=temperature, system=system)),
            lambda c: json.dumps(c.to_dict()), lambda hit: Completion.from_dict(json.loads(hit)),
            {"backend": self.inner.name, "kind": "logprobs"})
        return [r if r is not None else Completion("") for r in out]

"""Durable store of batch-extraction results: one SQLite row per finished (grammar, feature) pair.

Why SQLite in WAL mode: every pair is committed the moment it finishes, so a run killed with
``kill -9`` loses at most the pair in flight; a committed transaction survives a process crash
(WAL + ``synchronous=NORMAL`` only risks the last commits on an OS crash / power loss). The
``UNIQUE`` constraint on the run identity makes a rerun idempotent: nothing is stored twice.

A row is keyed by the *run configuration* as well as the pair (backend, prompt version and a hash
of the retrieval settings), so results of different configurations never silently mix: the
exporter asks for exactly one configuration.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from grammar_rag.errors import GrammarRagError
from grammar_rag.types import Prediction

STORE_FILENAME = "results.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS results (
    grammar_id     TEXT NOT NULL,
    feature_id     TEXT NOT NULL,
    backend        TEXT NOT NULL,
    prompt_version TEXT NOT NULL,
    config_hash    TEXT NOT NULL,
    value          TEXT NOT NULL,
    code           TEXT,
    confidence     REAL NOT NULL,
    prediction     TEXT NOT NULL,   -- Prediction.to_dict() as JSON
    elapsed_s      REAL NOT NULL,
    created_at     REAL NOT NULL,
    UNIQUE (grammar_id, feature_id, backend, prompt_version, config_hash)
);
CREATE TABLE IF NOT EXISTS run_configs (
    backend        TEXT NOT NULL,
    prompt_version TEXT NOT NULL,
    config_hash    TEXT NOT NULL,
    config         TEXT NOT NULL,   -- the retrieval/classifier settings as JSON
    first_seen     REAL NOT NULL,
    PRIMARY KEY (backend, prompt_version, config_hash)
);
"""


@dataclass(frozen=True)
class RunConfig:
    """Everything that changes an answer besides the (grammar, feature) pair itself.

    ``settings`` holds the retrieval configuration (mode, k, reranker...) and any classifier
    options; its canonical JSON is hashed so two runs with the same settings share rows.
    """

    backend: str
    prompt_version: str = ""
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def config_hash(self) -> str:
        canonical = json.dumps(self.settings, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.backend, self.prompt_version, self.config_hash)

    def describe(self) -> str:
        version = self.prompt_version or "-"
        return f"backend={self.backend} prompt_version={version} config={self.config_hash}"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["config_hash"] = self.config_hash
        return data


@dataclass(frozen=True)
class StoredConfig:
    """A run configuration found in a store, with how many pairs it holds."""

    config: RunConfig
    n_results: int
    first_seen: float


class ResultStore:
    """Open (creating if needed) ``path`` — a SQLite file — for reading and appending results.

    Use as a context manager or call :meth:`close`. One writer at a time (the runner); readers
    (``compare``, the exporter, a test polling progress) may open it concurrently thanks to WAL.
    """

    def __init__(self, path: str | Path, *, readonly: bool = False) -> None:
        self.path = Path(path)
        if readonly and not self.path.exists():
            raise GrammarRagError(f"No results store at {self.path} (run `grammar-rag extract` first).")
        if not readonly:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            if readonly:
                # a read-only folder cannot hold WAL's -shm file; nobody can be writing there either
                frozen = "&immutable=1" if not os.access(self.path.parent, os.W_OK) else ""
                self._conn = sqlite3.connect(f"file:{self.path}?mode=ro{frozen}", uri=True, timeout=30.0)
            else:
                self._conn = sqlite3.connect(self.path, timeout=30.0)
                self._conn.execute("PRAGMA journal_mode=WAL")
                self._conn.execute("PRAGMA synchronous=NORMAL")
                self._conn.executescript(_SCHEMA)
                self._conn.commit()
        except sqlite3.DatabaseError as exc:
            raise GrammarRagError(f"{self.path} is not a usable results store: {exc}") from exc

    # -- context manager -------------------------------------------------------------------
    def __enter__(self) -> ResultStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._conn.close()

    # -- writing ---------------------------------------------------------------------------
    def register_config(self, config: RunConfig) -> None:
        """Record the settings behind ``config.config_hash`` (so a hash can be explained later)."""
        with self._conn:
            self._conn.execute(
                "INSERT OR IGNORE INTO run_configs VALUES (?, ?, ?, ?, ?)",
                (
                    config.backend,
                    config.prompt_version,
                    config.config_hash,
                    json.dumps(config.settings, sort_keys=True, default=str),
                    time.time(),
                ),
            )

    def put(self, prediction: Prediction, config: RunConfig, elapsed_s: float = 0.0) -> bool:
        """Commit one finished pair. Returns False when the row already existed (nothing written)."""
        with self._conn:
            cur = self._conn.execute(
                "INSERT OR IGNORE INTO results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    prediction.grammar_id,
                    prediction.feature_id,
                    config.backend,
                    config.prompt_version,
                    config.config_hash,
                    prediction.value,
                    prediction.code,
                    float(prediction.confidence),
                    json.dumps(prediction.to_dict(), ensure_ascii=False, sort_keys=True),
                    float(elapsed_s),
                    time.time(),
                ),
            )
        return cur.rowcount == 1

    # -- reading ---------------------------------------------------------------------------
    def done_pairs(self, config: RunConfig) -> set[tuple[str, str]]:
        """(grammar_id, feature_id) pairs already stored for ``config``."""
        rows = self._conn.execute(
            "SELECT grammar_id, feature_id FROM results "
            "WHERE backend = ? AND prompt_version = ? AND config_hash = ?",
            config.key,
        )
        return {(g, f) for g, f in rows}

    def count(self, config: RunConfig | None = None) -> int:
        if config is None:
            return int(self._conn.execute("SELECT COUNT(*) FROM results").fetchone()[0])
        return int(
            self._conn.execute(
                "SELECT COUNT(*) FROM results WHERE backend = ? AND prompt_version = ? AND config_hash = ?",
                config.key,
            ).fetchone()[0]
        )

    def configs(self) -> list[StoredConfig]:
        """Every run configuration with results in the store, most results first."""
        settings = {
            (b, p, h): json.loads(c)
            for b, p, h, c in self._conn.execute(
                "SELECT backend, prompt_version, config_hash, config FROM run_configs"
            )
        }
        out = []
        for backend, version, chash, n, first in self._conn.execute(
            "SELECT backend, prompt_version, config_hash, COUNT(*), MIN(created_at) FROM results "
            "GROUP BY backend, prompt_version, config_hash"
        ):
            config = RunConfig(backend, version, settings.get((backend, version, chash), {}))
            if config.config_hash != chash:  # settings row missing: keep the stored hash visible
                config = _HashOnlyConfig(backend, version, {"config_hash": chash})
            out.append(StoredConfig(config, int(n), float(first)))
        out.sort(key=lambda s: (-s.n_results, s.first_seen))
        return out

    def predictions(self, config: RunConfig) -> list[Prediction]:
        """Stored predictions for ``config``, sorted by (grammar_id, feature_id)."""
        return [p for p, _ in self.rows(config)]

    def rows(self, config: RunConfig) -> Iterator[tuple[Prediction, float]]:
        """(prediction, elapsed seconds) for ``config``, sorted by (grammar_id, feature_id)."""
        for payload, elapsed in self._conn.execute(
            "SELECT prediction, elapsed_s FROM results "
            "WHERE backend = ? AND prompt_version = ? AND config_hash = ? "
            "ORDER BY grammar_id, feature_id",
            config.key,
        ):
            yield Prediction.from_dict(json.loads(payload)), float(elapsed)


class _HashOnlyConfig(RunConfig):
    """A stored configuration whose settings row is missing: its hash is the stored one."""

    @property
    def config_hash(self) -> str:
        return str(self.settings.get("config_hash", ""))


def select_config(
    configs: Iterable[StoredConfig],
    *,
    backend: str | None = None,
    prompt_version: str | None = None,
    config_hash: str | None = None,
) -> StoredConfig:
    """Pick exactly one run configuration to export/compare.

    Filters by whatever is given; when several remain and nothing narrows them, the one with the
    most results wins *and the caller reports it* — results of two configurations are never merged.
    """
    candidates = [
        c
        for c in configs
        if (backend is None or c.config.backend == backend)
        and (prompt_version is None or c.config.prompt_version == prompt_version)
        and (config_hash is None or c.config.config_hash.startswith(config_hash))
    ]
    if not candidates:
        wanted = ", ".join(
            f"{k}={v}"
            for k, v in (("backend", backend), ("prompt_version", prompt_version), ("config", config_hash))
            if v is not None
        )
        raise GrammarRagError(f"No stored results match {wanted or 'anything'}.")
    return candidates[0]

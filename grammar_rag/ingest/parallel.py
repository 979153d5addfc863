"""``grammar-rag ingest --engine ray``: parse books in parallel on a Ray cluster, index them serially.

Parsing is the slow part of ingestion (a PDF takes 1-3 minutes) and each book is independent, so
the unit of work is one book: a folder of separate grammar files is split into its files exactly
as :func:`grammar_rag.ingest.ingest_path` walks it (same order, same per-file call), and any other
source (one file, a LaTeX folder, a paragraph-CSV tree) is one unit. Workers run the very same
``ingest_path`` call the serial path runs, so passages and their ids are identical by
construction.

The driver alone touches the index: it receives every unit's grammars in source order, applies
the serial path's checks (a grammar id used twice in a folder is refused) and then hands them to
``GrammarIndex.add_many``, which embeds them and swaps the manifest atomically. Embedding stays in
the driver for that reason (one writer, one embedding model load); for a GPU cluster the cost that
scales with the shelf, parsing, is the one spread out.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from grammar_rag.cluster import connect, require_ray
from grammar_rag.errors import IngestError
from grammar_rag.ingest import ingest_path
from grammar_rag.ingest.base import DEFAULT_CHUNKING, ChunkingConfig
from grammar_rag.ingest.detect import FILE_SUFFIXES, detect_format
from grammar_rag.types import IngestedGrammar

logger = logging.getLogger(__name__)

OnError = Callable[[Path, IngestError], None]


def plan_units(path: Path, format: str | None) -> list[Path]:
    """The books inside ``path``, in the order the serial ingester reads them."""
    if format is None and path.is_dir():
        try:
            detect_format(path)
        except IngestError:
            files = sorted(f for f in path.iterdir() if f.is_file() and f.suffix.lower() in FILE_SUFFIXES)
            if files:
                return files
    return [path]


def _ingest_unit(
    unit: str, format: str | None, chunking: ChunkingConfig, metadata: dict[str, object] | None, split: bool,
    keep_going: bool, cwd: str,
) -> tuple[list[IngestedGrammar], list[tuple[str, str]]]:
    """Runs on a worker: the serial path's own call for one book, errors returned, not raised.

    Paths stay as the user wrote them (they are recorded as ``Grammar.source_path``), so the
    worker reads them from the driver's working directory: the shelf is on a shared path.
    """
    errors: list[tuple[str, str]] = []

    def collect(path: Path, exc: IngestError) -> None:
        errors.append((str(path), str(exc)))

    fmt = None if split else format  # a file inside a folder is detected per file, as serially
    try:
        with contextlib.chdir(cwd):  # tasks run one at a time per worker process
            items = ingest_path(Path(unit), format=fmt, chunking=chunking, metadata=metadata,
                                on_error=collect if keep_going else None)
    except IngestError as exc:
        return [], [(unit, str(exc))]
    return items, errors


class RayIngestReader:
    """``reader(path) -> list[IngestedGrammar]`` with every book already submitted to Ray workers.

    Built with all the paths up front (so every worker is busy from the start); each call then
    waits only for its own path's books, and reports unreadable ones through ``on_error`` (or
    raises the first :class:`IngestError`, like the serial path, when there is no ``on_error``).
    """

    def __init__(
        self,
        paths: Sequence[Path],
        *,
        format: str | None = None,
        chunking: ChunkingConfig = DEFAULT_CHUNKING,
        metadata: dict[str, object] | None = None,
        on_error: OnError | None = None,
        workers: int = 0,
        address: str | None = None,
    ) -> None:
        self._ray: Any = require_ray(address)
        self._owned = connect(self._ray, address, workers or os.cpu_count() or 1)
        self._on_error = on_error
        task = self._ray.remote(num_cpus=1, max_retries=3)(_ingest_unit)
        self._futures: dict[Path, list[tuple[Path, Any]]] = {}
        cwd = os.getcwd()
        for path in paths:
            units = plan_units(path, format)
            split = units != [path]
            if split and metadata and "id" in metadata and len(units) > 1:
                raise IngestError(f"{path}: holds {len(units)} grammar files; metadata 'id' can only name one.")
            self._futures[path] = [
                (u, task.remote(str(u), format, chunking, metadata, split, on_error is not None, cwd)) for u in units
            ]
        logger.info("ray ingest: %d book(s) submitted", sum(len(v) for v in self._futures.values()))

    def __call__(self, path: Path) -> list[IngestedGrammar]:
        out: list[IngestedGrammar] = []
        seen: dict[str, Path] = {}
        for unit, future in self._futures.pop(path):
            items, errors = self._ray.get(future)
            for where, message in errors:
                exc = IngestError(message)
                if self._on_error is None:
                    raise exc
                self._on_error(Path(where), exc)
            for ingested in items:
                gid = ingested.grammar.id
                if gid in seen:
                    raise IngestError(f"{unit}: grammar id '{gid}' already used by {seen[gid]}; rename one file.")
                seen[gid] = unit
                out.append(ingested)
        return out

    def close(self) -> None:
        if self._owned and self._ray.is_initialized():
            self._ray.shutdown()

"""What the catalogue, the Glottolog table and the WALS values share: a per-data-root cache of
the loaded table and the atomic gzip write of its bundled copy.

Each table is loaded either from a data directory (explicit, else ``$GRAMMAR_RAG_DATA_DIR``) or
from the copy bundled with the package; loading is slow enough (CLDF parsing) that it happens
once per directory and process, and saving must never leave a half-written bundle behind.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Generic, TypeVar

from grammar_rag.features.cldf import resolve_data_root

T = TypeVar("T")


class DataRootCache(Generic[T]):
    """One loaded table per data root (``"<bundled>"`` when none is given or set), thread-safe."""

    def __init__(self) -> None:
        self._items: dict[str, T] = {}
        self._lock = threading.Lock()

    def get(self, data_dir: str | os.PathLike[str] | None, load: Callable[[Path | None], T]) -> T:
        """The table for ``data_dir``; ``load(root)`` builds it on first use (root None: bundled)."""
        root = resolve_data_root(data_dir)
        key = str(root) if root is not None else "<bundled>"
        with self._lock:
            if key not in self._items:
                self._items[key] = load(root)
            return self._items[key]



"""Writer lock and housekeeping for one index directory (see :mod:`grammar_rag.locking`).

Why a separate module: the index's write transaction (``GrammarIndex`` in ``store.py``) only needs
three hooks — take the lock, clean leftovers while holding it, and list what lies outside the
manifest — and keeping them here keeps the transaction code about the transaction.

Every staging folder (``grammars/.tmp-*``, ``segments/.tmp-*``) and trash folder (``.trash-*``) is
created and consumed while the writer lock is held, so any such folder seen by a process that
holds the lock belongs to a writer that died (``kill -9``, power loss) and can go.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from grammar_rag.errors import IndexStoreError
from grammar_rag.locking import LOCK_NAME, directory_lock

log = logging.getLogger(__name__)

SHARD_PARENTS = ("grammars", "segments")
STAGING_PREFIXES = (".tmp-", ".trash-")


def is_bookkeeping(rel_parts: tuple[str, ...]) -> bool:
    """True for the lock file and staging/trash folders (not index content: excluded from sizes)."""
    return any(part == LOCK_NAME or part.startswith(STAGING_PREFIXES) for part in rel_parts)


def stale_staging(directory: Path) -> list[Path]:
    """Staging and trash folders left in ``directory`` (only stale while the writer lock is held)."""
    found = [p for p in directory.glob(".trash-*") if p.is_dir()]
    for parent in SHARD_PARENTS:
        found.extend(p for p in (directory / parent).glob(".tmp-*") if p.is_dir())
    return sorted(found)


def clean_stale_staging(directory: Path) -> int:
    """Delete leftovers of interrupted writes; the caller must hold the writer lock."""
    removed = 0
    for path in stale_staging(directory):
        log.info("removing %s, left by an interrupted write", path)
        shutil.rmtree(path, ignore_errors=True)
        removed += not path.exists()
    return removed


@contextlib.contextmanager
def index_write_lock(directory: Path, *, wait: bool | None = None) -> Iterator[None]:
    """Hold ``directory``'s writer lock, cleaning stale staging folders first."""
    with directory_lock(directory, what="index", wait=wait):
        clean_stale_staging(directory)
        yield


def try_clean_on_open(directory: Path) -> None:
    """On open, clean leftovers if no writer is active right now (never waits, never fails).

    A reader must not block behind a long ingest, and a read-only index must stay readable, so a
    busy lock or an unwritable directory just skips the cleaning (the next writer does it).
    """
    if not stale_staging(directory):
        return
    with contextlib.suppress(Exception), directory_lock(directory, what="index", wait=False):
        clean_stale_staging(directory)


def shards_outside_manifest(directory: Path, manifest: dict[str, Any]) -> list[str]:
    """Shard folders on disk that the manifest does not name (e.g. a writer's lost commit)."""
    named = {e["dir"] for e in manifest["grammars"] + manifest["segments"]}
    out: list[str] = []
    for parent in SHARD_PARENTS:
        root = directory / parent
        if not root.is_dir():
            continue
        for child in sorted(root.iterdir()):
            rel = f"{parent}/{child.name}"
            if child.is_dir() and not child.name.startswith(".") and rel not in named:
                out.append(rel)
    return out


def check_no_orphans(directory: Path, manifest: dict[str, Any]) -> None:
    """Raise if shard folders lie outside the manifest (``info --verify``): a lost commit or a crash."""
    orphans = shards_outside_manifest(directory, manifest)
    if orphans:
        shown = ", ".join(orphans[:5]) + (f" and {len(orphans) - 5} more" if len(orphans) > 5 else "")
        raise IndexStoreError(
            f"Index {directory} has {len(orphans)} shard folder(s) that its manifest does not name ({shown}): "
            "left by an interrupted or lost write. Re-run `grammar-rag ingest ... --index "
            f"{directory} --skip-existing` for any grammar missing from `grammar-rag info`, then delete those folders."
        )


def ensure_writable(directory: Path) -> None:
    """Refuse a read-only index before any embedding work is spent on it."""
    if directory.is_dir() and not os.access(directory, os.W_OK | os.X_OK):
        raise IndexStoreError(
            f"Index {directory} is read-only: grammar-rag cannot add to it. Fix its permissions, or ingest into "
            "a new --index directory."
        )

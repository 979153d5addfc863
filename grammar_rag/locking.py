"""An inter-process lock for the directories grammar-rag writes (index, result store, language packs).

Why: every write is atomic (temp + ``os.replace``), but two processes that both read the same
manifest and then commit lose one of the two changes (the last manifest wins). A writer therefore
holds an exclusive ``fcntl.flock`` on ``<dir>/.grammar-rag.lock`` from the moment it re-reads the
state it builds on until its commit is on disk. ``flock`` locks die with their process, so a killed
writer never leaves a stale lock behind (the lock *file* stays; it is empty and harmless).

A second writer waits, logging once that it is waiting and for whom, or — with ``wait=False``
(the CLI's ``--no-wait``, or ``GRAMMAR_RAG_LOCK_WAIT=0``) — fails at once with a message that says
what to do. The lock is re-entrant within a thread (an index ``add`` that calls ``compact`` does
not deadlock on itself) and serialises threads of one process too.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import logging
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from grammar_rag.errors import GrammarRagError

log = logging.getLogger(__name__)

LOCK_NAME = ".grammar-rag.lock"
_POLL_S = 0.1


class LockBusyError(GrammarRagError):
    """Another process is writing to the same directory and the caller chose not to wait."""


_default_wait: bool | None = None  # None: read GRAMMAR_RAG_LOCK_WAIT (default: wait)


def set_default_wait(wait: bool | None) -> None:
    """Process-wide default for ``wait`` (the CLI's ``--no-wait`` sets False)."""
    global _default_wait
    _default_wait = wait


def default_wait() -> bool:
    if _default_wait is not None:
        return _default_wait
    return os.environ.get("GRAMMAR_RAG_LOCK_WAIT", "1").strip().lower() not in {"0", "false", "no"}


class _Held:
    """Per-process bookkeeping: the open lock fd and re-entry depth for each locked directory."""

    def __init__(self) -> None:
        self.fd: int | None = None
        self.depth = 0
        self.owner: int | None = None
        self.thread_lock = threading.RLock()


_held: dict[str, _Held] = {}
_held_guard = threading.Lock()


def _entry(key: str) -> _Held:
    with _held_guard:
        held = _held.get(key)
        if held is None:
            held = _held[key] = _Held()
        return held


def require_folder(directory: str | Path, what: str = "directory") -> None:
    """``directory`` is a folder or not there yet (it will be created); a file there is an error."""
    directory = Path(directory).expanduser()
    if directory.exists() and not directory.is_dir():
        raise GrammarRagError(f"{directory.resolve()} is a file, not a directory: choose a folder for the {what}.")


@contextlib.contextmanager
def directory_lock(directory: str | Path, *, what: str = "directory", wait: bool | None = None,
                   timeout: float | None = None) -> Iterator[Path]:
    """Hold the exclusive writer lock of ``directory`` (created if absent) for the ``with`` body.

    ``what`` names the thing in messages ("index", "results store"). ``timeout`` (seconds) bounds
    the wait; None waits for as long as the other writer needs.
    """
    directory = Path(directory).expanduser().resolve()
    key = str(directory)
    held = _entry(key)
    wait = default_wait() if wait is None else wait
    me = threading.get_ident()
    # threads of this process queue on the thread lock; re-entry by the holder passes straight through
    if not held.thread_lock.acquire(blocking=wait or held.owner == me):
        raise LockBusyError(
            f"Another writer in this process is using the {what} at {directory}; wait for it to finish "
            "(or run without --no-wait to queue behind it)."
        )
    try:
        if held.depth > 0:
            held.depth += 1
            try:
                yield directory / LOCK_NAME
            finally:
                held.depth -= 1
            return
        path = directory / LOCK_NAME
        require_folder(directory, what)
        try:
            directory.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise GrammarRagError(
                f"Cannot create the lock file {path} ({exc.strerror or exc}): make {directory} writable "
                f"or choose another {what} directory."
            ) from exc
        started = time.monotonic()
        announced = False
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as exc:
                    if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                        raise
                if not wait:
                    raise LockBusyError(
                        f"Another grammar-rag process is writing to the {what} at {directory}"
                        f"; wait for it to finish, or drop --no-wait to queue behind it."
                    )
                if timeout is not None and time.monotonic() - started > timeout:
                    raise LockBusyError(
                        f"Timed out after {timeout:.0f} s waiting for another writer of the {what} at "
                        f"{directory}; try again when it has finished."
                    )
                if not announced:
                    log.warning("waiting for another grammar-rag process writing to the %s at %s", what, directory)
                    announced = True
                time.sleep(_POLL_S)
            if announced:
                log.warning("got the %s lock at %s after %.1f s", what, directory, time.monotonic() - started)
        except BaseException:
            os.close(fd)
            raise
        held.fd, held.depth, held.owner = fd, 1, me
        try:
            yield path
        finally:
            held.fd, held.depth, held.owner = None, 0, None
            os.close(fd)  # closing the descriptor releases the flock
    finally:
        held.thread_lock.release()

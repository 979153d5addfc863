"""Turn the operating-system and storage failures a user can fix into one line naming file and fix.

Why: library code raises :class:`GrammarRagError` for bad input, but some failures surface from
below it — a read-only folder, ``--out`` naming a file, a truncated SQLite store, a source that
never ends — and used to end in a traceback. The CLI maps them here (exit status 2); ``--debug``
shows the traceback instead. Anything not recognised still raises: a bug must stay visible.
"""

from __future__ import annotations

import errno
import sqlite3


def _name(exc: OSError) -> str:
    return str(exc.filename) if exc.filename else "a file"


def explain(exc: BaseException, command: str | None = None) -> str | None:
    """The one-line message for ``exc``, or None when it is not a failure the user can fix."""
    what = f"`grammar-rag {command}`" if command else "the command"
    if isinstance(exc, MemoryError):
        return (f"{what} ran out of memory: an input is far too large or never ends (a device such as "
                "/dev/zero, or a multi-GB file); pass regular grammar files.")
    if isinstance(exc, sqlite3.DatabaseError):
        text = str(exc)
        if "readonly" in text or "unable to open" in text:
            return (f"{what} cannot open its results store ({text}): its folder must be writable (SQLite "
                    "keeps -wal/-shm files beside it); use a writable --out, or copy the folder somewhere writable.")
        return (f"the results store is damaged ({text}): it was truncated or is not a grammar-rag "
                "results.sqlite; re-run `grammar-rag extract` into a new --out folder.")
    if isinstance(exc, OSError):
        name = _name(exc)
        code = exc.errno
        if isinstance(exc, PermissionError) or code in (errno.EACCES, errno.EPERM, errno.EROFS):
            return (f"permission denied writing or reading {name}: {what} needs write access there; "
                    "fix the permissions or choose another directory.")
        if isinstance(exc, NotADirectoryError) or code == errno.ENOTDIR:
            return f"{name} is (inside) a file, not a directory: pass a directory path instead."
        if isinstance(exc, IsADirectoryError) or code == errno.EISDIR:
            return f"{name} is a directory where a file was expected: pass a file path instead."
        if isinstance(exc, FileExistsError) or code == errno.EEXIST:
            return f"{name} already exists and is not what {what} expected: remove it or choose another path."
        if isinstance(exc, FileNotFoundError) or code == errno.ENOENT:
            return f"{name}: no such file or directory; check the path."
        if code == errno.ENOSPC:
            return f"no space left on the device holding {name}: free some space and re-run (completed work was kept)."
    return None

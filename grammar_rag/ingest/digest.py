"""A content hash of a grammar source, so a book already in an index is recognised before parsing.

Parsing a 650-page PDF takes tens of seconds; comparing its SHA-256 with the hashes recorded in the
index (``Grammar.source_sha256``) takes a fraction of a second. A folder (LaTeX sources) hashes
every file's relative path and bytes, in a stable order, so a renamed or copied folder with the
same contents is the same book.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

_CHUNK = 1 << 20


def source_digest(path: str | Path) -> str:
    """SHA-256 of a file's bytes, or of a folder's files (relative paths and bytes, sorted)."""
    path = Path(path)
    h = hashlib.sha256()
    if path.is_file():
        _feed(h, path)
        return h.hexdigest()
    for file in sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")):
        h.update(file.relative_to(path).as_posix().encode("utf-8") + b"\0")
        _feed(h, file)
    return h.hexdigest()


def _feed(h: Any, file: Path) -> None:  # a hashlib hash object
    with file.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            h.update(chunk)

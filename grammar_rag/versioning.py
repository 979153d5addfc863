"""Content fingerprints of rule code and shipped weights, for keying caches.

Why: benchmark and extraction caches are keyed on "which version of the rules produced this".
A hand-maintained version string is forgotten the day a rule or a weight file changes, and a stale
cache then reports numbers the current code does not produce. Hashing the files themselves cannot
go stale.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path


def files_digest(paths: Iterable[Path], length: int = 10) -> str:
    """sha1 over the bytes of ``paths`` (sorted, so the order of discovery does not matter)."""
    digest = hashlib.sha1()
    for path in sorted(paths):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:length]

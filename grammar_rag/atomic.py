"""Atomic file writes shared by the bundled-data builders (catalogue, languages, values, OCR vocabulary).

Why at the bottom of the house: :mod:`grammar_rag.text` (the OCR vocabulary) and
:mod:`grammar_rag.features` (the bundled tables) both rebuild gzipped data files, and a reader must
never see half of one; ``text`` sits below ``features``, so the writer lives below both.
"""

from __future__ import annotations

import gzip
import os
import tempfile
from pathlib import Path


def write_gzip_atomic(path: Path, payload: bytes) -> Path:
    """Gzip ``payload`` to ``path`` via a temp file + os.replace (reproducible: mtime 0)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, compresslevel=9) as gz:
            gz.write(payload)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path

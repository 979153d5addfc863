"""Grammar ingestion: a file or directory in, grammars with provenance-carrying passages out.

``ingest_path`` is the one entry point the index and the CLI use; formats are looked up in the
``INGESTERS`` registry ("pdf", "latex", "text", "markdown", "paragraph-csv"), so adding a format
means registering one function. Ingesters are pure: they raise :class:`IngestError` (naming the
file) before returning anything, so a failed file never leaves half a grammar in an index.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from grammar_rag.errors import IngestError
from grammar_rag.ingest.base import DEFAULT_CHUNKING, INGESTERS, ChunkingConfig, Ingester
from grammar_rag.ingest.chunking import Unit, make_passages, normalise_text, passage_id
from grammar_rag.ingest.detect import FILE_SUFFIXES, detect_format
from grammar_rag.ingest.digest import source_digest
from grammar_rag.types import IngestedGrammar

logger = logging.getLogger(__name__)

__all__ = [
    "INGESTERS",
    "ChunkingConfig",
    "IngestError",
    "Ingester",
    "Unit",
    "detect_format",
    "ingest_path",
    "make_passages",
    "normalise_text",
    "passage_id",
]


def ingest_path(
    path: str | os.PathLike[str],
    *,
    format: str | None = None,
    chunking: ChunkingConfig = DEFAULT_CHUNKING,
    metadata: dict[str, object] | None = None,
    on_error: Callable[[Path, IngestError], None] | None = None,
) -> list[IngestedGrammar]:
    """Ingest one source. ``format=None`` detects it (see :func:`detect_format`).

    Returns one :class:`IngestedGrammar` per grammar found (a paragraph-CSV tree yields many).
    ``metadata`` overrides guessed :class:`~grammar_rag.types.Grammar` fields (id, language,
    iso639_3, glottocode, title, author, year, license). An unreadable source raises
    :class:`IngestError`; in a folder of separate grammar files one unreadable file fails the whole
    folder. With ``on_error`` every unreadable source (the one given, or a file inside such a folder)
    is handed to it and skipped instead: a shelf of 100 PDFs with one corrupt scan yields 99 grammars.
    """
    try:
        return _ingest_source(Path(path), format, chunking, metadata, on_error)
    except IngestError as exc:
        if on_error is None:
            raise
        on_error(Path(path), exc)
        return []


def _ingest_source(
    path: Path,
    format: str | None,
    chunking: ChunkingConfig,
    metadata: dict[str, object] | None,
    on_error: Callable[[Path, IngestError], None] | None,
) -> list[IngestedGrammar]:
    if not path.exists():
        raise IngestError(f"{path}: no such file or directory.")
    if not path.is_dir() and not path.is_file():  # /dev/zero, a pipe: endless input, MemoryError
        raise IngestError(f"{path} is not a regular file (a device, pipe or socket): pass a grammar file.")
    if format is None and path.is_dir():
        try:
            fmt = detect_format(path)
        except IngestError:
            files = sorted(f for f in path.iterdir() if f.is_file() and f.suffix.lower() in FILE_SUFFIXES)
            if not files:
                raise
            return _ingest_files(path, files, chunking, metadata, on_error)
    else:
        fmt = format or detect_format(path)
    if fmt not in INGESTERS.names():
        raise IngestError(f"{path}: unknown format {fmt!r}; available: {', '.join(INGESTERS.names())}.")
    ingester = INGESTERS.create(fmt)
    started = time.perf_counter()
    result = ingester(path, chunking=chunking, metadata=metadata)
    if len(result) == 1 and not result[0].grammar.source_sha256:  # one book from this source
        result = [IngestedGrammar(replace(result[0].grammar, source_sha256=source_digest(path)), result[0].passages)]
    logger.info(
        "ingested %s as %s: %d grammar(s), %d passages in %.2fs",
        path,
        fmt,
        len(result),
        sum(len(g.passages) for g in result),
        time.perf_counter() - started,
    )
    return result


def _ingest_files(
    folder: Path,
    files: list[Path],
    chunking: ChunkingConfig,
    metadata: dict[str, object] | None,
    on_error: Callable[[Path, IngestError], None] | None,
) -> list[IngestedGrammar]:
    """A folder of separate grammar files (PDFs, text...): one grammar per file, all or nothing
    unless ``on_error`` takes the unreadable ones."""
    if metadata and "id" in metadata and len(files) > 1:
        raise IngestError(f"{folder}: holds {len(files)} grammar files; metadata 'id' can only name one.")
    out: list[IngestedGrammar] = []
    seen: dict[str, Path] = {}
    for file in files:
        for ingested in ingest_path(file, chunking=chunking, metadata=metadata, on_error=on_error):
            gid = ingested.grammar.id
            if gid in seen:
                raise IngestError(f"{file}: grammar id '{gid}' already used by {seen[gid]}; rename one file.")
            seen[gid] = file
            out.append(ingested)
    return out

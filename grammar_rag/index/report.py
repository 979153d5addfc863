"""Reporting on an index directory: what it holds (``info``), how big it is, whether its files are intact.

Why apart from the store: these answer ``grammar-rag info`` / ``verify`` from the manifest and the
files on disk alone; they never need a loaded shard, so they sit beside storage, not inside it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from grammar_rag.index.lock import is_bookkeeping
from grammar_rag.index.manifest import check_files


def size_bytes(directory: Path) -> int:
    """Bytes of index content (not the lock file, nor staging folders of a write in progress)."""
    return sum(p.stat().st_size for p in directory.rglob("*")
               if p.is_file() and not is_bookkeeping(p.relative_to(directory).parts))


def num_passages(manifest: dict[str, Any]) -> int:
    """Passages over all grammars, as the manifest records them."""
    return sum(int(e["passages"]) for e in manifest["grammars"])


def index_info(directory: Path, manifest: dict[str, Any]) -> dict[str, Any]:
    """The summary ``grammar-rag info`` prints: models, tokenizer, counts, size, dates, versions."""
    m = manifest
    return {
        "index": str(directory),
        "format_version": m["format_version"],
        "embedding": m["embedding"],
        "tokenizer": m["tokenizer"],
        "bm25": m["bm25"],
        "grammars": len(m["grammars"]),
        "passages": num_passages(m),
        "segments": len(m["segments"]),
        "bytes": size_bytes(directory),
        "created": m["created"],
        "updated": m["updated"],
        "versions": m.get("versions", {}),
    }


def verify_files(directory: Path, manifest: dict[str, Any]) -> Iterator[str]:
    """Check every shard file's size and sha256 against the manifest (raises IndexStoreError).

    Yields each shard directory once it has passed, so a caller can skip checking it again at
    load even when a later shard fails.
    """
    for entry in manifest["grammars"] + manifest["segments"]:
        check_files(directory, entry["dir"], entry["files"], checksum=True)
        yield entry["dir"]

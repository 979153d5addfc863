"""``GrammarIndex``: a persistent, incrementally extensible BM25 + dense index of grammar passages.

On-disk layout (one directory)::

    manifest.json                  # written last, atomically: model, tokenizer, versions, shards + checksums
    grammars/<grammar>/            # one shard per grammar, never touched when others are added
        grammar.json  passages.jsonl  embeddings.npy  bm25/   # bm25/ = that grammar's own BM25
    segments/seg-000001/           # whole-corpus BM25 over the grammars added by one add_many() call
        segment.json  bm25/

Why this shape: bm25s cannot add documents, so whole-corpus BM25 is a list of immutable segments
whose hits are merged (``compact()`` rebuilds one segment with exact global statistics), and
grammar-restricted BM25 uses the grammar's own statistics, exactly as the paper ran BM25 per
grammar. Dense search builds a FAISS flat index from the stored embeddings at first use.

Every write goes to temp directories which are renamed into place; the manifest is replaced last.
An error before that (bad input, embedding failure, full disk) leaves the index exactly as it
was; files that disagree with the manifest are refused with a message saying how to repair.
"""

from __future__ import annotations

import contextlib
import difflib
import hashlib
import json
import logging
import re
import shutil
import sys
import threading
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from grammar_rag.errors import IndexStoreError
from grammar_rag.index.bm25 import BM25Params, BM25Shard
from grammar_rag.index.dense import DenseIndex
from grammar_rag.index.embed import Embedder, canonical_name, get_embedder
from grammar_rag.index.fusion import FUSERS
from grammar_rag.index.manifest import (
    MANIFEST_NAME,
    check_files,
    describe_files,
    new_manifest,
    now_iso,
    read_manifest,
    write_manifest,
)
from grammar_rag.text.tokens import Tokenizer, TokenizerConfig
from grammar_rag.types import Grammar, Passage, ScoredPassage

log = logging.getLogger(__name__)

Mode = Literal["bm25", "dense", "hybrid"]
MODES = ("bm25", "dense", "hybrid")
Key = tuple[str, int]  # (grammar id, position of the passage in that grammar's shard)


class GrammarNotFoundError(IndexStoreError, KeyError):
    """No grammar in the index matches an id / language name / ISO code / Glottocode."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "grammar not found"


@dataclass
class RetrievalResults:
    """Ranked passages for one query, with what produced them."""

    query: str
    mode: str
    passages: list[ScoredPassage] = field(default_factory=list)
    grammar_id: str | None = None
    k: int = 10
    fusion: str | None = None
    elapsed_ms: float = 0.0

    def __iter__(self) -> Iterator[ScoredPassage]:
        return iter(self.passages)

    def __len__(self) -> int:
        return len(self.passages)

    def __getitem__(self, i: int) -> ScoredPassage:
        return self.passages[i]

    @property
    def passage_ids(self) -> list[str]:
        return [sp.passage.passage_id for sp in self.passages]


def _slug(grammar_id: str) -> str:
    """A directory name for a grammar id; ids that are not already safe get a short hash suffix."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", grammar_id).strip("._-")[:100] or "grammar"
    if safe != grammar_id:
        safe += "-" + hashlib.sha1(grammar_id.encode("utf-8")).hexdigest()[:8]
    return safe


def _progress_default(show: bool | None) -> bool:
    return sys.stderr.isatty() if show is None else show


@dataclass
class _Segment:
    shard: BM25Shard
    grammar_ids: list[str]  # owner grammar of each document, by position
    local: np.ndarray  # position of each document inside its grammar
    live: np.ndarray | None = None  # cached mask; recomputed when the manifest changes


class GrammarIndex:
    """A directory of indexed grammars; see the module docstring for the layout and guarantees."""

    def __init__(self, directory: Path, manifest: dict[str, Any]) -> None:
        self.directory = directory
        self._manifest = manifest
        self.tokenizer = Tokenizer(TokenizerConfig.from_dict(manifest["tokenizer"]))
        self.bm25_params = BM25Params.from_dict(manifest["bm25"])
        self._embedder: Embedder | None = None
        # one lock for lazy loads and writes: a server may query from several threads
        self._lock = threading.RLock()
        self._reset_caches()

    def __repr__(self) -> str:
        return (f"GrammarIndex({str(self.directory)!r}, grammars={len(self._entries)}, "
                f"passages={self.num_passages}, model={self.embedding_model!r})")

    # ------------------------------------------------------------------ construction
    @classmethod
    def create(
        cls,
        directory: str | Path,
        embedding_model: str | None = None,
        *,
        tokenizer: TokenizerConfig | None = None,
        bm25: BM25Params | None = None,
        embedding_dtype: Literal["float32", "float16"] = "float32",
        exist_ok: bool = False,
        embedder: Embedder | None = None,
    ) -> GrammarIndex:
        """Create an empty index in ``directory`` (must be absent or empty).

        Loads the embedding model once to record its dimension, so a bad ``embedding_model`` fails
        here rather than after ingestion. With ``exist_ok`` an existing index is opened instead
        (and refused if it was built with another model). ``embedder`` injects an already-loaded
        model instance (e.g. on a chosen device); its ``name`` is what the manifest records.
        """
        directory = Path(directory).expanduser().resolve()
        if (directory / MANIFEST_NAME).exists():
            if exist_ok:
                return cls.open(directory, embedding_model, embedder=embedder)
            raise IndexStoreError(f"An index already exists at {directory}; open it instead (or choose another --index).")
        if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
            raise IndexStoreError(
                f"{directory} exists and is not an empty directory; refusing to create an index there "
                "(choose a new --index directory)."
            )
        if embedding_dtype not in ("float32", "float16"):
            raise IndexStoreError(f"embedding_dtype must be float32 or float16, not {embedding_dtype!r}")
        if embedder is None:
            embedder = get_embedder(embedding_model)
        manifest = new_manifest(
            embedding={
                "model": canonical_name(embedding_model or getattr(embedder, "name", None)),
                "dim": int(embedder.dim),
                "normalized": True,
                "metric": "inner_product",
                "dtype": embedding_dtype,
                "precision_at_build": getattr(embedder, "precision", None),
            },
            tokenizer=(tokenizer or TokenizerConfig()).to_dict(),
            bm25=(bm25 or BM25Params()).to_dict(),
        )
        directory.mkdir(parents=True, exist_ok=True)
        write_manifest(directory, manifest)
        index = cls(directory, manifest)
        index._embedder = embedder
        return index

    @classmethod
    def open(cls, directory: str | Path, embedding_model: str | None = None, *, verify: bool = False,
             embedder: Embedder | None = None) -> GrammarIndex:
        """Open an existing index; refuse a damaged one or one built with another embedding model.

        File sizes are always checked (cheap); ``verify=True`` also checks every sha256 now
        (otherwise each shard's checksums are checked when it is first loaded).
        """
        directory = Path(directory).expanduser().resolve()
        manifest = read_manifest(directory)
        stored = manifest["embedding"]["model"]
        if embedding_model is None and embedder is not None:
            embedding_model = embedder.name
        if embedding_model is not None and canonical_name(embedding_model) != stored:
            raise IndexStoreError(
                f"Index {directory} was built with embedding model '{stored}', not "
                f"'{canonical_name(embedding_model)}': pass --model {stored} (or omit --model), or rebuild "
                "the index into a new directory with the model you want."
            )
        for entry in manifest["grammars"] + manifest["segments"]:
            check_files(directory, entry["dir"], entry["files"], checksum=verify)
        if embedder is not None and int(embedder.dim) != int(manifest["embedding"]["dim"]):
            raise IndexStoreError(
                f"Embedder '{embedder.name}' gives {embedder.dim}-d vectors; {directory} stores "
                f"{manifest['embedding']['dim']}-d ones."
            )
        index = cls(directory, manifest)
        index._embedder = embedder
        if verify:
            index._verified.update(e["dir"] for e in manifest["grammars"] + manifest["segments"])
        return index

    @classmethod
    def open_or_create(cls, directory: str | Path, embedding_model: str | None = None) -> GrammarIndex:
        directory = Path(directory).expanduser().resolve()
        if (directory / MANIFEST_NAME).exists():
            return cls.open(directory, embedding_model)
        return cls.create(directory, embedding_model)

    def _reset_caches(self) -> None:
        self._entries = {e["id"]: e for e in self._manifest["grammars"]}
        self._grammars = {gid: Grammar.from_dict(e["grammar"]) for gid, e in self._entries.items()}
        self._passage_cache: dict[str, list[Passage]] = getattr(self, "_passage_cache", {})
        self._grammar_bm25: dict[str, BM25Shard] = getattr(self, "_grammar_bm25", {})
        self._segments: dict[str, _Segment] = getattr(self, "_segments", {})
        self._verified: set[str] = getattr(self, "_verified", set())
        # drop caches of shards that are gone or were replaced (same id, new directory)
        live_dirs = {e["dir"] for e in self._manifest["grammars"] + self._manifest["segments"]}
        self._verified &= live_dirs
        for gid in list(self._passage_cache):
            if gid not in self._entries or self._entries[gid]["dir"] not in self._verified:
                self._passage_cache.pop(gid, None)
        for gid in list(self._grammar_bm25):
            if gid not in self._entries or self._entries[gid]["dir"] not in self._verified:
                self._grammar_bm25.pop(gid, None)
        seg_ids = {s["id"] for s in self._manifest["segments"]}
        for sid in list(self._segments):
            if sid in seg_ids:
                self._segments[sid].live = None
            else:
                del self._segments[sid]
        self._dense: DenseIndex | None = None
        self._dense_starts: np.ndarray | None = None
        self._dense_ids: list[str] = []
        self._pid_lookup: dict[str, Key] | None = None

    # ------------------------------------------------------------------ metadata
    @property
    def manifest(self) -> dict[str, Any]:
        return json.loads(json.dumps(self._manifest))  # a copy: callers cannot corrupt our state

    @property
    def embedding_model(self) -> str:
        return str(self._manifest["embedding"]["model"])

    @property
    def dim(self) -> int:
        return int(self._manifest["embedding"]["dim"])

    @property
    def embedder(self) -> Embedder:
        """The index's embedding model (loaded on first use; BM25-only work never loads it)."""
        if self._embedder is None:
            self._embedder = get_embedder(self.embedding_model)
            if int(self._embedder.dim) != self.dim:
                raise IndexStoreError(
                    f"Embedding model '{self.embedding_model}' now gives {self._embedder.dim}-d vectors but "
                    f"{self.directory} stores {self.dim}-d ones; rebuild the index."
                )
        return self._embedder

    @property
    def num_passages(self) -> int:
        return sum(int(e["passages"]) for e in self._manifest["grammars"])

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, grammar_id: object) -> bool:
        return grammar_id in self._entries

    def passage_count(self, grammar_id: str | Grammar) -> int:
        return int(self._entries[self.get_grammar(grammar_id).id]["passages"])

    def grammars(self) -> list[Grammar]:
        return list(self._grammars.values())

    def get_grammar(self, key: str | Grammar) -> Grammar:
        """Resolve a grammar id, language name, ISO 639-3 code or Glottocode to one grammar."""
        if isinstance(key, Grammar):
            key = key.id
        if key in self._grammars:
            return self._grammars[key]
        low = key.strip().casefold()
        by_id = [g for g in self._grammars.values() if g.id.casefold() == low]
        if len(by_id) == 1:
            return by_id[0]
        matches = [
            g
            for g in self._grammars.values()
            if low in {(g.iso639_3 or "").casefold(), (g.glottocode or "").casefold(), g.language.strip().casefold()}
        ]
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            ids = ", ".join(g.id for g in matches)
            raise GrammarNotFoundError(f"'{key}' matches several grammars in {self.directory}: {ids}; pass one id.")
        names = [g.id for g in self._grammars.values()] + [g.language for g in self._grammars.values() if g.language]
        close = difflib.get_close_matches(key, names, n=3, cutoff=0.6)
        hint = f" Did you mean: {', '.join(close)}?" if close else ""
        raise GrammarNotFoundError(
            f"No grammar '{key}' in index {self.directory} (searched ids, language names, ISO 639-3 codes, "
            f"Glottocodes; {len(self._grammars)} grammars; `grammar-rag info --index {self.directory}` lists them).{hint}"
        )

    # ------------------------------------------------------------------ lazy loading
    def _verify_shard(self, rel_dir: str, files: dict[str, Any]) -> None:
        if rel_dir not in self._verified:
            check_files(self.directory, rel_dir, files, checksum=True)
            self._verified.add(rel_dir)

    def passages(self, grammar_id: str | Grammar) -> list[Passage]:
        """All passages of one grammar in reading order (accepts anything get_grammar accepts)."""
        gid = self.get_grammar(grammar_id).id
        cached = self._passage_cache.get(gid)
        if cached is not None:
            return cached
        with self._lock:
            return self._load_passages(gid)

    def _load_passages(self, gid: str) -> list[Passage]:
        cached = self._passage_cache.get(gid)
        if cached is None:
            entry = self._entries[gid]
            self._verify_shard(entry["dir"], entry["files"])
            path = self.directory / entry["dir"] / "passages.jsonl"
            with open(path, encoding="utf-8") as fh:
                cached = [Passage.from_dict(json.loads(line)) for line in fh if line.strip()]
            if len(cached) != int(entry["passages"]):
                raise IndexStoreError(f"{path} holds {len(cached)} passages, the manifest says {entry['passages']}.")
            self._passage_cache[gid] = cached
        return cached

    def get_passage(self, passage_id: str, grammar: str | Grammar | None = None) -> Passage:
        """Look a passage up by its stable id (optionally within one grammar)."""
        if grammar is not None:
            for p in self.passages(grammar):
                if p.passage_id == passage_id:
                    return p
        else:
            if self._pid_lookup is None:
                self._pid_lookup = {
                    p.passage_id: (gid, i) for gid in self._entries for i, p in enumerate(self.passages(gid))
                }
            key = self._pid_lookup.get(passage_id)
            if key is not None:
                return self.passages(key[0])[key[1]]
        raise KeyError(f"No passage '{passage_id}' in index {self.directory}")

    def _bm25_of(self, gid: str) -> BM25Shard:
        shard = self._grammar_bm25.get(gid)
        if shard is not None:
            return shard
        with self._lock:
            return self._load_bm25(gid)

    def _load_bm25(self, gid: str) -> BM25Shard:
        shard = self._grammar_bm25.get(gid)
        if shard is None:
            entry = self._entries[gid]
            self._verify_shard(entry["dir"], entry["files"])
            shard = BM25Shard.load(self.directory / entry["dir"] / "bm25")
            self._grammar_bm25[gid] = shard
        return shard

    def _segment(self, seg: dict[str, Any]) -> _Segment:
        loaded = self._segments.get(seg["id"])
        if loaded is not None and loaded.live is not None:
            return loaded
        with self._lock:
            return self._load_segment(seg)

    def _load_segment(self, seg: dict[str, Any]) -> _Segment:
        loaded = self._segments.get(seg["id"])
        if loaded is None:
            self._verify_shard(seg["dir"], seg["files"])
            shard = BM25Shard.load(self.directory / seg["dir"] / "bm25")
            owners: list[str] = []
            local: list[np.ndarray] = []
            for gid, n in seg["grammars"]:
                owners.extend([gid] * int(n))
                local.append(np.arange(int(n)))
            loaded = _Segment(shard, owners, np.concatenate(local) if local else np.zeros(0, dtype=np.int64))
            self._segments[seg["id"]] = loaded
        if loaded.live is None:
            live_here = {gid for gid, e in self._entries.items() if e["segment"] == seg["id"]}
            loaded.live = np.fromiter((g in live_here for g in loaded.grammar_ids), dtype=bool, count=len(loaded.grammar_ids))
        return loaded

    def _dense_index(self) -> DenseIndex:
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
            for gid, entry in self._entries.items():
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

    def load_all(self) -> GrammarIndex:
        """Load every shard now (servers and benchmarks: first queries then pay no loading cost)."""
        for gid in self._entries:
            self.passages(gid)
            self._bm25_of(gid)
        for seg in self._manifest["segments"]:
            self._segment(seg)
        self._dense_index()
        return self

    def verify(self) -> None:
        """Check every file's size and sha256 against the manifest (raises IndexStoreError)."""
        for entry in self._manifest["grammars"] + self._manifest["segments"]:
            check_files(self.directory, entry["dir"], entry["files"], checksum=True)
            self._verified.add(entry["dir"])

    # ------------------------------------------------------------------ writing
    def add(self, grammar: Grammar, passages: Sequence[Passage], *, replace: bool = False,
            show_progress: bool | None = None) -> None:
        """Add one grammar (a new small BM25 segment; no other shard is touched)."""
        from grammar_rag.ingest.base import IngestedGrammar

        self.add_many([IngestedGrammar(grammar, list(passages))], replace=replace, show_progress=show_progress)

    def add_many(
        self,
        items: Iterable[Any],
        *,
        replace: bool = False,
        skip_existing: bool = False,
        show_progress: bool | None = None,
        batch_size: int = 64,
    ) -> list[str]:
        """Add grammars (``IngestedGrammar``-like: ``.grammar`` + ``.passages``) as one segment.

        Grammars already in the index are refused unless ``replace`` (re-index them) or
        ``skip_existing`` (leave them; makes an interrupted batch resumable). Returns the ids
        added. Nothing on disk changes until everything is computed, and the manifest is swapped
        last, so any error leaves the index as it was. Progress bars show when stderr is a
        terminal, or when ``show_progress=True``.
        """
        with self._lock:
            return self._add_many(items, replace=replace, skip_existing=skip_existing,
                                  show_progress=show_progress, batch_size=batch_size)

    def _add_many(self, items: Iterable[Any], *, replace: bool, skip_existing: bool,
                  show_progress: bool | None, batch_size: int) -> list[str]:
        show = _progress_default(show_progress)
        batch = [(it.grammar, list(it.passages)) for it in items]
        batch = self._validate_batch(batch, replace=replace, skip_existing=skip_existing)
        if not batch:
            return []
        from tqdm.auto import tqdm

        all_passages = [p for _, ps in batch for p in ps]
        tokens = [self.tokenizer(p.text) for p in tqdm(all_passages, desc="tokenising", unit="passage", disable=not show)]
        vectors = self.embedder.encode(
            [p.text for p in all_passages], is_query=False, batch_size=batch_size, show_progress=show
        )
        if vectors.shape != (len(all_passages), self.dim):
            raise IndexStoreError(f"Embedder returned shape {vectors.shape}, expected ({len(all_passages)}, {self.dim}).")
        dtype = np.float16 if self._manifest["embedding"].get("dtype") == "float16" else np.float32

        manifest = json.loads(json.dumps(self._manifest))
        seg_id = f"seg-{int(manifest.get('next_segment', 1)):06d}"
        manifest["next_segment"] = int(manifest.get("next_segment", 1)) + 1
        staged: list[tuple[Path, Path]] = []  # (temp dir, final dir)
        try:
            offset = 0
            entries: list[dict[str, Any]] = []
            for grammar, passages in tqdm(batch, desc="writing shards", unit="grammar", disable=not show):
                n = len(passages)
                rel = f"grammars/{_slug(grammar.id)}"
                tmp = self._write_grammar_shard(
                    grammar, passages, vectors[offset : offset + n].astype(dtype), tokens[offset : offset + n]
                )
                offset += n
                staged.append((tmp, self.directory / rel))
                entries.append({
                    "id": grammar.id, "dir": rel, "passages": n, "segment": seg_id,
                    "grammar": grammar.to_dict(), "files": describe_files(tmp), "added": now_iso(),
                })
            seg_rel = f"segments/{seg_id}"
            seg_grammars = [[g.id, len(ps)] for g, ps in batch]
            seg_tmp = self._write_segment(seg_id, seg_grammars, tokens)
            staged.append((seg_tmp, self.directory / seg_rel))
            segment = {"id": seg_id, "dir": seg_rel, "grammars": seg_grammars, "passages": len(tokens),
                       "files": describe_files(seg_tmp), "created": now_iso()}
            new_ids = {e["id"] for e in entries}
            manifest["grammars"] = [e for e in manifest["grammars"] if e["id"] not in new_ids] + entries
            manifest["segments"] = [*manifest["segments"], segment]
            manifest["segments"] = self._prune_segments(manifest)
            self._commit(manifest, staged)
        finally:
            for tmp, _ in staged:
                if tmp.exists():
                    shutil.rmtree(tmp, ignore_errors=True)
        if len(self._manifest["segments"]) > 16:
            log.info("index has %d BM25 segments; GrammarIndex.compact() merges them", len(self._manifest["segments"]))
        return [g.id for g, _ in batch]

    def _validate_batch(self, batch: list[tuple[Grammar, list[Passage]]], *, replace: bool,
                        skip_existing: bool) -> list[tuple[Grammar, list[Passage]]]:
        seen: set[str] = set()
        out: list[tuple[Grammar, list[Passage]]] = []
        for grammar, passages in batch:
            if not isinstance(grammar, Grammar) or not grammar.id:
                raise IndexStoreError(f"Not a Grammar with an id: {grammar!r}")
            if grammar.id in seen:
                raise IndexStoreError(f"Grammar '{grammar.id}' appears twice in one batch; merge its passages first.")
            seen.add(grammar.id)
            if grammar.id in self._entries and not replace:
                if skip_existing:
                    log.info("skipping %s: already in the index", grammar.id)
                    continue
                raise IndexStoreError(
                    f"Grammar '{grammar.id}' is already in index {self.directory}; use --replace to re-index it "
                    "or --skip-existing to keep it."
                )
            if not passages:
                raise IndexStoreError(
                    f"Grammar '{grammar.id}' has no passages to index (source {grammar.source_path or '?'})."
                )
            ids: set[str] = set()
            for p in passages:
                if p.grammar_id != grammar.id:
                    raise IndexStoreError(
                        f"Passage {p.passage_id} belongs to grammar '{p.grammar_id}', not '{grammar.id}'."
                    )
                if p.passage_id in ids:
                    raise IndexStoreError(f"Duplicate passage id '{p.passage_id}' in grammar '{grammar.id}'.")
                ids.add(p.passage_id)
            out.append((grammar, passages))
        return out

    def _staging_dir(self, parent: str, name: str) -> Path:
        tmp = self.directory / parent / f".tmp-{name}-{uuid.uuid4().hex[:8]}"
        tmp.mkdir(parents=True)
        return tmp

    def _write_grammar_shard(self, grammar: Grammar, passages: list[Passage], vectors: np.ndarray,
                             tokens: list[list[str]]) -> Path:
        tmp = self._staging_dir("grammars", _slug(grammar.id))
        (tmp / "grammar.json").write_text(json.dumps(grammar.to_dict(), ensure_ascii=False, indent=1), encoding="utf-8")
        with open(tmp / "passages.jsonl", "w", encoding="utf-8") as fh:
            for p in passages:
                fh.write(json.dumps(p.to_dict(), ensure_ascii=False) + "\n")
        np.save(tmp / "embeddings.npy", np.ascontiguousarray(vectors), allow_pickle=False)
        BM25Shard.build(tokens, self.bm25_params).save(tmp / "bm25")
        return tmp

    def _write_segment(self, seg_id: str, grammars: list[list[Any]], tokens: list[list[str]]) -> Path:
        tmp = self._staging_dir("segments", seg_id)
        (tmp / "segment.json").write_text(json.dumps({"id": seg_id, "grammars": grammars}, ensure_ascii=False),
                                          encoding="utf-8")
        BM25Shard.build(tokens, self.bm25_params).save(tmp / "bm25")
        return tmp

    @staticmethod
    def _prune_segments(manifest: dict[str, Any]) -> list[dict[str, Any]]:
        """Drop segments none of whose grammars still point at them."""
        used = {e["segment"] for e in manifest["grammars"]}
        return [s for s in manifest["segments"] if s["id"] in used]

    def _commit(self, manifest: dict[str, Any], staged: list[tuple[Path, Path]]) -> None:
        """Move staged dirs into place, swap the manifest, then delete what it no longer names."""
        trash = self.directory / f".trash-{uuid.uuid4().hex[:8]}"
        moved_old: list[tuple[Path, Path]] = []
        moved_new: list[Path] = []
        try:
            for tmp, final in staged:
                if final.exists():  # the shard being replaced, or an orphan of an interrupted write
                    trash.mkdir(exist_ok=True)
                    parked = trash / f"{len(moved_old)}-{final.name}"
                    final.rename(parked)
                    moved_old.append((parked, final))
                final.parent.mkdir(parents=True, exist_ok=True)
                tmp.rename(final)
                moved_new.append(final)
            write_manifest(self.directory, manifest)
        except BaseException:
            for final in moved_new:
                shutil.rmtree(final, ignore_errors=True)
            for parked, final in moved_old:
                with contextlib.suppress(OSError):
                    parked.rename(final)
            shutil.rmtree(trash, ignore_errors=True)
            raise
        old_dirs = {e["dir"] for e in self._manifest["grammars"] + self._manifest["segments"]}
        new_dirs = {e["dir"] for e in manifest["grammars"] + manifest["segments"]}
        for rel in old_dirs - new_dirs:
            shutil.rmtree(self.directory / rel, ignore_errors=True)
        shutil.rmtree(trash, ignore_errors=True)
        replaced = {str(final.relative_to(self.directory)) for _, final in moved_old}
        self._verified -= replaced
        self._manifest = manifest
        self._reset_caches()

    def remove(self, grammar_id: str | Grammar) -> None:
        """Remove one grammar (its shard is deleted; segments are masked, compacted by ``compact``)."""
        gid = self.get_grammar(grammar_id).id
        with self._lock:
            manifest = json.loads(json.dumps(self._manifest))
            manifest["grammars"] = [e for e in manifest["grammars"] if e["id"] != gid]
            manifest["segments"] = self._prune_segments(manifest)
            self._commit(manifest, [])

    def compact(self, show_progress: bool | None = None) -> None:
        """Merge all BM25 segments into one (exact whole-corpus statistics; grammar shards untouched)."""
        with self._lock:
            self._compact(show_progress)

    def _compact(self, show_progress: bool | None) -> None:
        if len(self._manifest["segments"]) <= 1 and not any(
            len(s["grammars"]) != sum(1 for e in self._manifest["grammars"] if e["segment"] == s["id"])
            for s in self._manifest["segments"]
        ):
            return
        show = _progress_default(show_progress)
        from tqdm.auto import tqdm

        manifest = json.loads(json.dumps(self._manifest))
        seg_id = f"seg-{int(manifest.get('next_segment', 1)):06d}"
        manifest["next_segment"] = int(manifest.get("next_segment", 1)) + 1
        tokens: list[list[str]] = []
        grammars: list[list[Any]] = []
        for gid in tqdm(list(self._entries), desc="compacting", unit="grammar", disable=not show):
            passages = self.passages(gid)
            tokens.extend(self.tokenizer(p.text) for p in passages)
            grammars.append([gid, len(passages)])
        staged: list[tuple[Path, Path]] = []
        try:
            tmp = self._write_segment(seg_id, grammars, tokens)
            staged.append((tmp, self.directory / "segments" / seg_id))
            manifest["segments"] = [{"id": seg_id, "dir": f"segments/{seg_id}", "grammars": grammars,
                                     "passages": len(tokens), "files": describe_files(tmp), "created": now_iso()}]
            for e in manifest["grammars"]:
                e["segment"] = seg_id
            self._commit(manifest, staged)
        finally:
            for tmp, _ in staged:
                if tmp.exists():
                    shutil.rmtree(tmp, ignore_errors=True)

    # ------------------------------------------------------------------ retrieval
    def _bm25_keys(self, query: str, gid: str | None, k: int) -> list[tuple[Key, float]]:
        tokens = self.tokenizer(query)
        if gid is not None:
            idx, scores = self._bm25_of(gid).top_k(tokens, k)
            return [((gid, int(i)), float(s)) for i, s in zip(idx, scores, strict=True)]
        hits: list[tuple[Key, float]] = []
        for seg in self._manifest["segments"]:
            loaded = self._segment(seg)
            live = loaded.live if loaded.live is not None and not loaded.live.all() else None
            idx, scores = loaded.shard.top_k(tokens, k, mask=live)
            hits.extend(((loaded.grammar_ids[i], int(loaded.local[i])), float(s)) for i, s in zip(idx, scores, strict=True))
        hits.sort(key=lambda h: -h[1])
        return hits[:k]

    def bm25_scores(self, query: str, grammar: str | Grammar) -> np.ndarray:
        """BM25 score of every passage of one grammar (aligned with ``passages(grammar)``).

        For rerankers/classifiers that want lexical evidence for all passages, not only the top k.
        """
        return self._bm25_of(self.get_grammar(grammar).id).scores(self.tokenizer(query))

    def _dense_keys(self, query: str, gid: str | None, k: int) -> list[tuple[Key, float]]:
        dense = self._dense_index()
        assert self._dense_starts is not None
        qvec = self.embedder.encode([query], is_query=True)[0]
        id_range = None
        if gid is not None:
            pos = self._dense_ids.index(gid)
            start = int(self._dense_starts[pos])
            id_range = (start, start + int(self._entries[gid]["passages"]))
        ids, scores = dense.search(qvec, k, id_range=id_range)
        out: list[tuple[Key, float]] = []
        for i, s in zip(ids, scores, strict=True):
            pos = int(np.searchsorted(self._dense_starts, i, side="right") - 1)
            out.append(((self._dense_ids[pos], int(i - self._dense_starts[pos])), float(s)))
        return out

    def retrieve(
        self,
        query: str,
        grammar: str | Grammar | None = None,
        k: int = 10,
        mode: Mode = "bm25",
        fusion: Literal["rrf", "weighted"] = "rrf",
        *,
        weights: Sequence[float] | None = None,
        depth: int | None = None,
    ) -> RetrievalResults:
        """Rank passages for ``query`` over the whole index or within one grammar/language.

        ``hybrid`` takes the top ``depth`` (default ``max(50, 5k)``) of BM25 and dense and fuses
        them with ``fusion`` (``weights`` = [bm25, dense], default equal). Scores are BM25 scores,
        cosine similarities, or the fused score respectively.
        """
        if mode not in MODES:
            raise IndexStoreError(f"Unknown retrieval mode '{mode}': choose one of {', '.join(MODES)}.")
        if fusion not in FUSERS:
            raise IndexStoreError(f"Unknown fusion '{fusion}': choose one of {', '.join(FUSERS)}.")
        started = time.perf_counter()
        gid = self.get_grammar(grammar).id if grammar is not None else None
        k = max(int(k), 0)
        if not self._entries or k == 0:
            ranked: list[tuple[Key, float]] = []
        elif mode == "bm25":
            ranked = self._bm25_keys(query, gid, k)
        elif mode == "dense":
            ranked = self._dense_keys(query, gid, k)
        else:
            pool = depth or max(50, 5 * k)
            lists = [self._bm25_keys(query, gid, pool), self._dense_keys(query, gid, pool)]
            ranked = FUSERS[fusion](lists, weights=weights)[:k]
        passages = [
            ScoredPassage(passage=self.passages(g)[i], score=score, rank=rank)
            for rank, ((g, i), score) in enumerate(ranked, start=1)
        ]
        return RetrievalResults(
            query=query, mode=mode, passages=passages, grammar_id=gid, k=k,
            fusion=fusion if mode == "hybrid" else None, elapsed_ms=(time.perf_counter() - started) * 1000.0,
        )

    def as_llamaindex_retriever(self, grammar: str | Grammar | None = None, k: int = 10, mode: Mode = "hybrid",
                                fusion: Literal["rrf", "weighted"] = "rrf") -> Any:
        """This index as a llama-index ``BaseRetriever`` (NodeWithScore with provenance metadata)."""
        from grammar_rag.index.llamaindex import GrammarIndexRetriever

        return GrammarIndexRetriever(self, grammar=grammar, k=k, mode=mode, fusion=fusion)

    # ------------------------------------------------------------------ reporting
    def size_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.directory.rglob("*") if p.is_file())

    def info(self) -> dict[str, Any]:
        m = self._manifest
        return {
            "index": str(self.directory),
            "format_version": m["format_version"],
            "embedding": m["embedding"],
            "tokenizer": m["tokenizer"],
            "bm25": m["bm25"],
            "grammars": len(m["grammars"]),
            "passages": self.num_passages,
            "segments": len(m["segments"]),
            "bytes": self.size_bytes(),
            "created": m["created"],
            "updated": m["updated"],
            "versions": m.get("versions", {}),
        }

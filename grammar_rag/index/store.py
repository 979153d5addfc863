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

Every write goes to temp directories which are renamed into place; the manifest is replaced last
(``transaction.py``). An error before that (bad input, embedding failure, full disk) leaves the
index exactly as it was; files that disagree with the manifest are refused with a message saying
how to repair (``shards.py`` checks each shard's checksums when it is first loaded).

``GrammarIndex`` is the read-and-retrieve front over those parts: shard loading and caches
(``shards.py``), writes (``transaction.py``), grammar name resolution (``names.py``) and reporting
(``report.py``) each live in their own module; the llama-index adapter is built from outside
(``GrammarIndexRetriever(index, ...)`` in ``llamaindex.py``).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np

from grammar_rag.errors import IndexStoreError
from grammar_rag.index.bm25 import BM25Params, BM25Shard
from grammar_rag.index.dense import DenseIndex
from grammar_rag.index.embed import Embedder, canonical_name, get_embedder
from grammar_rag.index.embedding_text import EMBEDDING_TEXT
from grammar_rag.index.fusion import FUSERS
from grammar_rag.index.lock import (
    check_no_orphans,
    ensure_writable,
    index_write_lock,
    is_bookkeeping,
    try_clean_on_open,
)
from grammar_rag.index.manifest import MANIFEST_NAME, check_files, new_manifest, read_manifest, write_manifest
from grammar_rag.index.names import resolve_grammar
from grammar_rag.index.report import index_info, num_passages, size_bytes, verify_files
from grammar_rag.index.results import MODES, Mode, RetrievalResults
from grammar_rag.index.shards import Key, ShardCache
from grammar_rag.index.transaction import Commit, IndexWriter
from grammar_rag.text.tokens import Tokenizer, TokenizerConfig
from grammar_rag.types import MATTER_KINDS, Grammar, IngestedGrammar, Passage, ScoredPassage


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
        self._shards = ShardCache(directory, manifest, int(manifest["embedding"]["dim"]), self._lock)
        self._writer = IndexWriter(directory, self.tokenizer, self.bm25_params)
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
        if directory.exists() and not directory.is_dir():
            raise IndexStoreError(f"{directory} is a file, not a directory: choose a new --index directory.")
        with index_write_lock(directory):  # two processes creating one index: the second opens it
            return cls._create_locked(directory, embedding_model, tokenizer=tokenizer, bm25=bm25,
                                      embedding_dtype=embedding_dtype, exist_ok=exist_ok, embedder=embedder)

    @classmethod
    def _create_locked(cls, directory: Path, embedding_model: str | None, *, tokenizer: TokenizerConfig | None,
                       bm25: BM25Params | None, embedding_dtype: Literal["float32", "float16"], exist_ok: bool,
                       embedder: Embedder | None) -> GrammarIndex:
        if (directory / MANIFEST_NAME).exists():
            if exist_ok:
                return cls.open(directory, embedding_model, embedder=embedder)
            raise IndexStoreError(f"An index already exists at {directory}; open it instead (or choose another --index).")
        if directory.exists() and any(not is_bookkeeping((p.name,)) for p in directory.iterdir()):
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
                "runtime_at_build": getattr(embedder, "runtime", None),
                "passage_text": EMBEDDING_TEXT,
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
        try_clean_on_open(directory)
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
        if verify:
            check_no_orphans(directory, manifest)
        if embedder is not None and int(embedder.dim) != int(manifest["embedding"]["dim"]):
            raise IndexStoreError(
                f"Embedder '{embedder.name}' gives {embedder.dim}-d vectors; {directory} stores "
                f"{manifest['embedding']['dim']}-d ones."
            )
        index = cls(directory, manifest)
        index._embedder = embedder
        if verify:
            index._shards.verified.update(e["dir"] for e in manifest["grammars"] + manifest["segments"])
        return index

    @classmethod
    def open_or_create(cls, directory: str | Path, embedding_model: str | None = None) -> GrammarIndex:
        directory = Path(directory).expanduser().resolve()
        if (directory / MANIFEST_NAME).exists():
            return cls.open(directory, embedding_model)
        return cls.create(directory, embedding_model, exist_ok=True)  # exist_ok: a concurrent creator won

    def _reset_caches(self) -> None:
        self._matter: dict[str, int] = {}
        self._shards.reset(self._manifest)
        self._entries = self._shards.entries
        self._grammars = {gid: Grammar.from_dict(e["grammar"]) for gid, e in self._entries.items()}

    def _adopt(self, commit: Commit) -> None:
        """Take the manifest a write committed as this index's state (shards it replaced are re-verified)."""
        self._shards.verified -= commit.replaced
        self._manifest = commit.manifest
        self._reset_caches()

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
        return num_passages(self._manifest)

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
        return resolve_grammar(self._grammars, key, self.directory)

    # ------------------------------------------------------------------ reading
    def passages(self, grammar_id: str | Grammar) -> list[Passage]:
        """All passages of one grammar in reading order (accepts anything get_grammar accepts)."""
        return self._shards.passages(self.get_grammar(grammar_id).id)

    def get_passage(self, passage_id: str, grammar: str | Grammar | None = None) -> Passage:
        """Look a passage up by its stable id (optionally within one grammar)."""
        if grammar is not None:
            for p in self.passages(grammar):
                if p.passage_id == passage_id:
                    return p
        else:
            key = self._shards.passage_key(passage_id)
            if key is not None:
                return self.passages(key[0])[key[1]]
        raise KeyError(f"No passage '{passage_id}' in index {self.directory}")

    def _matter_count(self, gid: str) -> int:
        """Front/back-matter passages of one grammar, counted once per manifest (retrieval over-fetches by it)."""
        if gid not in self._matter:
            self._matter[gid] = sum(1 for p in self.passages(gid) if p.kind in MATTER_KINDS)
        return self._matter[gid]

    def _bm25_of(self, gid: str) -> BM25Shard:
        return self._shards.grammar_bm25(gid)

    def _dense_index(self) -> DenseIndex:
        return self._shards.dense()

    def load_all(self) -> GrammarIndex:
        """Load every shard now (servers and benchmarks: first queries then pay no loading cost)."""
        for gid in self._entries:
            self.passages(gid)
            self._bm25_of(gid)
        for seg in self._manifest["segments"]:
            self._shards.segment(seg)
        self._dense_index()
        return self

    # ------------------------------------------------------------------ writing
    def add(self, grammar: Grammar, passages: Sequence[Passage], *, replace: bool = False,
            show_progress: bool | None = None) -> None:
        """Add one grammar (a new small BM25 segment; no other shard is touched)."""
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
        ensure_writable(self.directory)  # before the embedding work, not after it
        with self._lock:
            prepared = self._writer.prepare(
                self._manifest, items, embedder=lambda: self.embedder, replace=replace,
                skip_existing=skip_existing, show_progress=show_progress, batch_size=batch_size,
            )
            if prepared is None:
                return []
            with index_write_lock(self.directory):  # build on the manifest as it is on disk now, not at open
                self._reload_manifest()
                added, commit = self._writer.commit_prepared(self._manifest, prepared, replace=replace,
                                                             skip_existing=skip_existing)
            if commit is not None:
                self._adopt(commit)
            return added

    def remove(self, grammar_id: str | Grammar) -> None:
        """Remove one grammar (its shard is deleted; segments are masked, compacted by ``compact``)."""
        gid = self.get_grammar(grammar_id).id
        with self._lock, index_write_lock(self.directory):
            self._reload_manifest()
            if gid not in self._entries:
                return  # another process removed it meanwhile
            self._adopt(self._writer.remove(self._manifest, gid))

    def compact(self, show_progress: bool | None = None) -> None:
        """Merge all BM25 segments into one (exact whole-corpus statistics; grammar shards untouched)."""
        with self._lock, index_write_lock(self.directory):
            self._reload_manifest()
            commit = self._writer.compact(self._manifest, self.passages, show_progress)
            if commit is not None:
                self._adopt(commit)

    def _reload_manifest(self) -> None:
        """Adopt the manifest on disk (another process may have committed since this one opened)."""
        fresh = read_manifest(self.directory)
        if fresh != self._manifest:
            if fresh["embedding"]["model"] != self._manifest["embedding"]["model"]:
                raise IndexStoreError(f"Index {self.directory} was rebuilt with another embedding model while "
                                      "this process had it open; run the command again.")
            self._manifest = fresh
            self._reset_caches()

    # ------------------------------------------------------------------ retrieval
    def _bm25_keys(self, query: str, gid: str | None, k: int) -> list[tuple[Key, float]]:
        tokens = self.tokenizer(query)
        if gid is not None:
            idx, scores = self._bm25_of(gid).top_k(tokens, k)
            return [((gid, int(i)), float(s)) for i, s in zip(idx, scores, strict=True)]
        hits: list[tuple[Key, float]] = []
        for seg in self._manifest["segments"]:
            loaded = self._shards.segment(seg)
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
        qvec = self.embedder.encode([query], is_query=True)[0]
        id_range = self._shards.dense_range(gid) if gid is not None else None
        ids, scores = dense.search(qvec, k, id_range=id_range)
        return [(self._shards.dense_key(i), float(s)) for i, s in zip(ids, scores, strict=True)]

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
        include_matter: bool = False,
    ) -> RetrievalResults:
        """Rank passages for ``query`` over the whole index or within one grammar/language.

        Front and back matter (contents, abbreviation lists, references, indexes; see
        ``MATTER_KINDS``) are stored but ranked only with ``include_matter``.

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
        k = want = max(int(k), 0)
        if not include_matter:  # over-fetch by the matter in scope, then drop it
            k += sum(self._matter_count(g) for g in ([gid] if gid else list(self._entries)))
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
        if not include_matter:
            ranked = [(key, score) for key, score in ranked if self.passages(key[0])[key[1]].kind not in MATTER_KINDS]
        passages = [
            ScoredPassage(passage=self.passages(g)[i], score=score, rank=rank)
            for rank, ((g, i), score) in enumerate(ranked[:want], start=1)
        ]
        k = want
        return RetrievalResults(
            query=query, mode=mode, passages=passages, grammar_id=gid, k=k,
            fusion=fusion if mode == "hybrid" else None, elapsed_ms=(time.perf_counter() - started) * 1000.0,
        )

    # ------------------------------------------------------------------ reporting
    def verify(self) -> None:
        """Check every file's size and sha256 against the manifest (raises IndexStoreError)."""
        for rel_dir in verify_files(self.directory, self._manifest):
            self._shards.verified.add(rel_dir)
        check_no_orphans(self.directory, self._manifest)

    def size_bytes(self) -> int:
        return size_bytes(self.directory)

    def info(self) -> dict[str, Any]:
        return index_info(self.directory, self._manifest)

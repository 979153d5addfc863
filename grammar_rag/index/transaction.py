"""The index's crash-safe writes: stage new shard directories, rename them into place, swap the manifest last.

Why a transaction: adding a grammar computes embeddings for minutes, and a machine can fail at any
moment of it. Every write therefore goes to ``.tmp-*`` directories beside their final place; only
once all of them are complete are they renamed into place (an old shard of the same name is
parked in ``.trash-*`` first) and the manifest is replaced atomically. An error before the
manifest swap (bad input, embedding failure, full disk) moves every parked shard back and
deletes the staged ones, so the index is exactly as it was; after it, the directories the new
manifest no longer names are deleted. Readers only ever see the old or the new manifest.

``IndexWriter`` computes and commits; it changes no in-memory state. It returns a
:class:`Commit` (the new manifest and the shard directories it replaced) for the
``GrammarIndex`` to adopt.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import re
import shutil
import sys
import uuid
from collections.abc import Callable, Container, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from grammar_rag.errors import IndexStoreError
from grammar_rag.index.bm25 import BM25Params, BM25Shard
from grammar_rag.index.embed import Embedder
from grammar_rag.index.embedding_text import embedding_text
from grammar_rag.index.manifest import describe_files, now_iso, write_manifest
from grammar_rag.text.tokens import Tokenizer
from grammar_rag.types import Grammar, Passage

log = logging.getLogger(__name__)


def slug(grammar_id: str) -> str:
    """A directory name for a grammar id; ids that are not already safe get a short hash suffix."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", grammar_id).strip("._-")[:100] or "grammar"
    if safe != grammar_id:
        safe += "-" + hashlib.sha1(grammar_id.encode("utf-8")).hexdigest()[:8]
    return safe


def progress_default(show: bool | None) -> bool:
    """Progress bars when asked, else when stderr is a terminal (never in logs or pipes)."""
    return sys.stderr.isatty() if show is None else show


def prune_segments(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    """Drop segments none of whose grammars still point at them."""
    used = {e["segment"] for e in manifest["grammars"]}
    return [s for s in manifest["segments"] if s["id"] in used]


def validate_batch(batch: list[tuple[Grammar, list[Passage]]], existing: Container[str], directory: Path, *,
                   replace: bool, skip_existing: bool) -> list[tuple[Grammar, list[Passage]]]:
    """Refuse a batch that could not be indexed as given, before anything is computed or written.

    Grammars already in ``existing`` are refused unless ``replace`` (kept in the batch) or
    ``skip_existing`` (dropped from it, which makes an interrupted batch resumable).
    """
    seen: set[str] = set()
    out: list[tuple[Grammar, list[Passage]]] = []
    for grammar, passages in batch:
        if not isinstance(grammar, Grammar) or not grammar.id:
            raise IndexStoreError(f"Not a Grammar with an id: {grammar!r}")
        if grammar.id in seen:
            raise IndexStoreError(f"Grammar '{grammar.id}' appears twice in one batch; merge its passages first.")
        seen.add(grammar.id)
        if grammar.id in existing and not replace:
            if skip_existing:
                log.info("skipping %s: already in the index", grammar.id)
                continue
            raise IndexStoreError(
                f"Grammar '{grammar.id}' is already in index {directory}; use --replace to re-index it "
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


@dataclass(frozen=True)
class PreparedBatch:
    """Grammars validated, tokenised and embedded, ready to be written (rows of tokens/vectors in batch order)."""

    batch: list[tuple[Grammar, list[Passage]]]
    tokens: list[list[str]]
    vectors: np.ndarray
    show: bool

    def subset(self, keep: set[str]) -> PreparedBatch:
        """The grammars named in ``keep``, with their rows of tokens and vectors."""
        rows: list[int] = []
        start = 0
        for grammar, passages in self.batch:
            if grammar.id in keep:
                rows.extend(range(start, start + len(passages)))
            start += len(passages)
        return PreparedBatch([b for b in self.batch if b[0].id in keep], [self.tokens[i] for i in rows],
                             self.vectors[rows], self.show)


@dataclass(frozen=True)
class Commit:
    """What a committed write leaves: the manifest now on disk and the shard dirs it replaced in place."""

    manifest: dict[str, Any]
    replaced: frozenset[str] = field(default_factory=frozenset)  # their cached checksums no longer hold


class WriteTransaction:
    """Staged shard directories of one write; ``commit`` puts them in place, leaving the context cleans up.

    Use as a context manager: whatever was staged and not committed (an error anywhere in the
    ``with`` block) is deleted on exit.
    """

    def __init__(self, directory: Path, manifest: dict[str, Any]) -> None:
        self.directory = directory
        self.old_manifest = manifest
        self.staged: list[tuple[Path, Path]] = []  # (temp dir, final dir)

    def __enter__(self) -> WriteTransaction:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        for tmp, _ in self.staged:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)

    def _staging_dir(self, parent: str, name: str) -> Path:
        tmp = self.directory / parent / f".tmp-{name}-{uuid.uuid4().hex[:8]}"
        tmp.mkdir(parents=True)
        return tmp

    def stage_grammar(self, grammar: Grammar, passages: list[Passage], vectors: np.ndarray,
                      tokens: list[list[str]], params: BM25Params) -> Path:
        """Write one grammar's shard (metadata, passages, embeddings, its own BM25) to a temp dir."""
        tmp = self._staging_dir("grammars", slug(grammar.id))
        (tmp / "grammar.json").write_text(json.dumps(grammar.to_dict(), ensure_ascii=False, indent=1), encoding="utf-8")
        with open(tmp / "passages.jsonl", "w", encoding="utf-8") as fh:
            for p in passages:
                fh.write(json.dumps(p.to_dict(), ensure_ascii=False) + "\n")
        np.save(tmp / "embeddings.npy", np.ascontiguousarray(vectors), allow_pickle=False)
        BM25Shard.build(tokens, params).save(tmp / "bm25")
        self.staged.append((tmp, self.directory / f"grammars/{slug(grammar.id)}"))
        return tmp

    def stage_segment(self, seg_id: str, grammars: list[list[Any]], tokens: list[list[str]],
                      params: BM25Params) -> Path:
        """Write one whole-corpus BM25 segment over ``tokens`` (grammars in order) to a temp dir."""
        tmp = self._staging_dir("segments", seg_id)
        (tmp / "segment.json").write_text(json.dumps({"id": seg_id, "grammars": grammars}, ensure_ascii=False),
                                          encoding="utf-8")
        BM25Shard.build(tokens, params).save(tmp / "bm25")
        self.staged.append((tmp, self.directory / "segments" / seg_id))
        return tmp

    def commit(self, manifest: dict[str, Any]) -> Commit:
        """Move staged dirs into place, swap the manifest, then delete what it no longer names."""
        trash = self.directory / f".trash-{uuid.uuid4().hex[:8]}"
        moved_old: list[tuple[Path, Path]] = []
        moved_new: list[Path] = []
        try:
            for tmp, final in self.staged:
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
        old_dirs = {e["dir"] for e in self.old_manifest["grammars"] + self.old_manifest["segments"]}
        new_dirs = {e["dir"] for e in manifest["grammars"] + manifest["segments"]}
        for rel in old_dirs - new_dirs:
            shutil.rmtree(self.directory / rel, ignore_errors=True)
        shutil.rmtree(trash, ignore_errors=True)
        replaced = frozenset(str(final.relative_to(self.directory)) for _, final in moved_old)
        return Commit(manifest, replaced)


def _next_segment(manifest: dict[str, Any]) -> str:
    """Claim the next segment id in ``manifest`` (a working copy)."""
    seg_id = f"seg-{int(manifest.get('next_segment', 1)):06d}"
    manifest["next_segment"] = int(manifest.get("next_segment", 1)) + 1
    return seg_id


class IndexWriter:
    """The writes of one index directory: add grammars, remove one, compact the BM25 segments.

    Each method takes the current manifest and returns the :class:`Commit` it made (or ``None``
    when there was nothing to write); callers hold the index lock around it.
    """

    def __init__(self, directory: Path, tokenizer: Tokenizer, bm25_params: BM25Params) -> None:
        self.directory = directory
        self.tokenizer = tokenizer
        self.bm25_params = bm25_params

    def prepare(self, current: dict[str, Any], items: Iterable[Any], *, embedder: Callable[[], Embedder],
                replace: bool, skip_existing: bool, show_progress: bool | None,
                batch_size: int) -> PreparedBatch | None:
        """Validate, tokenise and embed ``items`` (``IngestedGrammar``-like); ``None`` when nothing is left.

        This is the expensive half of an add and needs no lock: it writes nothing. ``embedder`` is
        called only once the batch is valid and tokenised, so BM25-only failures never load a model.
        """
        show = progress_default(show_progress)
        batch = [(it.grammar, list(it.passages)) for it in items]
        existing = {e["id"] for e in current["grammars"]}
        batch = validate_batch(batch, existing, self.directory, replace=replace, skip_existing=skip_existing)
        if not batch:
            return None
        all_passages = [p for _, ps in batch for p in ps]
        tokens = [self.tokenizer(p.text) for p in tqdm(all_passages, desc="tokenising", unit="passage", disable=not show)]
        dim = int(current["embedding"]["dim"])
        texts = [embedding_text(p) for p in all_passages]
        embedded = [i for i, t in enumerate(texts) if t is not None]
        read = embedder().encode(
            [texts[i] or "" for i in embedded], is_query=False, batch_size=batch_size, show_progress=show
        )
        if read.shape != (len(embedded), dim):
            raise IndexStoreError(f"Embedder returned shape {read.shape}, expected ({len(embedded)}, {dim}).")
        vectors = np.zeros((len(all_passages), dim), dtype=np.float32)  # front/back matter: zero
        vectors[embedded] = read
        return PreparedBatch(batch, tokens, vectors, show)

    def commit_prepared(self, current: dict[str, Any], prepared: PreparedBatch, *, replace: bool,
                        skip_existing: bool) -> tuple[list[str], Commit | None]:
        """Write a prepared batch as one new segment on top of ``current``; the caller holds the writer lock.

        ``current`` is the manifest as it is on disk now: grammars another process committed since
        :meth:`prepare` are validated again (refused, or dropped with ``skip_existing``).
        """
        existing = {e["id"] for e in current["grammars"]}
        kept = validate_batch(prepared.batch, existing, self.directory, replace=replace, skip_existing=skip_existing)
        if len(kept) != len(prepared.batch):  # another process added some of these meanwhile
            prepared = prepared.subset({g.id for g, _ in kept})
        if not prepared.batch:
            return [], None
        batch, tokens, vectors, show = prepared.batch, prepared.tokens, prepared.vectors, prepared.show
        dtype = np.float16 if current["embedding"].get("dtype") == "float16" else np.float32

        manifest = json.loads(json.dumps(current))
        seg_id = _next_segment(manifest)
        with WriteTransaction(self.directory, current) as txn:
            offset = 0
            entries: list[dict[str, Any]] = []
            for grammar, passages in tqdm(batch, desc="writing shards", unit="grammar", disable=not show):
                n = len(passages)
                tmp = txn.stage_grammar(grammar, passages, vectors[offset : offset + n].astype(dtype),
                                        tokens[offset : offset + n], self.bm25_params)
                offset += n
                entries.append({
                    "id": grammar.id, "dir": f"grammars/{slug(grammar.id)}", "passages": n, "segment": seg_id,
                    "grammar": grammar.to_dict(), "files": describe_files(tmp), "added": now_iso(),
                })
            seg_grammars = [[g.id, len(ps)] for g, ps in batch]
            seg_tmp = txn.stage_segment(seg_id, seg_grammars, tokens, self.bm25_params)
            segment = {"id": seg_id, "dir": f"segments/{seg_id}", "grammars": seg_grammars, "passages": len(tokens),
                       "files": describe_files(seg_tmp), "created": now_iso()}
            new_ids = {e["id"] for e in entries}
            manifest["grammars"] = [e for e in manifest["grammars"] if e["id"] not in new_ids] + entries
            manifest["segments"] = [*manifest["segments"], segment]
            manifest["segments"] = prune_segments(manifest)
            commit = txn.commit(manifest)
        if len(manifest["segments"]) > 16:
            log.info("index has %d BM25 segments; GrammarIndex.compact() merges them", len(manifest["segments"]))
        return [g.id for g, _ in batch], commit

    def remove(self, current: dict[str, Any], gid: str) -> Commit:
        """Drop grammar ``gid`` (its shard is deleted; segments only mask its documents)."""
        manifest = json.loads(json.dumps(current))
        manifest["grammars"] = [e for e in manifest["grammars"] if e["id"] != gid]
        manifest["segments"] = prune_segments(manifest)
        with WriteTransaction(self.directory, current) as txn:
            return txn.commit(manifest)

    def compact(self, current: dict[str, Any], passages_of: Callable[[str], list[Passage]],
                show_progress: bool | None) -> Commit | None:
        """Rebuild one BM25 segment over every grammar (exact whole-corpus statistics); ``None`` if already one."""
        if len(current["segments"]) <= 1 and not any(
            len(s["grammars"]) != sum(1 for e in current["grammars"] if e["segment"] == s["id"])
            for s in current["segments"]
        ):
            return None
        show = progress_default(show_progress)

        manifest = json.loads(json.dumps(current))
        seg_id = _next_segment(manifest)
        tokens: list[list[str]] = []
        grammars: list[list[Any]] = []
        for gid in tqdm([e["id"] for e in current["grammars"]], desc="compacting", unit="grammar", disable=not show):
            passages = passages_of(gid)
            tokens.extend(self.tokenizer(p.text) for p in passages)
            grammars.append([gid, len(passages)])
        with WriteTransaction(self.directory, current) as txn:
            tmp = txn.stage_segment(seg_id, grammars, tokens, self.bm25_params)
            manifest["segments"] = [{"id": seg_id, "dir": f"segments/{seg_id}", "grammars": grammars,
                                     "passages": len(tokens), "files": describe_files(tmp), "created": now_iso()}]
            for e in manifest["grammars"]:
                e["segment"] = seg_id
            return txn.commit(manifest)

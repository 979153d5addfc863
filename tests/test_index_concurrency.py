"""Concurrent writers of one index: the inter-process lock, stale staging folders, orphan shards.

Real processes (``multiprocessing`` with ``spawn``) and the model-free ``hashing`` embedder, so a
lost commit shows up exactly as it did for two ``grammar-rag ingest`` runs.
"""

from __future__ import annotations

import multiprocessing as mp
import time
from pathlib import Path

import pytest

from grammar_rag.errors import IndexStoreError
from grammar_rag.index import GrammarIndex
from grammar_rag.ingest.base import IngestedGrammar
from grammar_rag.locking import LockBusyError, directory_lock
from grammar_rag.types import Grammar, Passage

EMB = "hashing-64"


def _grammar(gid: str) -> IngestedGrammar:
    grammar = Grammar(id=gid, title=f"A grammar of {gid}", language=gid.title())
    passages = [Passage(grammar_id=gid, passage_id=f"{gid}:{i}", text=f"{gid} passage {i} about word order SOV",
                        order=i) for i in range(5)]
    return IngestedGrammar(grammar, passages)


def _add_one(directory: str, gid: str, start: float) -> None:
    index = GrammarIndex.open(directory)  # everyone opens the same (empty) manifest first
    while time.time() < start:
        time.sleep(0.005)
    index.add_many([_grammar(gid)], show_progress=False)


def _hold_lock(directory: str, ready: mp.Event, release: mp.Event) -> None:  # type: ignore[valid-type]
    with directory_lock(directory, what="index"):
        ready.set()  # type: ignore[attr-defined]
        release.wait(30)  # type: ignore[attr-defined]


def test_concurrent_adds_from_processes_lose_nothing(tmp_path: Path) -> None:
    directory = tmp_path / "idx"
    GrammarIndex.create(directory, EMB)
    ctx = mp.get_context("spawn")
    start = time.time() + 3.0  # after every child has imported and opened the index
    ids = [f"g{i}" for i in range(4)]
    procs = [ctx.Process(target=_add_one, args=(str(directory), gid, start)) for gid in ids]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    index = GrammarIndex.open(directory, verify=True)  # also fails on shards outside the manifest
    assert sorted(g.id for g in index.grammars()) == ids
    assert index.num_passages == 20


def test_second_writer_fails_clearly_without_wait(tmp_path: Path) -> None:
    directory = tmp_path / "idx"
    index = GrammarIndex.create(directory, EMB)
    ctx = mp.get_context("spawn")
    ready, release = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=_hold_lock, args=(str(directory), ready, release))
    holder.start()
    try:
        assert ready.wait(60)
        with (pytest.raises(LockBusyError, match="Another grammar-rag process is writing to the index"),
              directory_lock(directory, what="index", wait=False)):
            pass
        with pytest.raises(LockBusyError, match="Timed out"), directory_lock(directory, what="index", timeout=0.3):
            pass
    finally:
        release.set()
        holder.join(30)
    index.add(_grammar("after").grammar, _grammar("after").passages, show_progress=False)  # lock free again
    assert "after" in GrammarIndex.open(directory)


def test_lock_is_reentrant_in_one_thread(tmp_path: Path) -> None:
    with directory_lock(tmp_path, wait=False), directory_lock(tmp_path, wait=False):
        pass


def test_stale_staging_is_cleaned_and_not_counted(tmp_path: Path) -> None:
    directory = tmp_path / "idx"
    index = GrammarIndex.create(directory, EMB)
    index.add_many([_grammar("a")], show_progress=False)
    size = index.size_bytes()
    stale = directory / "grammars" / ".tmp-b-deadbeef"
    stale.mkdir()
    (stale / "embeddings.npy").write_bytes(b"x" * 100_000)
    assert index.size_bytes() == size  # a write in progress / a killed one is not index content
    GrammarIndex.open(directory)  # no writer active: open cleans it
    assert not stale.exists()


def test_verify_detects_shards_outside_the_manifest(tmp_path: Path) -> None:
    directory = tmp_path / "idx"
    index = GrammarIndex.create(directory, EMB)
    index.add_many([_grammar("a")], show_progress=False)
    (directory / "grammars" / "lost").mkdir()
    GrammarIndex.open(directory)  # plain open is unaffected
    with pytest.raises(IndexStoreError, match=r"grammars/lost"):
        GrammarIndex.open(directory, verify=True)
    with pytest.raises(IndexStoreError, match=r"do(es)? not name"):
        index.verify()


def test_a_source_folder_is_not_called_an_index_to_delete(tmp_path: Path) -> None:
    (tmp_path / "chapter1.tex").write_text("x", encoding="utf-8")
    with pytest.raises(IndexStoreError) as info:
        GrammarIndex.open(tmp_path)
    assert "not a grammar-rag index" in str(info.value)
    assert "delete" not in str(info.value)

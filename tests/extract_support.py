"""Shared set-up for the extraction/app tests: a small real index built from the paper's CSVs.

Building an index embeds every passage, so it is done once per test session and reused by the
extract, app and browser tests (they only read it, except the Corpus-tab test which copies it).
"""

from __future__ import annotations

import shutil
from pathlib import Path

# Three grammars with WALS values for 81A and complete metadata (ISO codes) in the benchmark.
SMALL_GRAMMARS = ("carlson1994grammar", "heath2008grammar", "alfira2016caning")
FEATURE_DIRS = ("WALS_81A", "WALS_49A", "WALS_116A", "GB_107")

_CACHE: dict[tuple[object, ...], Path] = {}


def small_paragraph_tree(shared_data: Path, dest: Path, grammars: tuple[str, ...] = SMALL_GRAMMARS) -> Path:
    """A copy of ``rag_on_grammars`` holding only ``grammars`` (same layout, same metadata files)."""
    src = shared_data / "rag_on_grammars"
    root = dest / "rag_on_grammars"
    for feature_dir in FEATURE_DIRS:
        (root / "paragraphs" / feature_dir).mkdir(parents=True, exist_ok=True)
        for gid in grammars:
            csv_path = src / "paragraphs" / feature_dir / f"{gid}.csv"
            if csv_path.exists():
                shutil.copy(csv_path, root / "paragraphs" / feature_dir / csv_path.name)
    for meta in ("annotated_benchmark.csv", "annotated_benchmark_number_of_cases.csv"):
        if (src / meta).exists():
            shutil.copy(src / meta, root / meta)
    return root


def small_index(
    shared_data: Path, base: Path, grammars: tuple[str, ...] = SMALL_GRAMMARS, embedding_model: str = "hashing"
) -> Path:
    """Build (once per session) and return an index of ``grammars``.

    The model-free ``hashing`` embedder keeps this fast; the extraction tests use BM25 retrieval.
    """
    key = (*grammars, embedding_model)
    if key in _CACHE and _CACHE[key].exists():
        return _CACHE[key]
    from grammar_rag.index import GrammarIndex
    from grammar_rag.ingest import ingest_path

    tree = small_paragraph_tree(shared_data, base / "src", grammars)
    ingested = ingest_path(tree, format="paragraph-csv")
    assert sorted(g.grammar.id for g in ingested) == sorted(grammars)
    index_dir = base / "index"
    index = GrammarIndex.create(index_dir, embedding_model)
    index.add_many(ingested, show_progress=False)
    _CACHE[key] = index_dir
    return index_dir

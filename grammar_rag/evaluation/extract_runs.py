"""Helpers for driving ``grammar-rag extract`` as a subprocess and reading what it stored.

Shared by the ``benchmarks.extract_bench`` runner and ``tests/test_extract_cli.py`` so that the
benchmark and the kill/resume tests run the CLI the same way and compare stores by the same columns.
"""

from __future__ import annotations

import csv
import os
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

from grammar_rag.index import GrammarIndex
from grammar_rag.ingest import ingest_path

REPO = Path(__file__).resolve().parents[2]  # the checkout (or site-packages) holding grammar_rag/
HASH_SEED = "0"  # every run gets the same string-hash seed (see "hash_seed" in the bench report)


def cli_command(*args: str) -> list[str]:
    """The ``grammar-rag`` command line, via the installed script or ``python -c`` without one."""
    script = Path(sys.executable).with_name("grammar-rag")
    if script.exists():
        return [str(script), *args]
    return [sys.executable, "-c", "import sys; from grammar_rag.cli import main; sys.exit(main())", *args]


def subprocess_env() -> dict[str, str]:
    """The environment for a CLI subprocess: this checkout importable, offline, fixed hash seed."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env.setdefault("HF_HUB_OFFLINE", "1")
    # Runs are compared pair by pair; Python's per-process string-hash randomisation must not be a
    # difference between them (set iteration order can break ties differently in ranking code).
    env["PYTHONHASHSEED"] = HASH_SEED
    return env


def stored_count(db: Path) -> int:
    """Rows in the result store, read-only, so a running extraction can be watched (0 before it exists)."""
    if not db.exists():
        return 0
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
        try:
            return int(conn.execute("SELECT COUNT(*) FROM results").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.OperationalError:  # table not created yet
        return 0


def stored_rows(db: Path) -> list[tuple[Any, ...]]:
    """The stored results in a stable order, the columns two runs must agree on."""
    conn = sqlite3.connect(db)
    try:
        return conn.execute(
            "SELECT grammar_id, feature_id, backend, prompt_version, config_hash, prediction FROM results "
            "ORDER BY grammar_id, feature_id"
        ).fetchall()
    finally:
        conn.close()


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def build_hashing_index(data_dir: Path, target: Path) -> dict[str, Any]:
    """Index the paper's paragraph corpus with the model-free hashing embedder (what the extract runs read)."""
    started = time.perf_counter()
    ingested = ingest_path(data_dir / "rag_on_grammars", format="paragraph-csv")
    index = GrammarIndex.create(target, "hashing")
    index.add_many(ingested, show_progress=False)
    return {
        "built": True, "embedding_model": "hashing", "grammars": len(ingested),
        "passages": sum(len(g.passages) for g in ingested), "build_s": round(time.perf_counter() - started, 1),
    }

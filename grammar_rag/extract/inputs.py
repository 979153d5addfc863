"""Resolve what a batch run covers (grammars, features) and remember it beside the results.

The results folder must be self-describing: ``compare`` and ``export`` run later, possibly on
another machine without the index, and still need each grammar's language metadata and each
feature's value set. ``inputs.json`` keeps exactly that (no passages, no guidelines).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from grammar_rag.errors import GrammarRagError
from grammar_rag.features import get_catalogue
from grammar_rag.index import GrammarIndex
from grammar_rag.types import Feature, Grammar

INPUTS_FILENAME = "inputs.json"
_T = TypeVar("_T", Grammar, Feature)


def open_index(path: str | os.PathLike[str]) -> Any:
    """``GrammarIndex.open(path)`` with a message naming the folder when it is not an index."""
    if not Path(path).exists():
        raise GrammarRagError(f"Index directory {path} does not exist (build one with `grammar-rag ingest`).")
    return GrammarIndex.open(Path(path))


def split_ids(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def select_grammars(index: Any, spec: str) -> list[Grammar]:
    """``all`` -> every grammar in the index (sorted by id); else comma-separated ids/languages/ISO."""
    if spec.strip().lower() == "all":
        grammars = sorted(index.grammars(), key=lambda g: g.id)
        if not grammars:
            raise GrammarRagError(f"The index at {getattr(index, 'directory', '?')} holds no grammars.")
        return grammars
    return _resolve_unique(spec, index.get_grammar, "--grammars is empty: give 'all' or comma-separated grammar ids.")


# whole catalogues by name, for "every WALS feature of these grammars" without listing 192 ids
_CATALOGUE_KEYS = {"wals": ("WALS",), "gb": ("GB",), "grambank": ("GB",), "all": ("WALS", "GB")}


def select_features(spec: str, data_dir: str | os.PathLike[str] | None = None) -> list[Feature]:
    """Comma-separated feature ids ("81A,GB107,WALS 116A*") resolved through the catalogue.

    ``WALS``, ``GB`` (or ``Grambank``) and ``all`` stand for every feature of that catalogue (of both).
    """
    catalogue = get_catalogue(data_dir)

    def resolve(key: str) -> Feature | list[Feature]:
        sources = _CATALOGUE_KEYS.get(key.lower())
        return [f for source in sources for f in catalogue.all(source)] if sources else catalogue.get(key)

    return _resolve_unique(spec, resolve, "--features is empty: give comma-separated feature ids such as "
                           "81A,GB107, or WALS, GB or all.")


def _resolve_unique(spec: str, resolve: Callable[[str], _T | list[_T]], empty_message: str) -> list[_T]:
    """Resolve each comma-separated key (to one item or several); keep the first of any with the same id."""
    chosen: dict[str, _T] = {}
    for key in split_ids(spec):
        resolved = resolve(key)
        for item in resolved if isinstance(resolved, list) else [resolved]:
            chosen.setdefault(item.id, item)
    if not chosen:
        raise GrammarRagError(empty_message)
    return list(chosen.values())


def save_inputs(out_dir: Path, grammars: Sequence[Grammar], features: Sequence[Feature]) -> Path:
    """Merge these grammars/features into ``out_dir/inputs.json`` (atomic write)."""
    old_grammars, old_features = load_inputs(out_dir) if (out_dir / INPUTS_FILENAME).exists() else ({}, {})
    old_grammars.update({g.id: g for g in grammars})
    old_features.update({f.id: f for f in features})
    payload = {
        "grammars": [g.to_dict() for g in sorted(old_grammars.values(), key=lambda g: g.id)],
        "features": [f.to_dict(with_guideline=False) for f in sorted(old_features.values(), key=lambda f: f.id)],
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{INPUTS_FILENAME}.", dir=out_dir)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(payload, fh, ensure_ascii=False, indent=1)
    path = out_dir / INPUTS_FILENAME
    os.replace(tmp, path)
    return path


def load_inputs(out_dir: Path) -> tuple[dict[str, Grammar], dict[str, Feature]]:
    path = out_dir / INPUTS_FILENAME
    if not path.exists():
        return {}, {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        grammars = {g["id"]: Grammar.from_dict(g) for g in data.get("grammars", [])}
        features = {f["id"]: Feature.from_dict(f) for f in data.get("features", [])}
    except (ValueError, KeyError, TypeError) as exc:
        raise GrammarRagError(f"{path} is damaged ({exc}); rerun `grammar-rag extract` to rewrite it.") from exc
    return grammars, features


def write_json(path: Path, payload: Any) -> None:
    """Atomic JSON write (temp file in the same folder + os.replace)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(payload, fh, ensure_ascii=False, indent=2)
    os.replace(tmp, path)

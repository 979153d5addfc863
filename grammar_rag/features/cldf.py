"""Locate and read CLDF datasets (WALS, Grambank, Glottolog) in a data directory.

Users point us at very different layouts: ``shared/data`` (``wals/``, ``grambank/``,
``glottolog/`` beside each other), a dataset root as cloned from GitHub/Zenodo
(``grambank-v1.0.3/cldf/values.csv`` with a ``*-metadata.json``), or the ``cldf/`` folder
itself. Each dataset is recognised by its content (the parameter ids look like ``81A`` in
WALS, ``GB020`` in Grambank; Glottolog's languages table has ``Level`` and ``Family_ID``),
not by its folder name. Tables are read with the ``csv`` module: it is fast and needs nothing
beyond the standard library; when a metadata JSON renames a table (``url``), that name is used,
which is the part of pycldf's job we need.
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import os
import re
from collections.abc import Iterator
from pathlib import Path

from grammar_rag.errors import DataDirError

log = logging.getLogger(__name__)

DATASETS = ("wals", "grambank", "glottolog")
_ID_RE = re.compile(r"[^A-Za-z0-9_\-]+")


def cldf_id(text: str) -> str:
    """A CLDF-valid identifier (``[A-Za-z0-9_-]+``) derived from ``text``."""
    return _ID_RE.sub("_", text.replace("*", "_composite")).strip("_") or "x"

# CLDF component name -> default file name
_COMPONENT_FILES = {
    "ParameterTable": "parameters.csv",
    "CodeTable": "codes.csv",
    "LanguageTable": "languages.csv",
    "ValueTable": "values.csv",
    "ContributionTable": "contributions.csv",
}
_FILE_COMPONENTS = {v: k for k, v in _COMPONENT_FILES.items()}


def _metadata_urls(directory: Path) -> dict[str, str]:
    """Map default table file names to the file names a CLDF metadata JSON declares."""
    urls: dict[str, str] = {}
    for meta in sorted(directory.glob("*metadata.json")):
        try:
            data = json.loads(meta.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            log.debug("ignoring unreadable CLDF metadata %s", meta)
            continue
        for table in data.get("tables", []):
            conforms = str(table.get("dc:conformsTo", ""))
            component = conforms.rsplit("#", 1)[-1]
            default = _COMPONENT_FILES.get(component)
            if default and table.get("url"):
                urls[default] = str(table["url"])
    return urls


def table_path(directory: Path, name: str) -> Path | None:
    """Path of table ``name`` (e.g. ``"values.csv"``) in a CLDF dataset directory, or None.

    Looks in ``directory`` and ``directory/cldf``, honouring renamed tables in the metadata.
    """
    for base in (directory, directory / "cldf"):
        if not base.is_dir():
            continue
        candidate = base / name
        if candidate.is_file():
            return candidate
        url = _metadata_urls(base).get(name)
        if url and (base / url).is_file():
            return base / url
    return None


def read_table(path: Path) -> Iterator[dict[str, str]]:
    """Rows of a CLDF CSV table as dicts (UTF-8, BOM tolerated)."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        yield from csv.DictReader(fh)


def _first_id(path: Path) -> str:
    for row in read_table(path):
        return row.get("ID", "")
    return ""


def identify(directory: Path) -> str | None:
    """Which of WALS / Grambank / Glottolog the CLDF dataset in ``directory`` is, if any."""
    params = table_path(directory, "parameters.csv")
    if params is not None:
        first = _first_id(params)
        if re.fullmatch(r"GB\d{3}", first):
            return "grambank"
        if re.fullmatch(r"\d{1,3}[A-Z]", first):
            return "wals"
    langs = table_path(directory, "languages.csv")
    if langs is not None:
        with langs.open(encoding="utf-8-sig", newline="") as fh:
            header = next(csv.reader(fh), [])
        if "Level" in header and "Family_ID" in header:
            return "glottolog"
    return None


def find_datasets(root: str | os.PathLike[str]) -> dict[str, Path]:
    """Find the WALS / Grambank / Glottolog datasets in or directly below ``root``.

    Returns ``{name: dataset_dir}`` for those found (possibly none). ``root`` may itself be a
    dataset, a ``cldf/`` folder, or a directory holding datasets as sub-directories.
    """
    root = Path(root).expanduser()
    if not root.is_dir():
        raise DataDirError(f"Data directory {root} does not exist.")
    found: dict[str, Path] = {}
    candidates = [root]
    preferred = [root / name for name in DATASETS]
    others = sorted(p for p in root.iterdir() if p.is_dir() and p not in preferred)
    candidates += [p for p in preferred if p.is_dir()] + others
    for candidate in candidates:
        kind = identify(candidate)
        if kind and kind not in found:
            cldf = candidate / "cldf"
            found[kind] = cldf if (cldf / "parameters.csv").is_file() or (cldf / "languages.csv").is_file() else candidate
    return found


def resolve_data_root(data_dir: str | os.PathLike[str] | None) -> Path | None:
    """The explicit data dir, else ``$GRAMMAR_RAG_DATA_DIR`` when set and existing, else None."""
    if data_dir is not None:
        path = Path(data_dir).expanduser().resolve()
        if not path.is_dir():
            raise DataDirError(f"Data directory {path} does not exist.")
        return path
    env = os.environ.get("GRAMMAR_RAG_DATA_DIR")
    if env and Path(env).expanduser().is_dir():
        return Path(env).expanduser().resolve()
    return None


def require_table(directory: Path, name: str) -> Path:
    path = table_path(directory, name)
    if path is None:
        raise DataDirError(f"CLDF dataset {directory} has no {name} (looked in it and in its cldf/ folder).")
    return path


_FINGERPRINT_FILES = {
    "wals": ("parameters.csv", "codes.csv", "chapters.csv"),
    "grambank": ("parameters.csv", "codes.csv"),
}


def fingerprint(dataset: Path, kind: str) -> str:
    """SHA-256 over the files a catalogue is built from (tables + WALS chapter pages).

    Lets a data dir holding the very sources the bundle was built from reuse the bundle instead
    of re-parsing ~10 MB of chapter HTML on every start.
    """
    digest = hashlib.sha256()
    paths = [table_path(dataset, name) for name in _FINGERPRINT_FILES.get(kind, ())]
    if kind == "wals":
        for base in (dataset, dataset.parent, dataset / "cldf"):
            if (base / "chapters").is_dir():
                paths += sorted((base / "chapters").glob("chapter_*.html"))
                break
    for path in paths:
        if path is None:
            digest.update(b"<missing>")
            continue
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()

"""Corpora: the bundled Kalamang grammar and the paper's published benchmark data.

* ``load_bundled("kalamang")`` reads the processed passages committed in ``corpora/kalamang/``
  (no network, no ../shared); ``build_bundled_latex`` regenerates them from the LaTeX source.
* ``fetch_rag_on_grammars`` downloads the paper's paragraph CSVs and gold tables from their public
  GitHub repository, verifying each file against the sha256 in the manifest shipped with the
  package (``grammar_rag/data/rag_on_grammars_manifest.json``). **A file whose upstream copy
  changed since the manifest was made fails loudly** (it is not installed, and the run ends with
  an error naming it) unless the caller explicitly allows changed files. Files are written
  atomically and files already present with the right checksum are skipped, so an interrupted
  fetch resumes where it stopped.
* ``install_from`` does the same from a local copy (what tests and offline machines use).

The installed layout is ``DATA_DIR/rag_on_grammars/{paragraphs/<FEATURE>/<bibkey>.csv,
annotated_benchmark*.csv, rerankers_benchmark/<bibkey>.csv}``: what ``--data-dir`` expects.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import logging
import os
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grammar_rag.config import BUNDLED_DATA_DIR, CORPORA_DIR
from grammar_rag.errors import DataDirError, GrammarRagError
from grammar_rag.ingest import ingest_path
from grammar_rag.ingest.base import DEFAULT_CHUNKING, ChunkingConfig
from grammar_rag.ingest.processed import load_processed, passages_file
from grammar_rag.types import IngestedGrammar

logger = logging.getLogger(__name__)

RAG_ON_GRAMMARS = "rag-on-grammars"
UPSTREAM_REPO = "al-the-eigenvalue/RAG-on-grammars"
RAW_URL = "https://raw.githubusercontent.com/{repo}/{ref}/{path}"
MANIFEST_PATH = BUNDLED_DATA_DIR / "rag_on_grammars_manifest.json"
INSTALL_SUBDIR = "rag_on_grammars"

KALAMANG_METADATA: dict[str, object] = {
    "id": "visser2022kalamang",
    "title": "A grammar of Kalamang",
    "language": "Kalamang",
    "iso639_3": "kgv",
    "glottocode": "kara1499",
    "author": "Eline Visser",
    "year": 2022,
    "license": "CC-BY-4.0",
}


# -- bundled corpora ---------------------------------------------------------------------------
def bundled_names(corpora_dir: Path = CORPORA_DIR) -> list[str]:
    if not corpora_dir.is_dir():
        return []
    return sorted(p.name for p in corpora_dir.iterdir() if (p / "grammar.json").is_file())


def load_bundled(name: str = "kalamang", corpora_dir: Path = CORPORA_DIR) -> IngestedGrammar:
    """The processed passages of a bundled grammar (works offline, without ../shared)."""
    folder = corpora_dir / name
    if passages_file(folder) is None:
        available = ", ".join(bundled_names(corpora_dir)) or "none"
        raise DataDirError(f"No bundled corpus '{name}' in {corpora_dir} (available: {available}).")
    return load_processed(folder)


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; installed data should be readable
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_bundled(ingested: IngestedGrammar, out_dir: Path) -> None:
    """Write ``grammar.json`` + ``passages.jsonl.gz`` (gzip mtime 0: byte-identical rebuilds)."""
    grammar = ingested.grammar.to_dict()
    grammar["source_path"] = None  # a path on the build machine means nothing to users
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0, compresslevel=9) as gz:
        for p in ingested.passages:
            gz.write((json.dumps(p.to_dict(), ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8"))
    _atomic_write_bytes(out_dir / "passages.jsonl.gz", buf.getvalue())
    _atomic_write_bytes(
        out_dir / "grammar.json",
        (json.dumps(grammar, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8"),
    )


def build_bundled_latex(
    tex_dir: Path,
    out_dir: Path | None = None,
    metadata: dict[str, object] | None = None,
    chunking: ChunkingConfig = DEFAULT_CHUNKING,
) -> IngestedGrammar:
    """Rebuild a bundled corpus from LaTeX (default: Kalamang into ``corpora/kalamang``)."""
    [ingested] = ingest_path(tex_dir, format="latex", chunking=chunking, metadata=metadata or KALAMANG_METADATA)
    write_bundled(ingested, out_dir or CORPORA_DIR / "kalamang")
    return ingested


# -- the paper's data --------------------------------------------------------------------------
@dataclass(frozen=True)
class ManifestEntry:
    path: str  # installed path relative to DATA_DIR/rag_on_grammars
    sha256: str
    size: int
    upstream: str | None  # path in the upstream repository; None = not published there


def upstream_path(rel: str) -> str | None:
    """Where a file of the local layout lives in al-the-eigenvalue/RAG-on-grammars."""
    parts = rel.split("/")
    if parts[0] == "paragraphs" and len(parts) == 3:
        feature = parts[1].replace("_", " ")  # WALS_81A -> "WALS 81A"
        return f"Grammars Paragraphs/{feature}/Wikipedia 50/{parts[2]}"
    if parts[0] == "rerankers_benchmark" and len(parts) == 2:
        return f"retrievers_benchmark/{parts[1]}"
    if len(parts) == 1 and parts[0].startswith("annotated_benchmark") and parts[0].endswith(".csv"):
        return parts[0]
    return None


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def build_manifest(source_dir: Path) -> dict[str, Any]:
    """Manifest of a local copy (maintainers: regenerate when the published data is updated)."""
    files = []
    for path in sorted(p for p in source_dir.rglob("*") if p.is_file()):
        rel = path.relative_to(source_dir).as_posix()
        if rel.startswith(".") or "/." in rel:
            continue
        files.append(
            {"path": rel, "sha256": sha256_file(path), "size": path.stat().st_size, "upstream": upstream_path(rel)}
        )
    return {"corpus": RAG_ON_GRAMMARS, "repository": UPSTREAM_REPO, "ref": "HEAD", "files": files}


def load_manifest(path: Path | None = None) -> tuple[dict[str, Any], list[ManifestEntry]]:
    path = path or MANIFEST_PATH
    data = json.loads(path.read_text(encoding="utf-8"))
    entries = [ManifestEntry(f["path"], f["sha256"], int(f["size"]), f.get("upstream")) for f in data["files"]]
    return data, entries


@dataclass
class InstallReport:
    installed: list[str]
    skipped: list[str]  # already present with the right checksum
    changed: list[str]  # checksum differs from the manifest
    missing: list[str]  # not found at the source
    target: Path

    @property
    def ok(self) -> bool:
        return not self.changed and not self.missing


def _target_root(data_dir: Path) -> Path:
    return Path(data_dir) / INSTALL_SUBDIR


def _present_and_valid(path: Path, entry: ManifestEntry) -> bool:
    return path.is_file() and path.stat().st_size == entry.size and sha256_file(path) == entry.sha256


def _progress(items: list[ManifestEntry], desc: str, enabled: bool | None) -> Iterable[ManifestEntry]:
    try:
        from tqdm import tqdm
    except ImportError:  # pragma: no cover
        return items
    import sys

    disable = not sys.stderr.isatty() if enabled is None else not enabled
    return tqdm(items, desc=desc, unit="file", disable=disable)


def _install(
    entries: list[ManifestEntry],
    data_dir: Path,
    read: Callable[[ManifestEntry], bytes | None],
    *,
    allow_changed: bool,
    desc: str,
    progress: bool | None,
) -> InstallReport:
    root = _target_root(data_dir)
    report = InstallReport([], [], [], [], root)
    for entry in _progress(entries, desc, progress):
        target = root / entry.path
        if _present_and_valid(target, entry):
            report.skipped.append(entry.path)
            continue
        data = read(entry)
        if data is None:
            report.missing.append(entry.path)
            continue
        if hashlib.sha256(data).hexdigest() != entry.sha256:
            report.changed.append(entry.path)
            if not allow_changed:
                continue  # never install a file that differs from what the benchmark used
            logger.warning("%s differs from the manifest checksum; installed because allowed", entry.path)
        _atomic_write_bytes(target, data)
        report.installed.append(entry.path)
    return report


def _raise_if_failed(report: InstallReport, source: str, allow_changed: bool) -> None:
    problems = []
    if report.changed and not allow_changed:
        problems.append(
            f"{len(report.changed)} file(s) differ from the checksums this version of grammar-rag "
            f"was built against (the upstream copy changed?) and were NOT installed: "
            + ", ".join(report.changed[:10])
            + (" ..." if len(report.changed) > 10 else "")
            + ". Re-run with --allow-changed to install them anyway (results may then differ from "
            "the paper's)."
        )
    if report.missing:
        problems.append(
            f"{len(report.missing)} file(s) not found at {source}: "
            + ", ".join(report.missing[:10])
            + (" ..." if len(report.missing) > 10 else "")
        )
    if problems:
        raise DataDirError(
            f"Corpus '{RAG_ON_GRAMMARS}' incompletely installed in {report.target} "
            f"({len(report.installed)} installed, {len(report.skipped)} already present). " + " ".join(problems)
        )


def install_from(
    source: Path,
    data_dir: Path,
    *,
    manifest: Path | None = None,
    allow_changed: bool = False,
    progress: bool | None = None,
) -> InstallReport:
    """Install the paper's data from a local copy laid out like ``rag_on_grammars/``.

    ``source`` may be that directory itself or a data directory containing it.
    """
    source = Path(source)
    if (source / INSTALL_SUBDIR).is_dir() and not (source / "paragraphs").is_dir():
        source = source / INSTALL_SUBDIR
    if not source.is_dir():
        raise DataDirError(f"{source}: no such directory (expected a copy of rag_on_grammars/).")
    if source.resolve() == _target_root(data_dir).resolve():
        raise DataDirError(f"{source}: source and target are the same directory.")
    _, entries = load_manifest(manifest)

    def read(entry: ManifestEntry) -> bytes | None:
        path = source / entry.path
        return path.read_bytes() if path.is_file() else None

    report = _install(entries, data_dir, read, allow_changed=allow_changed, desc="install", progress=progress)
    _raise_if_failed(report, str(source), allow_changed)
    return report


def _http_get(url: str, timeout: float = 60.0, retries: int = 3) -> bytes | None:
    for attempt in range(retries):
        try:
            with urllib.request.urlopen(url, timeout=timeout) as resp:
                return resp.read()
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return None
            error: Exception = exc
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            error = exc
        if attempt + 1 < retries:
            time.sleep(2**attempt)
    raise GrammarRagError(f"download failed: {url} ({error}); re-run the same command to resume.")


def fetch_rag_on_grammars(
    data_dir: Path,
    *,
    ref: str | None = None,
    manifest: Path | None = None,
    allow_changed: bool = False,
    progress: bool | None = None,
    get: Callable[[str], bytes | None] = _http_get,
) -> InstallReport:
    """Download the paper's published data from GitHub, checksum-verified, resumable."""
    meta, entries = load_manifest(manifest)
    repo = meta.get("repository", UPSTREAM_REPO)
    ref = ref or meta.get("ref", "HEAD")
    published = [e for e in entries if e.upstream]

    def read(entry: ManifestEntry) -> bytes | None:
        assert entry.upstream is not None
        url = RAW_URL.format(repo=repo, ref=ref, path=urllib.parse.quote(entry.upstream))
        return get(url)

    report = _install(published, data_dir, read, allow_changed=allow_changed, desc="fetch", progress=progress)
    _raise_if_failed(report, f"github.com/{repo}@{ref}", allow_changed)
    return report


@dataclass
class CorpusInfo:
    name: str
    kind: str  # "bundled" | "installed"
    location: Path
    detail: str


def list_corpora(data_dir: Path | None = None, manifest: Path | None = None) -> list[CorpusInfo]:
    """Bundled corpora and, with a data dir, the installed paper corpus and its completeness."""
    out: list[CorpusInfo] = []
    for name in bundled_names():
        meta = json.loads((CORPORA_DIR / name / "grammar.json").read_text(encoding="utf-8"))
        with gzip.open(CORPORA_DIR / name / "passages.jsonl.gz", "rt", encoding="utf-8") as fh:
            count = sum(1 for _ in fh)
        out.append(
            CorpusInfo(name, "bundled", CORPORA_DIR / name, f"{meta.get('title')} ({meta.get('license')}), {count} passages")
        )
    if data_dir is not None:
        root = _target_root(Path(data_dir))
        if root.is_dir():
            _, entries = load_manifest(manifest)
            present = sum(1 for e in entries if (root / e.path).is_file())
            grammars = len({Path(e.path).stem for e in entries if e.path.startswith("paragraphs/")})
            out.append(
                CorpusInfo(
                    RAG_ON_GRAMMARS,
                    "installed",
                    root,
                    f"{present}/{len(entries)} files, {grammars} grammars"
                    + ("" if present == len(entries) else " (incomplete: run corpus fetch/install again)"),
                )
            )
    return out

"""Which ingester a path needs, decided from its name and (for directories and CSVs) its layout."""

from __future__ import annotations

import csv
from pathlib import Path

from grammar_rag.errors import IngestError

_SUFFIXES = {
    ".pdf": "pdf",
    ".tex": "latex",
    ".txt": "text",
    ".text": "text",
    ".md": "markdown",
    ".markdown": "markdown",
}


# suffixes ingested one grammar per file when a plain folder of them is given
FILE_SUFFIXES = frozenset({".pdf", ".txt", ".text", ".md", ".markdown"})


def _is_paragraph_csv(path: Path) -> bool:
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            header = next(csv.reader(fh), [])
    except (OSError, UnicodeDecodeError, csv.Error):
        return False
    return "Paragraph" in [h.strip() for h in header]


def detect_format(path: str | Path) -> str:
    """Format name (an ``INGESTERS`` key) for ``path``; :class:`IngestError` if none fits."""
    path = Path(path)
    if not path.exists():
        raise IngestError(f"{path}: no such file or directory.")
    if path.is_dir():
        if (path / "grammar.json").is_file() and any((path / n).is_file() for n in ("passages.jsonl.gz", "passages.jsonl")):
            return "passages"
        if (path / "main.tex").is_file() or any(path.glob("*.tex")) or any(path.glob("chapters/*.tex")):
            return "latex"
        paragraphs = path / "paragraphs" if (path / "paragraphs").is_dir() else path
        candidates = list(paragraphs.glob("*/*.csv"))[:1] or list(paragraphs.glob("*.csv"))[:1]
        if candidates and _is_paragraph_csv(candidates[0]):
            return "paragraph-csv"
        raise IngestError(
            f"{path}: directory is neither a LaTeX grammar (main.tex / chapter .tex files) nor the "
            "paper's paragraph CSVs (paragraphs/<FEATURE>/<bibkey>.csv); pass the files themselves "
            "or --format."
        )
    suffix = path.suffix.lower()
    if suffix == ".csv":
        if _is_paragraph_csv(path):
            return "paragraph-csv"
        raise IngestError(f"{path}: CSV without a 'Paragraph' column; not one of the paper's paragraph CSVs.")
    if suffix in _SUFFIXES:
        return _SUFFIXES[suffix]
    try:
        with path.open("rb") as fh:
            if fh.read(5) == b"%PDF-":
                return "pdf"
    except OSError as exc:
        raise IngestError(f"{path}: cannot read ({exc.strerror}).") from exc
    raise IngestError(
        f"{path}: cannot tell the format from the name; supported: .pdf, .tex or a LaTeX directory, "
        ".txt, .md, paragraph .csv (or pass format=...)."
    )

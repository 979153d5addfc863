"""The paper's published paragraph CSVs (``Paragraph``, ``Page number``), one file per grammar.

The benchmark release stores, per feature, the 50 BM25 paragraphs of each grammar as
``paragraphs/<FEATURE>/<bibkey>.csv``. The same paragraph is often retrieved for several
features; a grammar index must hold it once, so paragraphs are de-duplicated per grammar on
(normalised text, page list). Grammar metadata (language, ISO 639-3, title, author, year) is read
from the ``annotated_benchmark*.csv`` files beside ``paragraphs/`` when present — strictly the
bibliographic columns, never the gold-label or answer-page columns.
"""

from __future__ import annotations

import csv
import logging
import re
import sys
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from grammar_rag.errors import IngestError
from grammar_rag.ingest.base import DEFAULT_CHUNKING, INGESTERS, ChunkingConfig, Ingester
from grammar_rag.ingest.chunking import Unit, make_passages, normalise_text
from grammar_rag.ingest.metadata import fill_language_codes
from grammar_rag.ingest.passage_cap import PRECUT_MAX_CHARS
from grammar_rag.types import Grammar, IngestedGrammar

logger = logging.getLogger(__name__)

PARAGRAPH_COLUMN = "Paragraph"
PAGE_COLUMN = "Page number"

# Bibliographic columns per benchmark file -> Grammar field. Anything else in these files
# (feature values, "Pages"/"Reference" where the linguist found the answer) is gold data and is
# deliberately never read: ingestion output feeds predictions.
_METADATA_COLUMNS: dict[str, dict[str, str]] = {
    "annotated_benchmark.csv": {
        "Filename": "id",
        "Name": "language",
        "lgcode_iso3": "iso639_3",
        "Title": "title",
        "Author": "author",
        "Year": "year",
    },
    "annotated_benchmark_number_of_cases.csv": {
        "Filename": "id",
        "Language": "language",
        "ISO 639-3": "iso639_3",
        "Title": "title",
        "Author": "author",
        "Year": "year",
    },
}

_PAGE_NUMBER = re.compile(r"\d+")  # "12-13" is a range: no negative pages


def raise_csv_field_limit() -> None:
    """Lift csv's 128 KiB field limit as far as the platform allows (idempotent)."""
    # Some paragraphs (whole tables of contents) exceed csv's 128 KiB default field limit.
    limit = sys.maxsize
    while True:
        try:
            csv.field_size_limit(limit)
            return
        except OverflowError:  # pragma: no cover - 32-bit platforms
            limit //= 10


def parse_pages(value: str) -> tuple[str | None, str | None]:
    """``"[98]"`` -> ("98", "98"); ``"[12, 13]"`` and ``"12-13"`` -> ("12", "13"); a cell without digits
    ("[xii]", front matter) -> kept as written; empty -> (None, None)."""
    numbers = [int(n) for n in _PAGE_NUMBER.findall(value or "")]
    if not numbers:
        text = (value or "").strip().strip("[]").strip()
        return (text or None, text or None)
    return str(min(numbers)), str(max(numbers))


@dataclass
class _GrammarRows:
    """Unique paragraphs of one grammar, in first-seen order, with their page key."""

    rows: dict[tuple[str, str], tuple[str, str | None, str | None, int]] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)
    total: int = 0


def iter_paragraph_rows(path: Path) -> Iterator[tuple[str, str]]:
    """``(paragraph text, raw page cell)`` for every data row of one paragraph CSV, in file order.

    Tolerates what spreadsheet tools do to these files (a byte-order mark, spaces around column
    names, a missing page column, paragraphs longer than csv's 128 KiB field limit); raises
    :class:`IngestError` naming the file for anything that is not such a CSV."""
    raise_csv_field_limit()
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            header = next(reader, None)
            if header is None:
                raise IngestError(f"{path}: empty CSV (expected columns '{PARAGRAPH_COLUMN}', '{PAGE_COLUMN}').")
            names = [h.strip() for h in header]
            if PARAGRAPH_COLUMN not in names:
                raise IngestError(
                    f"{path}: no '{PARAGRAPH_COLUMN}' column (found: {', '.join(names)}); "
                    "not one of the paper's paragraph CSVs."
                )
            text_col = names.index(PARAGRAPH_COLUMN)
            page_col = names.index(PAGE_COLUMN) if PAGE_COLUMN in names else None
            for row in reader:
                if len(row) <= text_col:
                    continue
                page_raw = row[page_col] if page_col is not None and len(row) > page_col else ""
                yield row[text_col], page_raw
    except UnicodeDecodeError as exc:
        raise IngestError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start}).") from exc
    except csv.Error as exc:
        raise IngestError(f"{path}: malformed CSV ({exc}).") from exc


def _read_csv(path: Path, into: _GrammarRows) -> None:
    for text, page_raw in iter_paragraph_rows(path):
        if not text.strip():
            continue
        start, end = parse_pages(page_raw)
        into.total += 1
        key = (normalise_text(text), page_raw.replace(" ", ""))
        if key not in into.rows:
            into.rows[key] = (text, start, end, len(into.rows))
    into.files.append(path)


def _page_sort_key(page: str | None) -> tuple[int, int | str]:
    if page is not None and page.lstrip("-").isdigit():
        return (0, int(page))
    return (1, page or "")


def load_benchmark_metadata(root: Path) -> dict[str, dict[str, object]]:
    """Bibliographic metadata per bibkey from ``annotated_benchmark*.csv`` in ``root``.

    Only the columns listed in ``_METADATA_COLUMNS`` are read (``usecols``-style), so gold labels
    cannot leak into a Grammar through this path.
    """
    meta: dict[str, dict[str, object]] = {}
    for name, columns in _METADATA_COLUMNS.items():
        path = root / name
        if not path.is_file():
            continue
        with path.open(encoding="utf-8-sig", newline="") as fh:
            for row in csv.DictReader(fh):
                picked = {dst: (row.get(src) or "").strip() for src, dst in columns.items()}
                key = str(picked.pop("id") or "")
                if not key:
                    continue
                entry = meta.setdefault(key, {})
                for dst, value in picked.items():
                    if not value or dst in entry:
                        continue
                    if dst == "year":
                        match = re.search(r"\d{4}", str(value))
                        if match:
                            entry["year"] = int(match.group())
                    else:
                        entry[dst] = value
    return meta


def _find_csvs(path: Path) -> tuple[list[Path], Path | None]:
    """CSV files to read and the directory where benchmark metadata may live."""
    if path.is_file():
        root = path.parent.parent.parent if path.parent.parent.name == "paragraphs" else path.parent
        return [path], root
    paragraphs = path / "paragraphs" if (path / "paragraphs").is_dir() else path
    files = sorted(paragraphs.glob("*/*.csv")) or sorted(paragraphs.glob("*.csv"))
    meta_root = paragraphs.parent if paragraphs.name == "paragraphs" else paragraphs
    return files, meta_root


def ingest_paragraph_csv(
    path: Path, *, chunking: ChunkingConfig = DEFAULT_CHUNKING, metadata: dict[str, object] | None = None
) -> list[IngestedGrammar]:
    """One grammar per bibkey (file stem); duplicates across feature folders stored once."""
    path = Path(path)
    files, meta_root = _find_csvs(path)
    if not files:
        raise IngestError(
            f"{path}: no paragraph CSVs found (expected {path}/paragraphs/<FEATURE>/<bibkey>.csv "
            "or <bibkey>.csv files with 'Paragraph' and 'Page number' columns)."
        )
    grammars: dict[str, _GrammarRows] = defaultdict(_GrammarRows)
    for csv_path in files:
        _read_csv(csv_path, grammars[csv_path.stem])
    bench_meta = load_benchmark_metadata(meta_root) if meta_root else {}
    extra = dict(metadata or {})
    if "id" in extra and len(grammars) > 1:
        raise IngestError(f"{path}: holds {len(grammars)} grammars; metadata 'id' can only name one.")
    out: list[IngestedGrammar] = []
    for bibkey in sorted(grammars):
        data = grammars[bibkey]
        fields: dict[str, object] = {"id": bibkey, "title": bibkey, **bench_meta.get(bibkey, {})}
        fields.update(extra)
        fill_language_codes(fields)
        grammar = Grammar(
            id=str(fields["id"]),
            title=str(fields.get("title") or ""),
            language=str(fields.get("language") or ""),
            iso639_3=_opt(fields.get("iso639_3")),
            glottocode=_opt(fields.get("glottocode")),
            author=_opt(fields.get("author")),
            year=_int(fields.get("year")),
            source_path=str(path),
            source_format="paragraph-csv",
            license=_opt(fields.get("license")),
        )
        # Reading order = page order (the CSVs are in BM25 rank order, which is no order at all).
        rows = sorted(data.rows.values(), key=lambda r: (_page_sort_key(r[1]), r[3]))
        norms = {id(r): k[0] for k, r in data.rows.items()}
        units = [
            Unit(text=r[0], page_start=r[1], page_end=r[2], norm=norms[id(r)]) for r in rows
        ]
        # Paragraphs are the published unit; never merge two of them into one passage.
        paragraph_cfg = ChunkingConfig(
            mode=chunking.mode,
            window_tokens=chunking.window_tokens,
            overlap_tokens=chunking.overlap_tokens,
            min_chars=0,
        )
        passages = make_passages(grammar.id, units, paragraph_cfg, max_chars=PRECUT_MAX_CHARS)
        logger.debug("%s: %d rows, %d unique paragraphs", bibkey, data.total, len(data.rows))
        out.append(IngestedGrammar(grammar, passages))
    logger.info(
        "paragraph CSVs %s: %d files, %d grammars, %d passages",
        path,
        len(files),
        len(out),
        sum(len(g.passages) for g in out),
    )
    return out


def _opt(value: object) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None


def _int(value: object) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(str(value)[:4]) if not isinstance(value, int) else value
    except ValueError:
        return None


@INGESTERS.register("paragraph-csv", help="the paper's Paragraph/Page number CSVs (file or paragraphs/ tree)")
def _factory() -> Ingester:
    return ingest_paragraph_csv

"""The coding sheet of one grammar: proposals, a reviewer's decisions, and their exchange formats.

A sheet is what a Grambank or WALS coder fills in: one row per feature with the value, the source
and page, and a comment. Here the proposals come from ``extract`` (the results table) and the
decisions from the reviews table (:mod:`grammar_rag.extract.reviews`). This module writes the
reviewed sheet as a Grambank-style TSV, a WALS-style TSV or a CLDF StructureDataset, and reads a
TSV back, so a linguist who coded part of a sheet by hand can continue in the app.

Reading is all-or-nothing: every row is checked first and any problem is reported naming the row
(its line in the file); only a clean sheet is stored, in one transaction.
"""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from grammar_rag.errors import GrammarRagError
from grammar_rag.extract.cldf_export import (
    ExportReport,
    _bibkey,
    evidence_pages,
    export_dataset,
    parameter_id,
    source_reference,
)
from grammar_rag.extract.reviews import (
    ACCEPT,
    DECISIONS,
    NOT_STATED,
    NOT_STATED_VALUE,
    OTHER_VALUE,
    Review,
    ReviewInput,
    ReviewStore,
)
from grammar_rag.extract.store import RunConfig
from grammar_rag.features.languages import LanguageResolver
from grammar_rag.types import Evidence, Feature, Grammar, Prediction

FORMATS = ("grambank-tsv", "wals-tsv", "cldf")
GRAMBANK_COLUMNS = ("Feature_ID", "Value", "Source", "Comment", "Contributed_Datapoint", "Decision", "Date")
WALS_COLUMNS = (
    "Feature_ID", "Value", "Value_Name", "Source", "Comment", "Contributed_Datapoint", "Decision", "Date",
)
_REQUIRED = ("Feature_ID", "Value")
_DATE_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


class SheetError(GrammarRagError):
    """An imported sheet that cannot be stored; the message names the row and what to fix."""


# ------------------------------------------------------------------------------- sources
def format_source(grammar_id: str, pages: str) -> str:
    """``bibkey[pages]`` (Grambank's and CLDF's way of citing a page)."""
    return source_reference(grammar_id, [pages] if pages.strip() else [])


def parse_source(text: str) -> tuple[str, str]:
    """(bibkey, pages) of ``bibkey[pages]`` or a bare ``bibkey``."""
    match = re.fullmatch(r"\s*([^\[\]]*?)\s*(?:\[([^\[\]]*)\])?\s*", text or "")
    if not match:
        raise ValueError(f"cannot read Source {text!r}; write it as bibkey[pages]")
    return match.group(1), (match.group(2) or "").strip()


def _date(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, tz=UTC).strftime(_DATE_FORMAT)


def _parse_date(text: str) -> float:
    return datetime.strptime(text.strip(), _DATE_FORMAT).replace(tzinfo=UTC).timestamp()


def _wals_number(feature: Feature | None, value: str) -> str:
    """WALS codes its values by number within a chapter ("81A-1" -> "1")."""
    if feature is None or value == NOT_STATED_VALUE:
        return value
    known = feature.value_by_name(value)
    return known.code.rsplit("-", 1)[-1] if known else value


# ------------------------------------------------------------------------------- export
def sheet_rows(reviews: Sequence[Review], features: Mapping[str, Feature], fmt: str) -> list[dict[str, str]]:
    """The reviewed sheet as TSV rows (``fmt`` is ``grambank-tsv`` or ``wals-tsv``)."""
    rows = []
    for review in sorted(reviews, key=lambda r: r.feature_id):
        feature = features.get(review.feature_id)
        row = {
            "Feature_ID": parameter_id(review.feature_id),
            "Value": review.value,
            "Source": format_source(review.grammar_id, review.pages),
            "Comment": review.comment,  # csv quotes tabs and newlines, so it reads back exactly
            "Contributed_Datapoint": review.reviewer,
            "Decision": review.decision,
            "Date": _date(review.reviewed_at),
        }
        if fmt == "wals-tsv":
            row["Value"] = _wals_number(feature, review.value)
            row["Value_Name"] = review.value
        rows.append(row)
    return rows


def write_tsv(rows: Sequence[Mapping[str, str]], fmt: str, out: Path) -> Path:
    """Write ``rows`` atomically (temp file + rename) to ``out``."""
    columns = WALS_COLUMNS if fmt == "wals-tsv" else GRAMBANK_COLUMNS
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=columns, delimiter="\t", lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out


def reviewed_predictions(reviews: Sequence[Review], proposals: Mapping[str, Prediction]) -> list[Prediction]:
    """The reviewed sheet as predictions for the CLDF writer: the decided value, the reviewer's page
    as the cited source, and the evidence quote plus the reviewer's comment as the comment."""
    out = []
    for review in reviews:
        proposal = proposals.get(review.feature_id)
        quote = " ".join(proposal.evidence[0].quote.split())[:300] if proposal and proposal.evidence else ""
        pages = review.pages or (", ".join(evidence_pages(proposal)) if proposal else "")
        parts = []
        if quote:
            parts.append(f"Evidence: \u201c{quote}\u201d")
        decided = {ACCEPT: "accepted", OTHER_VALUE: "set", NOT_STATED: "not stated in the grammar"}[review.decision]
        note = f"Reviewed by {review.reviewer} ({_date(review.reviewed_at)}): {decided}"
        parts.append(note + (f". {review.comment}" if review.comment else ""))
        evidence = [Evidence(passage_id="review", grammar_id=review.grammar_id, quote=quote, pages=pages or None)]
        value = review.value
        out.append(
            Prediction(
                grammar_id=review.grammar_id,
                feature_id=review.feature_id,
                value="" if value == NOT_STATED_VALUE else value,
                values=[v.strip() for v in value.split(",")] if "," in value else [],
                evidence=evidence if pages else [],
                reasoning=" ".join(parts),
                confidence=1.0,
                backend="review",
            )
        )
    return out


def export_sheet(
    store: ReviewStore,
    grammar_id: str,
    fmt: str,
    out: Path,
    *,
    proposals: Mapping[str, Prediction],
    grammars: Mapping[str, Grammar],
    features: Mapping[str, Feature],
    resolver: LanguageResolver | None = None,
) -> tuple[int, ExportReport | None]:
    """Write the reviewed sheet of ``grammar_id`` to ``out`` (a file, or a folder for CLDF)."""
    if fmt not in FORMATS:
        raise SheetError(f"Unknown format {fmt!r}: use one of {', '.join(FORMATS)}.")
    reviews = store.all(grammar_id)
    if not reviews:
        raise SheetError(f"No reviewed features for {grammar_id}: review some in the app, or import a sheet.")
    if fmt == "cldf":
        report = export_dataset(
            reviewed_predictions(reviews, proposals), RunConfig("review"), grammars, features, out,
            resolver=resolver, title=f"Reviewed coding sheet: {grammar_id}",
            description=(
                "Feature values decided by a reviewer reading the grammar, starting from grammar-rag's "
                "proposals. Source gives the grammar and pages; Comment the evidence and the reviewer's note. "
                "Features marked 'not stated in the grammar' have Value ? (unknown)."
            ),
        )
        return len(reviews), report
    write_tsv(sheet_rows(reviews, features, fmt), fmt, out)
    return len(reviews), None


# ------------------------------------------------------------------------------- import
@dataclass(frozen=True)
class ParsedRow:
    line: int
    review: ReviewInput
    reviewed_at: float | None


def parse_sheet(
    text: str,
    grammar_id: str,
    resolve_feature: Mapping[str, Feature] | None,
    *,
    default_reviewer: str = "import",
) -> list[ParsedRow]:
    """Check every row of a Grambank- or WALS-style TSV; raise :class:`SheetError` naming the first bad row.

    ``resolve_feature`` maps what a sheet may write ("GB107", "81A") to catalogue features.
    """
    reader = csv.DictReader(io.StringIO(text), delimiter="\t")
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in _REQUIRED if c not in header]
    if missing:
        raise SheetError(
            f"line 1: the sheet has no {', '.join(missing)} column (found: {', '.join(header) or 'nothing'}); "
            "write a tab-separated sheet with at least Feature_ID and Value."
        )
    features = resolve_feature or {}
    wals_style = "Value_Name" in header
    bibkey = _bibkey(grammar_id)
    seen: dict[str, int] = {}
    parsed = []
    for number, raw in enumerate(reader, start=2):
        row = {(k or "").strip(): (v or "").strip() for k, v in raw.items() if k is not None}
        if not any(row.values()):
            continue

        where = f"line {number} ({row.get('Feature_ID') or 'no Feature_ID'})"

        def fail(problem: str, where: str = where) -> SheetError:
            return SheetError(f"{where}: {problem}")

        if None in raw:
            raise fail("more cells than columns; check the tabs in this row.")
        fid = row.get("Feature_ID", "")
        if not fid:
            raise fail("empty Feature_ID.")
        feature = features.get(fid) or features.get(f"WALS {fid}")
        if feature is None:
            raise fail(f"unknown feature {fid!r}; use a Grambank (GB107) or WALS (81A) id.")
        if feature.id in seen:
            raise fail(f"{fid} appears twice (first on line {seen[feature.id]}); keep one row per feature.")
        seen[feature.id] = number
        value = row.get("Value_Name", "") if wals_style and row.get("Value_Name") else row.get("Value", "")
        if not value:
            raise fail("empty Value; write the value, or ? when the grammar does not say.")
        if value != NOT_STATED_VALUE:
            known = _check_value(feature, value)
            if known is None:
                names = ", ".join(feature.value_names)
                raise fail(f"{value!r} is not a value of {fid} ({names}).")
            value = known
        decision = row.get("Decision", "") or (NOT_STATED if value == NOT_STATED_VALUE else OTHER_VALUE)
        if decision not in DECISIONS:
            raise fail(f"unknown Decision {decision!r}; use {', '.join(DECISIONS)}.")
        if (decision == NOT_STATED) != (value == NOT_STATED_VALUE):
            raise fail(f"Decision {decision} does not match Value {value!r} (not-stated goes with ?).")
        try:
            key, pages = parse_source(row.get("Source", ""))
        except ValueError as exc:
            raise fail(str(exc)) from exc
        if key and key != bibkey:
            raise fail(f"Source cites {key!r}, but this sheet is for {bibkey}; import it into that grammar's sheet.")
        reviewed_at = None
        if row.get("Date"):
            try:
                reviewed_at = _parse_date(row["Date"])
            except ValueError:
                raise fail(f"cannot read Date {row['Date']!r}; write it as 2026-12-06T13:00:00Z.") from None
        review = ReviewInput(
            grammar_id=grammar_id, feature_id=feature.id, decision=decision, value=value, pages=pages,
            comment=row.get("Comment", ""), reviewer=row.get("Contributed_Datapoint", "") or default_reviewer,
        )
        parsed.append(ParsedRow(number, review, reviewed_at))
    return parsed


def _check_value(feature: Feature, value: str) -> str | None:
    """The catalogue's spelling of ``value`` (a name or a code; comma-joined names for multi-label)."""
    if feature.multi_label or "," in value:
        parts = [feature.value_by_name(p) for p in value.split(",")]
        if all(parts) and parts:
            return ", ".join(p.name for p in parts if p)
    known = feature.value_by_name(value)
    if known is None and feature.database.lower() == "wals" and value.isdigit():
        known = feature.value_by_name(f"{parameter_id(feature.id)}-{value}")
    return known.name if known else None


def import_sheet(
    store: ReviewStore,
    path: Path,
    grammar_id: str,
    features: Mapping[str, Feature],
    proposals: Mapping[str, Prediction],
    *,
    default_reviewer: str = "import",
) -> int:
    """Store every row of the sheet at ``path`` as a review, in one transaction, or none of them."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SheetError(f"{path} is not UTF-8 text ({exc}); save the sheet as UTF-8 TSV.") from exc
    rows = parse_sheet(text, grammar_id, features, default_reviewer=default_reviewer)
    items = []
    for row in rows:
        review = row.review
        proposal = proposals.get(review.feature_id)
        if review.decision == ACCEPT and (proposal is None or proposal.value != review.value):
            # "accepted" a proposal that is not the current one: keep the value, not the word
            review = ReviewInput(review.grammar_id, review.feature_id, OTHER_VALUE, review.value,
                                 review.pages, review.comment, review.reviewer)
        items.append((review, proposal, row.reviewed_at))
    store.save_many(items)
    return len(items)

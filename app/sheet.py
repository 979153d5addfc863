"""Page logic of the coding-sheet tab: propose a feature set for one grammar, review it, summarise it.

Kept free of Streamlit so it is tested directly. The sheet lives in a results folder exactly like
``grammar-rag extract --out`` writes (``results.sqlite``, resumable), with the reviewer's decisions
in its reviews table (:mod:`grammar_rag.extract.reviews`), so the CLI's ``review export`` reads
what the app saved. Reference values (WALS, Grambank) are looked up after the proposals exist and
only shown beside them: they are never an input to a proposal.
"""

from __future__ import annotations

import math
import re
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grammar_rag.config import cache_dir
from grammar_rag.errors import GrammarRagError
from grammar_rag.extract.cldf_export import evidence_pages, parameter_id
from grammar_rag.extract.engines import EngineSpec, PairOutcome, make_engine
from grammar_rag.extract.inputs import save_inputs
from grammar_rag.extract.predictors import PipelinePredictor, default_parallelism, make_retrieval_config
from grammar_rag.extract.reviews import ReviewInput, ReviewStore, SaveResult
from grammar_rag.extract.runner import RunSummary, run_extraction
from grammar_rag.extract.sheet import export_sheet, import_sheet
from grammar_rag.extract.store import STORE_FILENAME, ResultStore, RunConfig
from grammar_rag.features.reference import is_missing
from grammar_rag.types import Feature, Grammar, Prediction

# WALS chapters by area, as the WALS Online site groups them (chapter numbers, inclusive ranges)
WALS_AREAS: dict[str, tuple[tuple[int, int], ...]] = {
    "Phonology": ((1, 19),),
    "Morphology": ((20, 29),),
    "Nominal Categories": ((30, 57),),
    "Nominal Syntax": ((58, 64),),
    "Verbal Categories": ((65, 80),),
    "Word Order": ((81, 97), (143, 144)),
    "Simple Clauses": ((98, 121),),
    "Complex Sentences": ((122, 128),),
    "Lexicon": ((129, 138),),
    "Sign Languages": ((139, 140),),
    "Other": ((141, 142),),
}
FEATURE_SETS = ("All Grambank", "All WALS", "A WALS area", "A list")
LOW_CONFIDENCE = 0.5
FILTERS = ("abstained", "low confidence", "disagrees with reference", "not yet reviewed", "proposal changed")
Progress = Callable[[float, str], None]
ReferenceFn = Callable[[Grammar, Feature], tuple[str | None, str]]


def wals_area(feature: Feature) -> str:
    """The WALS area of a WALS feature ("WALS 81A" -> "Word Order"); Grambank features -> "Grambank"."""
    if feature.database != "WALS":
        return feature.database or "Other"
    match = re.search(r"(\d+)", feature.id)
    chapter = int(match.group(1)) if match else 0
    for area, ranges in WALS_AREAS.items():
        if any(lo <= chapter <= hi for lo, hi in ranges):
            return area
    return "Other"


def feature_set(catalogue: Any, kind: str, detail: str = "") -> list[Feature]:
    """The features of a sheet: all Grambank, all WALS, one WALS area, or a comma-separated list."""
    if kind == "All Grambank":
        return list(catalogue.all("Grambank"))
    if kind == "All WALS":
        return list(catalogue.all("WALS"))
    if kind == "A WALS area":
        if detail not in WALS_AREAS:
            raise GrammarRagError(f"Unknown WALS area {detail!r}: choose one of {', '.join(WALS_AREAS)}.")
        return [f for f in catalogue.all("WALS") if wals_area(f) == detail]
    if kind == "A list":
        ids = [part.strip() for part in detail.split(",") if part.strip()]
        if not ids:
            raise GrammarRagError("The feature list is empty: type ids such as GB107, 81A.")
        chosen: dict[str, Feature] = {}
        for fid in ids:
            feature = catalogue.get(fid)
            chosen.setdefault(feature.id, feature)
        return list(chosen.values())
    raise GrammarRagError(f"Unknown feature set {kind!r}: choose one of {', '.join(FEATURE_SETS)}.")


def sheet_dir(grammar_id: str, root: Path | None = None) -> Path:
    """Where a grammar's sheet lives by default: one results folder per grammar, reused across sessions."""
    safe = re.sub(r"[^\w.-]+", "_", grammar_id) or "grammar"
    return (root or cache_dir() / "sheets") / safe


# ------------------------------------------------------------------------------------ proposing
def propose(
    index: Any,
    index_dir: str,
    grammar: Grammar,
    features: Sequence[Feature],
    results: Path,
    *,
    backend: str = "evidence",
    mode: str | None = None,
    k: int | None = None,
    progress: Progress | None = None,
) -> RunSummary:
    """Fill ``results`` with proposals for every missing (grammar, feature): resumable, like ``extract``."""
    local = PipelinePredictor(index, backend, retrieval=make_retrieval_config(mode, k))
    batch, concurrency = default_parallelism(backend)
    spec = EngineSpec(engine="local", index_dir=index_dir, backend=backend, retrieval=local.retrieval,
                      prompt_version=local.prompt_version, workers=1)
    save_inputs(results, [grammar], features)
    total = len(features)
    done = [0]

    def predict(pairs: list[tuple[Grammar, Feature]]) -> Sequence[PairOutcome]:
        out = engine(pairs)
        done[0] += len(pairs)
        if progress is not None:
            progress(done[0] / max(total, 1), f"{done[0]} of {total} feature(s) proposed in this run")
        return out

    with ResultStore(results / STORE_FILENAME) as store, make_engine(spec, local, concurrency) as engine:
        return run_extraction(store, local.run_config, [grammar], features, predict, batch_size=batch,
                              concurrency=1, progress=False)


# ------------------------------------------------------------------------------------ the sheet
@dataclass
class SheetRow:
    """One feature of the sheet as the table shows it."""

    grammar_id: str
    feature: Feature
    area: str
    proposal: Prediction | None
    reference: str | None = None
    reference_source: str = ""
    review: Any = None  # a Review, or None
    proposal_changed: bool = False

    @property
    def proposed(self) -> str:
        if self.proposal is None:
            return "(not proposed yet)"
        return "— abstained —" if is_missing(self.proposal) else self.proposal.value

    @property
    def confidence(self) -> float | None:
        return None if self.proposal is None else float(self.proposal.confidence)

    @property
    def abstained(self) -> bool:
        return self.proposal is not None and is_missing(self.proposal)

    @property
    def quote(self) -> str:
        if self.proposal is None or not self.proposal.evidence:
            return ""
        return " ".join(self.proposal.evidence[0].quote.split())

    @property
    def pages(self) -> str:
        return ", ".join(evidence_pages(self.proposal)) if self.proposal is not None else ""

    @property
    def decided(self) -> str | None:
        """The value that counts: the reviewer's if reviewed, else the proposal's (None if abstained)."""
        if self.review is not None:
            return str(self.review.value)
        if self.proposal is None or self.abstained:
            return None
        return self.proposal.value

    @property
    def agrees(self) -> bool | None:
        """Does the decided value match the reference? None when either is unknown."""
        if self.reference is None or self.decided in (None, "?"):
            return None
        return str(self.decided).strip().lower() == self.reference.strip().lower()

    def to_record(self) -> dict[str, Any]:
        """A table row (plain types for the data-frame widget)."""
        review = self.review
        return {
            "Feature": self.feature.id,
            "Name": self.feature.name,
            "Area": self.area,
            "Proposed": self.proposed,
            "Confidence": None if self.confidence is None else round(self.confidence, 2),
            "Evidence": self.quote[:200],
            "Pages": self.pages,
            "Reference": f"{self.reference} ({self.reference_source})" if self.reference else "",
            "Reviewed": "" if review is None else f"{review.value} ({review.reviewer})",
            "Note": "proposal changed since reviewed" if self.proposal_changed else "",
        }


def load_sheet(
    results: Path,
    grammar: Grammar,
    features: Sequence[Feature],
    reference: ReferenceFn | None = None,
    config: RunConfig | None = None,
) -> list[SheetRow]:
    """Rows for ``features`` of ``grammar``: the stored proposals (of ``config``, default the largest
    run), the reviews, and — looked up only now, for display — the reference values."""
    proposals: dict[str, Prediction] = {}
    path = results / STORE_FILENAME
    reviews: dict[str, Any] = {}
    if path.exists():
        with ResultStore(path, readonly=True) as store:
            configs = store.configs()
            chosen = config or (configs[0].config if configs else None)
            if chosen is not None:
                proposals = {p.feature_id: p for p in store.predictions(chosen) if p.grammar_id == grammar.id}
        with ReviewStore(path) as review_store:
            reviews = {r.feature_id: r for r in review_store.all(grammar.id)}
    rows = []
    for feature in features:
        proposal = proposals.get(feature.id)
        review = reviews.get(feature.id)
        ref, source = reference(grammar, feature) if reference is not None else (None, "")
        rows.append(SheetRow(
            grammar_id=grammar.id, feature=feature, area=wals_area(feature), proposal=proposal, reference=ref, reference_source=source,
            review=review, proposal_changed=review is not None and ReviewStore.proposal_changed(review, proposal),
        ))
    return rows


def filter_rows(rows: Sequence[SheetRow], filters: Sequence[str], low: float = LOW_CONFIDENCE) -> list[SheetRow]:
    """Rows matching *all* chosen filters (an empty choice keeps every row)."""
    unknown = [f for f in filters if f not in FILTERS]
    if unknown:
        raise GrammarRagError(f"Unknown filter {unknown[0]!r}: choose from {', '.join(FILTERS)}.")
    tests: dict[str, Callable[[SheetRow], bool]] = {
        "abstained": lambda r: r.abstained,
        "low confidence": lambda r: r.confidence is not None and r.confidence < low,
        "disagrees with reference": lambda r: r.agrees is False,
        "not yet reviewed": lambda r: r.review is None,
        "proposal changed": lambda r: r.proposal_changed,
    }
    return [r for r in rows if all(tests[f](r) for f in filters)]


def paginate(rows: Sequence[SheetRow], page: int, size: int = 25) -> tuple[list[SheetRow], int]:
    """(rows of page ``page`` counted from 1, number of pages); the page is clamped into range."""
    pages = max(1, math.ceil(len(rows) / size))
    page = min(max(page, 1), pages)
    return list(rows[(page - 1) * size: page * size]), pages


@dataclass
class AreaSummary:
    area: str
    features: int = 0
    proposed: int = 0
    abstained: int = 0
    reviewed: int = 0
    with_reference: int = 0
    agree: int = 0

    def to_record(self) -> dict[str, Any]:
        return {"Area": self.area, "Features": self.features, "Proposed": self.proposed,
                "Abstained": self.abstained, "Reviewed": self.reviewed,
                "With reference": self.with_reference, "Agree with reference": self.agree}


def area_summary(rows: Sequence[SheetRow]) -> list[AreaSummary]:
    """Per area: how many proposed, abstained, reviewed, and agree with the reference."""
    by_area: dict[str, AreaSummary] = {}
    for row in rows:
        s = by_area.setdefault(row.area, AreaSummary(row.area))
        s.features += 1
        s.proposed += row.proposal is not None and not row.abstained
        s.abstained += row.abstained
        s.reviewed += row.review is not None
        s.with_reference += row.agrees is not None
        s.agree += row.agrees is True
    return [by_area[a] for a in sorted(by_area)]


@dataclass
class Histogram:
    edges: list[float] = field(default_factory=list)
    counts: list[int] = field(default_factory=list)

    def to_records(self) -> list[dict[str, Any]]:
        return [{"Confidence": f"{lo:.1f}–{hi:.1f}", "Features": n}
                for lo, hi, n in zip(self.edges, self.edges[1:], self.counts, strict=False)]


def confidence_histogram(rows: Sequence[SheetRow], bins: int = 10) -> Histogram:
    """Counts of proposals by confidence in ``bins`` equal bins over [0, 1] (1.0 falls in the last)."""
    edges = [i / bins for i in range(bins + 1)]
    counts = [0] * bins
    for row in rows:
        if row.confidence is None:
            continue
        counts[min(int(row.confidence * bins), bins - 1)] += 1
    return Histogram(edges, counts)


# ------------------------------------------------------------------------------------ reviewing
def save_review(
    results: Path,
    row: SheetRow,
    decision: str,
    *,
    reviewer: str,
    value: str = "",
    pages: str = "",
    comment: str = "",
    expected_version: int | None = None,
) -> SaveResult:
    """Store a decision at once (one transaction). ``expected_version`` is the version the page showed:
    when another tab saved in between, this save still wins and the result says what it replaced."""
    with ReviewStore(results / STORE_FILENAME) as store:
        return store.save(
            ReviewInput(row.grammar_id, row.feature.id, decision, value, pages, comment, reviewer),
            row.proposal, expected_version=expected_version,
        )


# ------------------------------------------------------------------------------------ exchange
def _lookup(catalogue: Any) -> dict[str, Feature]:
    """Every way a sheet may name a feature ("GB107", "81A", "WALS 81A") -> the feature."""
    lookup: dict[str, Feature] = {}
    for feature in catalogue:
        lookup[feature.id] = feature
        lookup[parameter_id(feature.id)] = feature
    return lookup


def export_tsv(results: Path, grammar_id: str, fmt: str, catalogue: Any) -> bytes:
    """The reviewed sheet as a Grambank- or WALS-style TSV (what ``grammar-rag review export`` writes)."""
    with tempfile.TemporaryDirectory() as tmp, ReviewStore(results / STORE_FILENAME) as store:
        out = Path(tmp) / "sheet.tsv"
        features = {f.id: f for f in catalogue}
        export_sheet(store, grammar_id, fmt, out, proposals={}, grammars={}, features=features)
        return out.read_bytes()


def import_tsv(results: Path, grammar_id: str, data: bytes, catalogue: Any, rows: Sequence[SheetRow],
               reviewer: str = "import") -> int:
    """Store an uploaded TSV sheet as reviews: every row, or (naming the bad row) none."""
    proposals = {r.feature.id: r.proposal for r in rows if r.proposal is not None}
    with tempfile.TemporaryDirectory() as tmp, ReviewStore(results / STORE_FILENAME) as store:
        path = Path(tmp) / "upload.tsv"
        path.write_bytes(data)
        return import_sheet(store, path, grammar_id, _lookup(catalogue), proposals,
                            default_reviewer=reviewer or "import")

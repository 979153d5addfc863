"""Compare extracted values with WALS (and Grambank where a values table is available).

Typological databases contain errors, so a disagreement is not automatically a wrong
prediction: each one is listed with the grammar evidence the prediction rests on (quote + pages),
which is what a typologist needs to decide who is right. Reference values are only *read here*,
after prediction — never an input to it.
"""

from __future__ import annotations

import logging
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from grammar_rag.features.languages import LanguageInfo, LanguageResolver
from grammar_rag.features.reference import (
    ExplainFn,
    ReferenceFn,
    describe_language,
    is_missing,
    predicted_names,
    reference_names,
)
from grammar_rag.features.values import WalsLanguage
from grammar_rag.types import Feature, FeatureValue, Grammar, Prediction

logger = logging.getLogger(__name__)


@dataclass
class FeatureAgreement:
    feature_id: str
    n_predictions: int = 0
    n_with_reference: int = 0
    n_abstained_with_reference: int = 0
    n_agree: int = 0
    # reference values of the compared pairs: what always answering the commonest one would score
    reference_counts: Counter[str] = field(default_factory=Counter)
    # compared pairs whose reference is the database's commonest value over all its languages
    n_database_majority: int = 0
    n_database_majority_known: int = 0

    @property
    def database_majority_baseline(self) -> float | None:
        """Agreement of always answering the database's commonest value (WALS-wide, not these grammars'):
        the baseline that means something for a single grammar."""
        return self.n_database_majority / self.n_database_majority_known if self.n_database_majority_known else None

    @property
    def majority_baseline(self) -> float | None:
        """Agreement of a constant answer (the commonest reference value among the compared pairs):
        the floor an agreement rate has to beat to say anything about the grammars."""
        total = sum(self.reference_counts.values())
        return max(self.reference_counts.values()) / total if total else None

    @property
    def n_compared(self) -> int:
        """Pairs with a reference value where the classifier gave an answer."""
        return self.n_with_reference - self.n_abstained_with_reference

    @property
    def agreement(self) -> float | None:
        return self.n_agree / self.n_compared if self.n_compared else None

    def to_dict(self) -> dict[str, object]:
        return {
            "feature_id": self.feature_id,
            "n_predictions": self.n_predictions,
            "n_with_reference": self.n_with_reference,
            "n_abstained_with_reference": self.n_abstained_with_reference,
            "n_compared": self.n_compared,
            "n_agree": self.n_agree,
            "agreement": None if self.agreement is None else round(self.agreement, 4),
            "majority_baseline": None if self.majority_baseline is None else round(self.majority_baseline, 4),
            "majority_value": self.reference_counts.most_common(1)[0][0] if self.reference_counts else None,
            "database_majority_baseline": (None if self.database_majority_baseline is None
                                           else round(self.database_majority_baseline, 4)),
        }


@dataclass
class OverallAgreement(FeatureAgreement):
    """All features together: the majority baseline answers each feature's own commonest value."""

    majority_hits: int = 0

    @property
    def majority_baseline(self) -> float | None:
        return self.majority_hits / self.n_compared if self.n_compared else None


def overall(features: Sequence[FeatureAgreement]) -> OverallAgreement:
    total = OverallAgreement("all")
    for f in features:
        total.n_predictions += f.n_predictions
        total.n_with_reference += f.n_with_reference
        total.n_abstained_with_reference += f.n_abstained_with_reference
        total.n_agree += f.n_agree
        total.majority_hits += max(f.reference_counts.values(), default=0)
        total.n_database_majority += f.n_database_majority
        total.n_database_majority_known += f.n_database_majority_known
    return total


def feature_order(feature_id: str) -> tuple[object, ...]:
    """WALS 9A before WALS 10A: numbers compared as numbers."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", feature_id))


@dataclass
class Disagreement:
    grammar_id: str
    language: str
    glottocode: str | None
    feature_id: str
    predicted: str
    reference: str
    confidence: float
    evidence: list[dict[str, object]] = field(default_factory=list)  # quote, pages, section

    def to_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


@dataclass
class ComparisonReport:
    features: list[FeatureAgreement]
    disagreements: list[Disagreement]
    reference: str = "WALS"
    # why some predictions have no reference ("no WALS reference for language X (glottocode ...)")
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {
            "reference": self.reference,
            "notes": list(self.notes),
            "features": [f.to_dict() for f in self.features],
            "overall": overall(self.features).to_dict(),
            "disagreements": [d.to_dict() for d in self.disagreements],
        }


def compare_predictions(
    predictions: Sequence[Prediction],
    grammars: Mapping[str, Grammar],
    features: Mapping[str, Feature],
    reference: ReferenceFn,
    *,
    resolver: LanguageResolver | None = None,
    reference_name: str = "WALS",
    explain: ExplainFn | None = None,
    majority: Callable[[Feature], FeatureValue | None] | None = None,
    reference_for: Mapping[str, WalsLanguage] | None = None,
) -> ComparisonReport:
    """Agreement per feature and every disagreement with its evidence; with ``explain``, a note per
    grammar saying why some of its predictions had no reference value to compare with; with
    ``majority`` (the database's commonest value of a feature), that constant answer's agreement;
    ``reference_for`` (grammar id -> WALS language) compares a grammar with another WALS language
    than its own, a related variety WALS codes, as the user asked (and says so in the notes)."""
    resolver = resolver or LanguageResolver()
    per_feature: dict[str, FeatureAgreement] = {}
    disagreements: list[Disagreement] = []
    infos: dict[str, LanguageInfo] = {}
    unreferenced: dict[str, list[str]] = defaultdict(list)
    for pred in sorted(predictions, key=lambda p: (p.feature_id, p.grammar_id)):
        stats = per_feature.setdefault(pred.feature_id, FeatureAgreement(pred.feature_id))
        stats.n_predictions += 1
        if pred.grammar_id not in infos:
            infos[pred.grammar_id] = resolver.resolve(grammars.get(pred.grammar_id) or Grammar(id=pred.grammar_id))
        info = infos[pred.grammar_id]
        other = (reference_for or {}).get(pred.grammar_id)
        asked = LanguageInfo(id=f"wals:{other.wals_code}", name=f"wals:{other.wals_code}") if other else info
        ref = reference_names(reference(asked, pred.feature_id))
        if not ref:
            unreferenced[pred.grammar_id].append(pred.feature_id)
            continue
        stats.n_with_reference += 1
        if is_missing(pred):
            stats.n_abstained_with_reference += 1
            continue
        stats.reference_counts[", ".join(sorted(ref))] += 1
        feature = features.get(pred.feature_id)
        common = majority(feature) if majority is not None and feature is not None else None
        if common is not None:
            stats.n_database_majority_known += 1
            stats.n_database_majority += reference_names(common) == ref
        if predicted_names(pred, features.get(pred.feature_id)) == ref:
            stats.n_agree += 1
            continue
        disagreements.append(
            Disagreement(
                grammar_id=pred.grammar_id,
                language=info.name,
                glottocode=info.glottocode,
                feature_id=pred.feature_id,
                predicted=pred.value,
                reference=", ".join(sorted(ref)),
                confidence=round(pred.confidence, 3),
                evidence=[
                    {"quote": " ".join(ev.quote.split()), "pages": ev.pages, "section": list(ev.section)}
                    for ev in pred.evidence[:3]
                ],
            )
        )
    disagreements.sort(key=lambda d: (feature_order(d.feature_id), -d.confidence, d.grammar_id))
    notes = [f"{gid}: {explain(infos[gid], fids)}" for gid, fids in sorted(unreferenced.items())
             if gid not in (reference_for or {})] if explain else []
    for gid, wals in sorted((reference_for or {}).items()):
        if gid in infos:
            notes.append(f"{gid}: compared with WALS's {wals.label} as asked (--reference), "
                         f"not with the grammar's own {describe_language(infos[gid])}")
    return ComparisonReport(sorted(per_feature.values(), key=lambda f: feature_order(f.feature_id)), disagreements,
                            reference_name, notes)


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def format_report(report: ComparisonReport, max_disagreements: int = 20) -> str:
    """Plain-text table for the terminal."""
    lines = [f"Agreement with {report.reference} (abstentions excluded from 'compared'):"]
    if report.notes:
        lines[:0] = [*(f"note: {n}" for n in report.notes), ""]
    database = any(f.n_database_majority_known for f in report.features)
    lines.append(f"{'feature':<14}{'predicted':>10}{'with ref':>10}{'abstained':>10}{'compared':>10}{'agree':>8}"
                 f"{'disagree':>9}{'rate':>8}{'majority':>10}" + (f"{report.reference + ' maj.':>11}" if database else ""))
    # an all-WALS run on a language WALS codes for ~30 features printed ~160 rows of zeros: rows without
    # any reference value are counted in one line instead (every row stays in compare.json)
    shown = [f for f in report.features if f.n_with_reference]
    rows = [*shown, overall(report.features)] if len(report.features) > 1 else report.features
    for f in rows:
        rate, floor = _share(f.agreement), _share(f.majority_baseline)
        lines.append(
            f"{f.feature_id:<14}{f.n_predictions:>10}{f.n_with_reference:>10}{f.n_abstained_with_reference:>10}"
            f"{f.n_compared:>10}{f.n_agree:>8}{f.n_compared - f.n_agree:>9}{rate:>8}{floor:>10}"
            + (f"{_share(f.database_majority_baseline):>11}" if database else "")
        )
    lines.append("(abstained: not answered, evidence returned; never counted as disagreeing. majority: agreement of "
                 "always answering the commonest reference value among the compared grammars; for 'all', each "
                 "feature's own" + (f". {report.reference} maj.: always answering {report.reference}'s commonest value "
                                    "over all its languages, on the same pairs)" if database else ")"))
    if len(report.features) > 1 and len(shown) < len(report.features):
        lines.append(f"({len(report.features) - len(shown)} feature(s) with no {report.reference} value for any of "
                     "these grammars are not listed; they are in compare.json)")
    by_feature: dict[str, int] = defaultdict(int)
    for d in report.disagreements:
        by_feature[d.feature_id] += 1
    lines.append("")
    lines.append(f"{len(report.disagreements)} disagreement(s); highest-confidence first:")
    for d in report.disagreements[:max_disagreements]:
        pages = [str(e["pages"]) for e in d.evidence if e.get("pages")]
        where = ("pp. " if len(pages) > 1 or "-" in "".join(pages) else "p. ") + ", ".join(pages) if pages else "no page"
        quote = str(d.evidence[0]["quote"])[:160] if d.evidence else ""
        lines.append(
            f"- {d.feature_id} {d.grammar_id} ({d.language}): predicted {d.predicted!r}, "
            f"{report.reference} {d.reference!r} [{where}] {quote}"
        )
    if len(report.disagreements) > max_disagreements:
        lines.append(f"  ... {len(report.disagreements) - max_disagreements} more in the JSON/CSV report")
    return "\n".join(lines)

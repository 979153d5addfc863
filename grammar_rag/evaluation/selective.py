"""Selective-classification figures, all out of sample (issue 22).

From the benchmark's per-grammar rows (raw evidence score, share right) this module gives, per
feature: coverage (answered share), precision when answering, the coverage-precision curve and its
area, expected calibration error over answered predictions, and the paper metric with selective
abstentions scored as the paper scores them (the first option). Calibrated confidences and
thresholds come from :func:`grammar_rag.classify.calibration.cross_validate` (no grammar in its own
fit) or, for the lock-box, from the map fitted on all development grammars. Intervals: 95%
bootstrap over grammars.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from grammar_rag.classify import calibration
from grammar_rag.classify.calibration import FamilyMap, Judged, MapRule, Point, target_precision
from grammar_rag.evaluation.gold import VALUES

FAMILY_RE = re.compile(r"^\[([^\]]+)\]")
# Count features whose values are ordered bins: a wrong answer one bin off (an undercount of a large
# inventory, say) is reported apart from a wrong one (issue 22). WALS 49A's "exclusively borderline"
# is no bin: its confusions with "no case" and "2 cases" (the threshold chapter 49 draws) go apart too.
COUNT_BINS = {"WALS 49A": VALUES["WALS 49A"][:8]}
BORDERLINE = {"WALS 49A": (VALUES["WALS 49A"][8], set(VALUES["WALS 49A"][:2]))}


def family_of(reasoning: str) -> str:
    """The cue family a prediction's reasoning names (``[word-order] ...``)."""
    m = FAMILY_RE.match(reasoning or "")
    return m.group(1) if m else ""


def row_abstained(row: Mapping[str, Any]) -> bool:
    """Whether a benchmark row abstained: a flag in memory, the text "True" in a predictions CSV."""
    return str(row["abstained"]) in ("True", "true", "1")


def points_from_rows(rows: Sequence[dict[str, Any]]) -> list[tuple[dict[str, Any], Point | None]]:
    """(row, Point) for each benchmark row; Point is None where the classifier itself abstained
    (no value to calibrate). ``confidence`` must be the *raw* evidence score."""
    out: list[tuple[dict[str, Any], Point | None]] = []
    for r in rows:
        # a derived answer's row holds its raw score (the product of its components' raw scores times the
        # rule's reliability: rows from an uncalibrated run) and is calibrated per derived feature
        abstained = row_abstained(r)
        # "map_feature": the row's own feature where "feature" was replaced by a group name (per-family tables)
        key = calibration.map_key(family_of(str(r["reasoning"])), str(r.get("map_feature", r.get("feature", ""))))
        point = None if abstained else Point(str(r["grammar"]), key,
                                             float(r["confidence"]), float(r["right"]), str(r.get("config", "")))
        out.append((r, point))
    return out


def judge_with(maps: dict[str, FamilyMap], points: Sequence[Point], min_precision: float | None = None) -> list[Judged]:
    """Judge points with one fixed set of maps (the lock-box: maps fitted on all development grammars)."""
    out = []
    for p in points:
        m = maps.get(p.family)
        if m is None:
            out.append(Judged(p, 0.0, None, -1))
        else:
            out.append(Judged(p, m(p.score), m.threshold(target_precision(p.family, min_precision)), -1))
    return out


def ece(pairs: Sequence[tuple[float, float]], bins: int = 10) -> float | None:
    """Expected calibration error: sum over equal-width confidence bins of share x |mean conf - mean right|."""
    if not pairs:
        return None
    total = 0.0
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        inside = [(c, y) for c, y in pairs if lo <= c < hi or (b == bins - 1 and c == 1.0)]
        if inside:
            total += len(inside) / len(pairs) * abs(sum(c for c, _ in inside) / len(inside)
                                                     - sum(y for _, y in inside) / len(inside))
    return total


def curve(pairs: Sequence[tuple[float, float]], n_total: int) -> tuple[list[tuple[float, float]], float]:
    """Coverage-precision curve answering in order of calibrated confidence (ties together), and
    its area (trapezoid over coverage from the first point; 0 when nothing can be answered)."""
    ranked = sorted(pairs, key=lambda cy: -cy[0])
    pts: list[tuple[float, float]] = []
    right = 0.0
    for k, (c, y) in enumerate(ranked, start=1):
        right += y
        if k == len(ranked) or ranked[k][0] != c:
            pts.append((round(k / n_total, 4), round(right / k, 4)))
    area = 0.0
    prev_cov, prev_prec = 0.0, pts[0][1] if pts else 0.0
    for cov, prec in pts:
        area += (cov - prev_cov) * (prec + prev_prec) / 2
        prev_cov, prev_prec = cov, prec
    return pts, round(area, 4)


def _figures(rows: list[tuple[dict[str, Any], Judged | None]], feature: str) -> dict[str, float | None]:
    n = len(rows)
    answered = [(j.confidence, j.point.right) for _, j in rows if j is not None and j.answered]
    raw_answered = [(j.confidence, j.point.right) for _, j in rows if j is not None]
    prec = sum(y for _, y in answered) / len(answered) if answered else None
    first = VALUES[feature][0] if feature in VALUES else None
    # paper metric with selective abstentions scored as the first option (the paper's rule)
    paper_sel = None
    if first is not None:
        paper_sel = sum(
            (j.point.right if (j is not None and j.answered) else float(str(r["gold"]) == first))
            for r, j in rows) / n
    return {
        "coverage": len(answered) / n if n else None,
        "precision": prec,
        "ece": ece(answered),
        "ece_all_classifier_answers": ece(raw_answered),
        "brier_all_classifier_answers": (sum((c - y) ** 2 for c, y in raw_answered) / len(raw_answered)
                                         if raw_answered else None),
        "paper_micro_selective": paper_sel,
        "paper_micro": sum(float(r["right"]) for r, _ in rows) / n if n else None,
    }


def near_misses(rows: Sequence[tuple[dict[str, Any], Judged | None]], feature: str) -> dict[str, int] | None:
    """Wrong answers of a count feature, split: one bin off, borderline confusions, further off; for
    the answers given (after thresholding) and for all the classifier's answers (before)."""
    bins = COUNT_BINS.get(feature)
    if bins is None:
        return None
    border, edge = BORDERLINE[feature]
    out = {f"{k}_{w}": 0 for k in ("answered", "all") for w in ("wrong", "one_bin_off", "borderline", "further")}
    for r, j in rows:
        if j is None or float(r["right"]) >= 1.0:
            continue
        pred, gold = str(r["prediction"]), str(r["gold"])
        if pred in bins and gold in bins and abs(bins.index(pred) - bins.index(gold)) == 1:
            kind = "one_bin_off"
        elif border in (pred, gold) and {pred, gold} - {border} <= edge:
            kind = "borderline"
        else:
            kind = "further"
        for k in ("answered", "all") if j.answered else ("all",):
            out[f"{k}_wrong"] += 1
            out[f"{k}_{kind}"] += 1
    return out


def _interval(values: list[float]) -> list[float] | None:
    vals = sorted(v for v in values if v is not None)
    if len(vals) < 20:
        return None
    return [round(vals[int(0.025 * len(vals))], 4), round(vals[min(len(vals) - 1, int(0.975 * len(vals)))], 4)]


def summarise(rows: list[tuple[dict[str, Any], Judged | None]], feature: str, resamples: int = 1000,
              seed: int = 0) -> dict[str, Any]:
    """Figures for one feature/config with 95% bootstrap intervals over grammars."""
    point = _figures(rows, feature)
    pairs = [(j.confidence, j.point.right) for _, j in rows if j is not None and j.answered]
    all_pairs = [(j.confidence, j.point.right) for _, j in rows if j is not None]
    pts, area = curve(all_pairs, len(rows))
    rng = random.Random(seed)
    boots: dict[str, list[float]] = {k: [] for k in point}
    areas: list[float] = []
    for _ in range(resamples):
        sample = [rows[rng.randrange(len(rows))] for _ in rows]
        figs = _figures(sample, feature)
        for k, v in figs.items():
            if v is not None:
                boots[k].append(v)
        areas.append(curve([(j.confidence, j.point.right) for _, j in sample if j is not None], len(sample))[1])
    out: dict[str, Any] = {"n": len(rows), "answered": len(pairs)}
    for k, v in point.items():
        out[k] = None if v is None else round(v, 4)
        out[k + "_ci95"] = _interval(boots[k])
    out["curve_area"] = area
    out["curve_area_ci95"] = _interval(areas)
    if (misses := near_misses(rows, feature)) is not None:
        out["near_misses"] = misses
    out["curve"] = pts
    return out


def evaluate(rows: Sequence[dict[str, Any]], judge_all: Callable[[list[Point]], list[Judged]],
             config: str | None = "reranker") -> dict[str, Any]:
    """Per feature: the figures above for rows of ``config`` (None = every config)."""
    pairs = points_from_rows(rows)  # every config's answers may train (folds are by grammar)
    judged = judge_all([p for _, p in pairs if p is not None])
    by_id = {id(j.point): j for j in judged}
    out: dict[str, Any] = {}
    grouped: dict[str, list[tuple[dict[str, Any], Judged | None]]] = {}
    for r, p in pairs:
        if config is not None and r["config"] != config:
            continue
        grouped.setdefault(str(r["feature"]), []).append((r, by_id.get(id(p)) if p is not None else None))
    for feature, group in sorted(grouped.items()):
        out[feature] = summarise(group, feature)
    return out


def development_cv(rows: Sequence[dict[str, Any]], min_precision: float | None = None,
                   config: str | None = "reranker") -> dict[str, Any]:
    """Grammar-level CV figures on the development grammars (the lock-box rows are dropped here:
    they are scored once, by ``benchmarks.calibrate_bench --lockbox``)."""
    dev = [r for r in rows if not calibration.in_lockbox(str(r["grammar"]))]
    return evaluate(dev, lambda pts: calibration.cross_validate(pts, min_precision), config)


def repeated_cv(rows: Sequence[dict[str, Any]], min_precision: float | None = None,
                repeats: int = calibration.CV_REPEATS, config: str | None = "reranker",
                rule: MapRule = calibration.DEFAULT_RULE) -> dict[str, dict[str, float]]:
    """Per feature, the mean over ``repeats`` alternative fold assignments (seeds ``CV_SEED:1``..) of
    the CV point figures, maps fitted by ``rule``. Why: with ~40 answers per feature, one split's ECE
    moves by several hundredths with the split alone; the mean says what the fitting method does, the
    reported split is one draw. A figure a split leaves undefined (ECE where nothing was answered) is
    averaged over the splits that define it."""
    dev = [r for r in rows if not calibration.in_lockbox(str(r["grammar"]))]
    pairs = points_from_rows(dev)
    points = [p for _, p in pairs if p is not None]
    sums: dict[str, dict[str, list[float]]] = {}
    for i in range(1, repeats + 1):
        judged = calibration.cross_validate(points, min_precision, fitter=lambda train: calibration.fit(train, rule),
                                            seed=f"{calibration.CV_SEED}:{i}")
        by_id = {id(j.point): j for j in judged}
        grouped: dict[str, list[tuple[dict[str, Any], Judged | None]]] = {}
        for r, p in pairs:
            if config is None or r["config"] == config:
                grouped.setdefault(str(r["feature"]), []).append((r, by_id.get(id(p)) if p is not None else None))
        for feature, group in grouped.items():
            for k, v in _figures(group, feature).items():
                if v is not None:
                    sums.setdefault(feature, {}).setdefault(k, []).append(v)
    return {f: {k: round(sum(v) / len(v), 4) for k, v in figs.items()} for f, figs in sorted(sums.items())}


def markdown_table(title: str, res: dict[str, Any]) -> list[str]:
    """One Markdown table of :func:`evaluate`'s figures with their intervals."""
    def f(x: Any) -> str:
        return "–" if x is None else f"{x:.3f}"

    def ci(x: Any) -> str:
        return "" if not x else f" [{x[0]:.2f}, {x[1]:.2f}]"

    cols = [("coverage", "coverage"), ("precision", "precision when answering"), ("ece", "ECE (answered)"),
            ("ece_all_classifier_answers", "ECE (all calibrated)"), ("curve_area", "coverage-precision area"),
            ("paper_micro", "paper micro (best guess)"), ("paper_micro_selective", "paper micro (abstain = first option)")]
    lines = [f"## {title}", "", "| feature | n | " + " | ".join(c for _, c in cols) + " |",
             "|---|---|" + "---|" * len(cols)]
    for feat, r in res.items():
        lines.append(f"| {feat} | {r['n']} | " + " | ".join(f"{f(r[k])}{ci(r[k + '_ci95'])}" for k, _ in cols) + " |")
    lines.append("")
    for feat, r in res.items():
        if m := r.get("near_misses"):
            lines.append(f"- {feat} wrong answers: answered {m['answered_wrong']} ({m['answered_one_bin_off']} one bin off, "
                         f"{m['answered_borderline']} borderline vs no/2 cases, {m['answered_further']} further off); "
                         f"all classifier answers before thresholding {m['all_wrong']} ({m['all_one_bin_off']} one bin off, "
                         f"{m['all_borderline']} borderline, {m['all_further']} further)")
    return [*lines, ""]


NOTES = [
    "Selective answering, out of sample: calibrated confidence and per-family thresholds for each grammar come "
    "from maps fitted without it (5-fold grammar-level CV over the development grammars; the lock-box third, "
    f"sha1('{calibration.LOCKBOX_SEED}:' + grammar_id) mod {calibration.LOCKBOX_MOD} == 0, is left out here).",
    "*paper micro (best guess)* scores the classifier's answer before thresholding (its own abstentions as the "
    "paper's first option, today's rule); *abstain = first option* scores every selective abstention as the "
    "paper's first option too. For the polar questions 'precision' is the mean share of the seven strategies right.",
]

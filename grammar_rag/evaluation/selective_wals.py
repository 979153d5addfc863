"""Selective answering scored against WALS on the shared grammars (``bench extract``, issue 22).

``bench rag`` scores against the paper's gold labels; batch extraction answers any catalogue
feature, and the only reference for most of them is WALS for the grammar's language. This module
runs the evidence classifier *uncalibrated* (raw evidence score, its own abstentions only) over
every (grammar, feature) pair whose language has a WALS value, marks each answer right or wrong
against WALS, and hands the rows to :mod:`grammar_rag.evaluation.selective`: grammar-level
cross-validated calibration and thresholds (no grammar in its own fit), coverage, precision when
answering, the coverage-precision curve and its area, ECE, each with a bootstrap interval over
grammars. The lock-box third of the grammars never enters a fit and is not scored here.

Figures are given per feature and per cue family; a family's *raw* precision (every answer its
rules give, nothing fitted) is the out-of-sample figure that decides whether an unvalidated family
such as the generic value-term reader may answer (``VALUE_TERM_GATE``). WALS values are read after
prediction, for scoring only.
"""

from __future__ import annotations

import hashlib
import logging
import random
from collections.abc import Iterable, Sequence
from typing import Any

from grammar_rag import pipeline
from grammar_rag.classify import calibration
from grammar_rag.classify.base import Classifier
from grammar_rag.classify.cues import select_family
from grammar_rag.evaluation.selective import evaluate, family_of, markdown_table, row_abstained
from grammar_rag.features.languages import LanguageResolver
from grammar_rag.features.reference import ReferenceFn, is_missing, predicted_names, reference_names
from grammar_rag.index import GrammarIndex
from grammar_rag.types import Feature

log = logging.getLogger(__name__)

VALUE_TERM_FAMILY = "value-terms"
VALUE_TERM_GATE = 0.8  # out-of-sample precision against WALS the generic reader must reach to answer
VALUE_TERM_SEED = "grammar-rag-value-term-sample"


def value_term_sample(catalogue_features: Iterable[Feature], n: int) -> list[Feature]:
    """``n`` WALS features answered by the generic value-term reader, chosen by a seeded hash of
    their ids (fixed before looking at any result; no feature picked for how it scores)."""
    pool = [f for f in catalogue_features
            if f.id.startswith("WALS ") and not f.multi_label and select_family(f).name == VALUE_TERM_FAMILY]
    return sorted(pool, key=lambda f: hashlib.sha1(f"{VALUE_TERM_SEED}:{f.id}".encode()).hexdigest())[:n]


def wals_rows(index: GrammarIndex, features: Sequence[Feature], classifier: Classifier, reference: ReferenceFn,
              grammar_ids: Iterable[str] | None = None, resolver: LanguageResolver | None = None) -> list[dict[str, Any]]:
    """One row per (grammar, feature) with a WALS value: the uncalibrated prediction and whether
    it agrees with WALS (rows in the shape :func:`selective.points_from_rows` reads)."""
    resolver = resolver or LanguageResolver()
    wanted = set(grammar_ids) if grammar_ids is not None else None
    rows: list[dict[str, Any]] = []
    for grammar in sorted(index.grammars(), key=lambda g: g.id):
        if wanted is not None and grammar.id not in wanted:
            continue
        info = resolver.resolve(grammar)
        for feature in features:
            ref = reference_names(reference(info, feature.id))
            if not ref:
                continue
            pred = pipeline.classify(grammar, feature, index=index, backend="evidence", classifier=classifier)
            missing = is_missing(pred)
            if len(rows) % 200 == 199:
                log.info("selective vs WALS: %d pairs classified", len(rows) + 1)
            rows.append({
                "grammar": grammar.id, "feature": feature.id, "config": "wals", "abstained": missing,
                "reasoning": pred.reasoning, "confidence": pred.confidence, "value": pred.value,
                "gold": ", ".join(sorted(ref)),
                "right": 0.0 if missing else float(predicted_names(pred, feature) == ref),
            })
    return rows


def _raw(rows: Sequence[dict[str, Any]], resamples: int = 1000, seed: int = 0) -> dict[str, Any]:
    """Every answer the rules give, nothing fitted: coverage and precision, with a 95% bootstrap
    interval of the precision over grammars (a grammar's answers to several features move together)."""
    per_grammar: dict[str, list[float]] = {}
    for r in rows:
        if not row_abstained(r):
            per_grammar.setdefault(str(r["grammar"]), []).append(float(r["right"]))
    answered = [y for ys in per_grammar.values() for y in ys]
    out: dict[str, Any] = {"n": len(rows), "answered": len(answered),
                           "coverage": round(len(answered) / len(rows), 4) if rows else None,
                           "precision": round(sum(answered) / len(answered), 4) if answered else None,
                           "precision_ci95": None}
    groups = list(per_grammar.values())
    if len(groups) >= 5:
        rng = random.Random(seed)
        stats = []
        for _ in range(resamples):
            sample = [groups[rng.randrange(len(groups))] for _ in groups]
            stats.append(sum(map(sum, sample)) / sum(map(len, sample)))
        stats.sort()
        out["precision_ci95"] = [round(stats[int(0.025 * resamples)], 4), round(stats[int(0.975 * resamples) - 1], 4)]
    return out


def without_paper_rule(res: dict[str, Any]) -> dict[str, Any]:
    """Drop 'abstain = first option': the paper's option lists are not WALS's value names, so that
    rule has no meaning against WALS (it would score every abstention wrong by a naming mismatch)."""
    for summary in res.values():
        summary["paper_micro_selective"] = summary["paper_micro_selective_ci95"] = None
    return res


def figures(rows: Sequence[dict[str, Any]], min_precision: float | None = None) -> dict[str, Any]:
    """Per feature and per cue family: raw figures, and grammar-level CV selective figures
    (development grammars only), plus the value-term reader's verdict."""
    dev = [r for r in rows if not calibration.in_lockbox(str(r["grammar"]))]

    def cv(group: Sequence[dict[str, Any]]) -> dict[str, Any]:
        return without_paper_rule(evaluate(group, lambda pts: calibration.cross_validate(pts, min_precision), None))

    by_family = [{**r, "feature": family_of(str(r["reasoning"])) or "(none)", "map_feature": r["feature"]} for r in dev]
    families = sorted({str(r["feature"]) for r in by_family})
    features = sorted({str(r["feature"]) for r in dev})
    raw_family = {f: _raw([r for r in by_family if r["feature"] == f]) for f in families}
    gate = raw_family.get(VALUE_TERM_FAMILY, {})
    prec = gate.get("precision")
    by_feature_cv = cv(dev)
    vt_features = {str(r["feature"]) for r in dev if family_of(str(r["reasoning"])) == VALUE_TERM_FAMILY}
    validated = sorted(f for f in vt_features if calibration.passes_gate(by_feature_cv.get(f, {}).get("answered") or 0,
                                                                          by_feature_cv.get(f, {}).get("precision")))
    return {
        "grammars": {"development": len({r["grammar"] for r in dev}),
                     "lockbox_left_out": len({r["grammar"] for r in rows}) - len({r["grammar"] for r in dev})},
        "pairs_with_wals_value": len(dev),
        "by_feature": {"raw": {f: _raw([r for r in dev if r["feature"] == f]) for f in features},
                       "cv": by_feature_cv},
        "by_family": {"raw": raw_family, "cv": cv(by_family)},
        "value_term_reader": {
            "precision_vs_wals": prec, "precision_ci95": gate.get("precision_ci95"),
            "answered": gate.get("answered"), "gate": VALUE_TERM_GATE,
            "answers_by_default": bool(prec is not None and prec >= VALUE_TERM_GATE
                                       and (gate.get("precision_ci95") or [0.0])[0] >= VALUE_TERM_GATE),
            # calibrated per feature: these features' CV precision reached the gate (they answer)
            "validated_features": validated,
        },
    }


def markdown(res: dict[str, Any]) -> list[str]:
    """Tables for the extract report: raw and cross-validated selective figures."""
    def f(x: Any) -> str:
        return "–" if x is None else f"{x:.3f}"

    lines = ["## Selective answering against WALS (development grammars, out of sample)", "",
             f"Grammars: {res['grammars']}; pairs with a WALS value: {res['pairs_with_wals_value']}.", "",
             "| cue family | pairs | answered (rules, no threshold) | precision vs WALS [95% CI] |", "|---|---|---|---|"]
    for fam, r in res["by_family"]["raw"].items():
        ci = r["precision_ci95"]
        lines.append(f"| {fam} | {r['n']} | {r['answered']} | {f(r['precision'])}"
                     + (f" [{ci[0]:.2f}, {ci[1]:.2f}]" if ci else "") + " |")
    vt = res["value_term_reader"]
    lines += ["", f"Generic value-term reader: precision against WALS {f(vt['precision_vs_wals'])} "
              f"(CI {vt['precision_ci95']}) on {vt['answered']} answers; gate {vt['gate']} -> "
              + ("may answer." if vt["answers_by_default"] else "keeps abstaining by default.")
              + f" Per feature (calibrated, CV precision >= {calibration.PER_FEATURE_GATE} on >= "
              f"{calibration.PER_FEATURE_MIN_ANSWERS} answers): {', '.join(vt.get('validated_features') or []) or 'none'}.", ""]
    lines += markdown_table("Per feature, grammar-level CV (calibrated, thresholded)", res["by_feature"]["cv"])
    lines += markdown_table("Per cue family, grammar-level CV (calibrated, thresholded)", res["by_family"]["cv"])
    return lines


NOTES = [
    "Reference: WALS's value for the grammar's language (resolved by Glottolog code / ISO / name); pairs without "
    "one are not scored. Right = the predicted value set equals WALS's. WALS is read after prediction only.",
    "Selective figures are out of sample: each grammar's calibrated confidence and family threshold come from "
    f"maps fitted without it ({calibration.CV_FOLDS}-fold grammar-level CV over the development grammars; the "
    f"lock-box, sha1('{calibration.LOCKBOX_SEED}:' + grammar_id) mod {calibration.LOCKBOX_MOD} == 0, is left out).",
    "'paper micro' columns here are the share of all scored pairs answered right (an abstention counts as wrong; "
    "'abstain = first option' is only defined for the paper's four features). The raw per-family table fits "
    "nothing, but the cue rules were written while reading these grammars: it is in-sample for the rules.",
]

"""Scoring the RAG benchmark the paper's way, with the figures that keep it honest.

:func:`score` applies the paper's rules (:mod:`.gold`: an answer outside the closed set counts as
its first option; each polar strategy is its own binary feature) and gives micro / macro /
weighted F1, confusion matrices and one row per grammar. Beside them: the paper's own figure
(:func:`paper_micro`), a 95% bootstrap interval over grammars (:func:`intervals`: with 50-110
grammars one grammar moves micro-F1 by 0.01-0.02) and the best constant answer
(:func:`constant_answer`), the floor a classifier must clear to show it read anything. Gold is read
here only to score.
"""

from __future__ import annotations

from typing import Any

from grammar_rag.evaluation.gold import POLAR_STRATEGIES, VALUES, score_value
from grammar_rag.evaluation.metrics import bootstrap_mean_interval, classification_metrics, confusion
from grammar_rag.evaluation.rag import Item
from grammar_rag.types import Prediction

PAPER_POLAR_KEY = "polar questions (WALS 116A*)"


def polar_predicted(pred: Prediction) -> set[str]:
    """Strategies a composite prediction asserts (``values``; else parse the comma-joined value)."""
    names = pred.values or [v.strip() for v in (pred.value or "").split(",")]
    out = set()
    for n in names:
        match = next((s for s in POLAR_STRATEGIES if s.lower() == n.strip().lower()), None)
        if match:
            out.add(match)
    return out


def score(items: list[Item], preds: dict[tuple[str, str, str], Prediction], half: str | None = None
          ) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
    """(metrics JSON, confusion matrices, per-grammar rows) for all items or one half."""
    results: dict[str, Any] = {}
    conf: dict[str, Any] = {}
    rows: list[dict[str, Any]] = []
    groups: dict[tuple[str, str], list[Item]] = {}
    for it in items:
        if half is None or it.half == half:
            groups.setdefault((it.feature, it.config), []).append(it)
    for (feature, config), group in groups.items():
        res = results.setdefault(feature, {})
        cf = conf.setdefault(feature, {})
        if feature == "polar questions":
            per: dict[str, tuple[list[str], list[str]]] = {s: ([], []) for s in POLAR_STRATEGIES}
            for it in group:
                pred = preds[(feature, config, it.gold.grammar_id)]
                held = polar_predicted(pred)
                for s in POLAR_STRATEGIES:
                    per[s][0].append(str(it.gold.labels[s]))
                    per[s][1].append("1" if s in held else "0")
                right = sum(per[s][0][-1] == per[s][1][-1] for s in POLAR_STRATEGIES) / len(POLAR_STRATEGIES)
                rows.append(_row(it, pred, ", ".join(s for s in POLAR_STRATEGIES if it.gold.labels[s]),
                                 ", ".join(s for s in POLAR_STRATEGIES if s in held), right))
            res[config] = {s.lower(): classification_metrics(*per[s]) for s in POLAR_STRATEGIES}
            cf[config] = {s.lower(): confusion(*per[s], ["0", "1"]) for s in POLAR_STRATEGIES}
            continue
        choices = VALUES[feature]
        y_true, y_pred = [], []
        for it in group:
            pred = preds[(feature, config, it.gold.grammar_id)]
            scored = score_value(pred.value, choices)
            y_true.append(it.gold.label or "")
            y_pred.append(scored)
            rows.append(_row(it, pred, it.gold.label or "", scored))
        res[config] = classification_metrics(y_true, y_pred)
        cf[config] = confusion(y_true, y_pred, [*choices, "Not mentioned in the grammar"])
    return results, conf, rows


def _row(it: Item, pred: Prediction, gold: str, scored: str, right: float | None = None) -> dict[str, Any]:
    """One grammar's line of the predictions CSV; ``right`` is the share of its scored labels that
    are right (1/0 for a single-label feature, k/7 for the polar strategies)."""
    return {
        "feature": it.feature, "config": it.config, "grammar": it.gold.grammar_id, "half": it.half,
        "gold": gold, "prediction": pred.value, "scored_as": scored, "abstained": pred.abstained,
        "correct": gold == scored, "right": float(gold == scored) if right is None else round(right, 4),
        "confidence": pred.confidence,
        "evidence_pages": "; ".join(e.pages or "?" for e in pred.evidence),
        "evidence_passages": "; ".join(e.passage_id for e in pred.evidence),
        "reasoning": pred.reasoning[:300],
    }


def paper_micro(paper_f1: dict[str, Any], feature: str, config: str) -> float | None:
    """The paper's micro-F1 for one feature and config (``paper_results.json``'s ``rag_benchmark_f1``);
    for the polar questions the mean over the seven strategies, None when any is missing."""
    if feature != "polar questions":
        return paper_f1.get(feature, {}).get(config, [None])[0]
    ps = [paper_f1.get(PAPER_POLAR_KEY, {}).get(s.lower(), {}).get(config, [None])[0] for s in POLAR_STRATEGIES]
    return round(sum(ps) / len(ps), 4) if all(x is not None for x in ps) else None


def constant_answer(feature: str, rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The best constant answer on these grammars and its micro-F1: the floor a classifier must
    clear to show it read anything (a near-constant LLM scores about this). Gold is read here only
    to score, as everywhere in this module. Single-label features: the commonest gold value in the
    paper's closed set (ties go to the earlier option; "Not mentioned" can never be answered).
    Polar questions: each strategy's majority (absent on a tie), the mean over the seven."""
    if not rows:
        return None
    if feature == "polar questions":
        held = [{s.strip() for s in str(r["gold"]).split(",")} for r in rows]
        shares = [sum(s in h for h in held) / len(rows) for s in POLAR_STRATEGIES]
        present = [s for s, share in zip(POLAR_STRATEGIES, shares, strict=True) if share > 0.5]
        return {"answer": ", ".join(present) or "none of the seven",
                "f1_micro": round(sum(max(x, 1 - x) for x in shares) / len(shares), 4)}
    golds = [r["gold"] for r in rows]
    best = max(VALUES[feature], key=lambda v: (golds.count(v), -VALUES[feature].index(v)))
    return {"answer": best, "f1_micro": round(golds.count(best) / len(rows), 4)}


def intervals(rows: list[dict[str, Any]], paper: dict[str, Any]) -> dict[str, Any]:
    """95% bootstrap intervals (over grammars) of micro-F1 per feature and config (for the polar
    questions, of the mean micro-F1 over the seven strategies), beside the paper's figure and
    whether it lies inside; the same for the even and odd halves, the generalisation check."""
    def summary(rights: list[float]) -> dict[str, Any]:
        low_high = bootstrap_mean_interval(rights)
        return {"f1_micro": round(sum(rights) / len(rights), 4) if rights else None,
                "ci95": list(low_high) if low_high else None, "n": len(rights)}

    grouped: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for row in rows:
        grouped.setdefault(row["feature"], {}).setdefault(row["config"], []).append(row)
    pf = paper.get("rag_benchmark_f1", {})
    out: dict[str, Any] = {}
    for feature, by_config in grouped.items():
        for config, group in by_config.items():
            theirs = paper_micro(pf, feature, config)
            whole = summary([r["right"] for r in group])
            ci = whole["ci95"]
            out.setdefault(feature, {})[config] = {
                **whole, "paper": theirs, "paper_inside": None if theirs is None or ci is None else ci[0] <= theirs <= ci[1],
                "constant": constant_answer(feature, group),
                **{half: summary([r["right"] for r in group if r["half"] == half]) for half in ("even", "odd")},
            }
    return out


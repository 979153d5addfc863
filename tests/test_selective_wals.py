"""Selective figures against WALS for ``bench extract`` and the LLM map-fitting path of
``calibrate_bench`` (issue 22), on synthetic rows: the counting, the CV split and the gate."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from benchmarks import calibrate_bench
from grammar_rag.classify import calibration, llm_calibration
from grammar_rag.evaluation.selective_wals import VALUE_TERM_GATE, figures


def _grammars(n: int, lockbox: bool = False) -> list[str]:
    return [g for g in (f"syn{i}grammar" for i in range(10 * n)) if calibration.in_lockbox(g) == lockbox][:n]


def _rows(precision_value_terms: float, seed: int = 0) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    rows = []
    for g in _grammars(60) + _grammars(6, lockbox=True):
        score = rng.random()
        rows.append({"grammar": g, "feature": "WALS 81A", "config": "wals", "abstained": False,
                     "reasoning": "[word-order] SOV stated.", "confidence": score, "value": "SOV", "gold": "sov",
                     "right": float(rng.random() < score)})
        abstained = rng.random() < 0.3
        rows.append({"grammar": g, "feature": "WALS 112A", "config": "wals", "abstained": abstained,
                     "reasoning": "[value-terms] particle.", "confidence": 0.0 if abstained else rng.random(),
                     "value": "?", "gold": "negative particle",
                     "right": 0.0 if abstained else float(rng.random() < precision_value_terms)})
    return rows


def test_figures_per_feature_and_family_leave_the_lockbox_out() -> None:
    res = figures(_rows(0.5))
    assert res["grammars"] == {"development": 60, "lockbox_left_out": 6}
    raw = res["by_feature"]["raw"]["WALS 81A"]
    assert raw["n"] == 60 and raw["answered"] == 60 and raw["coverage"] == 1.0
    vt = res["by_family"]["raw"]["value-terms"]
    assert vt["answered"] < vt["n"] == 60 and 0.0 <= vt["precision"] <= 1.0
    lo, hi = vt["precision_ci95"]
    assert lo <= vt["precision"] <= hi
    cv = res["by_feature"]["cv"]["WALS 81A"]
    for key in ("coverage", "precision", "ece", "curve_area"):
        assert key in cv and key + "_ci95" in cv
    assert 0.0 <= cv["coverage"] <= 1.0 and cv["n"] == 60
    assert set(res["by_family"]["cv"]) == {"word-order", "value-terms"}


def test_value_term_gate_needs_precision_and_its_interval_above_0_8() -> None:
    low = figures(_rows(0.5))["value_term_reader"]
    assert low["gate"] == VALUE_TERM_GATE and low["answers_by_default"] is False
    high = figures(_rows(1.0))["value_term_reader"]
    assert high["precision_vs_wals"] == 1.0 and high["answers_by_default"] is True


def test_llm_rows_name_the_feature_family_and_fit_a_model_map(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(1)
    rows = []
    for g in _grammars(80):
        conf = rng.random()
        rows.append({"feature": "WALS 81A", "config": "reranker", "grammar": g, "abstained": "False",
                     "confidence": str(conf), "right": str(float(rng.random() < conf)), "reasoning": "Conclusion: SOV",
                     "gold": "SOV"})
    named = calibrate_bench.llm_rows(rows)
    assert named[0]["reasoning"].startswith("[word-order] ")
    csv_path = tmp_path / "rag_openai.predictions.csv"
    csv_path.write_text(",".join(rows[0]) + "\n" + "\n".join(",".join(str(v) for v in r.values()) for r in rows) + "\n")
    monkeypatch.setattr(llm_calibration, "LLM_CALIBRATION_DIR", tmp_path / "maps")
    out = tmp_path / "report.json"
    assert calibrate_bench.main(["--llm", "openai:Syn/Model", "--predictions", str(csv_path), "--write-map",
                                 "--out", str(out)]) == 0
    fitted = llm_calibration.load_maps("openai:Syn/Model")
    assert "word-order" in fitted and fitted["word-order"](0.9) > fitted["word-order"](0.1)
    assert (tmp_path / "maps" / "openai_Syn_Model.json").exists() and out.exists()


def test_select_ranks_fitting_rules_by_repeated_cv_and_prefers_the_scored_configuration(tmp_path: Path) -> None:
    # same raw scores, but the scored configuration is right far more often: a map fitted on both
    # configurations' answers is miscalibrated for it, and the comparison must say so
    rng = random.Random(2)
    rows = []
    for g in _grammars(70):
        score = rng.random()
        for config, p_right in (("reranker", 0.55 + 0.4 * score), ("wikipedia", 0.1 + 0.3 * score)):
            rows.append({"feature": "WALS 81A", "config": config, "grammar": g, "abstained": "False",
                         "confidence": str(score), "right": str(float(rng.random() < p_right)),
                         "reasoning": "[word-order] x", "gold": "SOV"})
    csv_path = tmp_path / "preds.csv"
    csv_path.write_text(",".join(rows[0]) + "\n" + "\n".join(",".join(str(v) for v in r.values()) for r in rows) + "\n")
    out = tmp_path / "cal.json"
    assert calibrate_bench.main(["--predictions", str(csv_path), "--select", "--out", str(out)]) == 0
    ranked = json.loads((tmp_path / "calibration_selection.json").read_text())
    assert len(ranked) == len(calibrate_bench.SELECT_GRID)
    briers = [r["mean"]["brier_all_classifier_answers"] for r in ranked]
    assert briers == sorted(briers)
    assert ranked[0]["rule"]["config"] == "reranker"
    worst_scored = max(b for r, b in zip(ranked, briers, strict=True) if r["rule"]["config"] == "reranker")
    assert worst_scored < min(b for r, b in zip(ranked, briers, strict=True) if r["rule"]["config"] == "all four")
    assert sum(r["shipped"] for r in ranked) == 1
    assert "development_cv_repeated" in json.loads(out.read_text())
    assert (tmp_path / "calibration_selection.md").read_text().count("(shipped)") == 1

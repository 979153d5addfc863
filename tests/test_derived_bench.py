"""``benchmarks.derived_bench`` scores only the ``[derived]`` rows of predictions files, typed as bench extract's."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks import derived_bench
from grammar_rag.classify.calibration import in_lockbox
from grammar_rag.evaluation.io import csv_text


def _row(grammar: str, feature: str, reasoning: str, right: float, abstained: bool = False) -> dict[str, object]:
    return {"grammar": grammar, "feature": feature, "config": "wals", "abstained": abstained, "reasoning": reasoning,
            "confidence": 0.7, "value": "OV", "gold": "ov", "right": right}


def test_only_derived_rows_are_scored(tmp_path: Path) -> None:
    derived = "[derived] WALS 83A follows from WALS 81A: SOV (80%) (the rule holds for 100% of WALS languages)."
    rows = [_row(f"g{i}", "WALS 83A", derived, 1.0, abstained=(i == 0)) for i in range(12)]
    rows.append(_row("g99", "WALS 85A", "[value-terms] Postpositions", 1.0))
    src = tmp_path / "p.predictions.csv"
    src.write_text(csv_text(rows), encoding="utf-8")
    out = tmp_path / "derived.json"
    assert derived_bench.main(["--predictions", str(src), "--out", str(out)]) == 0
    report = json.loads(out.read_text(encoding="utf-8"))
    development = [r for r in rows[:12] if not in_lockbox(str(r["grammar"]))]
    assert report["pairs_with_wals_value"] == len(development)  # the value-terms row is not a derived answer
    raw = report["by_family"]["raw"]["derived"]
    # "False" is read as a flag, not as (truthy) text: every development row but g0's is an answer
    assert raw["answered"] == sum(not r["abstained"] for r in development) > 0 and raw["precision"] == 1.0
    assert out.with_suffix(".md").read_text(encoding="utf-8").startswith("# Derived features against WALS")
    assert derived_bench.main(["--predictions", str(tmp_path / "missing.csv"), "--out", str(out)]) == 2

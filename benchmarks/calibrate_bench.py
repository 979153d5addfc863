"""Fit the evidence classifier's calibration and measure selective answering out of sample.

    python -m benchmarks.calibrate_bench [--predictions benchmarks/results/rag_evidence.predictions.csv [MORE.csv ...]]
                                          [--min-precision P] [--write-map] [--lockbox] [--select]
    python -m benchmarks.calibrate_bench --llm openai:MODEL --predictions benchmarks/results/rag_openai.predictions.csv
                                          [--write-map]

LLM backends (``--llm LABEL``, the classifier's ``backend:model`` label): the predictions CSV of
``bench rag --backend B`` (run uncalibrated: its ``confidence`` is the model's own probability, from
label likelihood, reply logprobs or self-consistency). Each answer's family is its feature's cue
family; the same grammar-level CV reports the out-of-sample figures, and ``--write-map`` ships the
map fitted on all development grammars to ``grammar_rag/data/llm_calibration/<label>.json``, where
the LLM classifier finds it (until then it uses the identity map: see
:mod:`grammar_rag.classify.llm_calibration`). A map must be fitted per model.

Reads the ``bench rag --backend evidence`` predictions CSV (its ``confidence`` column is the raw
evidence score: the benchmark runs the classifier uncalibrated). Development grammars = every
grammar outside the lock-box (:func:`grammar_rag.classify.calibration.in_lockbox`). Reports, for the
``reranker`` configuration, grammar-level 5-fold cross-validated coverage, precision when answering,
coverage-precision curve and area, ECE and the paper metric both ways, and the means of the point
figures over ``CV_REPEATS`` other fold assignments (one split's ECE on ~40 answers is one draw). Each
family's map is fitted on the ``reranker`` answers, its threshold on all four configurations' answers
(:mod:`grammar_rag.classify.calibration` says why). ``--write-map`` ships the map
fitted on all development grammars; ``--lockbox`` scores the lock-box once with that shipped map.

``--select`` compares fitting rules (the scored configuration's answers or all four; logistic on the
log score, or isotonic with smallest level of 1/5/10/15 answers and shrinkage of 1/2/4/8 pseudo-answers)
by the repeated-CV mean Brier score over
the four features (development grammars only) and writes ``calibration_selection.{json,md}`` beside the report;
the shipped rule (:data:`grammar_rag.classify.calibration.DEFAULT_RULE`) is that comparison's winner.

Several ``--predictions`` files: a later file's rows replace every row of the features it holds (a
rerun of one feature, e.g. ``bench rag --features "WALS 49A"`` on the development grammars only,
stands in for that feature without rerunning the others).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path
from typing import Any

from grammar_rag.classify import calibration, llm_calibration
from grammar_rag.evaluation.gold import benchmark_feature
from grammar_rag.evaluation.selective import (
    development_cv,
    evaluate,
    judge_with,
    markdown_table,
    points_from_rows,
    repeated_cv,
)

RESULTS = Path(__file__).resolve().parent / "results"
FIT_RULE = (f"maps fitted on the {calibration.MAP_CONFIG} configuration's answers ({calibration.MAP_METHOD}: "
            "sigmoid(a + b log score), where flat or falling isotonic levels of >= "
            f"{calibration.MAP_MIN_BLOCK} answers shrunk by {calibration.MAP_PRIOR_STRENGTH:g}), "
            "thresholds on all four configs' answers")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--predictions", type=Path, nargs="+", default=[RESULTS / "rag_evidence.predictions.csv"],
                    help="predictions CSVs; a later file's rows replace the rows of the features it holds")
    ap.add_argument("--min-precision", type=float, default=None, help="one target for every family "
                    "(default: per family, grammar_rag.classify.calibration.FAMILY_MIN_PRECISION)")
    ap.add_argument("--write-map", action="store_true", help="write grammar_rag/data/calibration.json")
    ap.add_argument("--lockbox", action="store_true", help="score the lock-box once with the shipped map")
    ap.add_argument("--select", action="store_true", help="compare fitting rules by repeated CV "
                    "(writes results/calibration_selection.json/.md)")
    ap.add_argument("--llm", default=None, metavar="LABEL",
                    help="fit an LLM's map (label as the classifier prints it, e.g. openai:Qwen/Qwen2.5-7B-Instruct)")
    ap.add_argument("--out", type=Path, default=None, help="report (default results/calibration.json, "
                    "or results/calibration_llm_<label>.json with --llm)")
    args = ap.parse_args(argv)
    rows: list[dict[str, str]] = []
    for path in args.predictions:
        with path.open(newline="") as fh:
            more = list(csv.DictReader(fh))
        replaced = {r["feature"] for r in more}
        rows = [r for r in rows if r["feature"] not in replaced] + more
    sources = " + ".join(p.name for p in args.predictions)
    if args.llm:
        return _llm(args, rows)
    args.out = args.out or RESULTS / "calibration.json"
    dev = [r for r in rows if not calibration.in_lockbox(r["grammar"])]
    box = [r for r in rows if calibration.in_lockbox(r["grammar"])]
    report: dict[str, Any] = {
        "predictions": [str(p) for p in args.predictions], "min_precision": args.min_precision,
        "family_targets": calibration.FAMILY_MIN_PRECISION, "default_target": calibration.DEFAULT_MIN_PRECISION,
        "lockbox_rule": f"sha1('{calibration.LOCKBOX_SEED}:' + grammar_id) mod {calibration.LOCKBOX_MOD} == 0",
        "cv": f"{calibration.CV_FOLDS} folds by sha1('{calibration.CV_SEED}:' + grammar_id); {FIT_RULE}",
        "grammars": {"development": len({r['grammar'] for r in dev}), "lockbox": len({r['grammar'] for r in box})},
    }
    if args.select:
        select(dev, args.min_precision, args.out.parent)
    report["development_cv"] = development_cv(dev, args.min_precision)
    report["development_cv_repeated"] = repeated_cv(dev, args.min_precision)
    dev_points = [p for _, p in points_from_rows(dev) if p is not None]
    # per-feature keys (the value-term reader) ship only where their CV precision reached the gate
    maps = calibration.validated(calibration.fit(dev_points), calibration.cross_validate(dev_points, args.min_precision))
    if args.write_map:
        calibration.save(maps, meta={"fitted_on": f"development grammars (lock-box excluded); {FIT_RULE}",
                                     "source": sources, "lockbox_rule": report["lockbox_rule"]})
    if args.lockbox:
        report["lockbox"] = evaluate(box, lambda pts: judge_with(maps, pts, args.min_precision))
    args.out.write_text(json.dumps(report, indent=1))
    md = ["# Calibrated, selective evidence classifier (issue 22)", "",
          f"- predictions: `{sources}` (reranker configuration scored; raw evidence score recalibrated)",
          f"- lock-box: {report['lockbox_rule']}; grammars dev/lock-box: {report['grammars']}",
          f"- {report['cv']}; targets {args.min_precision or calibration.FAMILY_MIN_PRECISION}",
          "- every figure out of sample; 95% bootstrap intervals over grammars",
          *([] if args.lockbox else ["- lock-box not scored in this run (`--lockbox` scores it once with the shipped map)"]), ""]
    md += markdown_table("Development grammars, grammar-level CV", report["development_cv"])
    md += repeated_table(report["development_cv_repeated"])
    if "lockbox" in report:
        md += markdown_table("Lock-box (scored once, map fitted on all development grammars)", report["lockbox"])
    args.out.with_suffix(".md").write_text("\n".join(md))
    print("\n".join(md))
    return 0


def repeated_table(res: dict[str, dict[str, float]]) -> list[str]:
    """The repeated-CV means as a Markdown table."""
    cols = [("coverage", "coverage"), ("precision", "precision when answering"), ("ece", "ECE (answered)"),
            ("ece_all_classifier_answers", "ECE (all calibrated)")]
    lines = [f"## Development grammars, mean over {calibration.CV_REPEATS} other grammar-level fold assignments", "",
             "Point figures of the same CV with fold seeds `" + calibration.CV_SEED + ":1` .. `:"
             f"{calibration.CV_REPEATS}`: what the fitting method does, beside the one split above.", "",
             "| feature | " + " | ".join(c for _, c in cols) + " |", "|---|" + "---|" * len(cols)]
    for feat, r in res.items():
        lines.append(f"| {feat} | " + " | ".join("–" if r.get(k) is None else f"{r[k]:.3f}" for k, _ in cols) + " |")
    return [*lines, ""]


SELECT_GRID = [
    *(calibration.MapRule(config, method="logistic") for config in (calibration.MAP_CONFIG, None)),
    *(calibration.MapRule(config, block, strength, "isotonic") for config in (calibration.MAP_CONFIG, None)
      for block in (1, 5, 10, 15) for strength in (1.0, 2.0, 4.0, 8.0)),
]


def select(dev: list[dict[str, Any]], min_precision: float | None, out_dir: Path = RESULTS) -> None:
    """Repeated-CV comparison of fitting rules; the criterion is a proper score (Brier over every
    calibrated answer), not ECE, which a map that pools everything into one level can game."""
    results: list[dict[str, Any]] = []
    for rule in SELECT_GRID:
        res = repeated_cv(dev, min_precision, rule=rule)
        mean = {k: _mean([r.get(k) for r in res.values()]) for k in ("brier_all_classifier_answers", "ece")}
        results.append({"rule": {"config": rule.config or "all four", "method": rule.method, "min_block": rule.min_block,
                                 "strength": rule.strength},
                        "shipped": rule == calibration.DEFAULT_RULE, "mean": mean,
                        "features": {f: {k: r.get(k) for k in ("brier_all_classifier_answers", "ece", "ece_all_classifier_answers")}
                                     for f, r in res.items()}})
    results.sort(key=lambda r: (r["mean"]["brier_all_classifier_answers"] is None, r["mean"]["brier_all_classifier_answers"] or 0.0))
    (out_dir / "calibration_selection.json").write_text(json.dumps(results, indent=1))
    feats = list(results[0]["features"])
    md = ["# Calibration fitting rule, chosen by repeated grammar-level CV (issue 22)", "",
          f"- development grammars only; means over {calibration.CV_REPEATS} fold assignments; reranker answers scored",
          "- ranked by the mean Brier score (all calibrated answers) over the features; ECE = answered", "",
          "| map fitted on | form | min level | shrinkage | mean Brier | mean ECE | "
          + " | ".join(f"{f} Brier / ECE" for f in feats) + " |",
          "|---|---|---|---|---|---|" + "---|" * len(feats)]
    for r in results:
        shown, mark = r["rule"], " (shipped)" if r["shipped"] else ""
        levels = ("–", "–") if shown["method"] == "logistic" else (shown["min_block"], f"{shown['strength']:g}")
        md.append(f"| {shown['config']}{mark} | {shown['method']} | {levels[0]} | {levels[1]} | "
                  f"{_num(r['mean']['brier_all_classifier_answers'], 4)} | {_num(r['mean']['ece'])} | "
                  + " | ".join(f"{_num(r['features'][f]['brier_all_classifier_answers'])} / {_num(r['features'][f]['ece'])}"
                               for f in feats) + " |")
    (out_dir / "calibration_selection.md").write_text("\n".join([*md, ""]))
    print("\n".join(md))


def _mean(values: list[float | None]) -> float | None:
    """Mean over the features that have the figure (ECE is None where a feature answered nothing)."""
    have = [v for v in values if v is not None]
    return round(sum(have) / len(have), 4) if have else None


def _num(x: float | None, digits: int = 3) -> str:
    return "–" if x is None else f"{x:.{digits}f}"


def llm_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """An LLM's benchmark rows with its feature's cue family named as the evidence classifier names it
    (``[family] ...`` at the start of the reasoning), so the shared selective code reads them alike."""
    families: dict[str, str] = {}
    out = []
    for r in rows:
        fid = str(r["feature"])
        if fid not in families:
            families[fid] = llm_calibration.family_of(benchmark_feature(fid, None))
        out.append({**r, "reasoning": f"[{families[fid]}] {r.get('reasoning', '')}"})
    return out


def _llm(args: argparse.Namespace, rows: list[dict[str, Any]]) -> int:
    rows = llm_rows(rows)
    dev = [r for r in rows if not calibration.in_lockbox(r["grammar"])]
    report: dict[str, Any] = {"model": args.llm, "predictions": [str(p) for p in args.predictions], "min_precision": args.min_precision,
                              "development_cv": development_cv(dev, args.min_precision)}
    if args.write_map:
        maps = llm_calibration.fit_model([p for _, p in points_from_rows(dev) if p is not None])
        report["map"] = str(llm_calibration.save_model(args.llm, maps, {"source": " + ".join(p.name for p in args.predictions)}))
    out = args.out or RESULTS / f"calibration_llm_{llm_calibration.model_slug(args.llm)}.json"
    out.write_text(json.dumps(report, indent=1))
    md = [f"# Calibrated, selective LLM answers: {args.llm}", "",
          f"- predictions: `{' + '.join(p.name for p in args.predictions)}`; every figure out of sample (grammar-level CV)", "",
          *markdown_table("Development grammars, grammar-level CV", report["development_cv"])]
    out.with_suffix(".md").write_text("\n".join(md))
    print("\n".join(md))
    return 0


if __name__ == "__main__":
    sys.exit(main())

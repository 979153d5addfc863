"""Batch-extraction benchmark: every shared grammar x 4 features with the model-free backend.

Measures, on this machine, ``grammar-rag extract`` end to end (a subprocess, as a user runs it):

* wall time and peak RSS of a full run (184 grammars x WALS 81A, WALS 49A, WALS 116A*, GB107);
* pycldf validation of the exported StructureDataset (as written, and re-read from disk);
* resume after ``kill -9``: a second run is SIGKILLed once about half of the pairs are stored, then
  rerun; reports how many pairs were stored at the kill, how many the rerun recomputed, whether
  the final store/CLDF/CSV equal the uninterrupted run's, and duplicates;
* the named alternative, in the same run: a plain in-process loop of ``pipeline.classify`` over a
  subset (no store, no export) against the runner over the same subset; the ratio is the cost of
  durability + bookkeeping;
* agreement with WALS per feature (``grammar-rag compare``), shown beside the paper's Table 4 F1
  for orientation only: the paper scores against linguists' gold labels on 148 grammars, this is
  agreement with WALS on every grammar that has a WALS value (see ``rag_bench`` for the paper's
  metric on the paper's data);
* agreement with WALS on further typologies that no paper figure exists for (``--extra-features``,
  default WALS 116A, 92A, 112A and the noun-phrase orders 86A-90A), each beside the majority baseline (always answering the
  commonest WALS value among the compared grammars), from one more extraction on the same index;
* selective answering against WALS, out of sample (issue 22): the evidence classifier uncalibrated over every
  pair whose language has a WALS value, then grammar-level CV calibration and thresholds: coverage, precision
  when answering, coverage-precision curve and area, ECE, with bootstrap intervals over grammars, per feature
  and per cue family; the generic value-term reader's precision decides whether it may answer
  (:mod:`grammar_rag.evaluation.selective_wals`). ``--selective-only`` runs just this part (a few minutes).

The index is built from the paragraph CSVs unless ``--index`` is given. The model-free pipeline
retrieves with BM25 (``RetrievalConfig.mode``), so the index's dense vectors are never read: the
bench builds it with the model-free ``hashing`` embedder to keep set-up short (recorded in the
report).

    python -m benchmarks.extract_bench --data-dir ../shared/data --out benchmarks/results/extract.json
    python -m benchmarks.extract_bench --data-dir ../shared/data --selective-only   # -> extract_selective.json/.md
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from grammar_rag import pipeline
from grammar_rag.classify import calibration, make_classifier
from grammar_rag.config import data_dir as resolve_data_dir
from grammar_rag.evaluation.extract_runs import (
    HASH_SEED,
    build_hashing_index,
    cli_command,
    read_csv,
    stored_count,
    stored_rows,
    subprocess_env,
)
from grammar_rag.evaluation.io import csv_text, write_report
from grammar_rag.evaluation.machine import machine_info
from grammar_rag.evaluation.runner import LOG_FORMAT, bench_main
from grammar_rag.evaluation.selective_wals import NOTES as SELECTIVE_NOTES
from grammar_rag.evaluation.selective_wals import figures as selective_figures
from grammar_rag.evaluation.selective_wals import markdown as selective_markdown
from grammar_rag.evaluation.selective_wals import value_term_sample, wals_rows
from grammar_rag.extract.cldf_export import validate_cldf
from grammar_rag.extract.inputs import open_index, select_features, write_json
from grammar_rag.features import get_catalogue
from grammar_rag.features.reference import wals_reference

log = logging.getLogger(__name__)

REPO = Path(__file__).resolve().parents[1]
FEATURES = "81A,49A,116A*,GB107"
EXTRA_FEATURES = "116A,92A,112A,86A,87A,88A,89A,90A"
# our feature id -> the key of paper_results.json "rag_benchmark_f1" (116A* is per strategy there)
PAPER_FEATURE_KEYS = {"WALS 81A": "WALS 81A", "WALS 49A": "WALS 49A", "GB107": "GB 107",
                      "WALS 116A*": "polar questions (WALS 116A*)"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", default=None, help="data directory with rag_on_grammars/ (or $GRAMMAR_RAG_DATA_DIR)")
    parser.add_argument("--index", default=None, help="existing index of the paragraph corpus (else built)")
    parser.add_argument("--work", default=None, help="scratch folder (default: a temp dir, removed after)")
    parser.add_argument("--features", default=FEATURES)
    parser.add_argument("--backend", default="evidence")
    parser.add_argument("--kill-fraction", type=float, default=0.5, help="SIGKILL the resume run at this share")
    parser.add_argument("--alt-grammars", type=int, default=20, help="grammars in the plain-loop comparison")
    parser.add_argument("--extra-features", default=EXTRA_FEATURES,
                        help="further features scored against WALS only (empty string: skip)")
    parser.add_argument("--selective-only", action="store_true",
                        help="only the selective-answering figures against WALS (default out: extract_selective.json)")
    parser.add_argument("--value-term-sample", type=int, default=12,
                        help="WALS features of the generic value-term reader added to the selective figures "
                             "(seeded hash of the ids; 0: none)")
    parser.add_argument("--min-precision", type=float, default=None,
                        help="one target precision for every family in the CV thresholds (default: per family)")
    parser.add_argument("--out", default=None, help="report path (default benchmarks/results/extract.json)")


# ------------------------------------------------------------------------------------ helpers
def _monitored(cmd: list[str], *, kill_when: tuple[Path, int] | None = None) -> dict[str, Any]:
    """Run ``cmd``; sample the RSS of its process tree; optionally SIGKILL it at a store count."""
    import psutil

    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=subprocess_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ps = psutil.Process(proc.pid)
    peak = 0
    killed_at = None
    while proc.poll() is None:
        try:
            rss = ps.memory_info().rss + sum(c.memory_info().rss for c in ps.children(recursive=True))
            peak = max(peak, rss)
        except psutil.Error:
            pass
        if kill_when is not None and stored_count(kill_when[0]) >= kill_when[1]:
            os.kill(proc.pid, signal.SIGKILL)
            killed_at = time.perf_counter() - started
            break
        time.sleep(0.05)
    stdout, stderr = proc.communicate()
    return {
        "cmd": " ".join(cmd[-12:]),
        "returncode": proc.returncode,
        "wall_s": round(time.perf_counter() - started, 2),
        "peak_rss_mb": round(peak / 2**20, 1),
        "killed_after_s": None if killed_at is None else round(killed_at, 2),
        "stdout": stdout[-1500:],
        "stderr_tail": stderr[-1500:],
    }


def _plain_loop(index_dir: Path, grammars: list[str], features: str, backend: str) -> float:
    """The alternative: sequential ``pipeline.classify`` per pair, nothing stored."""
    index = open_index(index_dir)
    feats = select_features(features)
    classifier = make_classifier(backend)
    started = time.perf_counter()
    for gid in grammars:
        grammar = index.get_grammar(gid)
        for feature in feats:
            pipeline.classify(grammar, feature, index=index, backend=backend, classifier=classifier)
    return time.perf_counter() - started


def _stage_profile(index_dir: Path, features: str, n_grammars: int = 2) -> dict[str, Any]:
    """Mean seconds per pair in each pipeline stage, on a few pairs (where the time goes)."""
    index = open_index(index_dir)
    feats = select_features(features)
    classifier = make_classifier("evidence")
    config = pipeline.RetrievalConfig()
    totals = {"feature_query_s": 0.0, "retrieve_s": 0.0, "rerank_s": 0.0, "classify_s": 0.0}
    pairs = 0
    for grammar in sorted(index.grammars(), key=lambda g: g.id)[:n_grammars]:
        for feature in feats:
            t0 = time.perf_counter()
            query = pipeline.feature_query(feature, config.query_style)
            t1 = time.perf_counter()
            text = getattr(query, "text", None) or str(query)
            found = index.retrieve(text, grammar=grammar.id, k=config.candidates, mode=config.mode)
            t2 = time.perf_counter()
            passages = pipeline.rerank_passages(query, [sp.passage for sp in found.passages], config)
            t3 = time.perf_counter()
            classifier.classify(feature, passages, grammar)
            t4 = time.perf_counter()
            for key, dt in zip(totals, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True):
                totals[key] += dt
            pairs += 1
    return {"pairs": pairs, **{k: round(v / max(1, pairs), 3) for k, v in totals.items()},
            "note": "classify_s includes the classifier's own call to build_query (query terms)"}


def _paper_f1(data_dir: Path) -> dict[str, Any]:
    path = data_dir / "rag_on_grammars" / "paper_results.json"
    if not path.exists():
        return {}
    table = json.loads(path.read_text()).get("rag_benchmark_f1", {})
    out: dict[str, Any] = {}
    for fid, key in PAPER_FEATURE_KEYS.items():
        entry = table.get(key, {})
        out[fid] = entry.get("reranker") if "reranker" in entry else {
            strategy: (scores.get("reranker") if isinstance(scores, dict) else scores)
            for strategy, scores in entry.items()
        } or None
    return out


def _out_path(args: argparse.Namespace, default: str) -> Path:
    return Path(args.out or REPO / "benchmarks" / "results" / default)


def _selective(index_dir: Path, args: argparse.Namespace, data: Path) -> dict[str, Any]:
    """Selective answering against WALS, out of sample (see the module docstring)."""
    started = time.perf_counter()
    wals_ids = [f for f in f"{args.features},{args.extra_features}".split(",") if f and not f.upper().startswith("GB")]
    features = select_features(",".join(dict.fromkeys(wals_ids))) if wals_ids else []
    if args.value_term_sample:
        features += [f for f in value_term_sample(get_catalogue().all(), args.value_term_sample) if f not in features]
    index = open_index(index_dir)
    # development grammars only: the lock-box is neither fitted nor scored here, so it is not read
    development = [g.id for g in index.grammars() if not calibration.in_lockbox(g.id)]
    rows = wals_rows(index, features, make_classifier("evidence", calibrate=False), wals_reference(data),
                     grammar_ids=development)
    # the rows in the shape of bench rag's predictions CSV: calibrate_bench fits the maps of the cue
    # families the paper's four features leave without data (pair-order ...) from them
    write_report(_out_path(args, "extract_selective.json").with_suffix(".predictions.csv"), csv_text(rows))
    res = selective_figures(rows, args.min_precision)
    res["grammars"]["lockbox_left_out"] = sum(1 for g in index.grammars() if calibration.in_lockbox(g.id))
    res["features"] = [f.id for f in features]
    res["min_precision"] = args.min_precision
    res["classify_s"] = round(time.perf_counter() - started, 1)
    return res


def _run_selective_only(args: argparse.Namespace, data: Path, work: Path, report: dict[str, Any]) -> int:
    if args.index:
        index_dir = Path(args.index)
        report["index"] = {"built": False, "path": str(index_dir)}
    else:
        index_dir = work / "index"
        report["index"] = build_hashing_index(data, index_dir)
    report["selective_vs_wals"] = _selective(index_dir, args, data)
    out = _out_path(args, "extract_selective.json")
    write_json(out, report)
    md = ["# Selective answering against WALS (bench extract)", "",
          f"Machine: {report['machine']['cpu']} ({report['machine']['cores']} cores, shared). Backend: evidence, "
          "uncalibrated; calibration and thresholds by grammar-level CV.", "",
          *selective_markdown(report["selective_vs_wals"]), *(f"- {n}" for n in SELECTIVE_NOTES)]
    out.with_suffix(".md").write_text("\n".join(md) + "\n", encoding="utf-8")
    print("\n".join(md))
    return 0


# ------------------------------------------------------------------------------------ run
def run(args: argparse.Namespace) -> int:
    data = resolve_data_dir(args.data_dir)
    assert data is not None
    tmp_ctx = tempfile.TemporaryDirectory(prefix="extract-bench-") if args.work is None else None
    work = Path(tmp_ctx.name if tmp_ctx else args.work)
    work.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {"benchmark": "extract", "machine": machine_info(), "features": args.features,
                              "backend": args.backend}
    if args.selective_only:
        try:
            return _run_selective_only(args, data, work, report)
        finally:
            if tmp_ctx is not None:
                tmp_ctx.cleanup()
    try:
        if args.index:
            index_dir = Path(args.index)
            report["index"] = {"built": False, "path": str(index_dir)}
        else:
            index_dir = work / "index"
            log.info("building the paragraph-corpus index in %s", index_dir)
            report["index"] = build_hashing_index(data, index_dir)
        base = ["extract", "--index", str(index_dir), "--grammars", "all", "--features", args.features,
                "--backend", args.backend, "--no-progress"]

        # 1. full, uninterrupted run
        full_out = work / "full"
        full = _monitored(cli_command(*base, "--out", str(full_out)))
        if full["returncode"] != 0:
            raise RuntimeError(f"full run failed: {full['stderr_tail']}")
        run_json = json.loads((full_out / "run.json").read_text())
        total = run_json["run"]["total"]
        valid, messages = validate_cldf(full_out / "cldf")
        report["full_run"] = {
            "pairs": total, "grammars": total // len(args.features.split(",")),
            "wall_s": full["wall_s"], "pairs_per_s": round(total / full["wall_s"], 2),
            "peak_rss_mb": full["peak_rss_mb"], "run_config": run_json["run"]["config"],
            "runner_elapsed_s": run_json["run"]["elapsed_s"], "failed": run_json["run"]["failed"],
            "targets": {"wall_s_under_600": full["wall_s"] < 600, "peak_rss_under_4096_mb": full["peak_rss_mb"] < 4096},
        }
        report["cldf"] = {"valid_at_export": run_json["export"]["valid"], "valid_reread": valid,
                          "messages": messages[:10], "n_values": run_json["export"]["n_values"],
                          "n_languages": run_json["export"]["n_languages"]}

        # 2. kill -9 halfway, then resume
        res_out = work / "resume"
        kill_at = max(1, int(total * args.kill_fraction))
        killed = _monitored(cli_command(*base, "--out", str(res_out)), kill_when=(res_out / "results.sqlite", kill_at))
        stored_at_kill = stored_count(res_out / "results.sqlite")
        resumed = _monitored(cli_command(*base, "--out", str(res_out)))
        res_json = json.loads((res_out / "run.json").read_text())["run"]
        rows, ref_rows = stored_rows(res_out / "results.sqlite"), stored_rows(full_out / "results.sqlite")
        identical = (
            [r[:5] for r in rows] == [r[:5] for r in ref_rows]
            and [json.loads(r[5]) for r in rows] == [json.loads(r[5]) for r in ref_rows]
            and all(read_csv(res_out / "cldf" / n) == read_csv(full_out / "cldf" / n)
                    for n in ("values.csv", "languages.csv", "parameters.csv", "codes.csv"))
            and read_csv(res_out / "values_flat.csv") == read_csv(full_out / "values_flat.csv")
        )
        by_key = {r[:2]: json.loads(r[5]) for r in ref_rows}
        differing = [
            {"grammar": r[0], "feature": r[1],
             "fields": sorted(k for k, v in json.loads(r[5]).items() if by_key.get(r[:2], {}).get(k) != v)}
            for r in rows if json.loads(r[5]) != by_key.get(r[:2])
        ]
        report["resume_after_sigkill"] = {
            "hash_seed": HASH_SEED,
            "differing_pairs": differing[:20],
            "killed_returncode": killed["returncode"], "killed_after_s": killed["killed_after_s"],
            "stored_at_kill": stored_at_kill, "done_before": res_json["done_before"],
            "computed_now": res_json["computed_now"], "resume_wall_s": resumed["wall_s"],
            "duplicates": len(rows) - len({r[:5] for r in rows}), "rows": len(rows),
            "identical_to_uninterrupted": identical,
            "only_missing_recomputed": res_json["computed_now"] == total - stored_at_kill
            and res_json["done_before"] == stored_at_kill,
        }

        # 3. the named alternative on a subset: plain pipeline loop vs the durable runner

        subset = sorted(g.id for g in open_index(index_dir).grammars())[: args.alt_grammars]
        plain_s = _plain_loop(index_dir, subset, args.features, args.backend)
        sub = _monitored(cli_command("extract", "--index", str(index_dir), "--grammars", ",".join(subset), "--features",
                              args.features, "--backend", args.backend, "--no-progress",
                              "--out", str(work / "subset")))
        sub_json = json.loads((work / "subset" / "run.json").read_text())["run"]
        report["alternative_plain_loop"] = {
            "grammars": len(subset), "pairs": len(subset) * len(args.features.split(",")),
            "plain_loop_classify_s": round(plain_s, 2),
            "runner_with_store_s": sub_json["elapsed_s"],
            "ratio_runner_over_plain": round(sub_json["elapsed_s"] / plain_s, 3) if plain_s else None,
            "cli_wall_s_incl_startup_and_export": sub["wall_s"],
        }

        report["stage_profile_per_pair"] = _stage_profile(index_dir, args.features)

        # 4. agreement with WALS, beside the paper's numbers for orientation
        cmp_ = subprocess.run(cli_command("compare", "--results", str(full_out)), env=subprocess_env(), capture_output=True,
                              text=True, timeout=600)
        if cmp_.returncode == 0:
            comparison = json.loads((full_out / "compare.json").read_text())
            report["agreement_with_wals"] = {
                "features": comparison["features"],
                "n_disagreements": len(comparison["disagreements"]),
                "paper_table4_f1_reranker_gpt4o": _paper_f1(data),
                "note": ("Agreement with WALS over every grammar whose language has a WALS value (abstentions "
                         "excluded), not the paper's metric: the paper's F1 (micro, macro, weighted) is against "
                         "linguists' gold labels on its benchmark grammars with GPT-4o; see benchmarks/rag_bench "
                         "for the comparable numbers. Shown side by side for orientation only."),
            }
        # 5. further typologies, against WALS only
        if args.extra_features:
            report["further_typologies_vs_wals"] = _extra_agreement(index_dir, work / "extra", args)
        # 6. selective answering against WALS, out of sample
        report["selective_vs_wals"] = _selective(index_dir, args, data)
    finally:
        if tmp_ctx is not None:
            tmp_ctx.cleanup()
    out = Path(args.out or REPO / "benchmarks" / "results" / "extract.json")
    write_json(out, report)
    out.with_suffix(".md").write_text(_markdown(report), encoding="utf-8")
    print(json.dumps({k: report.get(k) for k in ("full_run", "cldf", "resume_after_sigkill",
                                                 "alternative_plain_loop")}, indent=2))
    return 0


def _extra_agreement(index_dir: Path, out: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Extraction + ``compare`` for ``--extra-features``: agreement, majority baseline, wall time."""
    run_ = _monitored(cli_command("extract", "--index", str(index_dir), "--grammars", "all", "--features",
                                  args.extra_features, "--backend", args.backend, "--no-progress", "--out", str(out)))
    if run_["returncode"] != 0:
        raise RuntimeError(f"extra-feature run failed: {run_['stderr_tail']}")
    subprocess.run(cli_command("compare", "--results", str(out)), env=subprocess_env(), capture_output=True,
                   text=True, timeout=600, check=True)
    comparison = json.loads((out / "compare.json").read_text())
    return {"features": comparison["features"], "wall_s": run_["wall_s"],
            "note": ("No paper figure exists for these features. Agreement with WALS over the grammars whose "
                     "language has a WALS value, abstentions excluded; 'majority_baseline' is what always "
                     "answering the commonest WALS value among the compared grammars would agree.")}


def _markdown(report: dict[str, Any]) -> str:
    full, res, alt = report.get("full_run", {}), report.get("resume_after_sigkill", {}), report.get(
        "alternative_plain_loop", {})
    lines = [
        "# Batch extraction benchmark",
        "",
        f"Machine: {report['machine']['cpu']} ({report['machine']['cores']} cores, shared; load at start "
        f"{report['machine']['load_avg_at_start']}). Backend: `{report['backend']}`; features {report['features']}.",
        "",
        "| measure | value | target |",
        "|---|---|---|",
        f"| pairs (grammars x features) | {full.get('pairs')} ({full.get('grammars')} grammars) | 184 x 4 |",
        f"| wall time, full run | {full.get('wall_s')} s ({full.get('pairs_per_s')} pairs/s) | < 600 s |",
        f"| peak RSS | {full.get('peak_rss_mb')} MB | < 4096 MB |",
        f"| pycldf validation | {report.get('cldf', {}).get('valid_reread')} | passes |",
        f"| SIGKILL at | {res.get('stored_at_kill')} stored pairs | ~half |",
        f"| resumed run: done before / computed now | {res.get('done_before')} / {res.get('computed_now')} | "
        "only missing |",
        f"| identical to uninterrupted, duplicates | {res.get('identical_to_uninterrupted')}, {res.get('duplicates')} | "
        "True, 0 |",
        f"| runner+store vs plain loop ({alt.get('pairs')} pairs) | {alt.get('runner_with_store_s')} s vs "
        f"{alt.get('plain_loop_classify_s')} s (x{alt.get('ratio_runner_over_plain')}) | ~1 |",
        "",
    ]
    agreement = report.get("agreement_with_wals")
    if agreement:
        lines += ["## Agreement with WALS (orientation only; not the paper's metric)", "",
                  "| feature | with WALS value | compared | agree | rate | majority baseline | "
                  "paper F1 micro/macro/weighted (GPT-4o, reranker) |",
                  "|---|---|---|---|---|---|---|"]
        paper = agreement.get("paper_table4_f1_reranker_gpt4o", {})
        for f in agreement["features"]:
            lines.append(f"| {f['feature_id']} | {f['n_with_reference']} | {f['n_compared']} | {f['n_agree']} | "
                         f"{f['agreement']} | {f.get('majority_baseline')} | {_paper_cell(paper.get(f['feature_id']))} |")
        lines += ["", agreement["note"], ""]
    extra = report.get("further_typologies_vs_wals")
    if extra:
        lines += ["## Further typologies against WALS (no paper figure)", "",
                  "| feature | with WALS value | compared | agree | rate | majority baseline (value) |",
                  "|---|---|---|---|---|---|"]
        for f in extra["features"]:
            lines.append(f"| {f['feature_id']} | {f['n_with_reference']} | {f['n_compared']} | {f['n_agree']} | "
                         f"{f['agreement']} | {f['majority_baseline']} ({f['majority_value']}) |")
        lines += ["", extra["note"], ""]
    if report.get("selective_vs_wals"):
        lines += [*selective_markdown(report["selective_vs_wals"]), *(f"- {n}" for n in SELECTIVE_NOTES), ""]
    return "\n".join(lines)


def _paper_cell(value: Any) -> str:
    if isinstance(value, dict):
        return "per strategy: " + "; ".join(f"{k} {v[0]}" for k, v in value.items() if v)
    return "-" if value is None else " / ".join(str(x) for x in value)


def main(argv: list[str] | None = None) -> int:
    return bench_main(__doc__, add_arguments, run, argv, log_format=LOG_FORMAT)


if __name__ == "__main__":
    sys.exit(main())

"""Transfer check: the model-free classifier on grammars outside a feature's benchmark, scored against WALS.

Why this exists: part of the paper's benchmark is held back, and every reading rule of the
``evidence`` classifier was written while looking at the shared benchmark grammars. The shared data
hold a second, mostly disjoint annotated set: most grammars of the number-of-cases (49A) benchmark
are not in the main (81A / GB107 / polar) benchmark. Their paragraphs retrieved for *case*
(``paragraphs/WALS_49A``) are public, and the rules for word order and negation were never tuned
on them. This script classifies WALS 81A and GB107 for every grammar that has such a file, from
those paragraphs only (``reranker`` configuration: top 20 after the default reranker), and scores
the answers against WALS:

* WALS 81A: the grammar's language's WALS 81A value;
* GB107: WALS 112A "Negative morphemes" as a rough stand-in (negative affix, or variation between
  word and affix -> 1; negative particle -> 0; other values are skipped). A particle can be a
  clitic, which Grambank codes 1, so this gold is noisy; compare groups, not absolute figures.

Grammars are split into *seen* (in that feature's benchmark, where the rules were developed) and
*unseen*. Both groups are read from the same kind of paragraphs, so the gap between them measures
how much the rules fit the development grammars, not retrieval. Reported per group: grammars, how
many the classifier answered (did not abstain), precision of the answers, and accuracy with
abstentions scored as the paper's first option. WALS values are used only to score.

    python -m benchmarks.wals_transfer --data-dir ../shared/data --out benchmarks/results/wals_transfer.json
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import shutil
import sys
from pathlib import Path
from typing import Any

from grammar_rag.config import cache_dir
from grammar_rag.errors import DataDirError, GrammarRagError
from grammar_rag.evaluation.gold import VALUES, score_value
from grammar_rag.evaluation.io import write_report
from grammar_rag.evaluation.runner import bench_entry, load_runner
from grammar_rag.features import wals_value

log = logging.getLogger(__name__)

SOURCE_FOLDER = "WALS_49A"  # the paragraphs every transfer grammar has
MAIN_COLUMNS = {  # benchmark column prefix -> our feature key
    "WALS 81A": "WALS 81A: Order of Subject, Object and Verb",
    "GB 107": "GB107: Can standard negation be marked by an affix, clitic or modification of the verb?",
}
TARGET_FOLDERS = {"WALS 81A": "WALS_81A", "GB 107": "GB_107"}
# WALS 112A (negative morphemes) -> GB107: an affix is bound, a particle usually free
WALS_112A_TO_GB107 = {"Negative affix": "1", "Variation between negative word and affix": "1",
                      "Negative particle": "0"}


def _read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


def transfer_gold(root: Path, data_dir: Path | None) -> tuple[dict[str, dict[str, str]], dict[str, set[str]]]:
    """``({feature: {bibkey: WALS-derived gold}}, {feature: seen bibkeys})`` for grammars with a
    WALS_49A paragraph file whose language has a usable WALS value."""

    needed = [root / "annotated_benchmark.csv", root / "annotated_benchmark_number_of_cases.csv",
              root / "paragraphs" / SOURCE_FOLDER]
    missing = [str(p) for p in needed if not p.exists()]
    if missing:
        raise DataDirError(f"the transfer check needs both annotation files and paragraphs/{SOURCE_FOLDER}; "
                           f"missing: {', '.join(missing)} (--data-dir must contain rag_on_grammars/ or be it)")
    main = _read_rows(root / "annotated_benchmark.csv")
    cases = _read_rows(root / "annotated_benchmark_number_of_cases.csv")
    seen = {key: {r["Filename"].strip() for r in main if r.get("Filename")} for key in MAIN_COLUMNS}
    iso: dict[str, str] = {}
    for r in cases:
        iso.setdefault(r["Filename"].strip(), (r.get("ISO 639-3") or "").strip())
    for r in main:
        iso.setdefault(r["Filename"].strip(), (r.get("lgcode_iso3") or "").strip())
    gold: dict[str, dict[str, str]] = {key: {} for key in MAIN_COLUMNS}
    for bibkey, codes in sorted(iso.items()):
        if not (root / "paragraphs" / SOURCE_FOLDER / f"{bibkey}.csv").is_file():
            continue
        for key, wals_id in (("WALS 81A", "WALS 81A"), ("GB 107", "WALS 112A")):
            names = set()
            for code in (c.strip() for c in codes.split(",") if c.strip()):
                try:
                    value = wals_value(code, wals_id, data_dir)
                except GrammarRagError:
                    continue
                if value is not None:
                    names.add(value.name)
            if len(names) != 1:
                continue  # no value, or the codes disagree
            name = names.pop()
            label = WALS_112A_TO_GB107.get(name) if key == "GB 107" else (name if name in VALUES[key] else None)
            if label is not None:
                gold[key][bibkey] = label
    return gold, seen


def build_data_dir(root: Path, out: Path, gold: dict[str, dict[str, str]]) -> None:
    """A data directory in the benchmark's layout: each grammar's 49A paragraphs under the target
    feature's folder, and an annotation table holding the WALS-derived gold."""
    if out.exists():
        shutil.rmtree(out)
    rag = out / "rag_on_grammars"
    header = ["lgcode_iso3", "Name", "WALS 116A: Polar Questions", *MAIN_COLUMNS.values(), "Filename"]
    bibkeys = sorted(set().union(*(g.keys() for g in gold.values())))
    for key, folder in TARGET_FOLDERS.items():
        (rag / "paragraphs" / folder).mkdir(parents=True, exist_ok=True)
        for bibkey in gold[key]:
            shutil.copyfile(root / "paragraphs" / SOURCE_FOLDER / f"{bibkey}.csv",
                            rag / "paragraphs" / folder / f"{bibkey}.csv")
    with (rag / "annotated_benchmark.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        for bibkey in bibkeys:
            # a grammar without a value for one feature has no paragraph file there, so the empty
            # cell (which the paper's rules would read as "No dominant order") is never scored
            w.writerow(["", bibkey, "", *(gold[k].get(bibkey, "") for k in MAIN_COLUMNS), bibkey])
    shutil.copyfile(root / "paper_results.json", rag / "paper_results.json")


def summarise(predictions_csv: Path, seen: dict[str, set[str]]) -> dict[str, Any]:
    rows = _read_rows(predictions_csv)
    out: dict[str, Any] = {}
    for key in MAIN_COLUMNS:
        groups: dict[str, dict[str, Any]] = {}
        for group in ("seen", "unseen"):
            mine = [r for r in rows if r["feature"] == key and ((r["grammar"] in seen[key]) == (group == "seen"))]
            answered = [r for r in mine if r["abstained"] != "True"]
            right = [r for r in answered if r["prediction"] == r["gold"]]
            scored = sum(score_value(r["prediction"], VALUES[key]) == r["gold"] for r in mine)
            groups[group] = {
                "grammars": len(mine), "answered": len(answered), "answered_correct": len(right),
                "precision": round(len(right) / len(answered), 4) if answered else None,
                "accuracy_abstention_as_first_option": round(scored / len(mine), 4) if mine else None,
            }
        out[key] = groups
    return out


def markdown(report: dict[str, Any]) -> str:
    lines = ["# Transfer check: outside the development grammars, scored against WALS", "",
             "Paragraphs: each grammar's `WALS_49A` file (retrieved for case), top 20 after the default "
             "reranker; model-free `evidence` backend. Gold: WALS 81A; for GB107, WALS 112A "
             "(affix -> 1, particle -> 0; noisy). *seen* = in that feature's benchmark. "
             "Not the paper's metric: orientation on generalisation only.", "",
             "| feature | group | grammars | answered | precision of answers | accuracy (abstention = first option) |",
             "|---|---|---|---|---|---|"]
    for key, groups in report["results"].items():
        for group, m in groups.items():
            lines.append(f"| {key} | {group} | {m['grammars']} | {m['answered']} | {m['precision']} | "
                         f"{m['accuracy_abstention_as_first_option']} |")
    return "\n".join(lines) + "\n"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", required=True, help="directory laid out like shared/data")
    parser.add_argument("--out", default="benchmarks/results/wals_transfer.json", help="JSON report (+ .md)")


def run(args: argparse.Namespace) -> int:
    data_dir = Path(args.data_dir)
    root = data_dir / "rag_on_grammars" if (data_dir / "rag_on_grammars").is_dir() else data_dir
    gold, seen = transfer_gold(root, data_dir)
    work = cache_dir() / "wals_transfer"  # a fixed place, so the bench's prediction cache is reused
    build_data_dir(root, work / "data", gold)
    out = Path(args.out)
    raw = work / "rag.json"
    status = load_runner("rag").main(["--data-dir", str(work / "data"), "--features", *MAIN_COLUMNS, "--configs", "reranker",
                             "--out", str(raw), "--cache", str(work / "predictions.jsonl"), "--no-progress"])
    if status:
        return status
    report = {"benchmark": "wals_transfer", "source_folder": SOURCE_FOLDER, "backend": "evidence",
              "config": "reranker", "results": summarise(raw.with_suffix(".predictions.csv"), seen)}
    write_report(out, json.dumps(report, indent=2) + "\n")
    write_report(out.with_suffix(".md"), markdown(report))
    print(markdown(report))
    return 0


def main(argv: list[str] | None = None) -> int:  # python -m benchmarks.wals_transfer
    return bench_entry(__doc__, add_arguments, run, argv)


if __name__ == "__main__":
    sys.exit(main())

"""Translation benchmark for any language pack: chrF and chrF++ (sacrebleu) in both directions.

``--language CODE`` scores a pack (its own sentences split by the hash rule below, or every row of
``--test FILE`` in any pack sentence format); without it, the Kalamang data directory as before.

The test split is a reproducible function of the example ID (``sha1(ID) mod N == 0``; ``== 1`` is
the dev split used for any tuning). Every test sentence, and every normalised exact duplicate of
either of its sides, is removed from the example pool *and* from the grammar's interlinear examples
before anything is indexed or learned, and the report counts retrieved leaks (must be 0).

Baselines computed in the same run over the same sentences: copy-the-input, and a word-by-word
dictionary translation with the same clitic/affix-aware look-up as the system. With
``--examples FILE`` any CSV with Dictionaria's example columns is scored; when FILE is not the
data directory's own ``examples.csv`` every row is a test sentence (``--split auto``).

    grammar-rag bench translate --data-dir ../shared/data --out benchmarks/results/translate.json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import time
from pathlib import Path
from typing import Any

from grammar_rag.config import data_dir as resolve_data_dir
from grammar_rag.errors import DataDirError
from grammar_rag.evaluation.io import write_report
from grammar_rag.evaluation.runner import add_progress_argument, bench_main, wants_progress
from grammar_rag.llm import BACKENDS
from grammar_rag.translate import MODEL_FREE_NAMES, translate_many
from grammar_rag.translate.dictionary import load_dictionary
from grammar_rag.translate.examples import read_examples_csv
from grammar_rag.translate.fallback import WordTranslator, word_by_word
from grammar_rag.translate.formats import read_sentences
from grammar_rag.translate.packs import default_store, load_content
from grammar_rag.translate.resources import banned_keys, build_resources, is_banned, passage_leaks

log = logging.getLogger(__name__)

DIRECTIONS = (("kgv", "eng"), ("eng", "kgv"))
DEFAULT_OUT = Path(__file__).resolve().parent / "results" / "translate.json"


def split_of(example_id: str, modulus: int = 10) -> str:
    """"test" (hash mod N == 0), "dev" (== 1) or "train": stable across machines and runs."""
    bucket = int(hashlib.sha1(example_id.encode("utf-8")).hexdigest(), 16) % modulus
    return "test" if bucket == 0 else "dev" if bucket == 1 else "train"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", help="directory laid out like shared/data (or shared/data/kalamang): "
                        "kalamang/grammar_tex/ and kalamang/dictionaria/ (default $GRAMMAR_RAG_DATA_DIR)")
    parser.add_argument("--examples", help="CSV with Dictionaria's example columns to score "
                        "(default: <data>/kalamang/dictionaria/examples.csv)")
    parser.add_argument("--language", default=None,
                        help="language pack to score (code, name or alias; see 'grammar-rag language list'); "
                        "without --test its own sentences are split by the hash rule (--split)")
    parser.add_argument("--test", default=None,
                        help="held-out sentences in any pack sentence format (CLDF ExampleTable, two-column TSV/CSV, "
                        "'English:' blocks); every row is scored and removed, with its duplicates, from every source")
    parser.add_argument("--out", default=str(DEFAULT_OUT), help="JSON report (a .md report is written beside it)")
    parser.add_argument("--split", choices=("auto", "test", "dev", "all"), default="auto",
                        help="which rows of --examples to score: the hash test split, the dev split, or all rows "
                        "(auto: test split for the data dir's own examples.csv, else all)")
    parser.add_argument("--modulus", type=int, default=10, help="N of the split hash (test = 1/N of the rows)")
    parser.add_argument("--backend", default="model-free", help="LLM backend name, or model-free (default)")
    parser.add_argument("--embedder", default="none",
                        help="embedding model for dense example retrieval of the English side, e.g. 'default' "
                        "(all-MiniLM-L6-v2; embeds the whole pool first, minutes on a small CPU); "
                        "'none' = BM25 only (default: keeps the model-free run well under 5 minutes)")
    parser.add_argument("--limit", type=int, default=None, help="score only the first N selected sentences")
    add_progress_argument(parser, "progress bar")


def _select(examples: list[Any], split: str, modulus: int) -> list[Any]:
    if split == "all":
        return list(examples)
    return [e for e in examples if split_of(e.id, modulus) == split]


def _chrf(hyps: list[str], refs: list[str]) -> tuple[float, float]:
    from sacrebleu.metrics import CHRF

    chrf = CHRF().corpus_score(hyps, [refs]).score
    chrfpp = CHRF(word_order=2).corpus_score(hyps, [refs]).score
    return round(chrf, 2), round(chrfpp, 2)


def _paper(data_root: Path | None) -> dict[str, Any]:
    for cand in ([data_root / "rag_on_grammars" / "paper_results.json", data_root.parent / "rag_on_grammars" / "paper_results.json"]
                 if data_root else []):
        if cand.exists():
            return json.loads(cand.read_text(encoding="utf-8")).get("mtob_chrf", {})
    return {}


def evaluate(
    tests: list[Any], resources: Any, backend: str, progress: bool = False, code: str = "kgv"
) -> dict[str, Any]:
    """Scores of the system and both baselines on ``tests`` (both directions)."""
    from tqdm.auto import tqdm

    llm: Any = None  # one backend object for the whole run (a local model loads once)
    if backend and backend.lower() not in MODEL_FREE_NAMES:
        llm = BACKENDS.create(backend)

    result: dict[str, Any] = {"chrf": {}, "chrf++": {}, "baselines": {"copy-input": {"chrf": {}, "chrf++": {}},
                                                                       "word-by-word": {"chrf": {}, "chrf++": {}}}}

    banned_all = banned_keys(tests)
    samples: dict[str, list[dict[str, str]]] = {}
    leaks = 0
    methods: set[str] = set()
    for src, tgt in ((code, "eng"), ("eng", code)):
        key = f"{src}-{tgt}"
        inputs = [t.text if src == code else t.translation for t in tests]
        refs = [t.translation if src == code else t.text for t in tests]
        banned = [set(t.keys()) for t in tests]
        translator = WordTranslator(resources, src)
        # one call per direction: an LLM backend gets every prompt at once (vLLM batches them)
        done = translate_many(inputs, source=src, target=tgt, backend=llm, resources=resources)
        sys_out, wbw_out = [], []
        for tr, text, ban in tqdm(list(zip(done, inputs, banned, strict=True)), desc=key, disable=not progress):
            methods.add(tr.method)
            leaks += sum(1 for e in tr.examples if set(e.example.keys()) & ban or is_banned(e.example, banned_all))
            leaks += sum(1 for sp in tr.grammar if passage_leaks(sp.passage, banned_all))
            sys_out.append(tr.translation)
            wbw_out.append(word_by_word(text, translator))
        result["chrf"][key], result["chrf++"][key] = _chrf(sys_out, refs)
        copy = result["baselines"]["copy-input"]
        copy["chrf"][key], copy["chrf++"][key] = _chrf(inputs, refs)
        wbw = result["baselines"]["word-by-word"]
        wbw["chrf"][key], wbw["chrf++"][key] = _chrf(wbw_out, refs)
        samples[key] = [
            {"input": i, "reference": r, "system": s, "word-by-word": w}
            for i, r, s, w in list(zip(inputs, refs, sys_out, wbw_out, strict=True))[:5]
        ]
    result["retrieval_leaks"] = leaks
    result["method"] = sorted(methods)
    result["samples"] = samples
    return result


def _markdown(report: dict[str, Any]) -> str:
    paper = report.get("paper", {})
    code, name = report.get("language", "kgv"), report.get("language_name", "Kalamang")
    lines = [
        f"# Translation benchmark ({name} <-> English)",
        "",
        f"{report['n_sentences']} test sentences ({report['split']['rule']}), scored in {report['seconds']:.0f} s "
        f"on this CPU; method: {', '.join(report['method'])}; retrieval leaks of test sentences: "
        f"{report['retrieval_leaks']}.",
        "",
        f"| system | chrF {code}→eng | chrF eng→{code} | chrF++ {code}→eng | chrF++ eng→{code} |",
        "|---|---|---|---|---|",
    ]

    def row(name: str, block: dict[str, Any]) -> str:
        c, p = block["chrf"], block["chrf++"]
        a, b = f"{code}-eng", f"eng-{code}"
        return f"| {name} | {c[a]:.1f} | {c[b]:.1f} | {p[a]:.1f} | {p[b]:.1f} |"

    lines.append(row(f"this system ({', '.join(report['method'])})", report))
    for name, block in report["baselines"].items():
        lines.append(row(f"baseline: {name}", block))
    if paper and code == "kgv":
        lines.append(f"| MTOB (Tanzer et al. 2024, Claude 2, wordlist+sentences+grammar) | {paper.get('kgv->eng', '–')} | "
                     f"{paper.get('eng->kgv', '–')} | – | – |")
        lines.append(f"| MTOB human learner | {paper.get('human kgv->eng', '–')} | {paper.get('human eng->kgv', '–')} | – | – |")
    if code != "kgv":
        lines += ["", "Test sentences and their normalised duplicates are removed from every retrievable source (the "
                  "pack's sentences, the grammar's interlinear examples and its prose) before anything is indexed or "
                  "learned. The model-free figures measure retrieval + dictionary adaptation, not an LLM.", ""]
        return "\n".join(lines)
    lines += [
        "",
        "Caveats: MTOB's numbers are on its own test set (different sentences, book-length context, a "
        "large LLM); ours are on a hash split of the Dictionaria examples with every test sentence and its "
        "normalised duplicates removed from the retrievable examples. The model-free figures measure "
        "retrieval + dictionary adaptation, not an LLM.",
        "",
    ]
    return "\n".join(lines)


def run_pack(args: argparse.Namespace) -> int:
    """``--language CODE``: any pack, its own sentences split by hash or a ``--test`` file."""
    start = time.perf_counter()
    pack = default_store().get(args.language)
    split = args.split
    if args.test:
        tests = read_sentences(args.test).examples
        split = "all" if split == "auto" else split
        tests = _select(tests, split, args.modulus)
        examples_file = str(args.test)
    else:
        split = "test" if split == "auto" else split
        tests = _select(load_content(pack, getattr(args, "data_dir", None)).examples, split, args.modulus)
        examples_file = f"pack {pack.code} sentences"
    if args.limit:
        tests = tests[: args.limit]
    if not tests:
        raise DataDirError(f"No test sentences selected for {pack.code} (split {split}).")
    embedder = None if args.embedder in ("none", "") else args.embedder
    resources = build_resources(pack=pack, data_dir=getattr(args, "data_dir", None), exclude=tests, embedder=embedder)
    result = evaluate(tests, resources, args.backend, progress=wants_progress(args), code=pack.code)
    report = _report(args, result, tests, split, examples_file, resources, start)
    report.update({"language": pack.code, "language_name": pack.name})
    _write(args, report)
    return 0


def _scores(result: dict[str, Any], tests: list[Any]) -> dict[str, Any]:
    """The figures every translate report carries, in the reports' key order."""
    return {key: result[key] for key in ("chrf", "chrf++", "baselines", "method", "retrieval_leaks")} | {
        "n_sentences": len(tests)}


def _split(args: argparse.Namespace, split: str, all_rows: str, examples_file: str, resources: Any) -> dict[str, Any]:
    """Which sentences were held out, by what rule, and how large the pool left to retrieve from is."""
    rule = {"test": f"sha1(ID) mod {args.modulus} == 0", "dev": f"sha1(ID) mod {args.modulus} == 1"}
    return {"name": split, "rule": rule.get(split, all_rows), "examples_file": examples_file,
            "pool_size": len(resources.examples)}


def _report(args: argparse.Namespace, result: dict[str, Any], tests: list[Any], split: str, examples_file: str,
            resources: Any, start: float) -> dict[str, Any]:
    return {
        "benchmark": "translate",
        "language": resources.language.code,
        "language_name": resources.language.name,
        **_scores(result, tests),
        "split": {
            **_split(args, split, "all rows of the test file", examples_file, resources),
            "grammar_passages": len(resources.passages),
        },
        "resources": resources.sources,
        "embedder": getattr(resources.embedder, "name", None),
        "seconds": round(time.perf_counter() - start, 1),
        "samples": result["samples"],
    }


def _write(args: argparse.Namespace, report: dict[str, Any]) -> None:
    out = Path(args.out)
    write_report(out, json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    write_report(out.with_suffix(".md"), _markdown(report))
    print(json.dumps({k: report[k] for k in ("chrf", "chrf++", "baselines", "retrieval_leaks", "n_sentences", "seconds")}, indent=2))
    print(f"wrote {out} and {out.with_suffix('.md')}")


def run(args: argparse.Namespace) -> int:
    if getattr(args, "language", None) and args.language.lower() not in ("kgv", "kalamang", "kara1499"):
        return run_pack(args)
    start = time.perf_counter()
    root = resolve_data_dir(getattr(args, "data_dir", None))
    lang_dir = root / "kalamang" if (root / "kalamang").is_dir() else root
    pool_csv = lang_dir / "dictionaria" / "examples.csv"
    examples_csv = Path(args.examples) if args.examples else pool_csv
    if not examples_csv.is_file():
        raise DataDirError(f"Examples file {examples_csv} does not exist (pass --examples FILE).")
    split = args.split
    if split == "auto":
        split = "test" if pool_csv.exists() and examples_csv.resolve() == pool_csv.resolve() else "all"
    dict_dir = lang_dir / "dictionaria" if (lang_dir / "dictionaria" / "entries.csv").exists() else None
    lexicons = load_dictionary(dict_dir).lexicons() if dict_dir else None
    tests = _select(read_examples_csv(examples_csv, lexicons), split, args.modulus)
    if args.limit:
        tests = tests[: args.limit]
    if not tests:
        raise DataDirError(f"No sentences selected from {examples_csv} (split {split}).")
    embedder = None if args.embedder in ("none", "") else args.embedder
    resources = build_resources(
        "kgv", data_dir=lang_dir, examples_csv=pool_csv if pool_csv.exists() else None, exclude=tests, embedder=embedder
    )
    log.info("pool: %d examples after exclusion; %d test sentences", len(resources.examples), len(tests))
    result = evaluate(tests, resources, args.backend, progress=wants_progress(args))
    report: dict[str, Any] = {
        "benchmark": "translate",
        **_scores(result, tests),
        "split": _split(args, split, "all rows of --examples", str(examples_csv), resources),
        "resources": resources.sources,
        "embedder": getattr(resources.embedder, "name", None),
        "paper": _paper(root),
        "seconds": round(time.perf_counter() - start, 1),
        "samples": result["samples"],
    }
    out = Path(args.out)
    write_report(out, json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    write_report(out.with_suffix(".md"), _markdown(report))
    print(json.dumps({k: report[k] for k in ("chrf", "chrf++", "baselines", "n_sentences", "seconds")}, indent=2))
    print(f"wrote {out} and {out.with_suffix('.md')}")
    return 0


def main(argv: list[str] | None = None) -> int:  # pragma: no cover - thin wrapper
    return bench_main(__doc__, add_arguments, run, argv)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())

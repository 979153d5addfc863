"""``grammar-rag extract | export | compare | app``: batch extraction to CLDF, checks, the web UI.

``extract`` is resumable: results go to ``OUT/results.sqlite`` as each pair finishes, and a rerun
(after Ctrl-C, a crash, even ``kill -9``) computes only the missing pairs. Rows record the backend,
prompt version and retrieval settings, so a run with other settings adds new rows instead of
mixing with old ones; ``export``/``compare`` pick one configuration and say which.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from grammar_rag.errors import GrammarRagError

APP_INDEX_ENV = "GRAMMAR_RAG_APP_INDEX"
EXTRACT_DESCRIPTION = """\
Classify every (grammar, feature) pair and export a CLDF StructureDataset + a flat CSV.

Resumable: each pair is committed to OUT/results.sqlite as it finishes; rerunning the same command
after Ctrl-C, a crash or kill -9 computes only the missing pairs. Every row records the backend,
prompt version and retrieval settings: a run with other settings adds new rows next to the old
ones, and the export contains exactly one configuration (the one of this run).

Writes OUT/cldf/ (validated with pycldf), OUT/values_flat.csv, OUT/inputs.json and OUT/run.json.

example:
  grammar-rag extract --index idx --grammars all --features 81A,49A,116A*,GB107 --out runs/x
  grammar-rag compare --results runs/x
"""


def register(sub: argparse._SubParsersAction) -> None:
    ex = sub.add_parser(
        "extract",
        help="classify many grammars x features into a resumable store + a CLDF dataset",
        description=EXTRACT_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ex.add_argument("--index", required=True, help="index directory (built with `grammar-rag ingest`)")
    ex.add_argument("--grammars", default="all", help="'all' or comma-separated grammar ids / languages / ISO codes")
    ex.add_argument("--features", required=True, help="comma-separated feature ids, e.g. 81A,GB107,'116A*'")
    ex.add_argument("--backend", default="evidence", help="classifier backend (default: evidence, model-free)")
    ex.add_argument("--out", required=True, help="results folder (store, CLDF dataset, flat CSV, run.json)")
    ex.add_argument("--prompt-version", default=None, help="override the classifier's prompt version label")
    ex.add_argument("--mode", default=None, choices=("bm25", "dense", "hybrid"), help="first-stage retrieval mode")
    ex.add_argument("--k", type=int, default=None, help="passages handed to the classifier")
    ex.add_argument("--batch-size", type=int, default=None, help="pairs per classifier call (default per backend)")
    ex.add_argument("--concurrency", type=int, default=None, help="calls in flight (default per backend)")
    ex.add_argument("--workers", type=int, default=None,
                    help="local: worker processes for CPU-bound backends such as evidence (default 1); "
                         "ray: actors (default: one per cluster CPU, or per GPU with --backend vllm)")
    ex.add_argument("--engine", choices=("local", "ray"), default="local",
                    help="where pairs run: this machine, or a Ray cluster (pip install 'grammar-rag[ray]')")
    ex.add_argument("--address", default=None,
                    help="--engine ray: cluster to attach to (auto, HOST:PORT or ray://HOST:PORT; default: "
                         "start a private one on 127.0.0.1); the index must be at the same path on every node")
    ex.add_argument("--max-in-flight", type=int, default=None,
                    help="--engine ray: calls in flight across the cluster (e.g. requests to --backend openai)")
    ex.add_argument("--no-export", action="store_true", help="only fill the store; skip the CLDF/CSV export")
    ex.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                    help="progress bar (default: when stderr is a terminal)")
    ex.add_argument("--data-dir", default=None, help="data directory (catalogue, Glottolog) if not bundled")
    ex.set_defaults(func=cmd_extract)

    exp = sub.add_parser("export", help="re-export one run configuration of a results folder as CLDF + CSV")
    _add_selection(exp)
    exp.add_argument("--data-dir", default=None, help="data directory (Glottolog) for language metadata")
    exp.set_defaults(func=cmd_export)

    cmp_ = sub.add_parser(
        "compare",
        help="agreement of extracted values with WALS, and disagreements with their grammar evidence",
    )
    _add_selection(cmp_)
    cmp_.add_argument("--data-dir", default=None, help="data directory with wals/ (default: bundled WALS values)")
    cmp_.add_argument("--show", type=int, default=20, help="disagreements to print (all go to the JSON/CSV)")
    cmp_.set_defaults(func=cmd_compare)

    app = sub.add_parser("app", help="start the Streamlit interface on 127.0.0.1")
    app.add_argument("--index", default=None, help="index directory (default: the bundled Kalamang grammar)")
    app.add_argument("--port", type=int, default=8501)
    app.add_argument("--data-dir", default=None, help="data directory (catalogue, WALS) if not bundled")
    app.set_defaults(func=cmd_app)


def _add_selection(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--results", required=True, help="results folder written by `grammar-rag extract`")
    parser.add_argument("--backend", default=None, help="pick this backend's rows")
    parser.add_argument("--prompt-version", default=None, help="pick this prompt version's rows")
    parser.add_argument("--config", default=None, help="pick this retrieval config hash (prefix)")


# ---------------------------------------------------------------------------------------- extract
def cmd_extract(args: argparse.Namespace) -> int:
    from grammar_rag.extract.engines import EngineSpec, make_engine
    from grammar_rag.extract.inputs import (
        open_index,
        save_inputs,
        select_features,
        select_grammars,
        write_json,
    )
    from grammar_rag.extract.predictors import PipelinePredictor, default_parallelism, make_retrieval_config
    from grammar_rag.extract.runner import run_extraction
    from grammar_rag.extract.store import STORE_FILENAME, ResultStore

    if args.engine == "ray":
        from grammar_rag.extract.engines import require_ray

        require_ray(args.address)  # before loading anything: say how to install it, in one line
    out = Path(args.out)
    index = open_index(args.index)
    grammars = select_grammars(index, args.grammars)
    features = select_features(args.features, args.data_dir)
    local = PipelinePredictor(
        index, args.backend, retrieval=make_retrieval_config(args.mode, args.k), prompt_version=args.prompt_version
    )
    config = local.run_config
    batch, concurrency = default_parallelism(args.backend)
    spec = EngineSpec(
        engine=args.engine, index_dir=str(args.index), backend=args.backend, retrieval=local.retrieval,
        prompt_version=local.prompt_version, workers=args.workers or (0 if args.engine == "ray" else 1),
        address=args.address, max_in_flight=args.max_in_flight,
    )
    save_inputs(out, grammars, features)
    print(f"run configuration: {config.describe()}", flush=True)
    with ResultStore(out / STORE_FILENAME) as store, make_engine(spec, local, concurrency) as engine:
        summary = run_extraction(
            store,
            config,
            grammars,
            features,
            engine,
            batch_size=args.batch_size or batch,
            concurrency=args.concurrency or engine.concurrency,
            progress=args.progress,
        )
        print(
            f"pairs: {summary.total}, done before: {summary.done_before}, computed now: {summary.computed_now}, "
            f"failed: {summary.failed} ({summary.elapsed_s:.1f} s)",
            flush=True,
        )
        report: dict[str, Any] = {"run": summary.to_dict()}
        others = [c for c in store.configs() if c.config.key != config.key]
        for other in others:
            print(f"note: {out / STORE_FILENAME} also holds {other.n_results} result(s) of "
                  f"{other.config.describe()}; they are not part of this export", flush=True)
        if not args.no_export:
            report["export"] = _export(store, out, config, args.data_dir).to_dict()
    write_json(out / "run.json", report)
    return 0 if summary.failed == 0 else 1


def _export(store: Any, out: Path, config: Any, data_dir: str | None) -> Any:
    from grammar_rag.extract.cldf_export import export_dataset
    from grammar_rag.extract.inputs import load_inputs
    from grammar_rag.extract.languages import LanguageResolver

    grammars, features = load_inputs(out)
    result = export_dataset(
        store.predictions(config), config, grammars, features, out, resolver=LanguageResolver(data_dir)
    )
    status = "valid" if result.valid else "INVALID: " + "; ".join(result.messages[:5])
    print(
        f"CLDF StructureDataset ({result.n_values} values, {result.n_languages} languages, "
        f"{result.n_parameters} parameters; pycldf: {status}) -> {result.cldf_dir}\nflat CSV -> {result.flat_csv}",
        flush=True,
    )
    return result


def _open_selected(args: argparse.Namespace) -> tuple[Any, Any]:
    from grammar_rag.extract.store import STORE_FILENAME, ResultStore, select_config

    store = ResultStore(Path(args.results) / STORE_FILENAME, readonly=True)
    configs = store.configs()
    chosen = select_config(
        configs, backend=args.backend, prompt_version=args.prompt_version, config_hash=args.config
    )
    others = [c for c in configs if c is not chosen]
    print(f"using run configuration: {chosen.config.describe()} ({chosen.n_results} results)")
    for other in others:
        print(f"  not included: {other.config.describe()} ({other.n_results} results); select it with "
              "--backend/--prompt-version/--config")
    return store, chosen.config


def cmd_export(args: argparse.Namespace) -> int:
    store, config = _open_selected(args)
    with store:
        result = _export(store, Path(args.results), config, args.data_dir)
    return 0 if result.valid else 1


# ---------------------------------------------------------------------------------------- compare
def cmd_compare(args: argparse.Namespace) -> int:
    import csv

    from grammar_rag.extract.compare import compare_predictions, format_report, wals_reference
    from grammar_rag.extract.inputs import load_inputs, write_json
    from grammar_rag.extract.languages import LanguageResolver

    results = Path(args.results)
    store, config = _open_selected(args)
    with store:
        predictions = store.predictions(config)
    grammars, features = load_inputs(results)
    report = compare_predictions(
        predictions, grammars, features, wals_reference(args.data_dir), resolver=LanguageResolver(args.data_dir)
    )
    print(format_report(report, max_disagreements=args.show))
    payload = report.to_dict()
    payload["config"] = config.to_dict()
    write_json(results / "compare.json", payload)
    path = results / "disagreements.csv"
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["feature_id", "grammar_id", "language", "glottocode", "predicted", "reference",
                         "confidence", "pages", "evidence"])
        for d in report.disagreements:
            writer.writerow([
                d.feature_id, d.grammar_id, d.language, d.glottocode or "", d.predicted, d.reference,
                d.confidence, "; ".join(str(e["pages"]) for e in d.evidence if e.get("pages")),
                " | ".join(str(e["quote"]) for e in d.evidence),
            ])
    os.replace(tmp, path)
    print(f"\nreport -> {results / 'compare.json'}, disagreements -> {path}")
    return 0


# ---------------------------------------------------------------------------------------- app
def app_script() -> Path:
    from grammar_rag.config import REPO_DIR

    path = REPO_DIR / "app" / "streamlit_app.py"
    if not path.exists():
        raise GrammarRagError(f"The Streamlit app is not at {path} (it ships with the repository checkout).")
    return path


def app_command(port: int) -> list[str]:
    return [
        sys.executable, "-m", "streamlit", "run", str(app_script()),
        "--server.address", "127.0.0.1",
        "--server.port", str(port),
        "--server.headless", "true",
        "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",
        # uncaught exceptions (none are expected: the page catches them) show type + message only
        "--client.showErrorDetails", "type",
        "--client.toolbarMode", "minimal",
    ]


def app_env(index: str | None, data_dir: str | None) -> dict[str, str]:
    env = dict(os.environ)
    if index:
        env[APP_INDEX_ENV] = str(Path(index).expanduser().resolve())
    if data_dir:
        env["GRAMMAR_RAG_DATA_DIR"] = str(Path(data_dir).expanduser().resolve())
    return env


def cmd_app(args: argparse.Namespace) -> int:
    try:
        import streamlit  # noqa: F401
    except ImportError as exc:
        raise GrammarRagError("Streamlit is not installed: pip install 'grammar-rag[app]'.") from exc
    if args.index and not Path(args.index).exists():
        raise GrammarRagError(f"Index directory {args.index} does not exist.")
    print(f"serving on http://127.0.0.1:{args.port} (Ctrl-C to stop)", flush=True)
    command = app_command(args.port)
    # Become the Streamlit server (exec, not a child): a SIGTERM/SIGKILL sent to `grammar-rag app`
    # then reaches the server itself and can never leave an orphaned server behind.
    os.execve(command[0], command, app_env(args.index, args.data_dir))
    return 0  # pragma: no cover - execve does not return

"""``grammar-rag extract``: many grammars x features into a resumable store, then a CLDF dataset.

``extract`` is resumable: results go to ``OUT/results.sqlite`` as each pair finishes, and a rerun
(after Ctrl-C, a crash, even ``kill -9``) computes only the missing pairs. Rows record the backend,
prompt version and retrieval settings, so a run with other settings adds new rows instead of
mixing with old ones; ``export`` and ``compare`` (:mod:`grammar_rag.cli.export`,
:mod:`grammar_rag.cli.compare`) pick one configuration and say which.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from grammar_rag.cli.export import export_run
from grammar_rag.cli.options import (
    add_classifier_backend,
    add_data_dir,
    add_index,
    add_progress,
    add_retrieval_mode,
)
from grammar_rag.cluster import require_ray
from grammar_rag.extract.engine_spec import EngineSpec
from grammar_rag.extract.engines import make_engine
from grammar_rag.extract.inputs import open_index, save_inputs, select_features, select_grammars, write_json
from grammar_rag.extract.predictors import PipelinePredictor, default_parallelism, make_retrieval_config
from grammar_rag.extract.runner import run_extraction
from grammar_rag.extract.store import STORE_FILENAME, ResultStore
from grammar_rag.locking import directory_lock, require_folder
from grammar_rag.types import Feature, Grammar

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
    add_index(ex)
    ex.add_argument("--grammars", default="all", help="'all' or comma-separated grammar ids / languages / ISO codes")
    ex.add_argument("--features", required=True, help="comma-separated feature ids, e.g. 81A,GB107,'116A*'; WALS, GB or all for whole catalogues")
    add_classifier_backend(ex)
    ex.add_argument("--out", required=True, help="results folder (store, CLDF dataset, flat CSV, run.json)")
    ex.add_argument("--prompt-version", default=None, help="override the classifier's prompt version label")
    add_retrieval_mode(ex, default=None, help="first-stage retrieval mode")
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
    add_progress(ex, "progress bar")
    add_data_dir(ex, help="data directory (catalogue, Glottolog) if not bundled")
    ex.set_defaults(func=cmd_extract)


def cmd_extract(args: argparse.Namespace) -> int:
    if args.engine == "ray":
        require_ray(args.address)  # before anything is loaded or created: say how to install it, in one line
    # inputs checked first: a bad --out, --grammars or --features leaves no results folder behind
    require_folder(args.out, "results folder")
    index = open_index(args.index)
    grammars = select_grammars(index, args.grammars)
    features = select_features(args.features, args.data_dir)
    # one writer per results folder: a second run waits (or, with --no-wait, stops) and then
    # finds the pairs the first one stored, so every pair is stored and counted exactly once
    with directory_lock(Path(args.out), what="results folder"):
        return _cmd_extract(args, index, grammars, features)


def _cmd_extract(args: argparse.Namespace, index: Any, grammars: list[Grammar],
                 features: list[Feature]) -> int:
    out = Path(args.out)
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
            report["export"] = export_run(store, out, config, args.data_dir).to_dict()
    write_json(out / "run.json", report)
    return 0 if summary.failed == 0 else 1

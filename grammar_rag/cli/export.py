"""``grammar-rag export``: one run configuration of a results folder as a CLDF dataset + flat CSV.

A results folder can hold rows of several configurations (backend, prompt version, retrieval
settings); :func:`open_selected` picks exactly one and says which, and what it left out, so an
export or a comparison never mixes runs. ``extract`` writes its export with :func:`export_run`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from grammar_rag.cli.options import add_data_dir
from grammar_rag.extract.cldf_export import ExportReport, export_dataset
from grammar_rag.extract.inputs import load_inputs
from grammar_rag.extract.store import STORE_FILENAME, ResultStore, RunConfig, select_config
from grammar_rag.features.languages import LanguageResolver
from grammar_rag.locking import directory_lock


def register(sub: argparse._SubParsersAction) -> None:
    exp = sub.add_parser("export", help="re-export one run configuration of a results folder as CLDF + CSV")
    add_run_selection(exp)
    add_data_dir(exp, help="data directory (Glottolog) for language metadata")
    exp.set_defaults(func=cmd_export)


def add_run_selection(parser: argparse.ArgumentParser) -> None:
    """``--results`` and the options that pick one run configuration in it (export, compare)."""
    parser.add_argument("--results", required=True, help="results folder written by `grammar-rag extract`")
    parser.add_argument("--backend", default=None, help="pick this backend's rows")
    parser.add_argument("--prompt-version", default=None, help="pick this prompt version's rows")
    parser.add_argument("--config", default=None, help="pick this retrieval config hash (prefix)")


def open_selected(args: argparse.Namespace) -> tuple[ResultStore, RunConfig]:
    """The results store (read-only) and the one configuration the selection options name."""
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


def export_run(store: ResultStore, out: Path, config: RunConfig, data_dir: str | None) -> ExportReport:
    """Write ``config``'s predictions in ``store`` as OUT/cldf/ + OUT/values_flat.csv and report them."""
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


def cmd_export(args: argparse.Namespace) -> int:
    # one writer per results folder: a second run waits (or, with --no-wait, stops) and then
    # finds the pairs the first one stored, so every pair is stored and counted exactly once
    with directory_lock(Path(args.results), what="results folder"):
        return _cmd_export(args)


def _cmd_export(args: argparse.Namespace) -> int:
    store, config = open_selected(args)
    with store:
        result = export_run(store, Path(args.results), config, args.data_dir)
    return 0 if result.valid else 1

"""``grammar-rag bench`` finds its runners without the library importing ``benchmarks``."""

from __future__ import annotations

import argparse
import ast
import sys
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

from grammar_rag.evaluation import runner

REPO = Path(__file__).resolve().parents[1]


def _imported_modules(path: Path) -> set[str]:
    """Every module an ``import`` statement in ``path`` names, at any depth (functions included)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
    return out


def test_every_table_runner_is_reachable_and_has_the_runner_interface() -> None:
    found = runner.importable_runners()
    assert list(runner.RUNNERS) == [name for name in found if name in runner.RUNNERS]
    for name, (module, help_text) in found.items():
        assert callable(module.add_arguments) and callable(module.run), name
        assert help_text, name


def test_an_entry_point_adds_a_runner_and_overrides_the_table(monkeypatch: pytest.MonkeyPatch,
                                                              tmp_path: Path) -> None:
    (tmp_path / "my_bench_plugin.py").write_text(
        '"""Count to three: a plug-in benchmark."""\n'
        "def add_arguments(parser):\n    parser.add_argument('--n', type=int, default=3)\n"
        "def run(args):\n    return args.n\n",
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    points = [EntryPoint("count", "my_bench_plugin", runner.ENTRY_POINT_GROUP),
              EntryPoint("rag", "my_bench_plugin", runner.ENTRY_POINT_GROUP)]
    monkeypatch.setattr(runner, "entry_points", lambda group: points if group == runner.ENTRY_POINT_GROUP else [])
    specs = runner.runner_specs()
    assert specs["count"] == runner.RunnerSpec("my_bench_plugin", "")
    assert specs["rag"].module == "my_bench_plugin"  # an installed entry point wins over the table
    assert specs["rag"].help == runner.RUNNERS["rag"].help
    module = runner.load_runner("count")
    assert module.run(argparse.Namespace(n=5)) == 5
    assert runner.importable_runners()["count"][1] == "Count to three: a plug-in benchmark."
    sys.modules.pop("my_bench_plugin", None)


def test_an_unknown_runner_is_named() -> None:
    from grammar_rag.errors import GrammarRagError

    with pytest.raises(GrammarRagError, match="no benchmark named 'nope'"):
        runner.load_runner("nope")


def test_the_library_never_imports_benchmarks_and_runners_never_import_each_other() -> None:
    offenders = [str(p.relative_to(REPO)) for p in sorted((REPO / "grammar_rag").rglob("*.py"))
                 if any(m == "benchmarks" or m.startswith("benchmarks.") for m in _imported_modules(p))]
    offenders += [str(p.relative_to(REPO)) for p in sorted((REPO / "benchmarks").glob("*.py"))
                  if any(m == "benchmarks" or m.startswith("benchmarks.") for m in _imported_modules(p))]
    assert offenders == []

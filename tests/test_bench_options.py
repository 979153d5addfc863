"""Options every benchmark with a progress bar shares, spelled the same way."""

from __future__ import annotations

import argparse
import importlib

import pytest


@pytest.mark.parametrize("module", ["rag_bench", "retrieval_bench", "translate_bench", "index_bench"])
def test_progress_flags_are_the_same_everywhere(module: str) -> None:
    """`--progress` / `--no-progress` on every bench with a bar; unset means "when stderr is a terminal".
    A user scripting `bench retrieval --no-progress` after `bench rag --no-progress` must not get a usage error."""
    parser = argparse.ArgumentParser()
    importlib.import_module(f"benchmarks.{module}").add_arguments(parser)
    assert parser.parse_args(["--no-progress"]).progress is False
    assert parser.parse_args(["--progress"]).progress is True
    assert parser.parse_args([]).progress is None


def test_wants_progress_follows_the_terminal_when_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    from grammar_rag.evaluation.runner import wants_progress

    monkeypatch.setattr("sys.stderr.isatty", lambda: True)
    assert wants_progress(argparse.Namespace(progress=None)) is True
    assert wants_progress(argparse.Namespace(progress=False)) is False
    monkeypatch.setattr("sys.stderr.isatty", lambda: False)
    assert wants_progress(argparse.Namespace(progress=None)) is False
    assert wants_progress(argparse.Namespace(progress=True)) is True

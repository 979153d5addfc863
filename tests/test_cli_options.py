"""Options several commands share are declared once (``grammar_rag/cli/options.py``), so they
parse and read the same in every command that has them."""

from __future__ import annotations

import argparse

import pytest

from grammar_rag.cli import build_parser
from grammar_rag.cli.options import add_progress, embedder_choice, wants_progress

# the minimum each command needs to parse, with the shared option appended by the test
REQUIRED = {
    "ingest": ["ingest", "x.md", "--index", "idx"],
    "corpus fetch": ["corpus", "fetch", "rag-on-grammars", "--data-dir", "d"],
    "corpus install": ["corpus", "install", "rag-on-grammars", "--from", "src", "--data-dir", "d"],
    "extract": ["extract", "--index", "idx", "--features", "81A", "--out", "o"],
}


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """Every (nested) sub-command parser by the words a user types, e.g. "corpus fetch"."""
    found: dict[str, argparse.ArgumentParser] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found[name] = sub
                found.update({f"{name} {k}": v for k, v in _subparsers(sub).items()})
    return found


@pytest.mark.parametrize("command", sorted(REQUIRED))
def test_progress_flags_are_the_same_on_every_command_with_a_bar(command: str) -> None:
    """`--progress` / `--no-progress` wherever a bar is drawn; unset means "when stderr is a terminal".
    Scripts that pass `--no-progress` (every test and benchmark does) keep working."""
    parser = build_parser()
    argv = REQUIRED[command]
    assert parser.parse_args([*argv, "--no-progress"]).progress is False
    assert parser.parse_args([*argv, "--progress"]).progress is True
    assert parser.parse_args(argv).progress is None


def test_wants_progress_follows_the_terminal_only_when_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stderr.isatty", lambda: True)
    assert wants_progress(argparse.Namespace(progress=None)) is True
    assert wants_progress(argparse.Namespace(progress=False)) is False
    monkeypatch.setattr("sys.stderr.isatty", lambda: False)
    assert wants_progress(argparse.Namespace(progress=None)) is False
    assert wants_progress(argparse.Namespace(progress=True)) is True


def test_progress_help_says_what_unset_means_without_a_bare_default() -> None:
    """With ArgumentDefaultsHelpFormatter (ingest, corpus fetch) the help must not end in "(default: None)"."""
    parser = argparse.ArgumentParser(formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    add_progress(parser, "progress bars")
    text = " ".join(parser.format_help().split())
    assert text.endswith("--progress, --no-progress progress bars (default: when stderr is a terminal)")


def test_shared_options_are_spelled_the_same_in_every_command() -> None:
    """`--index` and `--data-dir` take DIR everywhere; `--mode` offers the same three retrievals."""
    seen: dict[str, set[str]] = {"--index": set(), "--data-dir": set(), "--mode": set()}
    for name, sub in _subparsers(build_parser()).items():
        if name.startswith("bench"):
            continue  # the benchmark runners declare their own options
        for action in sub._actions:
            for option in seen:
                if option in action.option_strings:
                    assert action.metavar == "DIR" or option == "--mode", (name, option, action.metavar)
                    if option == "--mode":
                        assert tuple(action.choices or ()) == ("bm25", "dense", "hybrid"), name
                    seen[option].add(name)
    assert seen["--index"] == {"ingest", "search", "info", "classify", "extract", "serve", "app"}
    assert {"features", "feature", "language", "translate", "serve", "extract", "export", "compare", "app",
            "corpus list", "corpus fetch", "corpus install", "review export", "review import"} == seen["--data-dir"]
    assert seen["--mode"] == {"search", "classify", "extract"}


def test_embedder_none_means_bm25_only() -> None:
    assert embedder_choice(argparse.Namespace(embedder="none")) is None
    assert embedder_choice(argparse.Namespace(embedder="")) is None
    assert embedder_choice(argparse.Namespace(embedder="default")) == "default"


def test_every_command_has_help() -> None:
    """Each sub-command (nested ones too) prints its help and exits 0."""
    parser = build_parser()
    names = [n for n in _subparsers(parser) if not n.startswith("bench ")]
    assert {"ingest", "serve", "app", "export", "compare", "corpus build"} <= set(names)
    for name in names:
        with pytest.raises(SystemExit) as exc:
            build_parser().parse_args([*name.split(), "--help"])
        assert exc.value.code == 0, name

"""Every failure of issue 27 point 8 ends in ONE line naming the file and the fix, exit status 2."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from grammar_rag.cli import main
from grammar_rag.cli.errors import explain
from grammar_rag.extract.store import STORE_FILENAME, ResultStore

ROOT = hasattr(os, "geteuid") and os.geteuid() == 0  # root ignores file permissions


def _one_line_error(capsys: pytest.CaptureFixture[str], *needles: str) -> str:
    err = capsys.readouterr().err.strip()
    lines = [ln for ln in err.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def test_extract_out_is_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "results.txt"
    target.write_text("not a folder", encoding="utf-8")
    code = main(["extract", "--index", str(tmp_path / "idx"), "--features", "81A", "--out", str(target)])
    assert code == 2
    _one_line_error(capsys, str(target), "not a directory")


def _truncated_store(folder: Path) -> Path:
    folder.mkdir()
    with ResultStore(folder / STORE_FILENAME) as store:
        store._conn.execute("CREATE TABLE padding (x)")
        store._conn.executemany("INSERT INTO padding VALUES (?)", [("x" * 500,) for _ in range(200)])
        store._conn.commit()
        store._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    path = folder / STORE_FILENAME
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    for extra in ("-wal", "-shm"):
        Path(str(path) + extra).unlink(missing_ok=True)
    return path


@pytest.mark.parametrize("command", ["compare", "export"])
def test_truncated_results_store(tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str) -> None:
    _truncated_store(tmp_path / "run")
    assert main([command, "--results", str(tmp_path / "run")]) == 2
    _one_line_error(capsys, "results store", "extract")


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    _truncated_store(tmp_path / "run")
    with pytest.raises(sqlite3.DatabaseError):
        main(["--debug", "compare", "--results", str(tmp_path / "run")])


def test_ingest_from_a_device_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero")
    assert main(["ingest", "/dev/zero", "--format", "text", "--index", str(tmp_path / "idx")]) == 2
    _one_line_error(capsys, "/dev/zero", "not a regular file")


def test_ingest_into_a_read_only_index_fails_before_embedding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    from grammar_rag.index import GrammarIndex
    from grammar_rag.index import lock as index_lock

    GrammarIndex.create(tmp_path / "idx", "hashing-64")
    source = tmp_path / "g.txt"
    source.write_text("The basic order is SOV.\n\nNegation is a suffix.\n", encoding="utf-8")
    real_access = os.access
    monkeypatch.setattr(index_lock.os, "access",
                        lambda p, mode: False if Path(p) == tmp_path / "idx" else real_access(p, mode))
    assert main(["ingest", str(source), "--index", str(tmp_path / "idx"), "--no-progress"]) == 2
    _one_line_error(capsys, str(tmp_path / "idx"), "read-only")


@pytest.mark.skipif(ROOT, reason="root ignores permissions")
def test_read_only_folders(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "ro"
    out.mkdir()
    out.chmod(0o555)
    try:
        assert main(["extract", "--index", str(tmp_path / "idx"), "--features", "81A", "--out", str(out)]) == 2
        _one_line_error(capsys, str(out))
    finally:
        out.chmod(0o755)


@pytest.mark.parametrize(("exc", "needles"), [
    (PermissionError(13, "Permission denied", "/data/run/results.sqlite"), ["/data/run/results.sqlite", "permission"]),
    (OSError(30, "Read-only file system", "/mnt/idx/.tmp-x"), ["/mnt/idx/.tmp-x", "permission"]),
    (NotADirectoryError(20, "Not a directory", "/data/out.txt"), ["/data/out.txt", "not a directory"]),
    (OSError(28, "No space left on device", "/data/idx"), ["/data/idx", "space"]),
    (sqlite3.OperationalError("attempt to write a readonly database"), ["writable"]),
    (sqlite3.DatabaseError("database disk image is malformed"), ["damaged", "extract"]),
    (MemoryError(), ["memory", "regular"]),
])
def test_each_failure_maps_to_a_line_naming_the_fix(exc: BaseException, needles: list[str]) -> None:
    message = explain(exc, "ingest")
    assert message is not None and "\n" not in message
    for needle in needles:
        assert needle in message


def test_unrecognised_errors_are_not_hidden() -> None:
    assert explain(ValueError("bug")) is None
    assert explain(OSError(5, "Input/output error")) is None


@pytest.mark.parametrize("argv", [
    ["classify", "--index", "idx", "--grammar", "g", "--feature", "81A", "--min-precision", "90"],
    ["bench", "books", "--books", ".", "--min-precision", "high"],
])
def test_min_precision_outside_a_share_is_refused_before_any_work(tmp_path: Path, argv: list[str],
                                                                  capsys: pytest.CaptureFixture[str],
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A percentage given as a target would silently abstain on everything: argparse refuses it (exit 2)."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    assert "--min-precision" in capsys.readouterr().err
    assert not (tmp_path / "idx").exists()  # nothing created

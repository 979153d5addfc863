"""End-to-end batch extraction with the real model-free pipeline: ``grammar-rag extract`` as a
subprocess, killed with SIGKILL halfway, resumed; export, compare and configuration separation."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest
from extract_support import SMALL_GRAMMARS, small_index

from grammar_rag.cli import main
from grammar_rag.evaluation.extract_runs import (
    cli_command,
    read_csv,
    stored_count,
    stored_rows,
    subprocess_env,
)
from grammar_rag.extract.cldf_export import validate_cldf

# 3 grammars x the paper's 4 features = 12 pairs, committed one by one: a kill lands mid-run.
FEATURES = "81A,49A,116A*,GB107"
N_PAIRS = 3 * 4

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def index_dir(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_index(shared_data, tmp_path_factory.mktemp("extract-index"))


@pytest.fixture(scope="module")
def reference_run(index_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An uninterrupted run (a subprocess, like the others) that the resumed one must reproduce."""
    out = tmp_path_factory.mktemp("reference")
    done = subprocess.run(
        cli_command("extract", "--index", str(index_dir), "--features", FEATURES, "--out", str(out), "--no-progress"),
        env=subprocess_env(), capture_output=True, text=True, timeout=900,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return out


def test_reference_run_is_complete_and_valid(reference_run: Path) -> None:
    run = json.loads((reference_run / "run.json").read_text())
    assert run["run"]["total"] == N_PAIRS
    assert run["run"]["computed_now"] == N_PAIRS and run["run"]["failed"] == 0
    assert run["run"]["config"]["backend"] == "evidence"
    assert run["export"]["valid"] is True
    valid, messages = validate_cldf(reference_run / "cldf")
    assert valid, messages
    values = read_csv(reference_run / "cldf" / "values.csv")
    assert len(values) == N_PAIRS
    assert {v["Parameter_ID"] for v in values} >= {"81A", "49A", "116A_composite", "GB107"}
    # provenance: every answered value cites its grammar, most with pages
    answered = [v for v in values if v["Value"] != "?"]
    assert answered, "the model-free classifier answered nothing"
    assert all(v["Source"].split("[")[0] in SMALL_GRAMMARS for v in values)
    assert any(re.search(r"\[\d", v["Source"]) for v in answered)
    languages = {r["ID"]: r for r in read_csv(reference_run / "cldf" / "languages.csv")}
    assert languages["supy1237"]["ISO639P3code"] == "spp"


def test_resume_after_sigkill_matches_uninterrupted_run(
    index_dir: Path, reference_run: Path, tmp_path: Path
) -> None:
    out = tmp_path / "killed"
    db = out / "results.sqlite"
    cmd = cli_command("extract", "--index", str(index_dir), "--features", FEATURES, "--out", str(out), "--no-progress")
    proc = subprocess.Popen(cmd, env=subprocess_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 240
    try:
        while stored_count(db) < 3:
            if proc.poll() is not None:
                assert proc.stderr is not None
                pytest.fail(f"extract ended before it could be killed: {proc.stderr.read().decode()[-2000:]}")
            if time.monotonic() > deadline:
                pytest.fail("extract stored no pairs within 240 s")
            time.sleep(0.01)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    stored_at_kill = stored_count(db)
    assert 3 <= stored_at_kill < N_PAIRS, "the kill did not land mid-run"
    assert not (out / "run.json").exists()  # the killed run never reached its end

    resumed = subprocess.run(cmd, env=subprocess_env(), capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    match = re.search(r"done before: (\d+), computed now: (\d+)", resumed.stdout)
    assert match, resumed.stdout
    done_before, computed_now = int(match.group(1)), int(match.group(2))
    assert done_before == stored_at_kill
    assert computed_now == N_PAIRS - stored_at_kill  # only the missing pairs were recomputed
    run = json.loads((out / "run.json").read_text())["run"]
    assert (run["done_before"], run["computed_now"]) == (done_before, computed_now)

    rows = stored_rows(db)
    assert len(rows) == N_PAIRS == len({r[:2] for r in rows})  # no duplicates
    reference_rows = stored_rows(reference_run / "results.sqlite")
    assert [r[:5] for r in rows] == [r[:5] for r in reference_rows]
    assert [json.loads(r[5]) for r in rows] == [json.loads(r[5]) for r in reference_rows]
    for name in ("values.csv", "languages.csv", "parameters.csv", "codes.csv"):
        assert read_csv(out / "cldf" / name) == read_csv(reference_run / "cldf" / name), name
    assert read_csv(out / "values_flat.csv") == read_csv(reference_run / "values_flat.csv")


def test_worker_processes_die_with_a_killed_parent_and_agree(
    index_dir: Path, reference_run: Path, tmp_path: Path
) -> None:
    psutil = pytest.importorskip("psutil")
    out = tmp_path / "workers"
    db = out / "results.sqlite"
    cmd = cli_command("extract", "--index", str(index_dir), "--features", FEATURES, "--out", str(out), "--no-progress",
               "--workers", "2")
    proc = subprocess.Popen(cmd, env=subprocess_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 240
    while stored_count(db) < 1 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    children = psutil.Process(proc.pid).children(recursive=True)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)
    assert children, "no worker processes were started"
    _, alive = psutil.wait_procs(children, timeout=60)
    for p in alive:  # clean up before failing
        p.kill()
    assert not alive, f"{len(alive)} worker process(es) outlived the killed parent"
    resumed = subprocess.run(cmd, env=subprocess_env(), capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    rows, reference = stored_rows(db), stored_rows(reference_run / "results.sqlite")
    assert [json.loads(r[5]) for r in rows] == [json.loads(r[5]) for r in reference]


# Loaded first by the interrupted run (``sitecustomize``): each pair takes 0.3 s longer, so a fast
# machine cannot finish the run between the second stored pair and the SIGINT.
SLOW_PAIRS = """
import time
from grammar_rag.classify.evidence_classifier import EvidenceClassifier
_classify = EvidenceClassifier.classify
def _slow(self, *args, **kwargs):
    time.sleep(0.3)
    return _classify(self, *args, **kwargs)
EvidenceClassifier.classify = _slow
"""


def test_ctrl_c_keeps_finished_pairs(index_dir: Path, reference_run: Path, tmp_path: Path) -> None:
    out = tmp_path / "interrupted"
    db = out / "results.sqlite"
    cmd = cli_command("extract", "--index", str(index_dir), "--features", FEATURES, "--out", str(out), "--no-progress")
    slow = tmp_path / "slow"
    slow.mkdir()
    (slow / "sitecustomize.py").write_text(SLOW_PAIRS)
    env = subprocess_env()
    env["PYTHONPATH"] = os.pathsep.join([str(slow), env["PYTHONPATH"]])
    # as from a terminal: a test runner started in the background (``cmd &`` without job control)
    # ignores SIGINT, and a child would inherit that and never see the Ctrl-C
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 240
    while stored_count(db) < 2 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err[-1500:]
    assert "interrupted (completed work was saved)" in err
    stored = stored_rows(db)
    assert stored and len(stored) < N_PAIRS
    reference = {r[:2]: r[5] for r in stored_rows(reference_run / "results.sqlite")}
    assert all(json.loads(r[5]) == json.loads(reference[r[:2]]) for r in stored)


def test_other_prompt_version_is_kept_apart(
    index_dir: Path, reference_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "mixed"
    args = ["extract", "--index", str(index_dir), "--grammars", "carlson1994grammar", "--features", "81A",
            "--out", str(out), "--no-progress"]
    assert main(args) == 0
    assert main([*args, "--prompt-version", "experimental-2"]) == 0
    assert "they are not part of this export" in capsys.readouterr().out
    rows = stored_rows(out / "results.sqlite")
    versions = {r[3] for r in rows}
    assert len(rows) == 2 and len(versions) == 2 and "experimental-2" in versions  # same pair, two rows
    assert rows[0][:2] == rows[1][:2]
    assert main(["export", "--results", str(out), "--prompt-version", "experimental-2"]) == 0
    text = capsys.readouterr().out
    assert "using run configuration: backend=evidence prompt_version=experimental-2" in text
    assert "not included:" in text
    values = read_csv(out / "cldf" / "values.csv")
    assert len(values) == 1
    meta = (out / "cldf" / "StructureDataset-metadata.json").read_text()
    assert "prompt_version=experimental-2" in meta


def test_llm_backend_rows_record_its_prompt_version(
    index_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from grammar_rag.classify import make_classifier
    from grammar_rag.extract.predictors import prompt_version_of

    out = tmp_path / "llm"
    assert main(["extract", "--index", str(index_dir), "--grammars", "heath2008grammar,carlson1994grammar",
                 "--features", "81A", "--backend", "fake", "--batch-size", "2", "--out", str(out),
                 "--no-progress"]) == 0
    assert "done before: 0, computed now: 2" in capsys.readouterr().out
    rows = stored_rows(out / "results.sqlite")
    assert {(r[2], r[3]) for r in rows} == {("fake", prompt_version_of(make_classifier("fake")))}
    assert all(json.loads(r[5])["backend"] for r in rows)


def test_compare_reports_agreement_and_disagreements(
    reference_run: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["compare", "--results", str(reference_run)]) == 0
    text = capsys.readouterr().out
    assert "Agreement with WALS" in text
    report = json.loads((reference_run / "compare.json").read_text())
    by_feature = {f["feature_id"]: f for f in report["features"]}
    # Supyire and Jamsay have WALS 81A values; Grambank features have no WALS reference.
    assert by_feature["WALS 81A"]["n_with_reference"] >= 2
    assert by_feature["GB107"]["n_with_reference"] == 0
    n_disagree = sum(f["n_compared"] - f["n_agree"] for f in report["features"])
    assert n_disagree == len(report["disagreements"])
    rows = read_csv(reference_run / "disagreements.csv")
    assert len(rows) == n_disagree
    for d in report["disagreements"]:
        assert d["predicted"].lower() != d["reference"]
        assert d["evidence"], "a disagreement must carry the grammar evidence"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--features", "81A,NOPE123"], "NOPE123"),
        (["--features", "81A", "--grammars", "no-such-grammar"], "no-such-grammar"),
    ],
)
def test_bad_input_names_the_culprit(
    index_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code = main(["extract", "--index", str(index_dir), "--out", str(tmp_path / "o"), "--no-progress", *args])
    assert code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "o").exists()  # inputs are resolved before the results folder is created


def test_missing_index_and_results_are_clear_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["extract", "--index", str(tmp_path / "nope"), "--features", "81A", "--out", str(tmp_path)]) == 2
    assert "nope" in capsys.readouterr().err
    assert main(["compare", "--results", str(tmp_path / "empty")]) == 2
    assert "No results store" in capsys.readouterr().err

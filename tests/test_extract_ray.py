"""``extract --engine ray``: identical output to ``--engine local`` on a real two-node Ray cluster
(``ray.cluster_utils.Cluster`` on 127.0.0.1), a node removed mid-run, the driver SIGKILLed and
rerun, a pair that raises in a worker (the tests without Ray are in test_extract_engines.py).

The Ray tests are skipped when Ray is not installed (it is the optional extra ``grammar-rag[ray]``);
CI installs it. They share one small cluster (2 nodes x 1 CPU, 100 MB object store each) and the
3-grammar test index, so they stay within a couple of minutes on 2 cores.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from extract_support import small_index

from grammar_rag.cluster import LOOPBACK_ENV
from grammar_rag.evaluation.extract_runs import cli_command, stored_count, stored_rows, subprocess_env
from grammar_rag.extract.engine_spec import EngineSpec
from grammar_rag.extract.runner import run_extraction
from grammar_rag.extract.store import ResultStore
from grammar_rag.types import Feature, Grammar, Prediction

pytestmark = pytest.mark.slow
FEATURES = "81A,49A,116A*,GB107"
N_PAIRS = 3 * 4
NODE_ARGS: dict[str, Any] = {"num_cpus": 1, "object_store_memory": 100 * 2**20}


# ------------------------------------------------------------------------------ with Ray
os.environ.setdefault(LOOPBACK_ENV, "0")  # before Ray is imported: keep the test cluster on 127.0.0.1
ray = pytest.importorskip("ray", reason="Ray is the optional extra grammar-rag[ray]")
from ray.cluster_utils import Cluster  # noqa: E402

from grammar_rag.extract import ray_engine  # noqa: E402
from grammar_rag.extract.ray_engine import RayPredictor  # noqa: E402

# the factories below are defined here, so Ray ships them by value (workers cannot import tests/)
ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])


class SlowOrFailing:
    """Worker predictor factory: the real pipeline, optionally slowed down, one pair made to raise."""

    def __init__(self, delay_s: float = 0.0, fail: tuple[str, str] | None = None) -> None:
        self.delay_s = delay_s
        self.fail = fail

    def __call__(self, spec: EngineSpec) -> Any:
        predictor = ray_engine.build_pipeline_predictor(spec)

        def predict(pairs: list[tuple[Grammar, Feature]]) -> list[Prediction]:
            time.sleep(self.delay_s * len(pairs))
            for grammar, feature in pairs:
                if (grammar.id, feature.id) == self.fail:
                    raise RuntimeError(f"injected failure on {grammar.id}/{feature.id}")
            return list(predictor(pairs))

        return predict


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    os.environ.setdefault("PYTHONHASHSEED", "0")  # nodes (and so workers) share the CLI runs' seed
    os.environ["PYTHONPATH"] = subprocess_env()["PYTHONPATH"]
    c = Cluster(initialize_head=True, connect=True,
                head_node_args={**NODE_ARGS, "node_ip_address": "127.0.0.1", "include_dashboard": False})
    c.add_node(**NODE_ARGS, node_ip_address="127.0.0.1")
    c.wait_for_nodes()
    try:
        yield c
    finally:
        ray.shutdown()
        c.shutdown()


@pytest.fixture(scope="module")
def index_dir(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_index(shared_data, tmp_path_factory.mktemp("ray-index"))


@pytest.fixture(scope="module")
def local_run(index_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("local")
    done = subprocess.run(
        cli_command("extract", "--index", str(index_dir), "--features", FEATURES, "--out", str(out), "--no-progress"),
        env=subprocess_env(), capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return out


def _spec(index_dir: Path, workers: int) -> tuple[EngineSpec, Any, list[Grammar], list[Feature]]:
    from grammar_rag.extract.inputs import open_index, select_features
    from grammar_rag.extract.predictors import PipelinePredictor

    index = open_index(index_dir)
    local = PipelinePredictor(index, "evidence")
    spec = EngineSpec(engine="ray", index_dir=str(index_dir), backend="evidence", retrieval=local.retrieval,
                      prompt_version=local.prompt_version, workers=workers)
    return spec, local, sorted(index.grammars(), key=lambda g: g.id), select_features(FEATURES)


def _same_as_local(db: Path, local_run: Path) -> None:
    rows, reference = stored_rows(db), stored_rows(local_run / "results.sqlite")
    assert len(rows) == N_PAIRS == len({r[:2] for r in rows})  # 0 lost, 0 duplicates
    assert [r[:5] for r in rows] == [r[:5] for r in reference]
    assert [json.loads(r[5]) for r in rows] == [json.loads(r[5]) for r in reference]


def test_two_node_cluster_cli_is_byte_identical_and_survives_kill_9(
    cluster: Cluster, index_dir: Path, local_run: Path, tmp_path: Path
) -> None:
    out = tmp_path / "ray"
    db = out / "results.sqlite"
    cmd = cli_command("extract", "--index", str(index_dir), "--features", FEATURES, "--out", str(out),
                      "--no-progress", "--engine", "ray", "--address", cluster.address)
    proc = subprocess.Popen(cmd, env=subprocess_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 300
    while stored_count(db) < 3 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)  # the driver dies mid-run; its actors go with its job
    proc.wait(timeout=60)
    at_kill = stored_count(db)
    assert 3 <= at_kill < N_PAIRS, f"the kill landed at {at_kill} of {N_PAIRS} pairs"
    resumed = subprocess.run(cmd, env=subprocess_env(), capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    run = json.loads((out / "run.json").read_text())["run"]
    assert run["done_before"] >= at_kill and run["computed_now"] == N_PAIRS - run["done_before"]
    _same_as_local(db, local_run)
    for name in ("values.csv", "languages.csv", "parameters.csv", "codes.csv"):
        assert (out / "cldf" / name).read_bytes() == (local_run / "cldf" / name).read_bytes(), name


def test_node_removed_mid_run_completes_identical(
    cluster: Cluster, index_dir: Path, local_run: Path, tmp_path: Path
) -> None:
    extra = cluster.add_node(**NODE_ARGS, node_ip_address="127.0.0.1")
    cluster.wait_for_nodes()
    spec, local, grammars, features = _spec(index_dir, workers=3)
    predictor = RayPredictor(spec, factory=SlowOrFailing(delay_s=0.5))
    db = tmp_path / "results.sqlite"
    removed = threading.Event()

    def remove_when_running() -> None:
        deadline = time.monotonic() + 300
        while stored_count(db) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        cluster.remove_node(extra)
        removed.set()

    remover = threading.Thread(target=remove_when_running)
    remover.start()
    try:
        with ResultStore(db) as store:
            summary = run_extraction(store, local.run_config, grammars, features, predictor,
                                     concurrency=predictor.concurrency, progress=False)
    finally:
        remover.join()
        predictor.close()
    assert removed.is_set()
    assert summary.failed == 0 and summary.complete
    assert predictor.retried_batches >= 1, "removing a node with a busy worker lost no batch: nothing was tested"
    _same_as_local(db, local_run)


def test_a_pair_raising_in_a_worker_is_recorded_failed_and_the_rest_complete(
    cluster: Cluster, index_dir: Path, local_run: Path, tmp_path: Path
) -> None:
    spec, local, grammars, features = _spec(index_dir, workers=2)
    bad = (grammars[1].id, features[2].id)
    predictor = RayPredictor(spec, factory=SlowOrFailing(fail=bad))
    try:
        with ResultStore(tmp_path / "results.sqlite") as store:
            summary = run_extraction(store, local.run_config, grammars, features, predictor,
                                     batch_size=3, concurrency=predictor.concurrency, progress=False)
    finally:
        predictor.close()
    assert summary.failed == 1 and summary.computed_now == N_PAIRS - 1
    assert summary.failures == [(*bad, f"RuntimeError: injected failure on {bad[0]}/{bad[1]}")]
    stored = {(r[0], r[1]): json.loads(r[5]) for r in stored_rows(tmp_path / "results.sqlite")}
    reference = {(r[0], r[1]): json.loads(r[5]) for r in stored_rows(local_run / "results.sqlite")}
    assert bad not in stored and stored == {k: v for k, v in reference.items() if k != bad}

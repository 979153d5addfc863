"""Acceptance runs of issue 27 (hardening), bounded and on loopback only; one JSON report.

1. writers: N concurrent ``grammar-rag ingest`` processes of different small grammars into one index
   (all present and ``info --verify`` clean), R runs; then concurrent ``extract`` into one ``--out``
   (every pair stored once, the runs' "computed now" adding up to the pair count).
2. start-up: a fresh ``serve`` per endpoint and run; 32 simultaneous first requests to /classify,
   /translate or /features; any 4xx/5xx is a failure.
3. fuzz: schemathesis positive + negative cases for every operation, checked for 5xx and for
   responses that contradict the OpenAPI schema, plus explicit lone-surrogate and 10 MB bodies.
4. memory: 200 concurrent 10 MB requests (half with Content-Length, half streamed); peak server RSS.
5. deadlines: an endpoint trickling one byte every 0.2 s; ``classify --llm-timeout 3`` and a server
   worker must both let go within the timeout + 1 s.
6. hostile text: the probe table of :mod:`grammar_rag.evaluation.hostile_probe`.

    python -m benchmarks.hardening_bench --data-dir ../shared/data --out benchmarks/results/hardening.json

The index uses the model-free ``hashing-64`` embedder: the lock and the API guards do not depend on
the model, and ten MiniLM loads would only measure the shared CPU.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from grammar_rag.evaluation.hostile_probe import probe_table
from grammar_rag.evaluation.io import write_report
from grammar_rag.evaluation.runner import bench_main

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "benchmarks" / "results" / "hardening.json"
EMB = "hashing-64"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", default=None, help="data dir with kalamang/ (for /translate)")
    parser.add_argument("--runs", type=int, default=5, help="repetitions of the writer and start-up checks")
    parser.add_argument("--writers", type=int, default=10, help="concurrent ingest processes")
    parser.add_argument("--fuzz-examples", type=int, default=25, help="schemathesis examples per operation and mode")
    parser.add_argument("--startup-timeout", type=float, default=120.0, help="serve --timeout in the start-up check")
    parser.add_argument("--skip", nargs="*", default=[], choices=("writers", "startup", "fuzz", "memory", "deadline",
                                                                 "hostile"))
    parser.add_argument("--out", default=str(DEFAULT_OUT))


def _env() -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
               TOKENIZERS_PARALLELISM="false")
    return env


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "grammar_rag", *args]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _grammar_text(i: int) -> str:
    orders = ["SOV", "SVO", "VSO", "VOS", "OVS"]
    return (f"Grammar number {i}\n\nThe basic constituent order of Lang{i} is {orders[i % 5]}.\n\n"
            f"Negation is marked by the negative suffix -ne{i} on the verb.\n\n"
            f"Polar questions take the clause-final particle ka{i}.\n")


# ---------------------------------------------------------------------------------------------- writers
def _writers(tmp: Path, runs: int, writers: int) -> dict[str, Any]:
    sources = []
    for i in range(writers):
        path = tmp / f"lang{i}.txt"
        path.write_text(_grammar_text(i), encoding="utf-8")
        sources.append(path)
    out: dict[str, Any] = {"runs": []}
    index = tmp / "idx-0"
    for run in range(runs):
        index = tmp / f"idx-{run}"
        subprocess.run(_cli("ingest", str(sources[0]), "--index", str(index), "--model", EMB, "--meta", "id=seed",
                            "--no-progress"), env=_env(), check=True, capture_output=True)
        started = time.perf_counter()
        procs = [subprocess.Popen(_cli("ingest", str(src), "--index", str(index), "--model", EMB, "--meta",
                                       f"id=g{i}", "--meta", f"language=Lang{i}", "--no-progress"),
                                  env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for i, src in enumerate(sources)]
        codes = [p.wait(600) for p in procs]
        waited = sum("waiting for another grammar-rag process" in (p.stderr.read() if p.stderr else "") for p in procs)
        info = subprocess.run(_cli("info", "--index", str(index), "--verify", "--json"), env=_env(),
                              capture_output=True, text=True)
        ids = sorted(g["id"] for g in json.loads(info.stdout)["grammar_list"]) if info.returncode == 0 else []
        expected = sorted(["seed", *(f"g{i}" for i in range(writers))])
        out["runs"].append({"exit_codes": codes, "verify_ok": info.returncode == 0, "grammars": len(ids),
                            "all_present": ids == expected, "writers_that_waited": waited,
                            "seconds": round(time.perf_counter() - started, 1),
                            "error": info.stderr.strip()[-300:] if info.returncode else None})
    out["passed"] = sum(r["all_present"] and r["verify_ok"] and set(r["exit_codes"]) == {0} for r in out["runs"])
    out["extract"] = _extract(tmp, index)
    return out


def _extract(tmp: Path, index: Path, n: int = 3) -> dict[str, Any]:
    results = tmp / "results"
    procs = [subprocess.Popen(_cli("extract", "--index", str(index), "--features", "81A,GB107,49A",
                                   "--out", str(results), "--no-progress", "--no-export"),
                              env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(n)]
    outputs = [p.communicate(timeout=600) for p in procs]
    computed = []
    for stdout, _ in outputs:
        m = re.search(r"computed now: (\d+)", stdout)
        computed.append(int(m.group(1)) if m else None)
    with sqlite3.connect(results / "results.sqlite") as conn:
        rows = conn.execute("SELECT grammar_id, feature_id, COUNT(*) FROM results GROUP BY 1, 2").fetchall()
    pairs = len(rows)
    return {"processes": n, "exit_codes": [p.returncode for p in procs], "pairs_stored": pairs,
            "max_copies_of_a_pair": max((r[2] for r in rows), default=0), "computed_now_per_run": computed,
            "counts_add_up": sum(c or 0 for c in computed) == pairs}


# ---------------------------------------------------------------------------------------------- servers
@contextmanager
def _serve(index: Path | None, data_dir: str | None, *extra: str, env: dict[str, str] | None = None) -> Iterator[Any]:
    import httpx

    port = _free_port()
    args = ["serve", "--port", str(port), "--embedder", "none", "--max-queue", "256", *extra]
    if index is not None:
        args += ["--index", str(index)]
    if data_dir:
        args += ["--data-dir", data_dir]
    proc = subprocess.Popen(_cli(*args), env=env or _env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"serve exited: {proc.stderr.read().decode()[-500:] if proc.stderr else ''}")
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        proc.url = url  # type: ignore[attr-defined]
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()


def _startup(index: Path, data_dir: str | None, runs: int, n: int = 32, request_timeout: float = 120.0) -> dict[str, Any]:
    """``request_timeout``: the server's per-request limit, generous so that a 504 on a busy shared CPU
    (32 classifications queued behind 4 workers) is not mistaken for the start-up race (a 400)."""
    import httpx

    calls = {"/classify": ("post", {"grammar": "g1", "feature": "81A"}),
             "/translate": ("post", {"text": "Mu muap."}),
             "/features": ("get", None)}
    out: dict[str, Any] = {}
    for path, (method, body) in calls.items():
        rounds = []
        for _ in range(runs):
            with _serve(index, data_dir, "--timeout", str(request_timeout)) as server:
                barrier = threading.Barrier(n)
                statuses: list[int] = []

                def hit(url: str = server.url, path: str = path, method: str = method, body: Any = body,
                        barrier: threading.Barrier = barrier, statuses: list[int] = statuses) -> None:
                    barrier.wait()
                    try:
                        r = (httpx.post(f"{url}{path}", json=body, timeout=120) if method == "post"
                             else httpx.get(f"{url}{path}", params={"q": "word order"}, timeout=120))
                        statuses.append(r.status_code)
                    except httpx.HTTPError:
                        statuses.append(-1)

                threads = [threading.Thread(target=hit) for _ in range(n)]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join(180)
                rounds.append(dict(Counter(str(s) for s in statuses)))
        out[path] = {"rounds": rounds, "clean_rounds": sum(set(r) == {"200"} for r in rounds)}
    return out


def _fuzz(index: Path, data_dir: str | None, examples: int) -> dict[str, Any]:
    import httpx
    import schemathesis
    from hypothesis.errors import Unsatisfiable
    from schemathesis import GenerationMode
    from schemathesis.core.result import Err

    report: dict[str, Any] = {"cases": 0, "server_errors": [], "schema_violations": [], "statuses": {}}
    with _serve(index, data_dir) as server:
        schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
        for result in schema.get_all_operations():
            if isinstance(result, Err):
                report["schema_violations"].append(f"schema: {result.err()}")
                continue
            op = result.ok()
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                with suppress(Unsatisfiable):
                    _fuzz_operation(op, mode, server.url, examples, report)()
        # explicit hostile bodies: lone surrogates in every string field, 10 MB bodies
        explicit: dict[str, int] = {}
        big = b'{"text": "' + b"x" * 10_000_000 + b'"}'
        for path, fields in {"/translate": ("text", "source", "target", "backend"),
                             "/classify": ("grammar", "feature", "backend")}.items():
            base = {"text": "Mu muap."} if path == "/translate" else {"grammar": "g1", "feature": "81A"}
            for field in fields:
                body = json.dumps({**base, field: "a\ud800b"}).encode()
                r = httpx.post(f"{server.url}{path}", content=body, headers={"content-type": "application/json"},
                               timeout=60)
                explicit[f"{path} {field}=lone surrogate"] = r.status_code
            r = httpx.post(f"{server.url}{path}", content=big, headers={"content-type": "application/json"}, timeout=60)
            explicit[f"{path} 10 MB body"] = r.status_code
            explicit[f"{path} 10 MB body response bytes"] = len(r.content)
        report["explicit"] = explicit
    report["server_errors_count"] = len(report["server_errors"])
    report["schema_violations_count"] = len(report["schema_violations"])
    report["server_errors"] = report["server_errors"][:10]
    report["schema_violations"] = report["schema_violations"][:10]
    return report


def _fuzz_operation(op: Any, mode: Any, url: str, examples: int, report: dict[str, Any]) -> Any:
    """A hypothesis test over one operation and generation mode that records 5xx and schema violations."""
    from hypothesis import HealthCheck, given, settings
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

    @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=op.as_strategy(generation_mode=mode))
    def check(case: Any) -> None:
        response = case.call(base_url=url, timeout=60)
        report["cases"] += 1
        report["statuses"][str(response.status_code)] = report["statuses"].get(str(response.status_code), 0) + 1
        if response.status_code >= 500:
            report["server_errors"].append({"op": f"{op.method} {op.path}", "status": response.status_code,
                                            "body": response.text[:200]})
        try:
            case.validate_response(response, checks=[not_a_server_error, response_schema_conformance,
                                                     status_code_conformance])
        except Exception as exc:  # a check failure: record it, keep fuzzing
            report["schema_violations"].append({"op": f"{op.method} {op.path}", "status": response.status_code,
                                                "error": str(exc)[:300]})

    return check


def _memory(index: Path, data_dir: str | None, n: int = 200, size: int = 10_000_000) -> dict[str, Any]:
    import httpx
    import psutil

    body = b'{"text": "' + b"x" * (size - 12) + b'"}'
    with _serve(index, data_dir) as server:
        proc = psutil.Process(server.pid)
        base_rss = proc.memory_info().rss
        peak = [base_rss]
        stop = threading.Event()

        def sample() -> None:
            while not stop.is_set():
                try:
                    peak[0] = max(peak[0], proc.memory_info().rss)
                except psutil.Error:
                    return
                time.sleep(0.02)

        def chunks() -> Iterator[bytes]:
            view = memoryview(body)
            for i in range(0, len(body), 65536):
                yield bytes(view[i : i + 65536])

        statuses: list[str] = []

        def send(i: int) -> None:
            try:
                content = body if i % 2 == 0 else chunks()
                r = httpx.post(f"{server.url}/translate", content=content,
                               headers={"content-type": "application/json"}, timeout=120)
                statuses.append(str(r.status_code))
            except httpx.HTTPError as exc:
                statuses.append(type(exc).__name__)

        sampler = threading.Thread(target=sample)
        sampler.start()
        started = time.perf_counter()
        threads = [threading.Thread(target=send, args=(i,)) for i in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(300)
        stop.set()
        sampler.join()
        healthy = httpx.get(f"{server.url}/health", timeout=10).status_code
    return {"requests": n, "body_bytes": len(body), "statuses": dict(Counter(statuses)),
            "rss_before_mb": round(base_rss / 1e6, 1), "rss_peak_mb": round(peak[0] / 1e6, 1),
            "limit_mb": 1500, "seconds": round(time.perf_counter() - started, 1), "health_after": healthy}


# ---------------------------------------------------------------------------------------------- deadlines
class _Trickle:
    """An HTTP endpoint that sends headers, then one body byte every 0.2 s, until the client leaves."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.connections: list[dict[str, float]] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        record = {"accepted": time.monotonic()}
        self.connections.append(record)
        try:
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n")
            while time.monotonic() - record["accepted"] < 120:
                conn.sendall(b" ")
                time.sleep(0.2)
        except OSError:
            record["client_gone"] = time.monotonic()
        finally:
            conn.close()


def _deadline(index: Path, data_dir: str | None, timeout: float = 3.0) -> dict[str, Any]:
    import httpx

    trickle = _Trickle()
    llm_env = dict(_env(), GRAMMAR_RAG_LLM_BASE_URL=f"http://127.0.0.1:{trickle.port}/v1", GRAMMAR_RAG_LLM_MODEL="m")
    started = time.monotonic()
    proc = subprocess.run(_cli("classify", "--index", str(index), "--grammar", "g1", "--feature", "81A",
                               "--backend", "openai", "--llm-timeout", str(timeout)),
                          env=llm_env, capture_output=True, text=True, timeout=300)
    wall = time.monotonic() - started
    held = [c.get("client_gone", float("inf")) - c["accepted"] for c in trickle.connections]
    cli = {"exit": proc.returncode, "error": proc.stderr.strip().splitlines()[-1:] if proc.stderr else [],
           "wall_s_with_start_up": round(wall, 2), "connections": len(held),
           "longest_connection_s": round(max(held), 2) if held else None,
           "first_accept_to_last_disconnect_s": round(max(c.get("client_gone", float("inf")) for c in trickle.connections)
                                                      - min(c["accepted"] for c in trickle.connections), 2)
           if trickle.connections else None,
           "bound_s": timeout + 1.0}
    # a server worker: per-request limit 2 s, the LLM timeout 3 s; the worker must be free within 3 s
    request_limit = 2.0
    before = len(trickle.connections)
    with _serve(index, data_dir, "--backend", "openai", "--timeout", str(request_limit),
                env=dict(llm_env, GRAMMAR_RAG_LLM_TIMEOUT=str(timeout))) as server:
        started = time.monotonic()
        r = httpx.post(f"{server.url}/translate", json={"text": "Mu muap."}, timeout=60)
        answered = time.monotonic() - started
        released = None
        while time.monotonic() - started < 60:
            if httpx.get(f"{server.url}/health", timeout=5).json()["in_flight"] == 0:
                released = time.monotonic() - started
                break
            time.sleep(0.1)
        conns = trickle.connections[before:]
    worker = {"status": r.status_code, "answered_s": round(answered, 2),
              "worker_released_s": round(released, 2) if released is not None else None,
              "llm_connections": len(conns),
              "llm_connection_dropped_s": round(max(c.get("client_gone", float("inf")) - started for c in conns), 2)
              if conns else None,
              "bound_s": min(request_limit, timeout) + 1.0}
    trickle.sock.close()
    return {"cli": cli, "server_worker": worker}


def run(args: argparse.Namespace) -> int:
    logging.getLogger("httpx").setLevel(logging.WARNING)
    started = time.perf_counter()
    report: dict[str, Any] = {"benchmark": "hardening", "cpu_count": os.cpu_count(), "embedder": EMB}
    with tempfile.TemporaryDirectory(prefix="grammar-rag-harden-") as tmp_name:
        tmp = Path(tmp_name)
        index = tmp / "idx-small"
        if "writers" not in args.skip:
            report["writers"] = _writers(tmp, args.runs, args.writers)
            print(json.dumps({"writers": {k: v for k, v in report["writers"].items() if k != "runs"}}), flush=True)
        for i in range(3):
            src = tmp / f"small{i}.txt"
            src.write_text(_grammar_text(i), encoding="utf-8")
            subprocess.run(_cli("ingest", str(src), "--index", str(index), "--model", EMB, "--meta", f"id=g{i}",
                                "--no-progress"), env=_env(), check=True, capture_output=True)
        phases = {"startup": lambda: _startup(index, args.data_dir, args.runs, request_timeout=args.startup_timeout),
                  "fuzz": lambda: _fuzz(index, args.data_dir, args.fuzz_examples),
                  "memory": lambda: _memory(index, args.data_dir),
                  "deadline": lambda: _deadline(index, args.data_dir)}
        for name, phase in phases.items():
            if name in args.skip:
                continue
            t0 = time.perf_counter()
            report[name] = phase()
            report[name + "_seconds"] = round(time.perf_counter() - t0, 1)
            print(json.dumps({name: report[name]}, default=str)[:2000], flush=True)
    if "hostile" not in args.skip:
        report["hostile"] = probe_table()
    report["seconds"] = round(time.perf_counter() - started, 1)
    out = Path(args.out)
    write_report(out, json.dumps(report, indent=1, ensure_ascii=False, default=str) + "\n")
    print(f"wrote {out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    return bench_main(__doc__, add_arguments, run, argv)


if __name__ == "__main__":
    sys.exit(main())

"""Load and fuzz test of the HTTP API on loopback (bounded in count and time).

1. Load: uvicorn on 127.0.0.1 (a free port), model-free backend; N concurrent ``POST /translate``
   requests (default 50, half Kalamang->English, half English->Kalamang). Every answer must be 200 and
   identical to the in-process ``translate()`` result for the same input ("answered correctly");
   latency p50/p95/max are reported beside the named alternative: the same calls made sequentially
   in-process without HTTP (ratio = HTTP wall time / in-process wall time).
2. Fuzz: schemathesis generates valid (positive) and invalid (negative) requests for every operation
   of the served OpenAPI schema; any 5xx is a failure. /classify is served over a small index of the
   bundled Kalamang grammar (hashing embedder) so valid requests can succeed.

    python -m benchmarks.api_load --data-dir ../shared/data --out benchmarks/results/api_load.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import socket
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from grammar_rag.api import create_app
from grammar_rag.corpus import load_bundled
from grammar_rag.evaluation.io import write_report
from grammar_rag.evaluation.runner import bench_main
from grammar_rag.index import GrammarIndex
from grammar_rag.translate import load_resources, translate

log = logging.getLogger(__name__)
DEFAULT_OUT = Path(__file__).resolve().parent / "results" / "api_load.json"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", help="data dir with kalamang/ (default: $GRAMMAR_RAG_DATA_DIR, else bundled data)")
    parser.add_argument("--requests", type=int, default=50, help="concurrent /translate requests (default 50)")
    parser.add_argument("--max-concurrency", type=int, default=4, help="server worker bound")
    parser.add_argument("--fuzz-examples", type=int, default=30, help="schemathesis examples per operation and mode")
    parser.add_argument("--max-seconds", type=float, default=240.0, help="overall time bound for the fuzz phase")
    parser.add_argument("--no-fuzz", action="store_true", help="skip the schemathesis phase")
    parser.add_argument("--out", default=str(DEFAULT_OUT))


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LoopbackServer:
    """uvicorn in a background thread on 127.0.0.1, stopped on exit."""

    def __init__(self, app: Any) -> None:
        import uvicorn

        self.port = _free_port()
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> LoopbackServer:
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start on loopback within 60 s")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def _inputs(resources: Any, n: int) -> list[tuple[str, str, str]]:
    """n (text, source, target) requests drawn deterministically from the example pool."""
    pool = [e for e in resources.examples if 3 <= len(e.text.split()) <= 12]
    step = max(1, len(pool) // max(1, n))
    picked = pool[::step][:n]
    out = []
    for i, e in enumerate(picked):
        out.append((e.text, "kgv", "eng") if i % 2 == 0 else (e.translation, "eng", "kgv"))
    return out


async def _load(url: str, requests: list[tuple[str, str, str]]) -> list[dict[str, Any]]:
    import httpx

    limits = httpx.Limits(max_connections=len(requests), max_keepalive_connections=len(requests))
    async with httpx.AsyncClient(base_url=url, timeout=60.0, limits=limits) as client:

        async def one(text: str, src: str, tgt: str) -> dict[str, Any]:
            start = time.perf_counter()
            r = await client.post("/translate", json={"text": text, "source": src, "target": tgt})
            elapsed = time.perf_counter() - start
            body = r.json() if r.headers.get("content-type", "").startswith("application/json") else {}
            return {"status": r.status_code, "seconds": elapsed, "translation": body.get("translation"),
                    "method": body.get("method")}

        return await asyncio.gather(*(one(*req) for req in requests))


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def _small_index(directory: Path) -> Path | None:
    """An index of the bundled Kalamang grammar with the model-free hashing embedder."""
    try:
        ingested = load_bundled("kalamang")
        index = GrammarIndex.create(directory, embedding_model="hashing")
        index.add(ingested.grammar, ingested.passages)
        return directory
    except Exception as exc:  # the fuzz phase still runs; /classify then answers 503 by design
        log.warning("no index for /classify fuzzing: %s", exc)
        return None


def _smoke(url: str, have_index: bool) -> dict[str, int]:
    """One valid request per endpoint: each must succeed (the fuzzer mostly hits error paths)."""
    import httpx

    calls = {
        "GET /health": ("get", "/health", None),
        "GET /features?q=word order": ("get", "/features?q=word%20order&limit=3", None),
        "GET /features/GB107": ("get", "/features/GB107", None),
        "POST /translate eng->kgv": ("post", "/translate", {"text": "The dog bit the fish.", "source": "eng", "target": "kgv"}),
    }
    if have_index:
        calls["POST /classify kalamang GB107"] = ("post", "/classify", {"grammar": "kalamang", "feature": "GB107"})
    out: dict[str, int] = {}
    with httpx.Client(base_url=url, timeout=60) as client:
        for name, (method, path, body) in calls.items():
            out[name] = client.request(method, path, json=body).status_code
    return out


def _run_mode(op: Any, mode: Any, url: str, examples: int, deadline: float, label: str,
              counts: dict[str, int], report: dict[str, Any]) -> None:
    from hypothesis import HealthCheck, given, settings
    from hypothesis.errors import Unsatisfiable

    @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=op.as_strategy(generation_mode=mode))
    def check(case: Any) -> None:
        if time.monotonic() > deadline:
            return
        response = case.call(base_url=url, timeout=60)
        key = str(response.status_code)
        counts[key] = counts.get(key, 0) + 1
        report["cases"] += 1
        if response.status_code >= 500:
            report["server_errors"].append({
                "operation": label, "mode": mode.value, "status": response.status_code,
                "body": response.text[:300], "request": case.as_curl_command(),
            })

    try:
        check()
    except Unsatisfiable:  # e.g. no invalid request exists for GET /health
        counts[f"no {mode.value} cases"] = 0


def _fuzz(url: str, examples: int, max_seconds: float) -> dict[str, Any]:
    import schemathesis
    from schemathesis import GenerationMode
    from schemathesis.core.result import Err

    schema = schemathesis.openapi.from_url(f"{url}/openapi.json")
    deadline = time.monotonic() + max_seconds
    report: dict[str, Any] = {"operations": {}, "server_errors": [], "schema_errors": [], "cases": 0, "timed_out": False}
    for result in schema.get_all_operations():
        if isinstance(result, Err):  # an operation our OpenAPI schema describes invalidly: a finding, not a crash
            report["schema_errors"].append(str(result.err()))
            continue
        op = result.ok()
        label = f"{op.method.upper()} {op.path}"
        counts: dict[str, int] = {}
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            if time.monotonic() > deadline:
                report["timed_out"] = True
                break
            _run_mode(op, mode, url, examples, deadline, label, counts, report)
        report["operations"][label] = counts
    return report


def run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    resources = load_resources("kgv", data_dir=args.data_dir, embedder=None)
    resources.warm()
    requests = _inputs(resources, args.requests)
    t0 = time.perf_counter()
    expected = [translate(t, source=s, target=g, resources=resources).translation for t, s, g in requests]
    inprocess_s = time.perf_counter() - t0

    with tempfile.TemporaryDirectory() as tmp:
        index_dir = None if args.no_fuzz else _small_index(Path(tmp) / "index")
        app = create_app(index_dir, None, translate_resources=resources, max_concurrency=args.max_concurrency,
                         max_queue=max(64, args.requests), timeout_s=30.0)
        with LoopbackServer(app) as server:
            t0 = time.perf_counter()
            answers = asyncio.run(_load(server.url, requests))
            http_s = time.perf_counter() - t0
            smoke = _smoke(server.url, index_dir is not None)
            fuzz = None if args.no_fuzz else _fuzz(server.url, args.fuzz_examples, args.max_seconds)

    latencies = [a["seconds"] for a in answers]
    wrong = [
        {"input": req[0], "expected": exp, "got": a["translation"], "status": a["status"]}
        for req, exp, a in zip(requests, expected, answers, strict=True)
        if a["status"] != 200 or a["translation"] != exp or a["method"] != "model-free fallback"
    ]
    report: dict[str, Any] = {
        "benchmark": "api_load",
        "requests": len(requests),
        "concurrent": True,
        "server": {"host": "127.0.0.1", "max_concurrency": args.max_concurrency, "backend": "model-free"},
        "ok": len(requests) - len(wrong),
        "errors": len(wrong),
        "wrong": wrong[:10],
        "latency_s": {
            "p50": round(_percentile(latencies, 0.5), 4),
            "p95": round(_percentile(latencies, 0.95), 4),
            "max": round(max(latencies), 4),
            "mean": round(statistics.fmean(latencies), 4),
        },
        "wall_s": {"http_concurrent": round(http_s, 3), "in_process_sequential": round(inprocess_s, 3)},
        "ratio_http_over_in_process": round(http_s / inprocess_s, 2) if inprocess_s else None,
        "target": {"p95_s": 2.0, "errors": 0},
        "smoke": smoke,
        "fuzz": fuzz,
        "cpu_count": os.cpu_count(),
        "seconds": round(time.perf_counter() - started, 1),
    }
    out = Path(args.out)
    write_report(out, json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    summary = {k: report[k] for k in ("requests", "ok", "errors", "latency_s", "wall_s", "ratio_http_over_in_process", "smoke")}
    if fuzz is not None:
        summary["fuzz"] = {"cases": fuzz["cases"], "server_errors": len(fuzz["server_errors"]),
                           "schema_errors": len(fuzz["schema_errors"]), "operations": fuzz["operations"]}
    print(json.dumps(summary, indent=2))
    print(f"wrote {out}")
    fuzz_ok = fuzz is None or not (fuzz["server_errors"] or fuzz["schema_errors"])
    smoke_ok = all(code == 200 for code in smoke.values())
    return 0 if not wrong and fuzz_ok and smoke_ok else 1


def main(argv: list[str] | None = None) -> int:  # pragma: no cover
    return bench_main(__doc__, add_arguments, run, argv, log_level=logging.WARNING)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())

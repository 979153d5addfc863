"""``grammar-rag serve``: the HTTP API (:mod:`grammar_rag.api`) under uvicorn, on loopback by default.

The server loads its index, backend and translation resources before it accepts requests
(``warm=True``), so the first client does not pay for them.
"""

from __future__ import annotations

import argparse

from grammar_rag.api import create_app
from grammar_rag.api.guard_options import add_guard_arguments, guard_config
from grammar_rag.cli.options import (
    add_data_dir,
    add_embedder,
    add_index,
    add_translation_backend,
    embedder_choice,
)


def register(sub: argparse._SubParsersAction) -> None:
    sv = sub.add_parser(
        "serve",
        help="start the HTTP API (translate, classify, features, health)",
        description="Serve the FastAPI app with uvicorn. OpenAPI schema at /openapi.json, docs at /docs.",
    )
    sv.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1: loopback only)")
    sv.add_argument("--port", type=int, default=8000)
    add_index(sv, required=False, help="index directory (from grammar-rag ingest) for /classify")
    add_translation_backend(sv, help="default LLM backend for /translate (default model-free)")
    add_data_dir(sv, help="data directory for translation resources (see translate --help)")
    add_embedder(sv)
    sv.add_argument("--max-concurrency", type=int, default=4, help="requests worked on at once")
    sv.add_argument("--max-queue", type=int, default=64, help="requests that may wait; beyond this: 503")
    sv.add_argument("--timeout", type=float, default=30.0, help="per-request time limit in seconds (504 after)")
    add_guard_arguments(sv)
    sv.set_defaults(func=cmd_serve)


def cmd_serve(args: argparse.Namespace) -> int:
    app = create_app(
        args.index,
        args.backend,
        data_dir=args.data_dir,
        embedder=embedder_choice(args),
        max_concurrency=args.max_concurrency,
        max_queue=args.max_queue,
        timeout_s=args.timeout,
        warm=True,
        guards=guard_config(args),
    )
    import uvicorn  # the server's own start-up cost, paid only by `serve`

    uvicorn.run(app, host=args.host, port=args.port, log_level="info")
    return 0

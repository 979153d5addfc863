"""``grammar-rag translate`` and ``grammar-rag serve``."""

from __future__ import annotations

import argparse
import json


def register(sub: argparse._SubParsersAction) -> None:
    tr = sub.add_parser(
        "translate",
        help="translate a sentence with grammar + dictionary + examples (Kalamang <-> English)",
        description=(
            "Translate with retrieved context: dictionary entries for the input's words (clitic/affix "
            "aware), the most similar example sentences and grammar passages about its constructions. "
            "Without --backend the model-free fallback adapts the closest example (labelled as such)."
        ),
    )
    tr.add_argument("text", help="the sentence to translate")
    tr.add_argument("--from", dest="source", default="kgv", help="source language (kgv, eng; default kgv)")
    tr.add_argument("--to", dest="target", default="eng", help="target language (default eng)")
    tr.add_argument("--backend", default=None,
                    help="LLM backend (openai, vllm, local, fake...); default: model-free fallback")
    tr.add_argument("--data-dir", help="data directory with kalamang/dictionaria/ and kalamang/grammar_tex/ "
                    "(default $GRAMMAR_RAG_DATA_DIR; without it the bundled dictionary and corpus are used)")
    tr.add_argument("--embedder", default="default", help="embedding model for example retrieval ('none' = BM25 only)")
    tr.add_argument("--json", action="store_true", help="print the translation with its full context as JSON")
    tr.set_defaults(func=_translate)

    sv = sub.add_parser(
        "serve",
        help="start the HTTP API (translate, classify, features, health)",
        description="Serve the FastAPI app with uvicorn. OpenAPI schema at /openapi.json, docs at /docs.",
    )
    sv.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1: loopback only)")
    sv.add_argument("--port", type=int, default=8000)
    sv.add_argument("--index", help="index directory (from grammar-rag ingest) for /classify")
    sv.add_argument("--backend", default=None, help="default LLM backend for /translate (default model-free)")
    sv.add_argument("--data-dir", help="data directory for translation resources (see translate --help)")
    sv.add_argument("--embedder", default="default", help="embedding model for example retrieval ('none' = BM25 only)")
    sv.add_argument("--max-concurrency", type=int, default=4, help="requests worked on at once")
    sv.add_argument("--max-queue", type=int, default=64, help="requests that may wait; beyond this: 503")
    sv.add_argument("--timeout", type=float, default=30.0, help="per-request time limit in seconds (504 after)")
    sv.set_defaults(func=_serve)


def _embedder(name: str) -> str | None:
    return None if name in ("none", "") else name


def _translate(args: argparse.Namespace) -> int:
    from grammar_rag.translate import load_resources, translate
    from grammar_rag.translate.languages import resolve_pair

    src, tgt = resolve_pair(args.source, args.target)
    object_lang = tgt if src.code == "eng" else src
    resources = load_resources(object_lang.code, data_dir=args.data_dir, embedder=_embedder(args.embedder))
    result = translate(args.text, source=src.code, target=tgt.code, backend=args.backend, resources=resources)
    if args.json:
        print(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
        return 0
    print(result.translation)
    print(f"  [{result.method}] {result.note}")
    hits = [a for a in result.dictionary if a.found]
    if hits:
        print("  dictionary: " + "; ".join(
            f"{a.word}{'(' + ' '.join(a.affixes) + ')' if a.affixes else ''} = {a.gloss() or a.entries[0].form}"
            for a in hits[:8]))
    for ex in result.examples[:3]:
        print(f"  example {ex.example.id} ({ex.score:.3f}): {ex.example.text} = {ex.example.translation}")
    for sp in result.grammar:
        print(f"  grammar: § {' > '.join(sp.passage.section) or sp.passage.citation}")
    return 0


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from grammar_rag.api import create_app

    app = create_app(
        args.index,
        args.backend,
        data_dir=args.data_dir,
        embedder=_embedder(args.embedder),
        max_concurrency=args.max_concurrency,
        max_queue=args.max_queue,
        timeout_s=args.timeout,
        warm=True,
    )
    uvicorn.run(app, host=args.host, port=args.port, log_level="info")
    return 0

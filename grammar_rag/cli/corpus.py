"""``grammar-rag corpus fetch|install|list|build``: get the paper's data, see what is available."""

from __future__ import annotations

import argparse
from pathlib import Path

from grammar_rag import corpus
from grammar_rag.cli.options import add_data_dir, add_progress
from grammar_rag.config import data_dir as resolve_data_dir
from grammar_rag.errors import GrammarRagError

CORPORA = ("rag-on-grammars",)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "corpus",
        help="fetch/install the paper's benchmark data, list bundled and installed corpora",
        description=(
            "Corpora: 'kalamang' ships with grammar-rag (Visser 2022, CC-BY-4.0). The paper's "
            "paragraph CSVs and gold tables ('rag-on-grammars') are downloaded from their public "
            "GitHub repository (al-the-eigenvalue/RAG-on-grammars) into DATA_DIR/rag_on_grammars/, "
            "each file verified against the sha256 checksums shipped with grammar-rag."
        ),
    )
    csub = p.add_subparsers(dest="corpus_command", metavar="ACTION")

    f = csub.add_parser(
        "fetch",
        help="download the paper's data (checksum-verified, resumable)",
        description=(
            "Download the paper's published paragraph CSVs and gold tables into "
            "DATA_DIR/rag_on_grammars/. Files already present with the right checksum are skipped, "
            "so re-running resumes an interrupted download. A file whose upstream copy changed "
            "(checksum mismatch) is not installed and the command fails naming it, unless "
            "--allow-changed. With --from, install from a local copy instead (no network)."
        ),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    _add_install_arguments(
        f, source_required=False,
        source_help="install from a local copy laid out like rag_on_grammars/ instead of downloading",
        allow_changed_help="install files whose checksum differs from the manifest (results may differ from the paper)",
    )
    f.add_argument("--ref", default=None, help="git ref of the upstream repository (default: its default branch)")

    i = csub.add_parser(
        "install",
        help="install the paper's data from a local copy (offline)",
        description="Copy a local rag_on_grammars/ tree into DATA_DIR/rag_on_grammars/, verifying checksums.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    _add_install_arguments(i, source_required=True, source_help="local copy",
                           allow_changed_help="install files whose checksum differs")

    ls = csub.add_parser("list", help="show bundled and installed corpora",
                         description="List the bundled corpora and, with --data-dir, the installed paper data.")
    add_data_dir(ls, help="data directory to inspect (default: $GRAMMAR_RAG_DATA_DIR if set)")
    ls.set_defaults(func=cmd_list)

    b = csub.add_parser(
        "build",
        help="rebuild the bundled Kalamang corpus from its LaTeX source",
        description="Re-ingest the Kalamang LaTeX sources (Visser 2022) into corpora/kalamang/.",
    )
    b.add_argument("name", choices=("kalamang",), help="bundled corpus to rebuild")
    b.add_argument("--from", dest="source", required=True, metavar="TEX_DIR",
                   help="directory with main.tex and the chapter files (e.g. DATA_DIR/kalamang/grammar_tex)")
    b.add_argument("--out", default=None, metavar="DIR", help="output directory (default: corpora/kalamang)")
    b.set_defaults(func=cmd_build)

    p.set_defaults(func=lambda args: (p.print_help(), 1)[1])


def _add_install_arguments(
    parser: argparse.ArgumentParser, *, source_required: bool, source_help: str, allow_changed_help: str
) -> None:
    """What ``fetch`` and ``install`` share: both run :func:`cmd_fetch` (``--from`` = install offline)."""
    parser.add_argument("corpus", choices=CORPORA, help="which corpus")
    add_data_dir(parser, required=True, help="data directory to install into")
    parser.add_argument("--from", dest="source", required=source_required, default=None, metavar="LOCAL_DIR",
                        help=source_help)
    parser.add_argument("--allow-changed", action="store_true", help=allow_changed_help)
    add_progress(parser, "progress bar")
    parser.set_defaults(func=cmd_fetch)


def cmd_fetch(args: argparse.Namespace) -> int:
    progress = args.progress
    data_dir = Path(args.data_dir).expanduser()
    if args.source:
        report = corpus.install_from(Path(args.source), data_dir, allow_changed=args.allow_changed, progress=progress)
        verb = "installed"
    else:
        report = corpus.fetch_rag_on_grammars(
            data_dir, ref=getattr(args, "ref", None), allow_changed=args.allow_changed, progress=progress
        )
        verb = "downloaded"
    print(
        f"{verb} {len(report.installed)} file(s), {len(report.skipped)} already present"
        + (f", {len(report.changed)} changed upstream (installed: --allow-changed)" if report.changed else "")
        + f" -> {report.target}"
    )
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    data_dir = resolve_data_dir(args.data_dir, required=False)
    rows = corpus.list_corpora(data_dir)
    if not rows:
        print("no corpora found")
        return 0
    for row in rows:
        print(f"{row.name:18} {row.kind:10} {row.detail}\n{'':29} {row.location}")
    if data_dir is None:
        print("(pass --data-dir or set GRAMMAR_RAG_DATA_DIR to see installed corpora)")
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    source = Path(args.source)
    if not source.exists():
        raise GrammarRagError(f"{source}: no such directory")
    out = Path(args.out) if args.out else None
    ingested = corpus.build_bundled_latex(source, out)
    print(f"built {ingested.grammar.id}: {len(ingested.passages)} passages -> {out or corpus.CORPORA_DIR / args.name}")
    return 0

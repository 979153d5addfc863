"""``grammar-rag search``: rank an index's passages for a query, as text or JSON lines."""

from __future__ import annotations

import argparse
import json
import sys
import textwrap

from grammar_rag.cli.options import add_index, add_json, add_retrieval_mode
from grammar_rag.index import GrammarIndex
from grammar_rag.types import Passage


def register(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser(
        "search",
        help="search an index; prints rank, grammar, page/section, score and passage",
        description="Rank passages for a query over the whole index or within one grammar or language.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    s.add_argument("query", help='the query, e.g. "order of subject, object and verb"')
    add_index(s, help="index directory")
    s.add_argument("--grammar", default=None, metavar="ID",
                   help="restrict to one grammar: its id, language name, ISO 639-3 code or Glottocode")
    s.add_argument("-k", type=int, default=10, help="number of passages")
    add_retrieval_mode(s, default="bm25", help="retrieval mode")
    s.add_argument("--fusion", choices=("rrf", "weighted"), default="rrf", help="hybrid fusion method")
    s.add_argument("--max-chars", type=int, default=500, help="truncate printed passages (0 = full text)")
    add_json(s, help="print JSON lines instead of text")
    s.set_defaults(func=cmd_search)


def _location(passage: Passage) -> str:
    parts = []
    if passage.pages:
        parts.append(("pp. " if "-" in passage.pages else "p. ") + passage.pages)
    if passage.section:
        parts.append("§ " + " > ".join(passage.section))
    return "; ".join(parts) or "-"


def _note_line(note: str, max_chars: int) -> str:
    """ "4 Only in fast speech." as "note 4: Only in fast speech.", cut like passages are."""
    mark, _, body = " ".join(note.split()).partition(" ")
    line = f"note {mark}: {body}" if body and len(mark) <= 4 else f"note: {note}"
    return line[: max_chars - 1].rstrip() + "…" if max_chars and len(line) > max_chars else line


def cmd_search(args: argparse.Namespace) -> int:
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
        for note in p.notes:  # detached from the text, shown with it as on the page
            print(textwrap.indent(textwrap.fill(_note_line(note, args.max_chars), width=100), "       "))
    print(f"({len(results)} passages, {results.mode}, {results.elapsed_ms:.1f} ms)", file=sys.stderr)
    return 0

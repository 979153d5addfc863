"""``grammar-rag info``: what an index holds (model, tokenizer, grammars, size), optionally verified."""

from __future__ import annotations

import argparse
import json
from typing import Any

from grammar_rag.cli.options import add_index, add_json
from grammar_rag.index import GrammarIndex


def register(sub: argparse._SubParsersAction) -> None:
    i = sub.add_parser("info", help="describe an index: model, grammars, passages, size",
                       description="Print an index's manifest summary and its grammars.")
    add_index(i, help="index directory")
    i.add_argument("--verify", action="store_true", help="also check every file's sha256 against the manifest")
    add_json(i, help="print JSON")
    i.set_defaults(func=cmd_info)


def cmd_info(args: argparse.Namespace) -> int:
    index = GrammarIndex.open(args.index, verify=args.verify)
    info = index.info()
    grammars: list[dict[str, Any]] = [
        {"id": g.id, "language": g.language, "iso639_3": g.iso639_3, "glottocode": g.glottocode,
         "language_confidence": g.language_confidence, "passages": index.passage_count(g.id), "title": g.title}
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
        print(f"{'grammar':<40} {'language':<20} {'iso':<4} {'glottocode':<10} {'passages':>8}")
        for g in grammars:
            # a guessed language below the confidence ingest trusts is marked "?" (ingest said how to fix it)
            unsure = "?" if g["language_confidence"] is not None and g["language_confidence"] < 0.8 else ""
            print(f"{g['id']:<40} {((g['language'] or '-')[:19] + unsure):<20} {(g['iso639_3'] or '-'):<4} "
                  f"{(g['glottocode'] or '-'):<10} {g['passages']:>8}")
    return 0

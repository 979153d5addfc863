"""``grammar-rag language add|list|show|remove|export``: the language packs translation uses.

``grammar-rag language NAME`` (any other first word) stays the Glottolog look-up of
:mod:`grammar_rag.cli.features`, which hands these five actions to :func:`run`.
"""

from __future__ import annotations

import argparse
import json

from grammar_rag.translate.cldf_export import export_pack
from grammar_rag.translate.packs import LanguagePack, default_store

PACK_ACTIONS = ("add", "list", "show", "remove", "export")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="grammar-rag language",
        description="Language packs for translation: a grammar, a bilingual dictionary and parallel sentences. "
        "'grammar-rag language NAME' (without an action) looks NAME up in Glottolog.",
    )
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = sub.add_parser(
        "add", help="add (or replace) a language pack",
        description="Validate the files, then store the pack in one step: a bad file stores nothing. "
        "Formats are detected: dictionaries as a CLDF Dictionary, a TSV/CSV with headword/pos/definition "
        "columns (any names) or 'headword: gloss' lines; sentences as a CLDF ExampleTable, a two-column "
        "TSV/CSV (any names, optional ids) or 'English: ... / <Language>: ...' blocks. Running it again "
        "replaces the pack.",
    )
    add.add_argument("code", help="pack code, e.g. the ISO 639-3 code ('dar')")
    add.add_argument("--name", required=True, help="the language's name (used in prompts and listings)")
    add.add_argument("--grammar", help="grammar source (PDF, LaTeX folder, text file) or index:GRAMMAR_ID with --index")
    add.add_argument("--dictionary", required=True, help="bilingual dictionary file or CLDF folder")
    add.add_argument("--examples", help="parallel sentences file or CLDF folder")
    add.add_argument("--glottocode", default="", help="Glottocode (e.g. sanz1248)")
    add.add_argument("--alias", action="append", default=[], help="another name users may type (repeatable)")
    add.add_argument("--abbreviations", help="gloss abbreviations: 'ABBR<TAB>meaning' or 'ABBR: meaning' lines")
    add.add_argument("--orthography", help="orthography notes (a text file or the text itself)")
    add.add_argument("--index", help="index directory, for --grammar index:ID")
    add.add_argument("--json", action="store_true", help="print the stored pack as JSON")
    sub.add_parser("list", help="list the packs (stored and built in)").add_argument("--json", action="store_true")
    show = sub.add_parser("show", help="show one pack: sources, detected formats, counts")
    show.add_argument("name", help="pack code, name or alias")
    show.add_argument("--json", action="store_true")
    rm = sub.add_parser("remove", help="remove a stored pack")
    rm.add_argument("name", help="pack code, name or alias")
    ex = sub.add_parser("export", help="write a pack as a CLDF dataset (Dictionary + ExampleTable), validated")
    ex.add_argument("name", help="pack code, name or alias")
    ex.add_argument("--out", required=True, help="output directory (written atomically)")
    ex.add_argument("--data-dir", help="data directory (for the built-in Kalamang's full dictionary)")
    return parser


def _describe(pack: object) -> str:
    assert isinstance(pack, LanguagePack)
    lines = [f"{pack.code}  {pack.name}" + (f"  ({pack.glottocode})" if pack.glottocode else "")
             + ("  [built in]" if pack.builtin else "")]
    for kind in ("grammar", "dictionary", "examples"):
        if kind in pack.sources:
            fmt = pack.formats.get(kind, "")
            lines.append(f"  {kind + ':':<12} {pack.sources[kind]}" + (f"  [{fmt}]" if fmt else ""))
    if pack.counts:
        lines.append("  counts:      " + ", ".join(f"{k} {v}" for k, v in pack.counts.items()))
    if pack.abbreviations:
        lines.append(f"  abbreviations: {len(pack.abbreviations)}")
    if pack.directory:
        lines.append(f"  stored in:   {pack.directory}")
    return "\n".join(lines)


def run(argv: list[str]) -> int:
    """Run one pack action (argv after ``language``); errors propagate to the CLI's one-line handler."""
    args = build_parser().parse_args(argv)
    store = default_store()
    if args.action == "add":
        pack = store.add(
            args.code, name=args.name, grammar=args.grammar, dictionary=args.dictionary, examples=args.examples,
            glottocode=args.glottocode, aliases=args.alias, abbreviations=args.abbreviations,
            orthography=args.orthography, index_dir=args.index,
        )
        print(json.dumps(pack.to_dict(), indent=2, ensure_ascii=False) if args.json else "added\n" + _describe(pack))
        return 0
    if args.action == "list":
        packs = store.all()
        if args.json:
            print(json.dumps([p.to_dict() for p in packs], indent=2, ensure_ascii=False))
        else:
            for p in packs:
                print(f"{p.code:<10} {p.name:<28} {'built in' if p.builtin else str(p.directory)}")
        return 0
    if args.action == "show":
        pack = store.get(args.name)
        print(json.dumps(pack.to_dict(), indent=2, ensure_ascii=False) if args.json else _describe(pack))
        return 0
    if args.action == "remove":
        pack = store.remove(args.name)
        print(f"removed {pack.code} ({pack.name})")
        return 0

    out = export_pack(store.get(args.name), args.out, data_dir=args.data_dir)
    print(f"wrote CLDF dataset {out} (validated)")
    return 0

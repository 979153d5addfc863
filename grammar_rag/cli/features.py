"""``grammar-rag features`` (list / search the catalogue) and ``grammar-rag feature ID`` (show one).

Also ``grammar-rag language NAME`` to look a language up in Glottolog: the three read the same
catalogue and language tables, and share ``--data-dir``. These print; the library modules they
call only log.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import textwrap

from grammar_rag.cli.language import PACK_ACTIONS, run
from grammar_rag.cli.options import add_data_dir, add_json
from grammar_rag.errors import UnknownLanguageError
from grammar_rag.features import get_catalogue, get_languages, get_wals_values, grambank_value, wals_value
from grammar_rag.features.guidelines import excerpt
from grammar_rag.features.reference import related_wals_languages
from grammar_rag.types import Feature

_EXCERPT_CHARS = 1500


def _width() -> int:
    return max(60, min(shutil.get_terminal_size((100, 24)).columns, 120))


def _wrap_text(text: str, width: int, indent: str = "  ") -> str:
    """Wrap prose paragraphs; keep multi-line blocks (interlinear examples, lists) as they are."""
    out = []
    for para in text.split("\n\n"):
        if "\n" in para:
            out.append("\n".join(indent + line for line in para.split("\n")))
        else:
            out.append(textwrap.fill(para, width=width, initial_indent=indent, subsequent_indent=indent))
    return "\n\n".join(out)


def _one_line(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"


def cmd_features(args: argparse.Namespace) -> int:
    catalogue = get_catalogue(args.data_dir)
    if args.search:
        features = catalogue.search(args.search, limit=args.limit or 25, database=args.database)
    else:
        features = catalogue.all(args.database)
        if args.limit:
            features = features[: args.limit]
    if args.json:
        print(json.dumps([f.to_dict(with_guideline=False) for f in features], ensure_ascii=False, indent=1))
        return 0
    if not features:
        print(f"No feature matches '{args.search}'.")
        return 1
    width = _width()
    id_width = max(len(f.id) for f in features)
    for f in features:
        print(f"{f.id:<{id_width}}  {_one_line(f.name, width - id_width - 2)}")
    print(f"\n{len(features)} feature(s). Show one with: grammar-rag feature ID")
    return 0


def _print_values(feature: Feature, indent: str = "  ") -> None:
    code_width = max((len(v.code) for v in feature.values), default=0)
    name_width = max((len(v.name) for v in feature.values), default=0)
    for v in feature.values:
        desc = f"  {v.description}" if v.description and v.description != v.name else ""
        print(f"{indent}{v.code:<{code_width}}  {v.name:<{name_width}}{desc}".rstrip())


def cmd_feature(args: argparse.Namespace) -> int:
    catalogue = get_catalogue(args.data_dir)
    feature = catalogue.get(args.id)
    if args.json:
        print(json.dumps(feature.to_dict(with_guideline=True), ensure_ascii=False, indent=1))
        return 0
    width = _width()
    print(f"{feature.id}  {feature.name}  [{feature.database}]")
    print()
    print("Question:")
    print(textwrap.fill(feature.question, width=width, initial_indent="  ", subsequent_indent="  "))
    print()
    if feature.components:
        print("Values (multi-label: every strategy that holds):")
        for comp in feature.components:
            print(f"  {comp.name}  ({comp.id.split(':')[-1]}: {comp.question})")
    else:
        print("Values:")
        _print_values(feature)
    if args.language:
        _print_reference_value(args, feature)
    if feature.guideline:
        text = feature.guideline if args.full else excerpt(feature.guideline, _EXCERPT_CHARS)
        label = "Guideline" if args.full or text == feature.guideline else "Guideline (excerpt; --full for all of it)"
        print(f"\n{label}:\n")
        print(_wrap_text(text, width))
    return 0


def _print_reference_value(args: argparse.Namespace, feature: Feature) -> None:
    """The language's WALS / Grambank value, labelled as a reference (never a prediction input)."""
    language = get_languages(args.data_dir).lookup(args.language)
    label = f"{language.name} ({language.glottocode})"
    if feature.database == "WALS":
        value = wals_value(language.glottocode, feature, args.data_dir)
        shown = f"{value.name} ({value.code})" if value else "no value in WALS"
        print(f"\nWALS value for {label}: {shown}  [reference only]")
    elif feature.database == "Grambank":
        grambank_dir = args.grambank or os.environ.get("GRAMMAR_RAG_GRAMBANK_DIR")
        if not grambank_dir:
            print(f"\nGrambank value for {label}: pass --grambank DIR (a full Grambank CLDF download) "
                  "or set GRAMMAR_RAG_GRAMBANK_DIR")
            return
        value = grambank_value(language.glottocode, feature, grambank_dir, args.data_dir)
        shown = f"{value.name} ({value.description})" if value else "not coded in Grambank"
        print(f"\nGrambank value for {label}: {shown}  [reference only]")
    else:
        print(f"\n{feature.id} is the paper's composite: no single database value for {label}.")


def cmd_language(args: argparse.Namespace) -> int:
    if args.name in PACK_ACTIONS:  # language add|list|show|remove|export: translation packs
        return run([args.name, *args.rest])
    if args.rest:  # options written after the name ("language 'Rapa Nui' --data-dir X")
        extra = argparse.ArgumentParser(prog="grammar-rag language NAME")
        extra.add_argument("--data-dir")
        args.data_dir = extra.parse_args(args.rest).data_dir or args.data_dir
    table = get_languages(args.data_dir)
    try:
        lang = table.lookup(args.name)
        known_as = ""
    except UnknownLanguageError:
        wals = get_wals_values(args.data_dir).languoids_named(args.name, table)
        if len(wals) != 1:
            raise
        lang, known_as = wals[0], f"{args.name} (the name WALS uses)"
    rows = [
        ("Name", lang.name),
        ("Glottocode", lang.glottocode),
        ("ISO 639-3", lang.iso639_3 or "-"),
        ("Family", lang.family or "-"),
        ("Macroarea", lang.macroarea or "-"),
        ("Level", lang.level + (f" of {lang.language_glottocode}" if lang.language_glottocode else "")),
    ]
    if known_as:
        rows.insert(1, ("Known as", known_as))
    coded = get_wals_values(args.data_dir).candidates(lang.glottocode, table)
    related = [] if coded else related_wals_languages(lang.glottocode, args.data_dir)
    rows.append(("WALS", "; ".join(f"{w.label}, {len(w.values)} values" for w in coded) or
                 "not coded" + (f" (related: {', '.join(w.label for w in related)})" if related else "")))
    for key, value in rows:
        print(f"{key + ':':<12} {value}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    data_help = "data dir with wals/, grambank/, glottolog/ CLDF (default: $GRAMMAR_RAG_DATA_DIR or the bundled copy)"

    p = sub.add_parser(
        "features",
        help="list or search WALS / Grambank features",
        description="List the feature catalogue (192 WALS, 195 Grambank, the polar-question composite "
        "WALS 116A*), or search it by id, name, question, value names and guideline text.",
    )
    p.add_argument("--search", "-s", metavar="TEXT", help="words to look for (e.g. 'negation', 'question particle')")
    p.add_argument("--database", "-d", choices=["wals", "grambank", "composite"], help="only this database")
    p.add_argument("--limit", "-n", type=int, default=None, help="show at most N features (search default: 25)")
    add_json(p, help="print JSON (without guidelines)")
    add_data_dir(p, help=data_help)
    p.set_defaults(func=cmd_features)

    p = sub.add_parser(
        "feature",
        help="show one feature: question, values, guideline",
        description="Show a feature. IDs as you would type them: 81A, 'WALS 81A', wals:81A, GB107, "
        "'GB 107', 'WALS 116A*' / polar, or (part of) a feature name.",
    )
    p.add_argument("id", help="feature id or name")
    p.add_argument("--full", action="store_true", help="print the whole guideline, not an excerpt")
    p.add_argument("--language", "-l", help="also show this language's WALS/Grambank value (reference only)")
    p.add_argument("--grambank", metavar="DIR",
                   help="full Grambank CLDF dataset for --language (default: $GRAMMAR_RAG_GRAMBANK_DIR)")
    add_json(p, help="print the feature as JSON")
    add_data_dir(p, help=data_help)
    p.set_defaults(func=cmd_feature)

    p = sub.add_parser(
        "language",
        help="look up a language in Glottolog; 'language add|list|show|remove|export' manage translation packs",
        description="Show Glottolog metadata (Glottocode, ISO 639-3, family, macroarea) for a language. "
        "With add, list, show, remove or export as NAME: manage language packs for translation "
        "(see 'grammar-rag language add --help').",
    )
    p.add_argument("name", help="Glottocode, ISO 639-3 code or language name; or add|list|show|remove|export")
    p.add_argument("rest", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    add_data_dir(p, help=data_help)
    p.set_defaults(func=cmd_language)

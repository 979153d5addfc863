"""``grammar-rag translate``: one sentence with its dictionary, example and grammar context."""

from __future__ import annotations

import argparse
import json

from grammar_rag.cli.options import (
    add_data_dir,
    add_embedder,
    add_json,
    add_translation_backend,
    embedder_choice,
)
from grammar_rag.translate import load_resources, translate
from grammar_rag.translate.languages import resolve_pair

DATA_DIR_HELP = (
    "data directory with kalamang/dictionaria/ and kalamang/grammar_tex/ "
    "(default $GRAMMAR_RAG_DATA_DIR; without it the bundled dictionary and corpus are used)"
)


def register(sub: argparse._SubParsersAction) -> None:
    tr = sub.add_parser(
        "translate",
        help="translate a sentence with grammar + dictionary + examples, for any language pack <-> English",
        description=(
            "Translate with retrieved context: dictionary entries for the input's words (clitic/affix "
            "aware), the most similar example sentences and grammar passages about its constructions. "
            "Without --backend the model-free fallback adapts the closest example (labelled as such)."
        ),
    )
    tr.add_argument("text", help="the sentence to translate")
    tr.add_argument("--from", dest="source", default="kgv", help="source language: a pack code, name or alias (see `grammar-rag language list`), or eng; default kgv")
    tr.add_argument("--to", dest="target", default="eng", help="target language: a pack or eng (default eng)")
    add_translation_backend(tr, help="LLM backend (openai, vllm, local, fake...); default: model-free fallback")
    add_data_dir(tr, help=DATA_DIR_HELP)
    add_embedder(tr)
    add_json(tr, help="print the translation with its full context as JSON")
    tr.set_defaults(func=cmd_translate)


def cmd_translate(args: argparse.Namespace) -> int:
    src, tgt = resolve_pair(args.source, args.target)
    object_lang = tgt if src.code == "eng" else src
    resources = load_resources(object_lang.code, data_dir=args.data_dir, embedder=embedder_choice(args))
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

"""Grammar-and-dictionary RAG translation between English and any language with a language pack.

One path: pack (:mod:`.packs`) -> resources (:mod:`.resources`, loaded once and cached) -> context
-> prompt or model-free answer. ``translate(text, source="kgv", target="eng")`` gathers three kinds of context — dictionary entries
for the input's words (clitic/affix aware), the most similar parallel example sentences, and grammar
passages about the constructions present — and hands them to an LLM backend with a prompt asking for
the translation only. With no backend the model-free fallback adapts the closest example's
translation word by word and says so in ``method``.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any

from grammar_rag.errors import BackendError, GrammarRagError
from grammar_rag.llm import BACKENDS
from grammar_rag.text.tokens import TRANSLATION_STOPWORDS, english_stem, lower_words
from grammar_rag.translate.dictionary import WordAnalysis
from grammar_rag.translate.examples import ScoredExample
from grammar_rag.translate.fallback import METHOD as FALLBACK_METHOD
from grammar_rag.translate.fallback import FallbackConfig, WordTranslator, model_free_translate
from grammar_rag.translate.grammar_context import grammar_passages
from grammar_rag.translate.languages import available_languages, resolve_pair
from grammar_rag.translate.prompt import PROMPT_VERSION, SYSTEM, build_prompt, parse_reply
from grammar_rag.translate.resources import LanguageResources, build_resources, load_resources
from grammar_rag.types import ScoredPassage

log = logging.getLogger(__name__)

MODEL_FREE_NAMES = frozenset({"model-free", "fallback", "none", "model_free"})
MAX_TEXT_CHARS = 2000

__all__ = [
    "FALLBACK_METHOD",
    "MAX_TEXT_CHARS",
    "MODEL_FREE_NAMES",
    "LanguageResources",
    "Translation",
    "available_languages",
    "build_resources",
    "load_resources",
    "translate",
    "translate_many",
]


@dataclass
class Translation:
    """A translation with the context it was made from (what a linguist needs to check it)."""

    text: str
    translation: str
    source: str
    target: str
    method: str  # "llm:<backend>" or "model-free fallback"
    dictionary: list[WordAnalysis] = field(default_factory=list)
    examples: list[ScoredExample] = field(default_factory=list)
    grammar: list[ScoredPassage] = field(default_factory=list)
    note: str = ""
    prompt: str | None = None
    prompt_version: str = PROMPT_VERSION

    @property
    def model_free(self) -> bool:
        return self.method == FALLBACK_METHOD

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "translation": self.translation,
            "source": self.source,
            "target": self.target,
            "method": self.method,
            "model_free": self.model_free,
            "note": self.note,
            "dictionary": [a.to_dict() for a in self.dictionary],
            "examples": [e.to_dict() for e in self.examples],
            "grammar": [
                {
                    "passage_id": sp.passage.passage_id,
                    "grammar_id": sp.passage.grammar_id,
                    "section": list(sp.passage.section),
                    "citation": sp.passage.citation,
                    "text": sp.passage.text,
                    "score": round(sp.score, 4),
                    "rank": sp.rank,
                }
                for sp in self.grammar
            ],
            "prompt_version": self.prompt_version,
        }


def analyse_words(text: str, source: str, resources: LanguageResources) -> list[WordAnalysis]:
    """Dictionary hits for each distinct word of the input (in order)."""
    out: list[WordAnalysis] = []
    seen: set[str] = set()
    for w in lower_words(text):
        if w in seen:
            continue
        seen.add(w)
        if source == "eng":
            if w in TRANSLATION_STOPWORDS:
                continue
            entries = resources.dictionary.english_lookup(w)
            out.append(WordAnalysis(w, english_stem(w), tuple(entries), (), "english-sense" if entries else "none"))
        else:
            out.append(resources.dictionary.analyse(w))
    return out


def gather_context(
    text: str, source: str, resources: LanguageResources, k_examples: int = 8, k_passages: int = 3
) -> tuple[list[WordAnalysis], list[ScoredExample], list[ScoredPassage]]:
    """Dictionary analyses, retrieved examples and grammar passages for ``text`` (one pass).

    The grammar query names the constructions involved: the dictionary senses of the input's
    affixes, and the gloss categories of the closest examples (``bird-PL`` -> "plural" when the
    pack lists its abbreviations), so English input also reaches the grammar's description.
    """
    analyses = analyse_words(text, source, resources)
    side = "translation" if source == "eng" else "text"
    examples = resources.example_index(side).search(text, k=k_examples)
    terms: list[str] = []
    for a in analyses:
        for affix in a.affixes:
            for e in resources.dictionary.affix_entries(affix):
                terms.extend(lower_words(e.description))
    abbreviations = resources.language.pack.abbreviations if resources.language.pack else {}
    for scored in examples[:3]:
        for tok in re.split(r"[=\-.\s:]", scored.example.gloss):
            if tok.isupper() and len(tok) > 1:
                terms.extend(lower_words(abbreviations.get(tok, tok)))
    passages = grammar_passages(resources, text, source, analyses, terms, k=k_passages)
    return analyses, examples, passages


def _backend(backend: Any) -> Any | None:
    if backend is None or (isinstance(backend, str) and backend.lower() in MODEL_FREE_NAMES):
        return None
    if isinstance(backend, str):
        return BACKENDS.create(backend)
    return backend


def translate(
    text: str,
    *,
    source: str,
    target: str,
    backend: Any = None,
    resources: LanguageResources | None = None,
    data_dir: str | None = None,
    k_examples: int = 8,
    k_passages: int = 3,
    max_tokens: int = 128,
    fallback_config: FallbackConfig | None = None,
) -> Translation:
    """Translate ``text`` from ``source`` to ``target`` (pack code or name; one side English).

    ``backend``: None / "model-free" -> the labelled model-free fallback; a backend name registered in
    :data:`grammar_rag.llm.BACKENDS` or an object with ``generate`` -> that LLM. Backend failures raise
    :class:`BackendError` (the API turns them into 502/503), never a silent fallback.
    """
    return translate_many(
        [text], source=source, target=target, backend=backend, resources=resources, data_dir=data_dir,
        k_examples=k_examples, k_passages=k_passages, max_tokens=max_tokens, fallback_config=fallback_config,
    )[0]


def translate_many(
    texts: list[str],
    *,
    source: str,
    target: str,
    backend: Any = None,
    resources: LanguageResources | None = None,
    data_dir: str | None = None,
    k_examples: int = 8,
    k_passages: int = 3,
    max_tokens: int = 128,
    fallback_config: FallbackConfig | None = None,
) -> list[Translation]:
    """:func:`translate` for many sentences of one direction: one pack, one resources load, and for an
    LLM backend one ``generate`` call with every prompt (vLLM batches them; HTTP backends send them
    with bounded concurrency)."""
    for text in texts:
        if not text or not text.strip():
            raise GrammarRagError("Nothing to translate: the text is empty.")
        if len(text) > MAX_TEXT_CHARS:
            raise GrammarRagError(f"Text is {len(text)} characters long; the limit is {MAX_TEXT_CHARS}.")
    src, tgt = resolve_pair(source, target, pack=resources.language.pack if resources is not None else None)
    object_lang = tgt if src.code == "eng" else src
    if resources is None:
        resources = load_resources(object_lang.code, data_dir=data_dir)
    elif resources.language.code != object_lang.code:
        raise GrammarRagError(f"Resources are for {resources.language.name}, not {object_lang.name}.")
    contexts = [gather_context(text, src.code, resources, k_examples, k_passages) for text in texts]
    llm = _backend(backend)
    if llm is None:
        translator = WordTranslator(resources, src.code)
        out: list[Translation] = []
        for text, (analyses, examples, passages) in zip(texts, contexts, strict=True):
            output, note = model_free_translate(text, examples, translator, fallback_config or FallbackConfig())
            out.append(Translation(text, output, src.code, tgt.code, FALLBACK_METHOD, analyses, examples, passages, note))
        return out
    pack = resources.language.pack
    prompts = [
        build_prompt(text, src.name, tgt.name, analyses, examples[:k_examples], passages,
                     object_language_is_source=src.code != "eng", abbreviations=pack.abbreviations if pack else None,
                     orthography=pack.orthography if pack else "")
        for text, (analyses, examples, passages) in zip(texts, contexts, strict=True)
    ]
    try:
        replies = llm.generate(prompts, max_tokens=max_tokens, temperature=0.0, system=SYSTEM)
    except GrammarRagError:
        raise
    except Exception as exc:  # any client error becomes a BackendError naming the backend
        raise BackendError(f"LLM backend '{getattr(llm, 'name', llm)}' failed: {exc}") from exc
    if len(replies) != len(prompts):
        raise BackendError(f"LLM backend '{getattr(llm, 'name', llm)}' returned {len(replies)} replies for {len(prompts)} prompts.")
    name = getattr(llm, "name", type(llm).__name__)
    return [
        Translation(
            text, parse_reply(reply, (src.name, tgt.name)), src.code, tgt.code, f"llm:{name}", analyses, examples,
            passages, "LLM translation from dictionary + examples + grammar context", prompt,
        )
        for text, (analyses, examples, passages), prompt, reply in zip(texts, contexts, prompts, replies, strict=True)
    ]

"""Grammar passages about the constructions present in the input.

The input's grammatical material is what the grammar's prose explains: for object-language input
the clitics/affixes and grammatical words found by the dictionary ("=nin" -> "negator"), for
English input the construction cues it contains (negation, questions, possession...). Those
descriptions, plus the content words, form a BM25 query over the grammar's prose passages.
"""

from __future__ import annotations

import re

import numpy as np

from grammar_rag.text.tokens import lower_words
from grammar_rag.translate.dictionary import GRAMMATICAL_POS, WordAnalysis
from grammar_rag.translate.examples import english_terms
from grammar_rag.translate.resources import LanguageResources
from grammar_rag.types import ScoredPassage

# English surface cues -> the construction a grammar describes (general English, no language data).
_ENGLISH_CUES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\b(not|never|no|n't|nothing|nobody)\b", re.I), "negation negator negative"),
    (re.compile(r"\?"), "question interrogative"),
    (re.compile(r"\b(who|what|where|when|why|how|which)\b", re.I), "question word interrogative content question"),
    (re.compile(r"\b(my|your|his|her|its|our|their)\b|'s\b", re.I), "possessive possession"),
    (re.compile(r"\b(will|shall|going to)\b", re.I), "future irrealis"),
    (re.compile(r"\b(already|have|has|had)\b", re.I), "perfect aspect completed"),
    (re.compile(r"!"), "imperative"),
    (re.compile(r"\b(and|with)\b", re.I), "coordination comitative"),
    (re.compile(r"\b(if|when|because|after|before|while)\b", re.I), "subordinate clause conditional"),
    (re.compile(r"\b(this|that|these|those|here|there)\b", re.I), "demonstrative"),
    (re.compile(r"\b(one|two|three|four|five|many|all|some)\b", re.I), "numeral quantifier"),
)


def construction_terms(text: str, source: str, analyses: list[WordAnalysis]) -> list[str]:
    """Words naming the grammatical constructions in ``text`` (descriptions of its affixes etc.)."""
    terms: list[str] = []
    if source == "eng":
        for pattern, words_ in _ENGLISH_CUES:
            if pattern.search(text):
                terms.extend(words_.split())
        return terms
    for a in analyses:
        grammatical = [e for e in a.entries if e.pos in GRAMMATICAL_POS or e.is_affix]
        for e in grammatical:
            terms.extend(lower_words(e.description))
        if a.full_form_gloss:
            terms.extend(p.lower() for p in re.split(r"[=\-.\s]", a.full_form_gloss) if p.isupper())
    return terms


def grammar_passages(
    resources: LanguageResources, text: str, source: str, analyses: list[WordAnalysis], dictionary_affix_terms: list[str] | None = None, k: int = 3
) -> list[ScoredPassage]:
    if not resources.passages:
        return []
    query = construction_terms(text, source, analyses) + (dictionary_affix_terms or [])
    query = english_terms(" ".join(query)) * 2 + (english_terms(text) if source == "eng" else [])
    if not query:
        return []
    scores = resources.passage_bm25().scores(query)
    order = [int(i) for i in np.argsort(-scores, kind="stable")[:k] if scores[i] > 0]
    return [ScoredPassage(resources.passages[i], float(scores[i]), r + 1) for r, i in enumerate(order)]

"""Parallel examples out of an ingested grammar's interlinear examples (passages of kind "example").

Ingestion (PDF, LaTeX or text) already cuts each numbered example into its own passage, one line
per tier: the object-language line, the word-aligned gloss, the free translation (often quoted,
sometimes followed by a source reference such as ``[narr22_2:52]``); sub-examples follow one
another in the same passage. This module reads those lines back into :class:`Example` pairs, so
translation never parses a grammar's source format a second time. Nothing here is language
specific: a gloss line is recognised by its shape (Leipzig abbreviations, morpheme boundaries, or
as many words as the line above it), the translation by coming after it or by its quotes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from grammar_rag.translate.examples import Example
from grammar_rag.translate.langid import english_score
from grammar_rag.types import Passage

_QUOTES = "'‘’`\"“”"
_NUMBER_RE = re.compile(r"^\s*(?:\(\s*[0-9]+[a-z]?\s*\)|[0-9]+[.)])\s*")
_SUBLETTER_RE = re.compile(r"^\s*[a-z][.)]\s+")
_REFERENCE_RE = re.compile(r"\s*[\[(][^\])]*[\])]\s*$")
_ABBREV_RE = re.compile(r"(?:^|[-=.:])(?:[1-3](?:SG|PL|DU)?|[A-Z]{2,}[0-9]?)(?=$|[-=.:\s])")


def _tokens(line: str) -> list[str]:
    return [t for t in re.sub(r"[\[\]{}]", " ", line).split() if any(ch.isalnum() for ch in t)]


def looks_like_gloss(line: str, source: str) -> bool:
    """A Leipzig gloss line: abbreviations/boundaries in many tokens, or aligned word for word."""
    toks, src = _tokens(line), _tokens(source)
    if not toks:
        return False
    if line.strip()[:1] in _QUOTES:
        return False
    marked = sum(bool(_ABBREV_RE.search(t)) or ("-" in t or "=" in t) for t in toks)
    if marked / len(toks) >= 0.25:
        return True
    return len(toks) == len(src) and len(src) >= 2 and english_score(line) <= 0.3


def _clean_translation(line: str) -> str:
    line = _REFERENCE_RE.sub("", line.strip()).strip()
    return line.strip(_QUOTES + " ").strip()


def is_example_passage(passage: Passage) -> bool:
    """Typed "example" by ingestion, or (for sources whose ingester does not type them yet, such as
    plain OCR text) a passage shaped like one: a numbered first line followed by a gloss line."""
    if passage.kind == "example":
        return True
    lines = [ln.strip() for ln in passage.text.splitlines() if ln.strip()]
    if len(lines) < 3 or not _NUMBER_RE.match(lines[0]):
        return False
    return looks_like_gloss(lines[1], _NUMBER_RE.sub("", lines[0]))


def examples_from_passages(passages: Iterable[Passage], min_english: float = 0.0) -> list[Example]:
    """(text, gloss, English translation) pairs from the grammar's "example" passages.

    A translation that does not read as English (a grammar's Indonesian or Russian summary) is
    skipped: the pool pairs the object language with English only.
    """
    out: list[Example] = []
    for p in passages:
        if not is_example_passage(p):
            continue
        lines = [ln.strip() for ln in p.text.splitlines() if ln.strip()]
        n = 0
        i = 0
        while i < len(lines):
            source = _SUBLETTER_RE.sub("", _NUMBER_RE.sub("", lines[i]))
            if not source or source[:1] in _QUOTES or i + 1 >= len(lines):
                i += 1
                continue
            j = i + 1
            gloss = ""
            segmented = source
            if looks_like_gloss(lines[j], source):
                gloss = lines[j]
                j += 1
                if j < len(lines) and looks_like_gloss(lines[j], gloss) and lines[j][:1] not in _QUOTES:
                    segmented, gloss = gloss, lines[j]  # three tiers: text, morphemes, gloss
                    j += 1
            elif lines[j][:1] not in _QUOTES:
                i += 1  # neither a gloss nor a quoted translation follows: not an example start
                continue
            if j >= len(lines):
                break
            translation = _clean_translation(lines[j])
            i = j + 1
            if not translation or english_score(translation) < min_english:
                continue
            n += 1
            text = segmented.replace("=", "").replace("-", "") if segmented is source else source
            text = re.sub(r"[\[\]]", "", text)
            text = re.sub(r"\s+(?:NP|VP|PP|S)\b", "", text) if gloss else text
            eid = p.passage_id if n == 1 else f"{p.passage_id}#{n}"
            out.append(Example(eid, " ".join(text.split()), translation, "grammar",
                               " ".join(re.sub(r"[\[\]]", "", segmented).split()) if gloss else "", gloss, p.section))
    return out

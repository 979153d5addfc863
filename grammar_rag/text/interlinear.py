"""Interlinear examples read back from their lines: object language, gloss, free translation.

Ingestion (PDF, LaTeX or text) cuts each numbered example into its own passage, one line per tier:
the object-language line, the word-aligned gloss, the free translation (often quoted, sometimes
followed by a source reference such as ``[narr22_2:52]``); sub-examples follow one another in the
same passage, and a passage may open with the prose sentence that introduces the example. This is
the one reader of those lines: translation takes its parallel pairs from it, and the index gives the
dense model only the English of an example (see ``grammar_rag.index.embedding_text``). Nothing here
is language specific: a gloss line is recognised by its shape (Leipzig abbreviations, morpheme
boundaries, or as many words as the line above it), the translation by coming after it or by its
quotes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from grammar_rag.text.langid import english_score

QUOTES = "'‘’`\"“”"
NUMBER_RE = re.compile(r"^\s*(?:\(\s*[0-9]+[a-z]?\s*\)|[0-9]+[.)])\s*")
_SUBLETTER_RE = re.compile(r"^\s*[a-z][.)]\s+")
_REFERENCE_RE = re.compile(r"\s*[\[(][^\])]*[\])]\s*$")
_ABBREV_RE = re.compile(r"(?:^|[-=.:])(?:[1-3](?:SG|PL|DU)?|[A-Z]{2,}[0-9]?)(?=$|[-=.:\s])")


@dataclass(frozen=True)
class Tiers:
    """One example's lines: ``segmented`` is the morpheme line of a three-tier example, else ``source``."""

    source: str
    segmented: str
    gloss: str
    translation: str
    three_tier: bool = False


def _tokens(line: str) -> list[str]:
    return [t for t in re.sub(r"[\[\]{}]", " ", line).split() if any(ch.isalnum() for ch in t)]


def looks_like_gloss(line: str, source: str) -> bool:
    """A Leipzig gloss line: abbreviations/boundaries in many tokens, or aligned word for word."""
    toks, src = _tokens(line), _tokens(source)
    if not toks:
        return False
    if line.strip()[:1] in QUOTES:
        return False
    marked = sum(bool(_ABBREV_RE.search(t)) or ("-" in t or "=" in t) for t in toks)
    if marked / len(toks) >= 0.25:
        return True
    return len(toks) == len(src) and len(src) >= 2 and english_score(line) <= 0.3


def clean_translation(line: str) -> str:
    """The free translation without its quotes and a trailing source reference."""
    line = _REFERENCE_RE.sub("", line.strip()).strip()
    return line.strip(QUOTES + " ").strip()


def looks_like_example(text: str) -> bool:
    """A numbered first line followed by a gloss line (for sources whose ingester does not type examples)."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if len(lines) < 3 or not NUMBER_RE.match(lines[0]):
        return False
    return looks_like_gloss(lines[1], NUMBER_RE.sub("", lines[0]))


def intro_lines(text: str) -> list[str]:
    """The lines before the first numbered example line: the prose that introduces it (none without one)."""
    out: list[str] = []
    for line in text.splitlines():
        if NUMBER_RE.match(line):
            return out
        if line.strip():
            out.append(line.strip())
    return []


def read_tiers(text: str) -> list[Tiers]:
    """Every (source, gloss, translation) group in an example passage, in order; empty translations kept out."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    out: list[Tiers] = []
    i = 0
    while i < len(lines):
        source = _SUBLETTER_RE.sub("", NUMBER_RE.sub("", lines[i]))
        if not source or source[:1] in QUOTES or i + 1 >= len(lines):
            i += 1
            continue
        j = i + 1
        gloss = ""
        segmented = source
        three_tier = False
        if looks_like_gloss(lines[j], source):
            gloss = lines[j]
            j += 1
            if j < len(lines) and looks_like_gloss(lines[j], gloss) and lines[j][:1] not in QUOTES:
                segmented, gloss = gloss, lines[j]  # three tiers: text, morphemes, gloss
                three_tier = True
                j += 1
        elif lines[j][:1] not in QUOTES:
            i += 1  # neither a gloss nor a quoted translation follows: not an example start
            continue
        if j >= len(lines):
            break
        translation = clean_translation(lines[j])
        i = j + 1
        if translation:
            out.append(Tiers(source, segmented, gloss, translation, three_tier))
    return out

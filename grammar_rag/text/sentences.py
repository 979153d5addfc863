"""Where a sentence ends: the one home of the package's sentence splitters.

Three readers cut text into sentences and each cuts on purpose a little differently, so they are
named variants here rather than one rule (changing any of them moves a measured figure):

* :func:`split_sentences` — the classifier's statements: ``.``/``!``/``?`` (a closing quote or a
  footnote mark may follow) before a capital, quote or bracket, or a blank line; interlinear lines
  stay together (they rarely end in ``.``), and over-long runs are cut at example numbers.
* :func:`clauses` — the reranker's language-name guess: also cuts at ``;`` and ``:``, since a name
  at the start of a clause is capitalised for position, not because it is a name.
* :func:`quote_sentences` — the LLM answer parser's quotes: any line break ends a sentence, and a
  digit may start one ("1SG" glosses, numbered examples), so a quoted passage sentence is verbatim.
"""

from __future__ import annotations

import re
from functools import lru_cache

from grammar_rag.text.tokens import normalise_space

# A full stop after a scholarly abbreviation ends no sentence: "(§2.4.2; cf. Du Feu 1995: 27)", "e.g.
# Hawaiian", "lit. 'the man'". Each is a lookbehind of its own (Python's must be fixed-width); all of
# these are abbreviations wherever they stand, unlike "etc.", which often does end a sentence.
_ABBREVIATIONS = ("cf", "Cf", "e.g", "i.e", "viz", "vs", "lit", "et al", "pp", "ex")
_NOT_AFTER_ABBREVIATION = "".join(rf"(?<!\b{re.escape(a)}\.)" for a in _ABBREVIATIONS)
# Sentence boundaries: ., ! or ? followed by space + capital/quote/bracket, or blank lines.
_SENT_SPLIT = re.compile(rf"(?<=[.!?]){_NOT_AFTER_ABBREVIATION}[\"'”’)]?[⁰¹²³⁴⁵⁶⁷⁸⁹]*\s+(?=[A-Z“\"'(\[])|\n\s*\n")  # "order.¹⁷ The"
_EXAMPLE_NUMBER = re.compile(r"(?=\(\d{1,4}[a-z]?\))")
_CLAUSE_SPLIT = re.compile(rf"(?<=[.!?;:]){_NOT_AFTER_ABBREVIATION}\s+(?=[A-Z(“\"'‘])|\n{{2,}}")
QUOTE_SENTENCE_BREAK = re.compile(rf"(?<=[.!?]){_NOT_AFTER_ABBREVIATION}\s+(?=[A-Z0-9(\"'‘“])|\n+")


def split_sentences(text: str) -> list[str]:
    """Split prose into sentences; keeps interlinear lines together (they rarely end in '.')."""
    return list(_split_cached(text or ""))


@lru_cache(maxsize=8192)
def _split_cached(text: str) -> tuple[str, ...]:
    """Passages recur across configurations (BM25 order, reranked): split each text once."""
    parts = _SENT_SPLIT.split(text)
    out: list[str] = []
    for part in parts:
        part = normalise_space(part)
        if len(part) < 3:
            continue
        # Very long "sentences" are usually run-together examples: cut at example numbers.
        if len(part) > 600:
            out.extend(p.strip() for p in _EXAMPLE_NUMBER.split(part) if len(p.strip()) > 2)
        else:
            out.append(part)
    return tuple(out)


def clauses(text: str) -> list[str]:
    """Sentences and ``;``/``:`` clauses of ``text`` (non-blank), for guessing names from capitals."""
    return [s for s in _CLAUSE_SPLIT.split(text) if s.strip()]


def quote_sentences(text: str) -> list[str]:
    """Non-empty pieces of ``text`` between sentence ends or line breaks, as written (not stripped)."""
    return [s for s in QUOTE_SENTENCE_BREAK.split(text) if s]

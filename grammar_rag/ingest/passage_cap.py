"""A maximum passage size: oversized units are split into sentence-bounded windows, with a warning.

Why: paragraph chunking trusts the source's blank lines. Hard-wrapped text without blank lines,
or one 5 MB line, became a single passage of megabytes, which no reranker, classifier or prompt
budget can use (and which one query then drags into memory whole). A unit longer than
``MAX_PASSAGE_CHARS`` is cut at sentence ends into windows of at most ``TARGET_CHARS`` (a sentence
longer than that is cut at a space, a run without spaces at the limit). Every piece keeps the
unit's page range, section and kind, so provenance is unchanged.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from typing import TypeVar

log = logging.getLogger(__name__)

MAX_PASSAGE_CHARS = 8000  # far above any paragraph the book readers assemble from the development books
# Pre-cut paragraphs (the paper's paragraph CSVs) are the benchmark's own units and stay whole up to a
# far larger bound: the longest shared one is 74,673 characters, and cutting it would change the benchmark.
PRECUT_MAX_CHARS = 1_000_000
TARGET_CHARS = 3000  # size of the windows an oversized unit is cut into

_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)\]]*\s+|\n")

U = TypeVar("U")


def _pieces(text: str, target: int) -> Iterator[str]:
    """Sentence-bounded windows of at most ``target`` characters."""
    window = ""
    start = 0
    for m in [*_SENTENCE_END.finditer(text), None]:
        end = m.end() if m else len(text)
        sentence = text[start:end]
        start = end
        while len(sentence) > target:  # one sentence longer than a window: cut at a space
            cut = sentence.rfind(" ", 0, target)
            cut = cut if cut > target // 2 else target
            if window.strip():
                yield window.strip()
                window = ""
            yield sentence[:cut].strip()
            sentence = sentence[cut:]
        if len(window) + len(sentence) > target and window.strip():
            yield window.strip()
            window = ""
        window += sentence
    if window.strip():
        yield window.strip()


def cap_units(units: Sequence[U], text_of: Callable[[U], str], *, source: str = "",
              max_chars: int = MAX_PASSAGE_CHARS, target: int = TARGET_CHARS) -> list[U]:
    """``units`` with every unit over ``max_chars`` split into windows (dataclass units, ``text`` field)."""
    out: list[U] = []
    split = 0
    largest = 0
    for unit in units:
        text = text_of(unit)
        if len(text) <= max_chars:
            out.append(unit)
            continue
        split += 1
        largest = max(largest, len(text))
        out.extend(replace(unit, text=piece, norm=None) for piece in _pieces(text, target))  # type: ignore[type-var]
    if split:
        log.warning(
            "%s%d passage(s) were longer than %d characters (largest %d; hard-wrapped text without blank lines?) "
            "and were split into sentence-bounded windows of at most %d characters",
            f"{source}: " if source else "", split, max_chars, largest, target,
        )
    return out

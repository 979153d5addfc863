"""Parallel examples out of an ingested grammar's interlinear examples (passages of kind "example").

The lines of each example passage are read by ``grammar_rag.text.interlinear`` (the one reader of
interlinear tiers); this module turns them into :class:`Example` pairs, so translation never parses
a grammar's source format a second time.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from grammar_rag.text.interlinear import looks_like_example, read_tiers
from grammar_rag.text.langid import english_score
from grammar_rag.translate.examples import Example
from grammar_rag.types import Passage


def is_example_passage(passage: Passage) -> bool:
    """Typed "example" by ingestion, or (for sources whose ingester does not type them yet, such as
    plain OCR text) a passage shaped like one: a numbered first line followed by a gloss line."""
    return passage.kind == "example" or looks_like_example(passage.text)


def examples_from_passages(passages: Iterable[Passage], min_english: float = 0.0) -> list[Example]:
    """(text, gloss, English translation) pairs from the grammar's "example" passages.

    A translation that does not read as English (a grammar's Indonesian or Russian summary) is
    skipped: the pool pairs the object language with English only.
    """
    out: list[Example] = []
    for p in passages:
        if not is_example_passage(p):
            continue
        n = 0
        for tiers in read_tiers(p.text):
            if english_score(tiers.translation) < min_english:
                continue
            n += 1
            source, segmented, gloss = tiers.source, tiers.segmented, tiers.gloss
            text = source if tiers.three_tier else segmented.replace("=", "").replace("-", "")
            text = re.sub(r"[\[\]]", "", text)
            text = re.sub(r"\s+(?:NP|VP|PP|S)\b", "", text) if gloss else text
            eid = p.passage_id if n == 1 else f"{p.passage_id}#{n}"
            out.append(Example(eid, " ".join(text.split()), tiers.translation, "grammar",
                               " ".join(re.sub(r"[\[\]]", "", segmented).split()) if gloss else "", gloss, p.section))
    return out

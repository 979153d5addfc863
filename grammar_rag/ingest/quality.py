"""Ingestion-quality figures for a whole book's passages: what ``bench books`` reports per book.

Short passages (a lone example number, a table row, a heading read as text) make poor retrieval
hits; front/back matter should be stored but not retrievable; examples and tables should be typed.
These figures say how far a book's passages are from that, without any reference data.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence

from grammar_rag.types import MATTER_KINDS, Passage

SHORT_CHARS = 100


def passage_stats(passages: Sequence[Passage]) -> dict[str, object]:
    """Length distribution, share of passages under 100 characters (retrievable ones), kinds,
    front/back-matter counts, and how many passages carry a section path or a page."""
    retrievable = [p for p in passages if p.kind not in MATTER_KINDS]
    lengths = sorted(len(p.text) for p in retrievable)
    kinds = Counter(p.kind for p in passages)

    def q(frac: float) -> int:
        return lengths[min(len(lengths) - 1, int(frac * len(lengths)))] if lengths else 0

    return {
        "passages": len(passages),
        "retrievable": len(retrievable),
        "kinds": dict(sorted(kinds.items())),
        "front_matter": kinds.get("front_matter", 0),
        "back_matter": kinds.get("back_matter", 0),
        "chars": {"p10": q(0.1), "p25": q(0.25), "median": q(0.5), "p75": q(0.75), "p90": q(0.9),
                  "mean": round(statistics.fmean(lengths), 1) if lengths else 0.0},
        "short_share": round(sum(n < SHORT_CHARS for n in lengths) / len(lengths), 4) if lengths else 0.0,
        "with_section": round(sum(bool(p.section) for p in retrievable) / len(retrievable), 4) if retrievable else 0.0,
        "with_page": round(sum(bool(p.page_start) for p in retrievable) / len(retrievable), 4) if retrievable else 0.0,
        "mean_section_depth": round(statistics.fmean(len(p.section) for p in retrievable), 2) if retrievable else 0.0,
    }

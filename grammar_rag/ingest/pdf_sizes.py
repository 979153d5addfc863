"""Type sizes of an OCR text layer, settled before the book structure is read.

Why: a typeset PDF sets its body in one exact size, so the structure rules read size differences
of a point as meaning (a heading is a point larger, a footnote smaller; :mod:`.pdf_units`,
:mod:`.pdf_notes`, :mod:`.pdf`). A scanned book's OCR text layer (ocrmypdf, Tesseract, ABBYY) sets
each line in a size fitted to that line's height on the scan, so body lines scatter a point or
more around the body size: read as typeset, every larger line was a heading and paragraphs were
cut at each (a synthetic OCR layer of the Sanzhi PDF's text: 0.8% -> 36% of passages under 100
characters). Where the body's sizes scatter so (the median distance from the commonest size is
:data:`NOISE_MIN` or more), a size within :data:`BAND` of those distances of the body size is the
body size; clear outliers (chapter titles, footnotes) keep theirs. A typeset PDF's sizes are exact
(median distance 0, or most of the text in a few sizes) and are left as they are.
"""

from __future__ import annotations

import logging
import statistics
from collections import Counter
from dataclasses import replace

from grammar_rag.ingest.pdf_layout import PageText

logger = logging.getLogger(__name__)

NOISE_MIN = 0.15  # pt: the median line's distance from the body size in a size-scattered text layer
BAND = 3.0  # median distances around the body size read as the body size (about two standard deviations)
DISCRETE_SIZES, DISCRETE_SHARE = 5, 0.8  # this share of the text in this many sizes: typeset, not scattered


def _weighted_sizes(pages: list[PageText]) -> list[float]:
    """Line sizes, each counted once per 20 characters (long body lines outweigh short labels)."""
    return [round(ln.size, 1) for p in pages for ln in p.lines for _ in range(max(1, len(ln.text) // 20))]


def _discrete(sizes: list[float]) -> bool:
    """Most of the text in a few exact sizes: a typeset book whose body type is not the majority
    (prose, examples and a heavy footnote apparatus in three sizes), which is no OCR scatter."""
    return sum(n for _, n in Counter(sizes).most_common(DISCRETE_SIZES)) >= DISCRETE_SHARE * len(sizes)


def settle_sizes(pages: list[PageText]) -> float:
    """Snap scattered body sizes to the body size, in place; returns the band used (0: none)."""
    sizes = _weighted_sizes(pages)
    if not sizes:
        return 0.0
    commonest = statistics.mode(sizes)
    spread = statistics.median(abs(s - commonest) for s in sizes)
    if spread < NOISE_MIN or _discrete(sizes):
        return 0.0
    # scattered sizes have no meaningful commonest one: the body size is their median
    body = statistics.median(sizes)
    band = BAND * statistics.median(abs(s - body) for s in sizes)
    for page in pages:
        page.lines = [replace(ln, size=body) if abs(ln.size - body) <= band else ln for ln in page.lines]
    logger.info("type sizes scatter around %.1f pt (median distance %.2f): an OCR text layer; sizes within "
                "%.2f pt read as the body size", body, spread, band)
    return band

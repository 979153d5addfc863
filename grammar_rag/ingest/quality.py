"""Ingestion-quality figures for a whole book's passages: what ``bench books`` reports per book.

Short passages (a lone example number, a table row, a heading read as text) make poor retrieval
hits; front/back matter should be stored but not retrievable; examples and tables should be typed.
These figures say how far a book's passages are from that, without any reference data.
"""

from __future__ import annotations

import re
import statistics
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import replace

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
        "example_lines": _example_lines(retrievable),
    }


_EXAMPLE_NUMBER = re.compile(r"^\(\d{1,4}[a-z]?\)(?:\s|$)", re.M)
_QUOTED = re.compile(r"^\s*(?:[a-h]\.\s+)?[‘“'\"«]", re.M)


def _example_lines(passages: Sequence[Passage]) -> dict[str, float | int]:
    """Numbered examples ("(12)" opening a line) and the share of interlinear ones kept whole.

    Per number, its block runs to the next number or the passage end. Whole: the passage is typed
    ``example`` and the block holds at least two more lines (gloss, translation) with one opening
    in a quotation mark (the free translation). Split: the number sits in a passage of another
    kind, or the next passage opens with a quoted line (its translation was cut off). Any other
    typed example without a quoted line is a numbered list or rule, not an interlinear example,
    and is left out of the share.
    """
    numbered = whole = split = 0
    for k, p in enumerate(passages):
        starts = [m.start() for m in _EXAMPLE_NUMBER.finditer(p.text)]
        for i, start in enumerate(starts):
            numbered += 1
            block = p.text[start:starts[i + 1] if i + 1 < len(starts) else len(p.text)]
            if p.kind == "example" and block.count("\n") >= 2 and _QUOTED.search(block):
                whole += 1
            elif p.kind != "example" or (k + 1 < len(passages) and _QUOTED.match(passages[k + 1].text)):
                split += 1
    interlinear = whole + split
    return {"numbered": numbered, "interlinear": interlinear, "whole": whole,
            "whole_share": round(whole / interlinear, 4) if interlinear else 0.0}


_ROMAN = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100, "d": 500, "m": 1000}


def _page_order(label: str | None) -> int | None:
    """Book order of a page label: roman front-matter pages before arabic ones; None if neither."""
    if not label:
        return None
    if label.isdigit():
        return 100_000 + int(label)
    low = label.lower()
    if all(ch in _ROMAN for ch in low):
        total = prev = 0
        for ch in reversed(low):
            v = _ROMAN[ch]
            total, prev = (total - v, prev) if v < prev else (total + v, v)
        return total
    return None


# saltillo letters (glottal stops written as apostrophes, "Meꞌe"): an outline may hold a space for a
# glyph its font lacks ("Me e"), so they compare as a space
_APOSTROPHE_LETTERS = frozenset("\ua78b\ua78c")
_LEADING_NUMBER = re.compile(r"^(?:\d{1,2}|[A-Z])(?:\.\d{1,2})*\.?\s+")


def _drop_marks(title: str) -> str:
    """A title without punctuation, symbols and apostrophe letters, spacing normalised.

    The outline of a LaTeX-built PDF holds the TeX source's rendering of a title, not the printed
    one: "`remain'" for "‘remain’", "=sat=satːin" for "=sat/=satːin", "q'al" for "q’al". Dropping
    these marks on both sides keeps such titles equal; words run together still differ."""
    kept = "".join(" " if ch in _APOSTROPHE_LETTERS else ch for ch in title
                   if not unicodedata.category(ch).startswith(("P", "S")) and unicodedata.category(ch) != "Lm")
    return " ".join(kept.split())


def _norm_path(path: Sequence[str]) -> tuple[str, ...]:
    """Titles compared without spacing, case or punctuation differences (:func:`_drop_marks`), and
    without a leading section number (an outline may list "Introduction" where the page prints
    "1 Introduction")."""
    return tuple(_drop_marks(_LEADING_NUMBER.sub("", " ".join(t.split()))).casefold() for t in path)


def toc_match(passages: Sequence[Passage], toc: Sequence[tuple[int, str, str]]) -> float:
    """Share of retrievable passages whose section path is the book's table of contents at that
    point (see :func:`toc_matches`); 0.0 when there are none or ``toc`` is empty."""
    matches = toc_matches(passages, toc)
    return round(sum(matches.values()) / len(matches), 4) if matches else 0.0


def toc_matches(passages: Sequence[Passage], toc: Sequence[tuple[int, str, str]]) -> dict[str, bool]:
    """Per retrievable passage id: is its section path the book's table of contents at that point?

    ``toc`` is ``(level, title, page label)`` per entry in book order (a PDF's outline:
    :func:`grammar_rag.ingest.pdf_outline.pdf_toc`). A passage matches when its path equals, title
    for title (whitespace, case and punctuation aside, so squashed titles do not match), the path of the last
    entry starting on or before its first page, or of an entry starting within its page range
    (the page alone cannot tell where on it a heading falls). A passage without a page label
    matches when its path is any entry's path.

    A PDF's page-label table can be shifted against the folios printed on the pages (one shared
    book's is, by two): arabic labels are first aligned by the most common difference between an
    entry's page and the first page of a passage carrying exactly its path.
    """
    paths: list[tuple[int | None, tuple[str, ...]]] = []
    stack: list[tuple[int, str]] = []
    for level, title, label in toc:
        stack = [(lv, t) for lv, t in stack if lv < level]
        stack.append((level, title))
        paths.append((_page_order(label), _norm_path([t for _, t in stack])))
    known = {path for _, path in paths}
    retrievable = [p for p in passages if p.kind not in MATTER_KINDS]
    if not retrievable or not paths:
        return {}
    first_page: dict[tuple[str, ...], int] = {}
    for p in retrievable:
        order = _page_order(p.page_start)
        if order is not None:
            first_page.setdefault(_norm_path(p.section), order)
    shifts = Counter(first_page[path] - order for order, path in paths
                     if order is not None and order > 100_000 and first_page.get(path, 0) > 100_000)
    shift = shifts.most_common(1)[0][0] if shifts else 0
    ordered = [(order + shift if order > 100_000 else order, path) for order, path in paths if order is not None]
    out: dict[str, bool] = {}
    for p in retrievable:
        section = _norm_path(p.section)
        start, end = _page_order(p.page_start), _page_order(p.page_end or p.page_start)
        if start is None or end is None:
            out[p.passage_id] = section in known
            continue
        before = [path for order, path in ordered if order < start]  # above a heading on its first page
        ok = bool(before) and before[-1] == section
        out[p.passage_id] = ok or any(start <= order <= end and path == section for order, path in ordered)
    return out


def printed_contents_match(passages: Sequence[Passage], toc: Sequence[tuple[int, str, str]],
                           listed: Iterable[str]) -> float:
    """:func:`toc_match` as deep as the book's printed table of contents goes.

    Why a second figure: a LaTeX-built PDF's outline holds entries the printed contents do not, and
    the printed page shows differently or not at all: numbered run-in items whose bookmark has no
    title ("6.3.1.1" for "6.3.1.1 Ownership:"), unnumbered run-in subheadings ("Subject" set in
    bold at the start of a paragraph). A reader of the book's text alone cannot recover those, so
    against the full outline it scores what the text cannot show. Here only the outline entries
    whose titles ``listed`` (the printed contents' titles) contain are kept, and each passage's path
    is cut after its last leading title the contents list (numbers included, so a deeper
    "8.6.4.1 Introduction" is not taken for a listed "8.1 Introduction"); paths are then compared as
    :func:`toc_match` does, so a wrong or squashed title still fails."""
    def key(title: str) -> str:
        return _drop_marks(" ".join(title.split())).casefold()

    keep = {key(t) for t in listed}
    kept_toc = [entry for entry in toc if key(entry[1]) in keep]
    cut: list[Passage] = []
    for p in passages:
        depth = 0
        while depth < len(p.section) and key(p.section[depth]) in keep:
            depth += 1
        cut.append(replace(p, section=tuple(p.section[:depth])))
    return toc_match(cut, kept_toc)

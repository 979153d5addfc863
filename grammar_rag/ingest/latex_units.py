"""Coherent units from a LaTeX book: short pieces joined to what they belong with, never dropped.

The converter (:mod:`grammar_rag.ingest.latex`) emits one unit per source paragraph, numbered
example and table. A reader does not see them that way: "The plural marker always precedes the
noun:" introduces the example under it, "Notice that (14) differs." comments on the example
before it. Alone, such a piece is a poor
retrieval hit (no context) and a poor citation. Here each short piece joins its neighbour in the
same section:

- a lead-in (text ending in ":") joins the unit it introduces (example, table or list), which
  keeps that unit's kind;
- any other short paragraph joins the unit before it (the paragraph it continues, or the
  example or table it remarks on: "Notice that (14) has no article."), else the paragraph after;

A numbered example stays a passage of its own however short: "(14)" with its lines and
translation is the unit a reader cites, and examples are read back one per passage
(:mod:`grammar_rag.translate.grammar_examples`).

Nothing crosses a section boundary or a change of matter (front/body/back), so section paths stay
exact; joined units never exceed :data:`MAX_JOINED` characters.
"""

from __future__ import annotations

from grammar_rag.ingest.chunking import Unit, join_units

SHORT = 100  # characters: the passage length below which quality.passage_stats counts a passage short
LEAD_MAX = 300  # a longer paragraph ending in ":" is a paragraph of its own, not a lead-in
MAX_JOINED = 2000
_TEXTUAL = frozenset({"prose", "front_matter", "back_matter"})


def _same_place(a: Unit, b: Unit) -> bool:
    matter = {a.kind, b.kind} & {"front_matter", "back_matter"}
    return a.section == b.section and (not matter or a.kind == b.kind) and len(a.text) + len(b.text) <= MAX_JOINED


def _is_lead_in(u: Unit) -> bool:
    return u.kind in _TEXTUAL and u.text.rstrip().endswith(":") and len(u.text) <= LEAD_MAX


def cohere(units: list[Unit]) -> list[Unit]:
    """Join short units to their neighbours (rules in the module docstring), in reading order."""
    out: list[Unit] = []
    pending: Unit | None = None  # a lead-in or short paragraph waiting for the unit after it
    for unit in units:
        if pending is not None:
            if _same_place(pending, unit) and (_is_lead_in(pending) or unit.kind == pending.kind):
                kind = unit.kind if _is_lead_in(pending) else pending.kind
                unit = join_units(pending, unit, kind, "\n" if pending.kind == unit.kind else "\n\n")
            else:
                out.append(_attach_back(out, pending))
            pending = None
        prev = out[-1] if out else None
        short = len(unit.text) < SHORT
        if _is_lead_in(unit):
            pending = unit
        elif short and unit.kind in _TEXTUAL:
            if prev is not None and _same_place(prev, unit) and (prev.kind == unit.kind or prev.kind not in _TEXTUAL):
                # the paragraph it continues, or a remark on the example or table before it
                out[-1] = join_units(prev, unit, prev.kind, "\n" if prev.kind == unit.kind else "\n\n")
            else:
                pending = unit
        else:
            out.append(unit)
    if pending is not None:
        out.append(_attach_back(out, pending))
    return out


def _attach_back(out: list[Unit], pending: Unit) -> Unit:
    """A short paragraph with nothing of its kind after it: a remark on the example or table
    before it, if any (that unit keeps its kind); else it stays a unit of its own."""
    if len(pending.text) < SHORT and out and out[-1].kind not in _TEXTUAL and _same_place(out[-1], pending):
        before = out.pop()
        return join_units(before, pending, before.kind)
    return pending

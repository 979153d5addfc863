"""Footnotes taken out of a page's text flow, numbered, for the passages that cite them.

Why its own step: a page's footnotes sit below its body in smaller type; read in order they were
glued into whatever paragraph the page ended with (or became a dozen short passages). Typesetting
convention everywhere: a block of smaller lines at the foot of the page, set off from the body by a
gap (and a rule), each note opening with its number at the block's left edge; a note that
continues from the previous page opens without a number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from grammar_rag.ingest.pdf_layout import PageText, join_lines

_NOTE_START = re.compile(r"^(\d{1,3})\s*(?=\S)(?!\d)")


@dataclass
class PageNotes:
    notes: dict[str, str] = field(default_factory=dict)  # mark -> text, in page order
    continued: str = ""  # text continuing the last note of the previous page


def split_footnotes(page: PageText, body_size: float, typical_gap: float, *, after_notes: bool = False) -> PageNotes:
    """Remove the footnote block from ``page.lines`` and return its notes.

    The block is the run of lines at the end of the page in type at most 90% of the body size,
    in the lower half of the page, set off from the line above by more than the usual line gap,
    whose first line either opens with a number or (a note continued from a previous page that had
    notes, ``after_notes``) not. Nothing is dropped: every line of the block ends up in a note.
    """
    lines = page.lines
    k = len(lines)
    while k > 0 and lines[k - 1].size <= body_size * 0.9 and lines[k - 1].top > page.height * 0.4:
        k -= 1
    if k == len(lines) or k == 0:
        return PageNotes()
    block = lines[k:]
    if block[0].top - lines[k - 1].bottom <= typical_gap + body_size * 0.4:
        return PageNotes()  # small type running on from the body: a table or a quotation, not notes
    if block[0].column != block[-1].column and block[0].column != 0:
        return PageNotes()
    left = min(ln.x0 for ln in block)
    out = PageNotes()
    current: str | None = None
    parts: list[str] = []

    def close() -> None:
        if current is None:
            out.continued = join_lines(parts)
        elif parts:
            out.notes[current] = join_lines(parts)
        parts.clear()

    for ln in block:
        m = _NOTE_START.match(ln.text)
        if m and ln.x0 <= left + ln.size * 0.8 and (current is None or int(m.group(1)) != int(current)):
            close()
            current = m.group(1)
            parts.append(ln.text[m.end():].strip())
        else:
            parts.append(ln.text)
    close()
    if not out.notes and not out.continued:
        return PageNotes()
    if out.continued and not after_notes:
        return PageNotes()  # small type at the foot of a page without notes before: a float, not a note
    page.lines = lines[:k]
    return out


"""Heading path bookkeeping shared by the text, Markdown and PDF ingesters.

Grammars are cited by section as much as by page ("§ 6.2"), so every unit carries the path of
headings above it. Numbered headings ("6.2 Plural", "6.2. Plural") give their own depth; other
headings get the depth the format tells (Markdown ``#`` count, PDF font-size rank).
"""

from __future__ import annotations

import re

# "6 Nouns", "6.2 Plural", "6.2.1. Alienability", "A.3 Texts"; at most ~12 words, no final period.
_NUMBERED = re.compile(r"^(?P<num>(?:\d{1,2}|[A-Z])(?:\.\d{1,2}){0,5})\.?\s+(?P<title>\S.{0,100})$")


def numbered_heading(line: str) -> tuple[int, str] | None:
    """``(depth, heading)`` if ``line`` looks like a numbered section heading, else None.

    Conservative on purpose: a false heading would mislabel every following passage, a missed one
    only loses precision. Example numbers ("(12) ...") and sentences ending in a period are not
    headings.
    """
    line = line.strip()
    match = _NUMBERED.match(line)
    if not match:
        return None
    title = match.group("title")
    num = match.group("num")
    if len(title.split()) > 12 or title.endswith((".", ",", ";", ":")) or not title[0].isupper():
        return None
    if num.isalpha() and "." not in num:  # "A Grammar" is a sentence, "A.3 Texts" a heading
        return None
    if num.startswith("0"):  # "0.88 Wikipedia Summary" is a chart axis, not a section
        return None
    if num.isdigit() and int(num) > 40:  # "1990 Fieldwork began" is a year, not a chapter
        return None
    letters = sum(ch.isalpha() for ch in title)
    if letters < 2 or letters < len(title) * 0.5:
        return None
    return num.count(".") + 1, line


class SectionPath:
    """A stack of headings; ``enter(depth, title)`` truncates to ``depth - 1`` then appends."""

    def __init__(self) -> None:
        self._stack: list[tuple[int, str]] = []

    def enter(self, depth: int, title: str) -> None:
        self._stack = [(d, t) for d, t in self._stack if d < depth]
        self._stack.append((depth, title))

    def extend(self, text: str) -> None:
        """The innermost heading's title runs on: its wrapped rest, printed on the next line."""
        if self._stack:
            depth, title = self._stack[-1]
            self._stack[-1] = (depth, f"{title} {text}")

    @property
    def path(self) -> tuple[str, ...]:
        return tuple(t for _, t in self._stack)

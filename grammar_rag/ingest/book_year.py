"""The year a book was published: what it states, what its file's build stamped, what it dates.

Why a home of its own: a book's year can be read in three ways that disagree. The imprint or a
README *states* one ("© 2022", "Caballero. 2022. A grammar of ...", "Publication Date: 2020").
A typeset file carries the year it was *built*: the PDF's CreationDate, and LaTeX classes print
``\\the\\year`` on the imprint, so a PDF rebuilt from a book's sources years later states the
rebuild's year there. And the book *dates* things it could only say once they had happened: the
works in its reference list (minus forthcoming ones), a preface signed "Leiden, January 2017",
a repository's copyright line written when the sources were set up. The publication year is
never earlier than any of those, so the newest of them is the year to use when nothing is stated,
and the check on a stated year that may be a build stamp: an imprint year equal to the file's
build year, with nothing in the book dated within a year of it, was stamped by the build.
The build year itself is the last resort, logged as such.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

logger = logging.getLogger(__name__)

YEAR = r"(?:1[5-9]|20)\d\d"
_MONTHS = ("January|February|March|April|May|June|July|August|September|October|November|December")
# "January 2017", "15 July 2016", "March 3, 2019" (LaTeX "January~2017")
_DATED = re.compile(rf"\b(?:{_MONTHS})[\s~]+(?:\d{{1,2}},[\s~]+)?({YEAR})\b")
# a reference-list entry's year: "Forker, Diana. 2020a. Title" (author-year styles print the
# year between periods after the names)
_ENTRY_YEAR = re.compile(rf"(?:^|\.\s)({YEAR})[a-z]?\.(?=\s|$)", re.M)
FORTHCOMING = re.compile(
    r"\b(?:forthcoming|to\s+appear|in\s+press|submitted|in\s+preparation|under\s+review|accepted|unpublished\s+ms)\b",
    re.I,
)
# a source that sets its year: \renewcommand{\lsYear}{2022}, \def\pubyear{2019}, \date{May 2020}, \year=2020
_SOURCE_YEAR = re.compile(
    rf"\\(?:(?:re)?newcommand\*?\s*\{{?\\\w*[Yy]ear\w*\}}?|def\s*\\\w*[Yy]ear\w*)\s*\{{\s*({YEAR})\s*\}}"
    rf"|\\date\s*\{{[^{{}}]*?\b({YEAR})\b[^{{}}]*\}}|\\year\s*=?\s*({YEAR})\b"
)


def dated_years(text: str) -> list[int]:
    """Years of the dates a text writes out with a month ("January 2017", "15 July 2016")."""
    return [int(m.group(1)) for m in _DATED.finditer(text)]


def reference_list_years(text: str) -> list[int]:
    """Years of a printed reference list's entries, leaving out forthcoming ones.

    An entry runs from its year to the next entry's year; a "to appear" / "submitted" anywhere in
    that span marks the work unpublished, so its year says nothing about when the book appeared.
    """
    found = list(_ENTRY_YEAR.finditer(text))
    years = []
    for k, m in enumerate(found):
        end = found[k + 1].start() if k + 1 < len(found) else len(text)
        if not FORTHCOMING.search(text, m.end(), min(end, m.end() + 400)):
            years.append(int(m.group(1)))
    return years


def source_stated_year(source: str) -> int | None:
    """The year a LaTeX source sets for itself (a year macro, ``\\date``, ``\\year=``), if any."""
    m = _SOURCE_YEAR.search(source)
    return int(next(g for g in m.groups() if g)) if m else None


@dataclass
class YearEvidence:
    """What a book says about its year; see the module docstring for how the three kinds weigh."""

    source: object  # the file or folder, for log lines
    stated: int | None = None  # the year the book states (imprint, README publication date, \date)
    stated_how: str = ""  # where it was stated, for log lines
    built: int | None = None  # the year the file was built (PDF CreationDate / ModDate)
    # the year a text file was saved: like ``built`` it tells an imprint the build stamped (pdftotext
    # of a book rebuilt from its sources), but it is no publication year of last resort (an OCR text
    # saved today)
    saved: int | None = None
    floors: dict[str, int] = field(default_factory=dict)  # newest dated content per kind

    def floor(self, kind: str, years: list[int]) -> None:
        """Record the newest of ``years`` as a lower bound of kind ``kind`` (none: nothing)."""
        usable = [y for y in years if self.built is None or y <= self.built]  # nothing dates after its file
        if usable:
            self.floors[kind] = max(self.floors.get(kind, 0), max(usable))

    def newest(self) -> tuple[int, str] | None:
        if not self.floors:
            return None
        kind = max(self.floors, key=lambda k: self.floors[k])
        return self.floors[kind], kind


def publication_year(ev: YearEvidence) -> int | None:
    """The book's year from its evidence; every year not stated outright is logged with the fix."""
    newest = ev.newest()
    if ev.stated is not None:
        if ev.stated in (ev.built, ev.saved) and newest is not None and newest[0] < ev.stated - 1:
            made = "built" if ev.stated == ev.built else "saved"
            logger.warning(
                "%s: %d, the year on the %s, is the year the file was %s, and nothing in the book is "
                "dated later than %d (%s): the build stamped it; year taken as %d (low confidence; pass "
                "--meta year=YYYY to fix).", ev.source, ev.stated, ev.stated_how, made, newest[0], newest[1], newest[0])
            return newest[0]
        return ev.stated
    if newest is not None:
        logger.info("%s: no stated publication year; taken as %d, the newest date the book gives (%s); "
                    "pass --meta year=YYYY to fix.", ev.source, newest[0], newest[1])
        return newest[0]
    if ev.built is not None:
        logger.warning("%s: no publication year stated or dated in the book; using %d, the year the file was "
                       "built (low confidence; pass --meta year=YYYY to fix).", ev.source, ev.built)
        return ev.built
    return None

"""A book's printed table of contents as the authority for headings when its PDF has no outline.

Why: typeset books without bookmarks (and OCR'd ones) still print their contents in the front
matter, one entry a line: ``3.4.1 Functions of grammatical cases . . . . 56``. Read from the
page, headings by type size and numbering alone go wrong in ways the contents settle: a numbered
line in larger type that is no heading ("2 SG forms ...") resets the path; a Part level printed
on its own page ("Part I" / "Phonology") is never seen as one; a title wrapped over two lines
leaves its second line in the text. Here the contents pages are parsed into entries (number,
title, printed page, depth from the numbering, else from the entry's indentation), and
:class:`ContentsCursor` walks them alongside the body's lines: a line is an entry's heading when
it carries the entry's number and the start of its title, on or next to the printed page. Deeper
numbered headings the contents leave out are still taken from type and numbering, under the
entry they extend.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace

from grammar_rag.ingest.pdf_layout import ROMAN, Line, PageText, join_lines, roman_to_int
from grammar_rag.ingest.pdf_outline import squash

# an entry's end: its printed page, after dot leaders or a space ("... 56", "Introduction 1", "xiii");
# front-matter pages in lower-case roman numerals up to l (a title's last word "II" or "mix" is none)
_ENTRY_PAGE = re.compile(r"^(?P<body>.*?\S)(?:\s*(?:\.\s*){2,}|\s+(?:\.\s*)*)(?P<page>\d{1,4}|[ivxl]{1,7})$")
# "3.4.1 Title", "A.2 Title", "II Title", "Part II: Title", "Chapter 3. Title", "Appendix A: Title"
_ENTRY_NUMBER = re.compile(
    r"^(?:(?P<word>part|chapter|appendix)\s+)?(?P<num>\d{1,2}(?:\.\d{1,2})*|[A-Z](?:\.\d{1,2})*|[IVXLC]{1,6})"
    r"(?:[.:]\s*|\s+)(?P<title>\S.*)$",
    re.I,
)
_CONTENTS_HEADING = re.compile(r"^(?:table\s+of\s+)?contents$|^contents\s+in\s+brief$", re.I)
_DOTS = re.compile(r"(?:\s*\.){2,}\s*$")
_LEADERS = re.compile(r"(?:\.\s*){3,}$")  # dot leaders before an entry's page number
PART_DEPTH = 0
CHAPTER_DEPTH = 1


@dataclass(frozen=True)
class ContentsEntry:
    number: str  # "3.4.1", "A.2", "II" (a part); "" unnumbered
    title: str  # as printed, number included: "3.4.1 Functions of grammatical cases"
    page: str  # the printed page label ("56", "xi")
    depth: int  # PART_DEPTH for parts, CHAPTER_DEPTH for chapters, one more per level below


def _entry_end(text: str) -> re.Match[str] | None:
    """``text`` as an entry line ending in its page number, or None."""
    m = _ENTRY_PAGE.match(text)
    return m if m and (m.group("page").isdigit() or ROMAN.match(m.group("page"))) else None


def _is_entry_page(page: PageText) -> bool:
    lines = [ln for ln in page.lines if len(ln.text) > 3]
    return len(lines) >= 5 and sum(bool(_entry_end(ln.text)) for ln in lines) >= 0.6 * len(lines)


def contents_start(page: PageText) -> int:
    """Index of the line the contents start at on ``page``: 0 on a page of entries; on a page that is
    not, the "Contents" heading most of whose following lines are entries (in a text without form
    feeds, a first contents page printing no number runs together with the title pages before it,
    which a page is not, being no page of entries as a whole); -1 when neither."""
    if _is_entry_page(page):
        return 0
    for k, ln in enumerate(page.lines):
        if _CONTENTS_HEADING.match(ln.text.strip()) and _is_entry_page(replace(page, lines=page.lines[k + 1:])):
            return k
    return -1


def contents_pages(pages: list[PageText], zones: list[str]) -> list[int]:
    """Indices of the printed contents: the first run of front-matter pages most of whose lines end
    in a page number, preferring a run that opens under a "Contents" heading (a list of tables or
    figures, shaped alike, comes after it); a run opens on a page whose contents start under its
    heading part-way down (see :func:`contents_start`)."""
    front = [i for i, z in enumerate(zones) if z == "front"]
    runs: list[list[int]] = []
    for i in front:
        start = contents_start(pages[i])
        if start == 0 and runs and runs[-1][-1] == i - 1:
            runs[-1].append(i)
        elif start >= 0:
            runs.append([i])
    for run in runs:
        first = pages[run[0]]
        if any(_CONTENTS_HEADING.match(ln.text.strip()) for ln in first.lines[contents_start(first):][:3]):
            return run
    return runs[0] if runs else []


def _number_depth(number: str, word: str) -> int | None:
    """Depth of a printed number: parts (roman numerals, "Part ...") above chapters ("3", "A"),
    one more level per dot."""
    if not number[0].isdigit() and not number[0].isupper():  # "a note on ...": a word, not a number
        return None
    roman = bool(ROMAN.match(number)) and number.isupper() and (len(number) > 1 or number in "IVX")
    if word.lower() == "part" or (roman and not word):  # "C" alone is an appendix letter, "IV" a part
        return PART_DEPTH
    if number[0].isdigit() or len(number.split(".")[0]) == 1:
        return CHAPTER_DEPTH + number.count(".")
    return None


def parse_contents(pages: list[PageText], zones: list[str], *, unindented_wraps: bool = False) -> list[ContentsEntry]:
    """The printed contents as entries in book order; [] when there are none (or too few to trust).

    A line without a page number is the first part of a title wrapped onto an indented next line
    (with ``unindented_wraps``, for text without positions: onto any next line not opening an entry
    of its own).
    Unnumbered entries ("Acknowledgments", "References", an appendix's texts) take the depth of the
    numbered entries printed at the same indentation on their page, else the chapters' depth.
    """
    # number, word, title, page, x0, page index, dot leaders
    raw: list[tuple[str, str, str, str, float, int, bool]] = []
    for idx in contents_pages(pages, zones):
        pending: Line | None = None
        for ln in pages[idx].lines[contents_start(pages[idx]):]:
            text = " ".join(ln.text.split())
            if _CONTENTS_HEADING.match(text):
                pending = None
                continue
            wraps = pending is not None and (
                ln.x0 > pending.x0 + 2 or (unindented_wraps and not _ENTRY_NUMBER.match(text)))
            if pending is not None and wraps:  # the wrapped rest of a title
                text = join_lines([pending.text, text])
                x0 = pending.x0
            else:
                x0 = ln.x0
            pending = None
            m = _entry_end(text)
            if not m:
                pending = Line(text, x0, ln.x1, ln.top, ln.bottom, ln.size)
                continue
            body = _DOTS.sub("", m.group("body")).strip()
            leaders = bool(_LEADERS.search(text[: m.start("page")]))
            num = _ENTRY_NUMBER.match(body)
            if num and _number_depth(num.group("num"), num.group("word") or "") is not None:
                raw.append((num.group("num"), num.group("word") or "", body, m.group("page"), x0, idx, leaders))
            else:
                raw.append(("", "", body, m.group("page"), x0, idx, leaders))
    if sum(bool(r[0]) for r in raw) < 3:
        return []
    # indentation of each numbered depth, per page (facing pages have different margins)
    indents: dict[int, Counter[tuple[float, int]]] = {}
    for number, word, _, _, x0, idx, _ in raw:
        if number:
            depth = _number_depth(number, word)
            if depth is not None and depth != PART_DEPTH:
                indents.setdefault(idx, Counter())[(round(x0), depth)] += 1
    out: list[ContentsEntry] = []
    head: ContentsEntry | None = None  # the last entry printed without dot leaders (text only)
    for number, word, title, page, x0, idx, leaders in raw:
        depth = _number_depth(number, word) if number else None
        if depth is None and unindented_wraps and leaders and head is not None:
            # text has no indentation, but a typeset contents sets chapter-level entries without dot
            # leaders and the entries under them with: an appendix's unnumbered texts are its children
            depth, number = head.depth + 1, ""
        elif depth is None:
            near = [(abs(x - x0), d) for (x, d) in indents.get(idx, Counter())]
            depth = min(near)[1] if near and min(near)[0] <= 3 else CHAPTER_DEPTH
            number = ""
        out.append(ContentsEntry(number, title, page, depth))
        if not leaders and depth >= CHAPTER_DEPTH:
            head = out[-1]
    return out


def read_contents(pages: list[PageText], zones: list[str], *, unindented_wraps: bool = False,
                  typeset: bool = True) -> ContentsCursor | None:
    """A cursor over the book's printed contents, or None where it prints none (``typeset``: see
    :class:`ContentsCursor`)."""
    entries = parse_contents(pages, zones, unindented_wraps=unindented_wraps)
    return ContentsCursor(entries, contents_pages(pages, zones)[-1], typeset=typeset) if entries else None


def _page_distance(label: str | None, printed: str) -> int | None:
    """Pages between a body page's label and an entry's printed page; None when not comparable
    (no label, or one arabic and one roman)."""
    if label is None:
        return None
    if label.isdigit() and printed.isdigit():
        return abs(int(label) - int(printed))
    if ROMAN.match(label) and ROMAN.match(printed):
        return abs(roman_to_int(label) - roman_to_int(printed))
    return None


_LEAD_WORD = re.compile(r"^(?:part|chapter|appendix)\s+", re.I)
_DEEPER = re.compile(r"^(?P<num>\d{1,2}(?:\.\d{1,2})+)\.?\s+(?P<title>\S.{0,150})$")
_LEADING_NUMBER = re.compile(r"^(?:\d{1,2}(?:\.\d{1,2})*|[A-Z])[.:]?\s+")
_SENTENCE_END = (".", "!", "?", ":", ";", ",")
# a numbered run-in heading in plain text: a capitalised word and up to eight lower-case ones, then the
# paragraph's first (capitalised) word
_TEXT_RUN_IN = re.compile(r"^(?P<num>\d{1,2}(?:\.\d{1,2}){2,})\.?\s+(?P<title>[A-Z][^\s.,;:]*(?:\s+[a-z][^\s.,;:]*){0,8})"
                          r"\s+(?=[A-Z])")


def _capitalised(text: str) -> bool:
    """Its first cased letter is a capital ("(Te) taꞌatoꞌa", "ꞌO + verb"): a title or a sentence's start."""
    return next((ch.isupper() for ch in text if ch.isupper() or ch.islower()), False)


class ContentsCursor:
    """Walks the contents entries in step with the body's lines.

    :meth:`read` takes each candidate heading line and tells what it is: an entry's heading (or
    the wrapped rest of one), a heading below the entries the contents list, or text.
    """

    WINDOW = 8  # entries looked ahead of the last one found where pages cannot tell

    def __init__(self, entries: list[ContentsEntry], last_page: int = -1, typeset: bool = True) -> None:
        self.entries = entries
        self.last_page = last_page  # index of the last contents page: headings are read after it
        self._next = 0
        self.found = 0  # entries whose heading was found
        # pages an entry's heading may lie from its printed page: 1 (a heading printed at a page's
        # foot, listed with the next); more where one label stands for several pages (a book's text
        # without page breaks, where only the pages that print a folio can be told apart)
        self.slack = 1
        self._rest = ""  # squashed title letters an entered heading still has to print
        self._below: Line | None = None  # the last line of a heading the contents do not list
        # False for plain text, where every line has one size and no weight: a short line under an
        # unlisted heading is then no sign of its title wrapping (it is as likely an example's first word)
        self.typeset = typeset
        self.max_depth = max(e.depth for e in entries)
        self._numbers: list[tuple[int, str]] = []  # (depth, number) on the current path, outermost first

    def _enter(self, depth: int, number: str, title: str) -> tuple[str, int, str]:
        self._numbers = [(d, n) for d, n in self._numbers if d < depth]
        if number:
            self._numbers.append((depth, number))
        return "enter", depth, title

    def read(self, ln: Line, label: str | None, emphasised: bool, set_off: bool, alone: bool) -> tuple[str, int, str]:
        """What ``ln`` is: ("enter", depth, title) a heading; ("run-in", depth, title) a heading
        the line's text runs on after; ("skip", 0, "") the wrapped rest of an entry's title;
        ("extend", 0, text) the wrapped rest of a heading the contents do not list; ("text", 0, "")
        anything else.

        ``emphasised``: larger or bold type; ``set_off``: space above it (or first on its page);
        ``alone``: also short and followed by a line of plain text (a bold table header is as wide
        as its table, and rows follow it).
        """
        text = " ".join(ln.text.split())
        sq = squash(text)
        below, self._below = self._below, None
        if self._rest and sq and self._rest.startswith(sq):
            self._rest = self._rest[len(sq):]
            return "skip", 0, ""
        self._rest = ""
        for k in range(self._next, len(self.entries)):
            entry = self.entries[k]
            distance = _page_distance(label, entry.page)
            if distance is not None and distance > self.slack:
                if entry.page.isdigit() and label is not None and label.isdigit() and int(entry.page) > int(label):
                    break  # entries further on start later still
                if k == self._next:
                    self._next += 1  # its page is behind: its heading was missed
                continue
            if distance is None and k - self._next >= self.WINDOW:
                break
            rest = self._match(entry, text, emphasised, wrapped=set_off and not self.typeset)
            if rest is not None:
                self._next = k + 1
                self.found += 1
                self._rest = rest
                return self._enter(entry.depth, entry.number, entry.title)
        if not self._numbers:
            return "text", 0, ""
        if not emphasised:
            return self._run_in(ln, set_off)
        if ln.cells > 1 or text.endswith((".", ",", ";", ":")) or len(text) > 150:
            return "text", 0, ""
        if (self.typeset and below is not None and ln.size == below.size and ln.bold == below.bold and ln.top > below.top
                and ln.top - below.bottom < ln.size * 0.6 and not _LEADING_NUMBER.match(text)):
            self._below = ln
            return "extend", 0, text
        deeper = _DEEPER.match(text)
        if deeper:
            # a numbered heading below the contents' deepest level, one level under its parent
            depth = self._deeper(deeper.group("num"))
            if depth:
                self._below = ln
                return self._enter(depth, deeper.group("num"), text)
            return "text", 0, ""
        if alone and ln.bold and len(text.split()) <= 10 and not text.endswith(_SENTENCE_END) and _capitalised(text):
            # an unnumbered run of bold type on its own line, set off: a heading under the numbered one
            self._below = ln
            return "enter", self._numbers[-1][0] + 1, text
        return "text", 0, ""

    def _deeper(self, number: str) -> int:
        """The depth of a numbered heading below the contents' deepest level, one level under the
        heading it extends ("3.4.1.2" under "3.4.1"); 0 when it is not that."""
        depth = CHAPTER_DEPTH + number.count(".")
        parent = [n for d, n in self._numbers if d < depth]
        return depth if depth > self.max_depth and parent and number.rpartition(".")[0] == parent[-1] else 0

    def _run_in(self, ln: Line, set_off: bool) -> tuple[str, int, str]:
        """("run-in", depth, title) for a heading in bold at the start of a text line ("3.4.1.2
        Genitive The genitive marks ..."), the text running on after it; else ("text", 0, "")."""
        if not self.typeset and not ln.lead_bold:
            return self._text_run_in(ln)
        head = ln.text[: ln.lead_bold].strip()
        if not head or ln.lead_bold >= len(ln.text.rstrip()) or len(head) > 100:
            return "text", 0, ""
        number = re.match(r"^(\d{1,2}(?:\.\d{1,2})+)\.?(?:\s|$)", head)
        if number:
            depth = self._deeper(number.group(1))
            return ("run-in", *self._enter(depth, number.group(1), head)[1:]) if depth else ("text", 0, "")
        rest = ln.text[ln.lead_bold:].strip()
        # unnumbered: a short bold title opening a paragraph whose first sentence follows (a bold
        # first cell of a table row has cells beside it)
        if (set_off and ln.cells == 1 and len(head.split()) <= 6 and _capitalised(head) and _capitalised(rest)
                and not head.endswith(_SENTENCE_END)):
            return "run-in", self._numbers[-1][0] + 1, head
        return "text", 0, ""

    def _text_run_in(self, ln: Line) -> tuple[str, int, str]:
        """("run-in", depth, title) for a numbered heading below the contents' deepest level that opens
        a line of plain text, its paragraph running on ("3.2.3.1.1 Nominalised main clauses A number
        of constructions ..."): text has no bold to end the title, so it ends before the paragraph's
        first capitalised word (sentence-case titles); only a number one level under the section being
        read counts, so a cross-reference wrapped to a line's start ("3.2.3.1.1 above") does not."""
        m = _TEXT_RUN_IN.match(" ".join(ln.text.split()))
        if m is None:
            return "text", 0, ""
        depth = self._deeper(m.group("num"))
        title = f"{m.group('num')} {m.group('title')}"
        return ("run-in", *self._enter(depth, m.group("num"), title)[1:]) if depth else ("text", 0, "")

    @staticmethod
    def _match(entry: ContentsEntry, text: str, emphasised: bool, wrapped: bool = False) -> str | None:
        """The squashed title letters still to come if ``text`` opens ``entry``'s heading, else None.

        ``wrapped``: ``text`` is a set-off line of plain text, which may be a numbered heading whose title
        fills the line and wraps ("4.2.1 The demonstrative series in the columns: iC vs. heC vs. hiC and" /
        "i(C)tːi vs. ..."). Text has no type to tell a heading by and such a line is not short, so only
        its number and at least half of the title (20 letters or more) make it one: a sentence that
        opens with a section number does not repeat its title."""
        text = _LEAD_WORD.sub("", text)
        title = squash(entry.title)
        if entry.number:
            number = _ENTRY_NUMBER.match(_LEAD_WORD.sub("", entry.title))
            head = squash(number.group("title")) if number else title
            if not text.startswith(entry.number):
                return None
            after = text[len(entry.number):]
            if after[:1].isdigit() or (after[:1] == "." and after[1:2].isdigit()):
                return None  # "3.41", "3.4.1" for entry 3.4
            if after[:1].isalpha() and not entry.number[-1].isdigit():
                return None  # "Introduction" is no heading of Part "I" ("8Theverbal..." is of chapter 8)
            sq = squash(after)
            if not sq:  # the number alone ("Part I"), the title on the lines below
                return head if emphasised else None
            if head.startswith(sq) and (emphasised or len(sq) == len(head)
                                        or (wrapped and after[:1] == " " and len(sq) >= max(20, len(head) / 2))):
                return head[len(sq):]
            if emphasised and (sq.startswith(head) or sq[:4] == head[:4]):
                return ""  # the heading worded longer or otherwise than its contents line ("Case" / "Case marking")
            return None
        if not emphasised:
            return None
        for candidate in (text, _LEADING_NUMBER.sub("", text)):  # "1. Older texts" for "Older texts"
            sq = squash(candidate)
            if len(sq) >= min(4, len(title)) and title.startswith(sq):
                return title[len(sq):]
        return None

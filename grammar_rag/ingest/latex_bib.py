"""Author-year labels from a LaTeX book's own .bib files, so ``\\citet{smith2001}`` reads
"Smith & Jones (2001)" in a passage instead of a raw BibTeX key.

A small, forgiving reader: entries ``@type{key, field = {...} | "..." | 123, ...}`` with nested
braces; only author/editor and year/date are kept. Names are "Last, First" or "First Last", joined
by "and"; one author gives "Smith", two "Smith & Jones", more "Smith et al.". A key missing from
every .bib is read the way bibkeys are made ("visser2022kalamang" -> "Visser 2022"), else
"(reference)": a raw key never reaches the text.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable, Iterator
from pathlib import Path

from grammar_rag.ingest.book_year import FORTHCOMING

logger = logging.getLogger(__name__)

_ENTRY = re.compile(r"@(\w+)\s*[{(]\s*([^,\s]+)\s*,", re.I)
_FIELD = re.compile(r"(\w+)\s*=\s*", re.I)
_KEY_SHAPE = re.compile(r"^([A-Za-z][A-Za-z'-]*?)[-_:]?((?:1[5-9]|20)\d\d)[a-z]?(?:[-_:]?[A-Za-z0-9-]*)$")
TEXTUAL = {"citet", "textcite", "Citet", "Textcite"}
BARE = {"citealt", "citealp"}


def _group(s: str, i: int) -> tuple[str, int]:
    """The text of a {...} group (nested) or "..." string at ``i``, and the index after it."""
    if s[i] == "{":
        depth, j = 0, i
        while j < len(s):
            if s[j] == "{":
                depth += 1
            elif s[j] == "}":
                depth -= 1
                if depth == 0:
                    return s[i + 1 : j], j + 1
            j += 1
        return s[i + 1 :], len(s)
    if s[i] == '"':
        j = s.find('"', i + 1)
        return (s[i + 1 : j], j + 1) if j >= 0 else (s[i + 1 :], len(s))
    m = re.match(r"[^,}\s]+", s[i:])
    return (m.group(0), i + m.end()) if m else ("", i)


_ACCENTS = {"'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303", "=": "\u0304",
            ".": "\u0307", "u": "\u0306", "v": "\u030c", "H": "\u030b", "c": "\u0327", "k": "\u0328"}


def _plain(text: str) -> str:
    """A name without TeX: {\\'E}mile -> Émile, Kratochv{\\'\\i}l -> Kratochvíl, {van der Berg} -> van der Berg."""
    text = re.sub(r"\\([ij])(?![a-zA-Z])\s*", r"\1", text)
    text = re.sub(r"\\([`'^\"~=.uvHck])\s*\{?\s*(\w)\}?",
                  lambda m: m.group(2) + _ACCENTS[m.group(1)], text)
    text = re.sub(r"\\[a-zA-Z]+\s*", "", text)
    return unicodedata.normalize("NFC", " ".join(text.replace("{", "").replace("}", "").split()))


def _surnames(names: str) -> list[str]:
    out = []
    for name in re.split(r"\s+and\s+", names.strip()):
        name = _plain(name)
        if not name:
            continue
        if "," in name:
            out.append(name.split(",")[0].strip())
        else:
            parts = name.split()
            out.append(parts[-1])
    return [n for n in out if n and n.lower() != "others"]


def label_for(authors: list[str], year: str) -> str:
    """"Smith 2001", "Smith & Jones 2001", "Smith et al. 2001"."""
    if not authors:
        who = ""
    elif len(authors) == 1:
        who = authors[0]
    elif len(authors) == 2:
        who = f"{authors[0]} & {authors[1]}"
    else:
        who = f"{authors[0]} et al."
    return f"{who} {year}".strip()


def _entries(text: str) -> Iterator[tuple[str, dict[str, str]]]:
    """``(key, {field: value})`` for each entry of a .bib text, field names lower-cased."""
    for m in _ENTRY.finditer(text):
        if m.group(1).lower() in ("comment", "preamble", "string"):
            continue
        key, i = m.group(2), m.end()
        fields: dict[str, str] = {}
        end = text.find("\n@", i)
        end = len(text) if end < 0 else end
        while i < end:
            fm = _FIELD.search(text, i, end)
            if not fm:
                break
            j = fm.end()
            if j >= len(text):
                break
            value, i = _group(text, j)
            fields.setdefault(fm.group(1).lower(), value)
        yield key, fields


def parse_bib(text: str) -> dict[str, tuple[str, str]]:
    """``{key: (authors label, year)}`` for every entry with a name or a year."""
    out: dict[str, tuple[str, str]] = {}
    for key, fields in _entries(text):
        names = _surnames(fields.get("author") or fields.get("editor") or "")
        year_m = re.search(r"\d{4}[a-z]?", fields.get("year") or fields.get("date") or "")
        year = year_m.group(0) if year_m else "n.d."
        if names or year_m:
            who = label_for(names, "")
            out.setdefault(key, (who, year))
    return out


def load_bib(files: Iterable[Path]) -> dict[str, tuple[str, str]]:
    """Entries of several .bib files; the first file defining a key wins."""
    out: dict[str, tuple[str, str]] = {}
    for path in files:
        try:
            entries = parse_bib(path.read_text(encoding="utf-8", errors="replace"))
        except OSError as exc:
            logger.warning("%s: unreadable .bib (%s); its citations fall back to their keys", path, exc)
            continue
        for key, value in entries.items():
            out.setdefault(key, value)
    return out


def published_years(files: Iterable[Path], keys: Iterable[str]) -> list[int]:
    """Years of the cited entries ``keys`` that are published: an entry whose year, pubstate or
    note says "forthcoming", "to appear", "submitted"... dates nothing about the citing book
    (see :mod:`grammar_rag.ingest.book_year`)."""
    wanted = set(keys)
    found: dict[str, int | None] = {}
    for path in files:
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue  # load_bib has said so
        for key, fields in _entries(text):
            if key not in wanted or key in found:
                continue
            year = re.fullmatch(r"(\d{4})[a-z]?", (fields.get("year") or fields.get("date", "")[:4]).strip("{} "))
            states = " ".join(fields.get(f, "") for f in ("year", "pubstate", "note", "howpublished", "addendum"))
            found[key] = int(year.group(1)) if year and not FORTHCOMING.search(states) else None
    return [y for y in found.values() if y is not None]


def _from_key(key: str) -> tuple[str, str] | None:
    m = _KEY_SHAPE.match(key)
    if not m:
        return None
    return m.group(1).capitalize(), m.group(2)


class Citations:
    """Renders citation commands to author-year text from the book's bibliography."""

    def __init__(self, entries: dict[str, tuple[str, str]]) -> None:
        self.entries = entries
        self.unknown: set[str] = set()
        self.cited: set[str] = set()  # keys found in the .bib files, as cited

    def _entry(self, key: str) -> tuple[str, str] | None:
        if key in self.entries:
            self.cited.add(key)
        found = self.entries.get(key) or _from_key(key)
        if found is None:
            self.unknown.add(key)
        return found

    def render(self, command: str, keys: list[str], note: str | None) -> str:
        items = [(k, self._entry(k)) for k in keys]
        known = [e for _, e in items if e is not None]
        if not known:
            return "(reference)"
        suffix = f": {note}" if note else ""
        if command == "citeauthor":
            return "; ".join(who for who, _ in known)
        if command in ("citeyear", "citeyearpar"):
            years = ", ".join(year for _, year in known) + suffix
            return f"({years})" if command == "citeyearpar" else years
        if command in TEXTUAL:  # Forker (2016, 2019); Smith & Jones (2001: 12), as biblatex prints them
            groups: list[tuple[str, list[str]]] = []
            for who, year in known:
                if groups and groups[-1][0] == who:
                    groups[-1][1].append(year)
                else:
                    groups.append((who, [year]))
            return "; ".join(f"{who} ({', '.join(years)})" for who, years in groups[:-1]) + (
                "; " if len(groups) > 1 else "") + f"{groups[-1][0]} ({', '.join(groups[-1][1])}{suffix})"
        body = "; ".join(f"{who} {year}".strip() for who, year in known) + suffix
        return body if command in BARE else f"({body})"


def bib_files(root: Path) -> list[Path]:
    """The .bib files of a LaTeX book folder (localbibliography.bib first, as LSP books use it)."""
    files = sorted(root.glob("*.bib"), key=lambda p: (p.name != "localbibliography.bib", p.name))
    return files

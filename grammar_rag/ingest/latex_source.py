"""A LaTeX book as one source string: includes expanded, environments and examples delimited, metadata read.

Why apart from the converter (:mod:`grammar_rag.ingest.latex`): these read the book's files and its
front matter (title, author, README licence), and find where an environment or example ends; the
converter walks the expanded source and never touches the file system.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from grammar_rag.errors import IngestError
from grammar_rag.ingest.book_year import YEAR, YearEvidence, dated_years, publication_year, source_stated_year
from grammar_rag.ingest.language_guess import guess_language
from grammar_rag.ingest.latex_render import (
    InlineRenderer,
    read_group,
    read_optional,
    strip_comments,
)
from grammar_rag.ingest.metadata import (
    derive_id,
    language_fields,
)

_INCLUDE = re.compile(r"\\(include|input|subfile)\s*\{([^}]*)\}")

logger = logging.getLogger(__name__)


_LANGSCI_LICENSES = {
    "creative commons attribution 4.0": "CC-BY-4.0",
    "cc by 4.0": "CC-BY-4.0",
    "cc-by 4.0": "CC-BY-4.0",
    "creative commons attribution-sharealike 4.0": "CC-BY-SA-4.0",
}


def _resolve_include(name: str, base: Path, root: Path) -> Path | None:
    name = name.strip()
    candidates = []
    for folder in (base, root):
        for variant in (name, name + ".tex"):
            candidates.append(folder / variant)
            candidates.append(folder / Path(variant).name)  # "chapters/06Nouns" beside main.tex
    for cand in candidates:
        if cand.is_file():
            return cand
    return None


def expand_includes(path: Path, root: Path, depth: int = 0, seen: set[Path] | None = None) -> str:
    """The full source with ``\\include``/``\\input`` spliced in (comments stripped)."""
    seen = seen if seen is not None else set()
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise IngestError(f"{path}: not UTF-8 ({exc.reason} at byte {exc.start}).") from exc
    text = strip_comments(text)
    if depth > 12:
        return text
    seen.add(path.resolve())

    def splice(match: re.Match[str]) -> str:
        target = _resolve_include(match.group(2), path.parent, root)
        if target is None:
            logger.debug("%s: \\%s{%s} not found; skipped", path, match.group(1), match.group(2))
            return ""
        if target.resolve() in seen:
            return ""
        body = expand_includes(target, root, depth + 1, seen)
        return "\n\n" + body + "\n\n"

    return _INCLUDE.sub(splice, text)


_SIMPLE_DEF = re.compile(r"\\(?:re)?newcommand\*?\s*\{?\\([^\W\d_]+|[^\w\s\\{}])\}?\s*\{")
_ABBREVIATION_DOT = re.compile(r"\\protect\s*\\@ifnextchar\s*\{\.\}\s*\{\}\s*\{\.\\protect\s*\\@\s*\}")
# never redefined here: what the converter reads as structure, references or citations
_STRUCTURE = frozenset({
    "part", "chapter", "section", "subsection", "subsubsection", "subsubsubsection", "paragraph", "begin",
    "end", "ea", "ex", "exi", "z", "zlast", "gll", "glll", "gllll", "glt", "trans", "item", "label", "footnote",
    "include", "input", "newcommand", "renewcommand", "def", "let",
})


def expand_simple_macros(source: str) -> str:
    """The book's own argument-free macros replaced by their bodies, as TeX would.

    Why: grammars define their phonemes and abbreviations this way (``\\newcommand{\\pafr}{š}``,
    ``\\newcommand{\\tnd}{\\textendash}``, ``\\newcommand{\\ꞌ}{\\hspace{1pt}\\textsf{ꞌ}}``); unexpanded,
    every ``š`` or glottal stop written with them would be lost from the text. Macros with
    arguments are left to the renderer; the "add a period unless one follows" idiom
    (``\\@ifnextchar{.}{}{.}``) becomes one period.
    """
    bodies: dict[str, str] = {}
    for m in _SIMPLE_DEF.finditer(source):
        name = m.group(1)
        body, _ = read_group(source, m.end() - 1)
        if name in _STRUCTURE or "#" in body or name in bodies:
            continue
        body = _ABBREVIATION_DOT.sub("\x02", body)
        if "@" not in body and not re.search(r"\\" + re.escape(name) + r"(?![^\W\d_])", body):
            bodies[name] = body
    if not bodies:
        return source
    pattern = re.compile(r"\\(" + "|".join(re.escape(n) for n in sorted(bodies, key=len, reverse=True))
                         + r")(?![^\W\d_])(?:\s*\{\})?")
    for _ in range(3):  # bodies may use other simple macros
        source, count = pattern.subn(lambda m: bodies[m.group(1)], source)
        if not count:
            break
    return re.sub(r"\x02\.?", ".", source)


def find_env_end(s: str, start: int, env: str) -> tuple[int, int]:
    """Index of ``\\end{env}`` matching a ``\\begin{env}`` whose body starts at ``start``.

    Returns (body_end, after_end).
    """
    pattern = re.compile(r"\\(begin|end)\s*\{" + re.escape(env) + r"\}")
    depth = 1
    for m in pattern.finditer(s, start):
        depth += 1 if m.group(1) == "begin" else -1
        if depth == 0:
            return m.start(), m.end()
    return len(s), len(s)


_HEADING = re.compile(r"\\(?:part|chapter|addchap|section|subsection|subsubsection|subsubsubsection)\b")
_EXAMPLE_TOKENS = re.compile(r"\\(?:(begin|end)\s*\{exe\}|(ea)(?![A-Za-z])|(zlast|z)(?![A-Za-z]))")


def find_example_end(s: str, start: int) -> tuple[int, int]:
    """End of an example block opened just before ``start``.

    langsci-gb4e defines ``\\ea`` as ``\\begin{exe}\\ex`` and ``\\z``/``\\zlast`` as
    ``\\end{exe}``, and real sources mix them (``\\begin{exe}`` ... ``\\zlast``), so all openers
    and closers count alike.
    """
    # An unbalanced block (it happens in real books) must not swallow the rest of the book:
    # no example spans a heading.
    heading = _HEADING.search(s, start)
    limit = heading.start() if heading else len(s)
    depth = 1
    for m in _EXAMPLE_TOKENS.finditer(s, start, limit):
        opening = m.group(1) == "begin" or m.group(2) == "ea"
        depth += 1 if opening else -1
        if depth == 0:
            return m.start(), m.end()
    logger.debug("unclosed example block at offset %d; closed at the next heading", start)
    return limit, limit



def split_top_level(s: str, sep: str) -> list[str]:
    """Split on ``sep`` outside braces (``\\\\`` rows, ``&`` cells; ``\\&`` is not a separator)."""
    parts: list[str] = []
    depth = 0
    start = 0
    i = 0
    n = len(s)
    while i < n:
        ch = s[i]
        if sep == "\\\\" and s.startswith("\\\\", i) and depth == 0:
            parts.append(s[start:i])
            i += 2
            _, i2 = read_optional(s, i)  # \\[2pt]
            i = i2
            start = i
            continue
        if ch == "\\":
            i += 2
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch == sep and depth == 0:
            parts.append(s[start:i])
            start = i + 1
        i += 1
    parts.append(s[start:])
    return parts


def metadata_from_source(
    root_file: Path, source: str, fallback_id: str, guess: bool = True, *, cited_years: list[int] | None = None,
    stated_year: int | None = None,
) -> dict[str, object]:
    """Title/author from ``\\title``/``\\booktitle``/``\\author``; licence from a README beside it;
    the language from the titles (and any Glottocode the source states).

    The year is the one the source or README states (a year macro, ``\\date``, "Publication Date:
    2020"; ``stated_year`` when read before the book's macros were expanded); else the newest of what the book dates (:mod:`~grammar_rag.ingest.book_year`): the
    README's copyright line (when the repository was set up), ``cited_years`` (the published works
    it cites) and dates written with a month (a signed preface). The class's imprint year is
    ``\\the\\year``, the year of whoever compiles it, so it is never read."""
    r = InlineRenderer()
    guessed: dict[str, object] = {}
    titles: list[str] = []
    for key in ("title", "booktitle", "BackTitle", "subtitle", "author"):
        m = re.search(r"\\" + key + r"\s*(?:\[[^\]]*\])?\s*\{", source)
        if m:
            content, _ = read_group(source, m.end() - 1)
            value = " ".join(r.render(content).split())
            if key == "author":
                guessed["author"] = value
            elif value:
                titles.append(value)
    if titles:
        guessed["title"] = titles[0]
    year = YearEvidence(root_file.parent, stated=stated_year or source_stated_year(source), stated_how="source")
    year.floor("the newest work it cites", cited_years or [])
    year.floor("a date in the text", dated_years(source))
    readme = next((p for p in (root_file.parent / "README.md", root_file.parent / "README") if p.is_file()), None)
    if readme:
        text = readme.read_text(encoding="utf-8", errors="replace")
        m = re.search(rf"(?:Publication Date|Year)\s*:\s*({YEAR})\b", text)
        if m and year.stated is None:
            year.stated, year.stated_how = int(m.group(1)), "README"
        m = re.search(rf"Copyright\s*:?\s*(?:\(c\)|©)?\s*({YEAR})\b", text, re.I)
        if m:
            year.floor("the README's copyright line", [int(m.group(1))])
        low = text.lower()
        for phrase, spdx in _LANGSCI_LICENSES.items():
            if phrase in low:
                guessed["license"] = spdx
                break
        if "author" not in guessed:
            m = re.search(r"Authors?\s*:\s*(.+)", text)
            if m:
                guessed["author"] = m.group(1).strip()
        if not titles:
            m = re.match(r"#\s*(.+)", text)
            if m and not m.group(1).strip().isdigit():
                titles.append(m.group(1).strip())
                guessed["title"] = titles[0]
    if (found := publication_year(year)) is not None:
        guessed["year"] = found
    if guess:
        guessed.update(language_fields(guess_language(titles, source), root_file))
    guessed["id"] = derive_id(guessed.get("author"), guessed.get("year"), guessed.get("language"), fallback_id)
    return guessed


def find_root_file(path: Path) -> Path | None:
    """``main.tex`` or the file with ``\\begin{document}``; None for a bare folder of chapters."""
    if path.is_file():
        return path
    main = path / "main.tex"
    if main.is_file():
        return main
    candidates = sorted(p for p in path.glob("*.tex") if "\\begin{document}" in p.read_text(errors="ignore"))
    return candidates[0] if candidates else None


def read_source(path: Path) -> tuple[str, Path]:
    """The expanded source and the file whose folder holds README/metadata."""
    root = find_root_file(path)
    if root is not None:
        return expand_includes(root, root.parent), root
    chapters = sorted(path.glob("*.tex")) or sorted(path.glob("chapters/*.tex"))
    if not chapters:
        raise IngestError(f"{path}: no .tex files (main.tex or chapter files) found.")
    # chapter files without a driver: read them in file-name order (01intro.tex, 02nouns.tex ...)
    source = "\n\n".join(expand_includes(c, path) for c in chapters)
    return source, chapters[0]


def first_unclosed_brace(source: str) -> int | None:
    """Offset of the first ``{`` that is never closed (``\\{`` and ``%`` comments skipped), or None.

    Why: a chapter file with ``\\chapter{`` left open swallows everything after it into one
    argument, and the converter then finds no text; naming the spot is the fix a user needs.
    """
    stack: list[int] = []
    i, n = 0, len(source)
    while i < n:
        ch = source[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "%":
            nl = source.find("\n", i)
            i = n if nl < 0 else nl + 1
            continue
        if ch == "{":
            stack.append(i)
        elif ch == "}" and stack:
            stack.pop()
        i += 1
    return stack[0] if stack else None


def unclosed_brace_message(source: str) -> str | None:
    """``"unbalanced braces: ..."`` naming the first unclosed ``{`` (line and text), or None."""
    where = first_unclosed_brace(source)
    if where is None:
        return None
    line = source.count("\n", 0, where) + 1
    snippet = " ".join(source[max(0, where - 30): where + 30].split())
    return (f"unbalanced braces: the '{{' near line {line} of the expanded source ({snippet!r}) is never "
            "closed; close it and ingest again.")

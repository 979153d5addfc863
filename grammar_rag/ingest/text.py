"""Plain text and Markdown grammars.

Paragraphs are blocks separated by blank lines; form feeds (``\\f``, as written by ``pdftotext``)
separate pages, numbered 1, 2, ... physically (the text of a whole book, paged by form feeds or
page-number lines, is read as a book instead: :mod:`grammar_rag.ingest.text_book`); Markdown ``#`` / setext headings and numbered
heading lines ("3.2 Plural") build the section path. Fenced code blocks and pipe tables are kept
whole (they are usually interlinear examples and paradigms).
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from grammar_rag.errors import IngestError
from grammar_rag.ingest.base import DEFAULT_CHUNKING, INGESTERS, ChunkingConfig, Ingester
from grammar_rag.ingest.chunking import Unit, make_passages
from grammar_rag.ingest.language_guess import guess_language
from grammar_rag.ingest.metadata import build_grammar, caller_names_language, language_fields, slugify
from grammar_rag.ingest.sections import SectionPath, numbered_heading
from grammar_rag.ingest.text_book import book_fields, book_units
from grammar_rag.types import IngestedGrammar, PassageKind

logger = logging.getLogger(__name__)

_ATX = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_SETEXT = re.compile(r"^(=+|-+)\s*$")
_FENCE = re.compile(r"^(```|~~~)")


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise IngestError(
            f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start}); convert it to UTF-8 first."
        ) from exc
    except OSError as exc:
        raise IngestError(f"{path}: cannot read ({exc.strerror}).") from exc


def text_units(text: str, *, markdown: bool) -> list[Unit]:
    """Split a document into units with page (form-feed count) and heading path."""
    pages = text.split("\f")
    paged = len(pages) > 1
    sections = SectionPath()
    units: list[Unit] = []
    for page_no, page in enumerate(pages, start=1):
        label = str(page_no) if paged else None
        block: list[str] = []
        kind: PassageKind = "prose"
        in_fence = False

        def flush(block: list[str] = block, label: str | None = label) -> None:
            nonlocal kind
            lines = [ln for ln in block if ln.strip()]
            block.clear()
            if not lines:
                kind = "prose"
                return
            if not markdown and len(lines) == 1:
                heading = numbered_heading(lines[0])
                if heading:
                    sections.enter(*heading)
                    kind = "prose"
                    return
            if kind == "prose" and markdown and all(ln.lstrip().startswith("|") for ln in lines):
                kind = "table"
            units.append(Unit("\n".join(lines), label, label, sections.path, kind))
            kind = "prose"

        for line in page.split("\n"):
            if markdown and _FENCE.match(line.strip()):  # fence markers are markup, not text
                if in_fence:
                    kind = "other"
                    flush()
                    in_fence = False
                else:
                    flush()
                    in_fence = True
                continue
            if in_fence:
                block.append(line)
                continue
            if markdown:
                atx = _ATX.match(line)
                if atx:
                    flush()
                    sections.enter(len(atx.group(1)), atx.group(2).strip())
                    continue
                nonblank = [ln for ln in block if ln.strip()]
                if _SETEXT.match(line) and len(nonblank) == 1 and block[-1].strip():
                    title = nonblank[0].strip()
                    block.clear()
                    sections.enter(1 if line.strip().startswith("=") else 2, title)
                    continue
            if not line.strip():
                flush()
            else:
                block.append(line)
        if in_fence:
            kind = "other"
        flush()
    return units


def _plain_fields(path: Path, text: str, fmt: str, metadata: dict[str, object] | None) -> dict[str, object]:
    """Title and language of a short text or Markdown file: its first lines (a Markdown title)."""
    title = ""
    first_lines = [ln.strip() for ln in text[:5000].splitlines() if ln.strip()][:5]
    if fmt == "markdown":
        atx = _ATX.match(first_lines[0] if first_lines else "")
        title = atx.group(2).strip() if atx else ""
    guessed: dict[str, object] = {"id": slugify(path.stem), "title": title or path.stem}
    if not caller_names_language(metadata):
        titles = [t for t in (title, *first_lines, path.stem.replace("_", " ")) if t and len(t) < 200]
        guessed.update(language_fields(guess_language(titles, text[: len(text) // 4 + 20000]), path))
    return guessed


def _ingest(path: Path, chunking: ChunkingConfig, metadata: dict[str, object] | None, fmt: str) -> list[IngestedGrammar]:
    path = Path(path)
    text = read_text(path)
    book = book_units(text) if fmt == "text" else None
    units = book[0] if book else text_units(text, markdown=fmt == "markdown")
    if not units:
        raise IngestError(f"{path}: no text found (empty file?).")
    if book:  # a whole book's text: pages, running heads, contents, front and back matter
        guessed = book_fields(path, book[1], book[2], guess=not caller_names_language(metadata))
        guessed.setdefault("title", path.stem)
    else:
        guessed = _plain_fields(path, text, fmt, metadata)
    grammar = build_grammar(guessed, metadata, source_path=path, source_format=fmt)
    passages = make_passages(grammar.id, units, chunking)
    logger.info("%s: %d passages (%s%s)", path, len(passages), fmt, f", {len(book[1])} pages" if book else "")
    return [IngestedGrammar(grammar, passages)]


def ingest_text(
    path: Path, *, chunking: ChunkingConfig = DEFAULT_CHUNKING, metadata: dict[str, object] | None = None
) -> list[IngestedGrammar]:
    """A plain-text grammar: blank-line paragraphs, form-feed pages, numbered heading lines."""
    return _ingest(path, chunking, metadata, "text")


def ingest_markdown(
    path: Path, *, chunking: ChunkingConfig = DEFAULT_CHUNKING, metadata: dict[str, object] | None = None
) -> list[IngestedGrammar]:
    """A Markdown grammar: like text, with ``#`` headings as the section path."""
    return _ingest(path, chunking, metadata, "markdown")


@INGESTERS.register("text", help="plain text: blank-line paragraphs, form feeds = pages")
def _text_factory() -> Ingester:
    return ingest_text


@INGESTERS.register("markdown", help="Markdown: paragraphs, # headings -> section path")
def _markdown_factory() -> Ingester:
    return ingest_markdown

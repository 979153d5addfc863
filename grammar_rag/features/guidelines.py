"""Turn WALS chapter HTML and Grambank guideline Markdown into plain, readable text.

Guidelines are shown to linguists in the CLI/app and pasted into LLM prompts ("+CoT" in the
paper), so the text must read like the chapter: paragraphs kept, headings on their own line,
interlinear examples kept row by row (cells separated by spaces so morphemes stay aligned with
their glosses), and no markup, links, scripts or navigation left over.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from html.parser import HTMLParser

from grammar_rag.text.interlinear import looks_like_gloss

_BLOCK_TAGS = {
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "li", "ul", "ol", "dl", "dt", "dd",
    "table", "caption", "figure", "figcaption", "section", "article", "header", "footer", "pre",
}
_SKIP_TAGS = {"script", "style", "nav", "head", "noscript", "template", "svg", "button", "form", "select"}
_HEADING_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_SPACE_RE = re.compile(r"[ \t\r\f\v\u00a0]+")


class _TextExtractor(HTMLParser):
    """Collects text as a list of blocks; table rows become single lines with spaced cells."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self._buf: list[str] = []
        self._skip = 0
        self._cell_depth = 0  # inside <td>/<th>: block tags are inline there
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    # -- helpers ---------------------------------------------------------------------------
    def _flush(self) -> None:
        text = _SPACE_RE.sub(" ", "".join(self._buf)).strip()
        text = "\n".join(line.strip() for line in text.split("\n") if line.strip())
        if text:
            self.blocks.append(text)
        self._buf = []

    def _emit(self, text: str) -> None:
        if self._cell is not None:
            self._cell.append(text)
        else:
            self._buf.append(text)

    # -- parser callbacks --------------------------------------------------------------------
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self._skip += 1
            return
        if self._skip:
            return
        if tag == "tr":
            self._flush_row()
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []
            self._cell_depth += 1
        elif tag == "br":
            self._emit("\n")
        elif tag in _BLOCK_TAGS and self._cell is None:
            self._flush()
            if tag == "li":
                self._buf.append("- ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br" and not self._skip:
            self._emit("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self._skip = max(0, self._skip - 1)
            return
        if self._skip:
            return
        if tag in ("td", "th"):
            if self._cell is not None and self._row is not None:
                self._row.append(_SPACE_RE.sub(" ", "".join(self._cell)).replace("\n", " ").strip())
            self._cell = None
            self._cell_depth = max(0, self._cell_depth - 1)
        elif tag == "tr":
            self._flush_row()
        elif tag == "table":
            self._flush_row()
            self._flush()
        elif tag in _BLOCK_TAGS and self._cell is None:
            self._flush()

    def _flush_row(self) -> None:
        if self._row is not None:
            cells = [c for c in self._row if c]
            if cells:
                self._buf.append("  ".join(cells) + "\n")
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._cell is None and self._row is not None:
            return  # whitespace between cells
        self._emit(data.replace("\n", " "))

    def close(self) -> None:
        super().close()
        self._flush_row()
        self._flush()


def html_to_text(markup: str, placeholders: dict[str, str] | None = None) -> str:
    """Readable plain text of an HTML document: one paragraph per block, blank line between.

    ``placeholders`` replaces literal tokens left in the source (WALS chapters contain
    ``__values_81A__`` where the website injects the value table) with text.
    """
    parser = _TextExtractor()
    parser.feed(markup)
    parser.close()
    text = "\n\n".join(parser.blocks)
    return _replace_placeholders(text, placeholders)


def _replace_placeholders(text: str, placeholders: dict[str, str] | None) -> str:
    def sub(match: re.Match[str]) -> str:
        return (placeholders or {}).get(match.group(0), "")

    text = re.sub(r"__values_[0-9A-Za-z]+__", sub, text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


_MD_LINK = re.compile(r"!?\[([^\]]*)\]\(([^)]*)\)")
_MD_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_MD_EMPH = re.compile(r"(\*\*|__)(.+?)\1|(?<![\w*])\*(?!\s)([^*\n]+?)\*(?!\w)|`([^`\n]+)`")
_HTML_IMG = re.compile(r"<img\b[^>]*>", re.I)
_HTML_ROW = re.compile(r"<tr\b[^>]*>", re.I)
_HTML_CELL_END = re.compile(r"</t[dh]>", re.I)
_HTML_BR = re.compile(r"<br\s*/?>", re.I)
_HTML_TAG = re.compile(r"</?[a-zA-Z][^>]*>")


def _md_inline(line: str) -> str:
    line = _MD_IMAGE.sub("", line)
    line = _MD_LINK.sub(lambda m: m.group(1), line)
    line = _MD_EMPH.sub(lambda m: m.group(2) or m.group(3) or m.group(4) or "", line)
    return line


def _strip_inline_html(text: str) -> str:
    text = _HTML_IMG.sub("", text)
    text = _HTML_BR.sub("\n", text)
    text = _HTML_ROW.sub("\n", text)
    text = _HTML_CELL_END.sub("  ", text)
    text = _HTML_TAG.sub("", text)
    return html.unescape(text)


def markdown_to_text(markdown: str) -> str:
    """Plain text of a Grambank guideline: headings and lists kept, markup and links removed.

    Code blocks (interlinear examples) are kept verbatim, because their column alignment is
    what makes a gloss readable.
    """
    out: list[str] = []
    in_code = False
    source = _strip_inline_html(markdown.replace("\r\n", "\n"))
    source = _MD_IMAGE.sub("", source)  # links/images may span lines: resolve them first
    source = _MD_LINK.sub(lambda m: " ".join(m.group(1).split()), source)
    for raw in source.split("\n"):
        line = raw.rstrip()
        if line.lstrip().startswith("```"):
            in_code = not in_code
            continue
        if in_code:
            out.append(line)
            continue
        stripped = line.strip()
        heading = re.match(r"^#{1,6}\s*(.*?)\s*#*$", stripped)
        if heading:
            out.extend(["", _md_inline(heading.group(1)), ""])
            continue
        if re.fullmatch(r"[-*_]{3,}", stripped):
            out.append("")
            continue
        bullet = re.match(r"^[*+-]\s+(.*)$", stripped)
        if bullet:
            out.append("- " + _md_inline(bullet.group(1)).replace("\t", " "))
            continue
        if re.fullmatch(r"\|?[\s:|-]+\|?", stripped) and "|" in stripped and "-" in stripped:
            continue  # markdown table separator row
        out.append(_md_inline(stripped).replace("\t", " "))
    text = "\n".join(out)
    text = re.sub(r"[ \u00a0]+\n", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    # drop list items that became empty ("5." with nothing after it)
    text = re.sub(r"^\d+\.\s*$\n?", "", text, flags=re.M)
    return text.strip()


def excerpt(text: str, max_chars: int = 1200) -> str:
    """The first paragraphs of ``text`` up to about ``max_chars``, cut at a paragraph boundary."""
    if len(text) <= max_chars:
        return text
    paras = text.split("\n\n")
    out: list[str] = []
    size = 0
    for para in paras:
        if out and size + len(para) > max_chars:
            break
        out.append(para)
        size += len(para) + 2
    result = "\n\n".join(out)
    if len(result) > max_chars:
        result = result[:max_chars].rsplit(" ", 1)[0] + " …"
    return result


_READING_LIST = re.compile(r"^\s*#*\s*(?:further reading|references|bibliography)\s*$", re.I | re.M)


@lru_cache(maxsize=512)
def guideline_prose(text: str) -> str:
    """The guideline's own prose: without its reading list and its examples' lines (vernacular above a
    gloss, the gloss, the quoted translation). Why: the vocabulary a query takes from a guideline must be
    the topic's ("affix", "clitic"), not an example's ("kitty", Swedish "inte") or a reference's ("atlas",
    "online"), which a whole book can match by accident. Cached: every retrieval builds its feature's query."""
    cut = _READING_LIST.search(text)
    lines = (text[: cut.start()] if cut else text).split("\n")
    kept = []
    for i, line in enumerate(lines):
        before, after = (lines[i - 1] if i else ""), (lines[i + 1] if i + 1 < len(lines) else "")
        if line.strip()[:1] in "'‘\"“" or looks_like_gloss(line, before) or (after.strip() and looks_like_gloss(after, line)):
            continue
        kept.append(line)
    return "\n".join(kept)

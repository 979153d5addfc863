"""Interlinear examples and prose passages from a LaTeX grammar (``\\gll``/``\\glt`` blocks).

The translation pipeline needs the grammar's examples as *pairs* (source line, free translation,
word-aligned gloss) and its prose as passages with their section path. When the ingestion package
offers the grammar as passages (``grammar_rag.corpus.load_bundled`` / ``ingest_path``), prose is
taken from there; this small reader is the dependency-free path used for LaTeX sources directly
(and for the benchmark, whose exclusion filter needs the exact example sentences).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

from grammar_rag.types import Passage

log = logging.getLogger(__name__)

_SECTION_RE = re.compile(r"\\(chapter|section|subsection|subsubsection)\*?\s*(?:\[[^\]]*\])?\{((?:[^{}]|\{[^{}]*\})*)\}")
_GLL_RE = re.compile(r"\\gll\s(.*?)\\\\\s*(.*?)\\\\\s*(?:\\glt\s*)+(.*?)(?:\\jambox|\\label|\\ex\b|\\end\{|\n\s*\n|\})", re.S)
_CMD_WITH_ARG_DROP = re.compile(r"\\(?:jambox\*?|href|label|ref|cite[pt]?|citealt|footnote|index|url|is|il|ia)\s*(?:\[[^\]]*\])?\{(?:[^{}]|\{[^{}]*\})*\}")
_CMD_KEEP_ARG = re.compile(r"\\(?:textbf|textit|emph|textsc|textup|textsuperscript|mbox|uline|underline|isi|ili|tsc)\s*\{((?:[^{}]|\{[^{}]*\})*)\}")
_BARE_CMD = re.compile(r"\\[a-zA-Z]+\*?")


_LEVELS = {"chapter": 0, "section": 1, "subsection": 2, "subsubsection": 3}


@dataclass(frozen=True)
class InterlinearExample:
    id: str
    source: str  # the object-language line, boundaries kept ("sor=at")
    gloss: str  # word-aligned gloss line
    translation: str
    section: tuple[str, ...]
    file: str


def clean_latex(text: str, upper_smallcaps: bool = False) -> str:
    text = re.sub(r"(?<!\\)%.*", "", text)
    text = text.replace("{\\ob}", "[").replace("{\\cb}", "]").replace("\\ob", "[").replace("\\cb", "]")
    text = _CMD_WITH_ARG_DROP.sub("", text).replace("\\_", "_")
    if upper_smallcaps:
        text = re.sub(r"\\textsc\{([^{}]*)\}", lambda m: m.group(1).upper(), text)
        text = re.sub(r"\{\\gl([a-z]+)\}", lambda m: m.group(1).upper(), text)
    for _ in range(3):
        text = _CMD_KEEP_ARG.sub(r"\1", text)
    text = _BARE_CMD.sub("", text)
    text = text.replace("~", " ").replace("``", '"').replace("''", '"')
    text = re.sub(r"[{}]", "", text)
    return re.sub(r"\s+", " ", text).strip()


def _strip_quotes(text: str) -> str:
    text = text.strip()
    text = re.sub(r"^[`'‘\"]+|['’\"]+$", "", text.strip())
    return text.strip()


def _files(tex_dir: Path) -> list[Path]:
    skip = {"glossary.tex", "abbreviations.tex", "localmetadata.tex", "main.tex", "preface.tex"}
    return sorted(p for p in tex_dir.glob("*.tex") if p.name not in skip)


def parse_tex_dir(tex_dir: Path, grammar_id: str = "kalamang") -> tuple[list[InterlinearExample], list[Passage]]:
    """All interlinear examples and prose paragraphs of the ``*.tex`` chapters under ``tex_dir``."""
    examples: list[InterlinearExample] = []
    passages: list[Passage] = []
    order = 0
    for path in _files(tex_dir):
        raw = path.read_text(encoding="utf-8", errors="replace")
        # sections are assigned by position: collect heading offsets first
        headings = [(m.start(), m.group(1), clean_latex(m.group(2))) for m in _SECTION_RE.finditer(raw)]

        def section_at(offset: int, headings: list[tuple[int, str, str]] = headings) -> tuple[str, ...]:
            path_: list[str] = []
            for start, kind, title in headings:
                if start > offset:
                    break
                path_ = [*path_[: _LEVELS[kind]], title]
            return tuple(path_)

        for n, m in enumerate(_GLL_RE.finditer(raw)):
            source = clean_latex(m.group(1))
            gloss = clean_latex(m.group(2), upper_smallcaps=True)
            translation = _strip_quotes(clean_latex(m.group(3)))
            if source and translation:
                examples.append(InterlinearExample(f"{path.stem}:ex{n + 1}", source, gloss, translation, section_at(m.start()), path.name))
        # prose: example/table environments blanked out (same length, so heading offsets still hold)
        blank = lambda m: re.sub(r"[^\n]", " ", m.group(0))  # noqa: E731
        body = re.sub(r"\\begin\{(exe|table|figure|tabular|xlist)\*?\}.*?\\end\{\1\*?\}", blank, raw, flags=re.S)
        body = re.sub(r"\\ea\b.*?\\z\b", blank, body, flags=re.S)  # langsci gb4e examples
        for m in re.finditer(r"\S.*?(?=\n\s*\n|\Z)", body, re.S):
            para = m.group(0)
            if "\\gll" in para:
                continue
            heads = list(_SECTION_RE.finditer(para))
            where = m.start() + (heads[-1].end() if heads else 0)
            text = clean_latex(_SECTION_RE.sub("", para))
            if len(text) < 80 or text.count(" ") < 10:
                continue
            order += 1
            passages.append(
                Passage(
                    grammar_id=grammar_id,
                    passage_id=f"{grammar_id}:{path.stem}:p{order}",
                    text=text,
                    section=section_at(where),
                    kind="prose",
                    order=order,
                )
            )
    log.info("parsed %d interlinear examples and %d prose passages from %s", len(examples), len(passages), tex_dir)
    return examples, passages

"""LaTeX grammars (Language Science Press layout): chapters -> sections -> paragraphs.

The book is read the way LaTeX reads it: from ``main.tex`` through ``\\include``/``\\input`` in
order. Chapter/section numbers are computed from the order of ``\\chapter``/``\\section``/...
(unnumbered in front matter, lettered after ``\\appendix``), so every passage carries a section
path like ("6 Nouns, noun phrases and postpositional phrases", "6.2 Noun derivation") — the
citation a reader can look up, since a LaTeX source has no pages.

Interlinear examples (gb4e ``exe``/``\\ex``/``xlist``, langsci-gb4e ``\\ea``...``\\z``, ``\\gll``,
``\\glll``, ``\\glt``) are kept whole, one passage of kind "example" per numbered example,
rendered as source line(s), gloss line, translation. ``\\ref`` resolves to the number the label
got (section "6.2", example "(14)", table "6.3"); tables are flattened to "cell | cell" rows.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

from grammar_rag.errors import IngestError
from grammar_rag.ingest.base import DEFAULT_CHUNKING, INGESTERS, ChunkingConfig, Ingester
from grammar_rag.ingest.book_year import source_stated_year
from grammar_rag.ingest.chunking import Unit, make_passages
from grammar_rag.ingest.latex_bib import Citations, bib_files, load_bib, published_years
from grammar_rag.ingest.latex_pages import add_pdf_pages
from grammar_rag.ingest.latex_render import (
    InlineRenderer,
    label_keys,
    read_arg,
    read_command,
    read_optional,
    reference_aliases,
    resolve_refs,
)
from grammar_rag.ingest.latex_source import (
    expand_simple_macros,
    find_env_end,
    find_example_end,
    metadata_from_source,
    read_source,
    split_top_level,
    unclosed_brace_message,
)
from grammar_rag.ingest.latex_tables import TABLE_ENVS, inline_block, tables_in, tabular_rows
from grammar_rag.ingest.latex_units import cohere
from grammar_rag.ingest.metadata import (
    build_grammar,
    caller_names_language,
    source_name,
)
from grammar_rag.types import IngestedGrammar, PassageKind

logger = logging.getLogger(__name__)

SECTION_LEVELS = {
    "part": 0,
    "chapter": 1,
    "addchap": 1,
    "section": 2,
    "subsection": 3,
    "subsubsection": 4,
    # langscibook defines \subsubsubsection as \paragraph's level (one counter, numbered 4.3.1.2.3)
    "subsubsubsection": 5,
    "paragraph": 5,
}
EXAMPLE_ENVS = {"exe", "examples"}
FLOAT_ENVS = {"table", "table*", "sidewaystable", "figure", "figure*", "subfigure"}
LIST_ENVS = {"itemize", "enumerate", "description"}
SKIP_ENVS = {"tikzpicture", "forest", "bchart", "verbatim", "comment", "picture"}
_STRUCT = re.compile(
    r"\\(?:(?P<sec>part|chapter|addchap|section|subsection|subsubsection|subsubsubsection|paragraph)\b\*?"
    r"|(?P<begin>begin)\s*\{(?P<env>[^}]*)\}"
    r"|(?P<ea>ea)(?![A-Za-z])"
    r"|(?P<matter>frontmatter|mainmatter|backmatter|appendix)(?![A-Za-z])"
    r"|(?P<entry>newentry)(?![A-Za-z])"
    r"|(?P<english>english)(?![A-Za-z])"
    r"|(?P<twocol>twocolumn)(?![A-Za-z])"
    r"|(?P<fn>footnote)(?![A-Za-z]))"
)
_JUDGEMENT = re.compile(r"\s*\[([*?#%]{0,3})\]")  # gb4e \ex[*]: ungrammatical, ? marginal; [] none
_EX_SPLIT = re.compile(r"\\(ex|exi|ea|z|zlast|begin|end)(?![A-Za-z])")


@dataclass
class _State:
    counters: list[int] = field(default_factory=lambda: [0] * 8)
    appendix: bool = False
    matter: str = "body"  # "front" after \\frontmatter, "back" after \\backmatter
    numbered: bool = True
    stack: list[tuple[int, str]] = field(default_factory=list)
    current_number: str = ""
    example_no: int = 0
    table_no: int = 0
    figure_no: int = 0
    labels: dict[str, str] = field(default_factory=dict)
    footnote_no: int = 0  # the book's footnote number, restarting with each chapter

    @property
    def path(self) -> tuple[str, ...]:
        return tuple(t for _, t in self.stack)

    @property
    def chapter(self) -> str:
        n = self.counters[1]
        if not n:
            return ""
        return chr(ord("A") + n - 1) if self.appendix else str(n)


class LatexConverter:
    """Walks the expanded source and emits units; one instance per document."""

    def __init__(self, citations: Citations | None = None, ref_macros: dict[str, tuple[int, str]] | None = None,
                 labels: frozenset[str] = frozenset()) -> None:
        self.r = InlineRenderer(citations=citations, ref_macros=ref_macros, label_keys=labels)
        self.state = _State()
        self.units: list[tuple[str, tuple[str, ...], PassageKind, tuple[str, ...]]] = []

    # -- helpers -------------------------------------------------------------------------------
    def _emit(self, text: str, kind: PassageKind = "prose") -> None:
        text = text.strip()
        if text:
            if self.state.matter != "body":  # preface, abbreviations / back matter: stored, not retrieved
                kind = "front_matter" if self.state.matter == "front" else "back_matter"
            # footnotes rendered since the last unit (its own, or a heading's just before it), numbered
            notes = []
            for note in self.r.take_notes():
                self.state.footnote_no += 1
                notes.append(f"{self.state.footnote_no} {note}")
            self.units.append((text, self.state.path, kind, tuple(notes)))

    def _label_here(self, s: str, value: str) -> None:
        for m in re.finditer(r"\\label\s*\{([^}]*)\}", s):
            self.state.labels.setdefault(m.group(1).strip(), value)

    def _prose(self, s: str) -> None:
        """Free text between structures: paragraphs at blank lines."""
        self._label_here(s, self.state.current_number or "(ref)")
        for para in re.split(r"\n[ \t]*\n", s):
            if not para.strip():
                continue
            # a single source newline is a space in LaTeX; only a double backslash, par, item break lines
            text = self.r.render(para.replace("\n", " "))
            lines = [" ".join(line.split()) for line in text.split("\n")]
            self._emit("\n".join(line for line in lines if line))

    # -- headings ------------------------------------------------------------------------------
    def _heading(self, s: str, i: int, name: str, starred: bool) -> int:
        _, j = read_optional(s, i)
        title_src, j = read_arg(s, j)
        title = " ".join(self.r.render(title_src).split())
        level = SECTION_LEVELS[name]
        st = self.state
        number = ""
        if not starred and name != "addchap" and (st.numbered or level > 1):
            st.counters[level] += 1
            # as in LaTeX's book class, a \part does not restart chapter numbers: chapters run
            # on across parts (1-4 in Part I, 5-9 in Part II)
            for deeper in range(max(level + 1, 2), len(st.counters)):
                st.counters[deeper] = 0
            if level == 1:
                st.example_no = st.table_no = st.figure_no = st.footnote_no = 0
            if level >= 1 and (level == 1 or st.chapter):
                parts = [st.chapter] + [str(st.counters[lv]) for lv in range(2, level + 1)]
                number = ".".join(parts)
        elif level == 1:
            st.example_no = st.table_no = st.figure_no = st.footnote_no = 0
        st.current_number = number
        st.stack = [(lv, t) for lv, t in st.stack if lv < level]
        st.stack.append((level, f"{number} {title}".strip()))
        # a \label right after the heading names this section
        m = re.match(r"\s*(?:\\is\s*\{[^}]*\}\s*)*\\label\s*\{([^}]*)\}", s[j:])
        if m:
            st.labels.setdefault(m.group(1).strip(), number or title)
        return j

    # -- examples ------------------------------------------------------------------------------
    def _split_items(self, body: str, opener: str) -> list[str]:
        """Split an example block into its top-level ``\\ex`` items (nested lists stay inside).

        For langsci-gb4e ``\\ea first \\ex second \\z`` the text before the first ``\\ex`` is
        item one; for gb4e ``exe``/``xlist`` every item starts with ``\\ex``.
        """
        bounds: list[tuple[int, int]] = []
        depth = 0  # environments and \ea...\z blocks alike
        for m in _EX_SPLIT.finditer(body):
            tok = m.group(1)
            if tok in ("begin", "ea"):
                depth += 1
            elif tok in ("end", "z", "zlast"):
                depth -= 1
            elif tok == "ex" and depth == 0:
                bounds.append((m.start(), m.end()))
        if not bounds:
            return [body] if body.strip() else []
        items = [body[end : (bounds[k + 1][0] if k + 1 < len(bounds) else len(body))] for k, (_, end) in enumerate(bounds)]
        head = body[: bounds[0][0]]
        if head.strip():
            if opener == "ea":
                items.insert(0, head)
            else:
                items[0] = head + " " + items[0]
        return [it for it in items if it.strip()]

    def _render_interlinear(self, item: str) -> str:
        """One example item -> readable lines (sub-examples lettered a., b., ...)."""
        judged = _JUDGEMENT.match(item)  # \ex[*]{...}: the judgement prints before the example
        if judged:
            rest = self._render_interlinear(item[judged.end() :])
            return f"{judged.group(1)}{rest}" if judged.group(1) and rest else rest
        # sub-examples: xlist env or nested \ea...\z
        sub = re.search(r"\\begin\s*\{(xlist)\}", item)
        nested = re.search(r"\\ea(?![A-Za-z])|\\begin\s*\{exe\}", item)
        if sub:
            end, after = find_env_end(item, sub.end(), sub.group(1))
            head = self._render_interlinear(item[: sub.start()]) if item[: sub.start()].strip() else ""
            parts = self._split_items(item[sub.end() : end], "xlist")
            tail = self._render_interlinear(item[after:]) if item[after:].strip() else ""
            rendered = [f"{chr(ord('a') + k)}. {self._render_interlinear(p)}" for k, p in enumerate(parts[:26])]
            return "\n\n".join(x for x in [head, *rendered, tail] if x.strip())
        if nested:
            end, after = find_example_end(item, nested.end())
            head = self._render_interlinear(item[: nested.start()]) if item[: nested.start()].strip() else ""
            parts = self._split_items(item[nested.end() : end], "ea")
            tail = self._render_interlinear(item[after:]) if item[after:].strip() else ""
            rendered = [f"{chr(ord('a') + k)}. {self._render_interlinear(p)}" for k, p in enumerate(parts[:26])]
            return "\n\n".join(x for x in [head, *rendered, tail] if x.strip())
        gl = re.search(r"\\(gllll|glll|gll)(?![A-Za-z])", item)
        if not gl:
            return inline_block(self.r, item)
        prefix = inline_block(self.r, item[: gl.start()])
        body = item[gl.end() :]
        glt = re.search(r"\\(glt|trans|glend)(?![A-Za-z])'?", body)
        lines_src = body[: glt.start()] if glt else body
        translation_src = body[glt.end() :] if glt else ""
        n_lines = {"gll": 2, "glll": 3, "gllll": 4}[gl.group(1)]
        raw_lines = split_top_level(lines_src, "\\\\")
        lines = [" ".join(self.r.render(x).split()) for x in raw_lines[:n_lines]]
        extra = "".join(raw_lines[n_lines:])
        translation = " ".join(self.r.render(translation_src + extra).split())
        if prefix:
            lines[0] = (prefix + " " + lines[0]).strip() if lines else prefix
        lines = [ln for ln in lines if ln]
        if translation:
            lines.append(translation)
        return "\n".join(lines)

    def _examples(self, body: str, opener: str) -> None:
        st = self.state
        for item in self._split_items(body, opener):
            st.example_no += 1
            number = str(st.example_no)  # like gb4e: sources write "(\\ref{exe:x})"
            for m in re.finditer(r"\\label\s*\{([^}]*)\}", item):
                st.labels.setdefault(m.group(1).strip(), number)
            text = self._render_interlinear(item).strip()
            if text:  # the number as the book prints it, so a passage cites "(14)" like the page does
                self._emit(f"({number}) {text}", "example")

    # -- tables --------------------------------------------------------------------------------
    def _float(self, env: str, body: str) -> None:
        st = self.state
        is_table = env.startswith("table") or env == "sidewaystable"
        caption = ""
        m = re.search(r"\\caption\s*", body)
        if m:
            _, k = read_optional(body, m.end())
            cap_src, _ = read_arg(body, k)
            caption = " ".join(self.r.render(cap_src).split())
        if is_table:
            st.table_no += 1
            number = f"{st.chapter}.{st.table_no}" if st.chapter else str(st.table_no)
        else:
            st.figure_no += 1
            number = f"{st.chapter}.{st.figure_no}" if st.chapter else str(st.figure_no)
        self._label_here(body, number)
        parts = [f"{'Table' if is_table else 'Figure'} {number}: {caption}".strip()]
        parts.extend(tables_in(self.r, body))
        text = "\n".join(p for p in parts if p)
        if is_table or len(parts) > 1:
            self._emit(text, "table")
        elif caption:
            self._emit(text, "prose")

    # -- dictionary ----------------------------------------------------------------------------
    def _entry(self, s: str, i: int) -> int:
        """``\\newentry \\headword{x} \\pos{y} \\glosses{z}`` -> "x (y): z" (kind "other")."""
        fields: dict[str, str] = {}
        j = i
        while True:
            m = re.match(r"\s*\\(headword|pos|glosses|sensenr|kalamang|english|example|translation)\s*", s[j:])
            if not m:
                break
            arg, j = read_arg(s, j + m.end())
            fields.setdefault(m.group(1), " ".join(self.r.render(arg).split()))
        if fields:
            text = fields.get("headword", "")
            if fields.get("pos"):
                text += f" ({fields['pos']})"
            if fields.get("glosses"):
                text += f": {fields['glosses']}"
            self._emit(text, "other")
        return j

    def _english_list(self, s: str, i: int) -> int:
        """English-Kalamang wordlist: ``\\english{x}\\kalamang{y}`` pairs, 20 per passage."""
        pairs: list[str] = []
        j = i - len("\\english")
        while True:
            m = re.match(r"\s*(?:\\noindent\s*)?\\english\s*", s[j:])
            if not m:
                break
            eng, j = read_arg(s, j + m.end())
            m2 = re.match(r"\s*\\kalamang\s*", s[j:])
            kal = ""
            if m2:
                kal, j = read_arg(s, j + m2.end())
            pairs.append(f"{' '.join(self.r.render(eng).split())}: {' '.join(self.r.render(kal).split())}")
        for k in range(0, len(pairs), 20):
            self._emit("\n".join(pairs[k : k + 20]), "other")
        return j

    # -- main loop -----------------------------------------------------------------------------
    def convert(self, s: str) -> list[Unit]:
        begin = re.search(r"\\begin\s*\{document\}", s)
        if begin:
            end = re.search(r"\\end\s*\{document\}", s)
            s = s[begin.end() : end.start() if end else len(s)]
        self._walk(s)
        labels = self.state.labels
        return cohere([Unit(resolve_refs(text, labels), None, None, path, kind,
                            notes=tuple(resolve_refs(n, labels) for n in notes))
                       for text, path, kind, notes in self.units])

    def _walk(self, s: str) -> None:
        i = 0
        n = len(s)
        while i < n:
            m = _STRUCT.search(s, i)
            while m and m.group("fn"):  # a footnote is part of its paragraph, examples in it too
                _, k = read_optional(s, m.end())
                _, k = read_arg(s, k)
                m = _STRUCT.search(s, k)
            if not m:
                self._prose(s[i:])
                return
            self._prose(s[i : m.start()])
            if m.group("sec"):
                name, after = read_command(s, m.start())
                starred = s[m.start() : after].endswith("*")
                i = self._heading(s, after, name, starred)
            elif m.group("matter"):
                which = m.group("matter")
                self.state.numbered = which in ("mainmatter", "appendix")
                self.state.matter = {"frontmatter": "front", "backmatter": "back"}.get(which, "body")
                if which == "appendix":
                    self.state.appendix = True
                    self.state.counters[1] = 0
                i = m.end()
            elif m.group("ea"):
                end, after = find_example_end(s, m.end())
                self._examples(s[m.end() : end], "ea")
                i = after
            elif m.group("entry"):
                i = self._entry(s, m.end())
            elif m.group("english"):
                i = self._english_list(s, m.end())
            elif m.group("twocol"):
                # \twocolumn[\section*{...}]: the optional argument holds a heading
                opt, after = read_optional(s, m.end())
                if opt:
                    self._walk(opt)
                i = after
            else:
                env = m.group("env").strip()
                body_start = m.end()
                if env == "exe":
                    end, after = find_example_end(s, body_start)
                else:
                    end, after = find_env_end(s, body_start, env)
                body = s[body_start:end]
                if env in EXAMPLE_ENVS:
                    self._examples(body, "exe")
                elif env in FLOAT_ENVS:
                    self._float(env, body)
                elif env in TABLE_ENVS:
                    flat = tabular_rows(self.r, env, body)
                    if flat:
                        self._emit(flat, "table")
                elif env in LIST_ENVS:  # walked: numbered examples inside list items stay examples
                    self._walk(body)
                elif env in SKIP_ENVS:
                    pass
                elif env == "letter":
                    _, k = read_arg(body, 0)
                    self._walk(body[k:])
                else:  # quote, otherlanguage, center, minipage...: walk inside
                    if env in ("otherlanguage", "minipage", "multicols", "wrapfigure"):
                        _, k = read_arg(body, 0)
                        body = body[k:]
                    self._walk(body)
                i = after


def ingest_latex(
    path: Path, *, chunking: ChunkingConfig = DEFAULT_CHUNKING, metadata: dict[str, object] | None = None
) -> list[IngestedGrammar]:
    """A LaTeX grammar: a ``.tex`` file, a directory with ``main.tex``, or a folder of chapter files."""
    path = Path(path)
    source, root_file = read_source(path)
    stated_year = source_stated_year(source)  # (before a year macro's definition is expanded away)
    source = expand_simple_macros(source)
    citations = Citations(load_bib(bib_files(root_file.parent)))
    units = LatexConverter(citations, reference_aliases(source), label_keys(source)).convert(source)
    if citations.unknown:
        logger.info("%s: %d cited keys not in the book's .bib files (shown as author-year from the key, "
                    "else '(reference)')", path, len(citations.unknown))
    if not units:
        raise IngestError(f"{path}: {unclosed_brace_message(source) or 'no text found in the LaTeX source.'}")
    units = add_pdf_pages(units, path)  # printed pages where the compiled book lies beside it
    guessed = metadata_from_source(root_file, source, source_name(path), not caller_names_language(metadata),
                                   cited_years=published_years(bib_files(root_file.parent), citations.cited),
                                   stated_year=stated_year)
    grammar = build_grammar(guessed, metadata, source_path=path, source_format="latex")
    passages = make_passages(grammar.id, units, chunking)
    logger.info("%s: %d passages (latex)", path, len(passages))
    return [IngestedGrammar(grammar, passages)]


@INGESTERS.register("latex", help="LaTeX grammar (main.tex + chapters; Language Science Press style)")
def _factory() -> Ingester:
    return ingest_latex

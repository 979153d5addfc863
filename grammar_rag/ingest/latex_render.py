"""Inline LaTeX -> readable text, for linguistics sources (Language Science Press style).

Grammars written in LaTeX mix prose with markup that matters (``\\textsc{neg}`` is the gloss NEG,
``\\ili{Malay}`` prints "Malay") and markup that must vanish (``\\is{}``/``\\il{}`` index
entries, ``\\label{}``). This module renders one stretch of inline material; block structure
(sections, examples, tables) is handled by :mod:`grammar_rag.ingest.latex`. Unknown macros keep
the text of their braced arguments: losing a word is worse than keeping a stray one.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from grammar_rag.ingest.latex_bib import Citations

REF_OPEN, REF_CLOSE = "\x00ref:", "\x00"

# Macros removed together with their (braced) arguments: index entries, layout, labels.
DROP_ARGS: dict[str, int] = {
    "is": 1, "il": 1, "index": 1, "label": 1, "includegraphics": 1, "hspace": 1, "vspace": 1,
    "addbibresource": 1, "todo": 1, "captionsetup": 1, "arrayrulecolor": 1, "chead": 1,
    "ohead": 1, "ihead": 1, "lohead": 1, "rohead": 1, "renewcommand": 2, "newcommand": 2,
    "newlength": 1, "setlength": 2, "addtolength": 2, "cmidrule": 1, "tablevspace": 0,
    "largerpage": 0, "currentpdfbookmark": 2, "bibliography": 1, "bibliographystyle": 1,
    "cline": 1, "textcolor": 1, "color": 1, "definecolor": 3, "phantom": 1, "vphantom": 1,
    "hphantom": 1, "enlargethispage": 1, "linebreak": 0, "nolinebreak": 0, "selectlanguage": 1,
    "foreignlanguage": 1, "parbox": 1, "resizebox": 2, "scalebox": 1, "rotatebox": 1,
    "footnotemark": 0, "addcontentsline": 3, "lsPrefaceTitle": 0, "newenvironment": 3,
    "renewenvironment": 3, "setcounter": 2, "addtocounter": 2,
}
# Macros that simply print their last braced argument.
KEEP_ARG = {
    "textit", "emph", "textbf", "textrm", "textup", "textsf", "texttt", "textnormal", "mbox",
    "textsubscript", "textsuperscript", "ili", "isi", "jambox", "fbox", "underline", "uline",
    "sensenr", "textmd", "hbox", "makebox", "text", "textsl", "enquote", "ilt", "ist",
}
SYMBOLS: dict[str, str] = {
    "ob": "[", "cb": "]", "textendash": "–", "textemdash": "—", "textless": "<",
    "textgreater": ">", "slash": "/", "ldots": "…", "dots": "…", "textellipsis": "…",
    "newline": "\n", "o": "ø", "O": "Ø", "ae": "æ", "AE": "Æ", "oe": "œ", "ss": "ß",
    "textasciitilde": "~", "textbar": "|", "bcbar": "|", "textquotesingle": "'", "S": "§",
    "textbackslash": "\\", "dag": "†", "ddag": "‡", "textdegree": "°", "times": "×",
    "sim": "∼", "rightarrow": "→", "to": "→", "leftarrow": "←", "textipa": "", "l": "ł",
    "i": "ı", "LaTeX": "LaTeX", "TeX": "TeX", "textasteriskcentered": "*", "ng": "ŋ",
    "lsAbbreviationsTitle": "Abbreviations", "lsAcknowledgementTitle": "Acknowledgements",
    "lsPrefaceTitle": "Preface", "lsIndexTitle": "Index", "lsReferencesTitle": "References",
    "midrule": "", "toprule": "", "bottomrule": "", "hline": "", "lsptoprule": "",
    "lspbottomrule": "", "lspmidrule": "", "centering": "", "raggedright": "", "raggedleft": "",
    "noindent": "", "indent": "", "sloppy": "", "clearpage": "", "newpage": "", "pagebreak": "",
    "smallskip": "", "medskip": "", "bigskip": "", "hfill": " ", "fill": "", "vfill": "",
    "small": "", "footnotesize": "", "scriptsize": "", "tiny": "", "normalsize": "", "large": "",
    "Large": "", "huge": "", "upshape": "", "itshape": "", "bfseries": "", "mdseries": "",
    "normalfont": "", "em": "", "it": "", "bf": "", "rm": "", "par": "\n", "kill": "",
    "endhead": "", "endfirsthead": "", "endfoot": "", "endlastfoot": "", "restorebottom": "",
    "quad": " ", "qquad": " ", "xspace": "", "relax": "", "protect": "", "nobreak": "",
    "frontmatter": "", "mainmatter": "", "backmatter": "", "appendix": "", "maketitle": "",
    "tableofcontents": "", "onecolumn": "", "twocolumn": "", "bgroup": "", "egroup": "",
    "zlast": "", "z": "", "ea": "", "ex": "", "tabularnewline": "\n",
    "mid": "|", "leftmark": "", "rightmark": "",
}
# reference commands: text printed before/after the referenced number (LaTeX, cleveref, LSP)
REF_PREFIX = {
    "ref": ("", ""), "eqref": ("(", ")"), "autoref": ("", ""), "cref": ("", ""), "Cref": ("", ""),
    "pageref": ("", ""), "tabref": ("Table ", ""), "figref": ("Figure ", ""), "sectref": ("§", ""),
    "Sectref": ("§", ""), "chapref": ("Chapter ", ""), "Chapref": ("Chapter ", ""), "partref": ("Part ", ""),
    "appref": ("Appendix ", ""), "REF": ("(", ")"), "exref": ("(", ")"), "mapref": ("Map ", ""),
    "fnref": ("note ", ""), "nameref": ("", ""),
}
EXAMPLE_POINTERS = {"Next": "(next example)", "NNext": "(the example after next)", "Last": "(previous example)",
                    "LLast": "(the example before the previous one)"}
CITE = {
    "cite", "citet", "citep", "citealt", "citealp", "textcite", "parencite", "citeauthor",
    "citeyear", "citeyearpar", "autocite", "citetitle", "footcite", "Citet", "Textcite", "Citealt",
}
ACCENTS = {
    "'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303", "=": "\u0304",
    ".": "\u0307", "c": "\u0327", "u": "\u0306", "v": "\u030c", "H": "\u030b", "t": "\u0361",
    "d": "\u0323", "b": "\u0331", "k": "\u0328", "r": "\u030a",
}
# gb4e/expex gloss macros that are structure, never "undefined gloss abbreviations".
_STRUCTURAL_GL = {"gll", "glll", "gllll", "glt", "gln", "glb", "glend", "glosses"}


def strip_comments(text: str) -> str:
    """Drop ``%`` comments (not ``\\%``) line by line, keeping the line break."""
    out = []
    for line in text.split("\n"):
        i = 0
        while True:
            j = line.find("%", i)
            if j < 0:
                break
            backslashes = 0
            k = j - 1
            while k >= 0 and line[k] == "\\":
                backslashes += 1
                k -= 1
            if backslashes % 2 == 0:
                line = line[:j]
                break
            i = j + 1
        out.append(line)
    return "\n".join(out)


def read_group(s: str, i: int) -> tuple[str, int]:
    """``s[i] == "{"``: return (content, index after the matching ``}``)."""
    depth = 0
    j = i
    n = len(s)
    while j < n:
        ch = s[j]
        if ch == "\\":
            j += 2
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return s[i + 1 : j], j + 1
        j += 1
    return s[i + 1 :], n


def read_optional(s: str, i: int) -> tuple[str | None, int]:
    """Skip spaces; if ``s[i] == "["`` return (content, after ``]``) respecting braces."""
    j = skip_spaces(s, i)
    if j >= len(s) or s[j] != "[":
        return None, i
    depth = 0
    k = j + 1
    while k < len(s):
        ch = s[k]
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch == "]" and depth <= 0:
            return s[j + 1 : k], k + 1
        k += 1
    return None, i


def skip_spaces(s: str, i: int, newlines: bool = True) -> int:
    while i < len(s) and (s[i] in " \t" or (newlines and s[i] == "\n" and not _blank_line_at(s, i))):
        i += 1
    return i


def _blank_line_at(s: str, i: int) -> bool:
    j = i + 1
    while j < len(s) and s[j] in " \t":
        j += 1
    return j < len(s) and s[j] == "\n"


def read_arg(s: str, i: int) -> tuple[str, int]:
    """Next mandatory argument: a braced group or a single token."""
    j = skip_spaces(s, i)
    if j >= len(s):
        return "", j
    if s[j] == "{":
        return read_group(s, j)
    if s[j] == "\\":
        k = j + 1
        while k < len(s) and s[k].isalpha():
            k += 1
        return s[j : max(k, j + 2)], max(k, j + 2)
    return s[j], j + 1


def read_command(s: str, i: int) -> tuple[str, int]:
    """``s[i] == "\\"``: return (name, index after name and optional star)."""
    j = i + 1
    if j < len(s) and s[j].isalpha():
        while j < len(s) and s[j].isalpha():
            j += 1
        name = s[i + 1 : j]
        if j < len(s) and s[j] == "*":
            j += 1
        return name, j
    return s[i + 1 : i + 2], i + 2


class InlineRenderer:
    """Render inline LaTeX to text; ``\\ref`` becomes a placeholder resolved after numbering."""

    def __init__(
        self,
        cite: Callable[[list[str], str | None], str] | None = None,
        citations: Citations | None = None,
        ref_macros: dict[str, tuple[int, str]] | None = None,
        label_keys: frozenset[str] = frozenset(),
    ) -> None:
        self._cite = cite or (lambda keys, note: "(" + "; ".join(keys) + (f": {note}" if note else "") + ")")
        # with the book's bibliography, citations read author-year ("Smith & Jones (2001)")
        self._citations = citations
        # the book's own aliases of reference commands (\refex{#1} -> (\ref{#1})): name -> (args, body)
        self._ref_macros = ref_macros or {}
        # the book's \label keys: a bare group holding one ("{ex:Where}", a \ref whose command was
        # lost in the source) prints the key itself in the book; here it resolves like a \ref
        self._label_keys = label_keys
        # footnotes rendered since the last take_notes(): detached from the running text, as PDF and
        # text ingestion detach theirs, and handed to the passage that cites them
        self._notes: list[str] = []

    def take_notes(self) -> list[str]:
        """The footnotes rendered since the last call, in order (and forget them)."""
        notes, self._notes = self._notes, []
        return notes

    def render(self, s: str) -> str:
        out: list[str] = []
        i = 0
        n = len(s)
        while i < n:
            ch = s[i]
            if ch == "\\":
                i = self._command(s, i, out)
            elif ch == "{":
                content, i = read_group(s, i)
                key = content.strip()
                out.append(f"({REF_OPEN}{key}{REF_CLOSE})" if key in self._label_keys else self._group(content))
            elif ch == "}" or ch == "$":
                i += 1
            elif ch == "~" or ch == "&":
                out.append(" ")
                i += 1
            elif ch == "`":
                # TeX quotes -> ASCII: `word' -> 'word', ``x'' -> "x" (a typographic opening
                # quote next to an ASCII apostrophe would look broken and hurt exact search)
                if s.startswith("``", i):
                    out.append('"')
                    i += 2
                else:
                    out.append("'")
                    i += 1
            elif ch == "'" and s.startswith("''", i):
                out.append('"')
                i += 2
            elif ch == "-" and s.startswith("---", i):
                out.append("—")
                i += 3
            elif ch == "-" and s.startswith("--", i):
                out.append("–")
                i += 2
            else:
                j = i
                while j < n and s[j] not in "\\{}$~&`'-":
                    j += 1
                if j == i:
                    j = i + 1
                out.append(s[i:j])
                i = j
        return unicodedata.normalize("NFC", "".join(out))

    def _group(self, content: str) -> str:
        stripped = content.lstrip()
        for switch, upper in (("\\scshape", True), ("\\sc ", True), ("\\itshape", False), ("\\bfseries", False)):
            if stripped.startswith(switch):
                text = self.render(stripped[len(switch) :].lstrip())  # TeX eats the space after a control word
                return text.upper() if upper else text
        return self.render(content)

    def _command(self, s: str, i: int, out: list[str]) -> int:
        name, j = read_command(s, i)
        if name in ("\\", "newline"):
            out.append("\n")
            _, j = read_optional(s, j)
            return j
        if name in ("&", "%", "$", "#", "_", "{", "}"):
            out.append(name)
            return j
        if name in (",", ";", ":", " ", "!", "/", "@"):
            out.append(" " if name in (",", ";", ":", " ") else "")
            return j
        if name == "-":  # discretionary hyphen
            return j
        if name in ACCENTS and (not name.isalpha() or (j < len(s) and s[j] in "{ ")):
            arg, j = read_arg(s, j)
            base = self.render(arg)
            if base[:1] in ("ı", "ȷ"):  # \"{\i}: accents go on the dotless letters' dotted forms
                base = {"ı": "i", "ȷ": "j"}[base[0]] + base[1:]
            out.append(unicodedata.normalize("NFC", base[:1] + ACCENTS[name] + base[1:]) if base else "")
            return j
        if name in DROP_ARGS:
            _, j = read_optional(s, j)
            for _ in range(DROP_ARGS[name]):
                _, j = read_arg(s, j)
            if name in ("scalebox", "rotatebox", "parbox", "resizebox", "textcolor", "foreignlanguage"):
                # these print their last argument
                _, j = read_optional(s, j)
                arg, j = read_arg(s, j)
                out.append(self.render(arg))
            return j
        if name == "textsc":
            arg, j = read_arg(s, j)
            out.append(self.render(arg).upper())
            return j
        if name in ("begin", "end"):
            arg, j = read_arg(s, j)
            if name == "begin" and arg.strip() in ("tabular", "longtable"):
                _, j = read_optional(s, j)
                _, j = read_arg(s, j)  # column spec is layout, not text
            return j
        if name == "scshape":
            return j  # a bare switch outside a group: handled where groups are rendered
        if name == "href":
            _, j = read_arg(s, j)
            arg, j = read_arg(s, j)
            out.append(self.render(arg))
            return j
        if name == "url":
            arg, j = read_arg(s, j)
            out.append(arg)
            return j
        if name in self._ref_macros:
            n_args, body = self._ref_macros[name]
            for k in range(1, n_args + 1):
                arg, j = read_arg(s, j)
                body = body.replace(f"#{k}", arg)
            out.append(self.render(body))
            return j
        if name == "xxref":  # langsci-gb4e: a range of examples
            first, j = read_arg(s, j)
            last, j = read_arg(s, j)
            out.append("(" + REF_OPEN + first.strip() + REF_CLOSE + "–" + REF_OPEN + last.strip() + REF_CLOSE + ")")
            return j
        if name in REF_PREFIX:
            arg, j = read_arg(s, j)
            if name == "pageref":
                out.append("(ref)")
            else:
                prefix, suffix = REF_PREFIX[name]
                out.append(prefix + REF_OPEN + arg.strip() + REF_CLOSE + suffix)
            return j
        if name in EXAMPLE_POINTERS:  # langsci-gb4e \Next, \Last: the neighbouring example
            out.append(EXAMPLE_POINTERS[name])
            return j
        if name in CITE or name == "cites":
            return self._citation(s, j, out, multi=name == "cites", command=name)
        if name == "footnote":
            _, j = read_optional(s, j)
            arg, j = read_arg(s, j)
            self._notes.append(" ".join(self.render(arg).split()))
            return j
        if name == "multicolumn":
            _, j = read_arg(s, j)
            _, j = read_arg(s, j)
            arg, j = read_arg(s, j)
            out.append(self.render(arg))
            return j
        if name in KEEP_ARG:
            _, j = read_optional(s, j)
            arg, j = read_arg(s, j)
            out.append(self.render(arg))
            return j
        if name == "item":  # \item[(a)] prints its label, a plain \item a bullet; \item[] nothing
            label, j = read_optional(s, j)
            out.append("\n" + ("• " if label is None else self.render(label).strip() + " "))
            return j
        if name in SYMBOLS:
            out.append(SYMBOLS[name])
            return j
        if name.startswith("gl") and name not in _STRUCTURAL_GL and len(name) > 2:
            # Book-specific gloss macros (\glse, \glet ...) whose definitions live in the book's
            # localcommands.tex: print the morpheme they stand for in small caps (SE, ET).
            out.append(name[2:].upper())
            return j
        # Unknown macro: drop the name, keep the text of its braced arguments.
        _, j = read_optional(s, j)
        k = skip_spaces(s, j, newlines=False)
        while k < len(s) and s[k] == "{":
            arg, k = read_group(s, k)
            out.append(self.render(arg))
            j = k
            k = skip_spaces(s, k, newlines=False)
        return j

    def _citation(self, s: str, j: int, out: list[str], multi: bool, command: str = "cite") -> int:
        notes: list[str] = []
        keys: list[str] = []
        while True:
            note1, k = read_optional(s, j)
            note2 = None
            if note1 is not None:
                note2, k = read_optional(s, k)
            k2 = skip_spaces(s, k, newlines=False)
            if k2 < len(s) and s[k2] == "{":
                arg, j = read_group(s, k2)
                keys.extend(key.strip() for key in arg.split(",") if key.strip())
                note = note2 if note2 is not None else note1
                if note:
                    notes.append(self.render(note).strip())
                if not multi:
                    break
            else:
                break
        note = "; ".join(n for n in notes if n) or None
        if self._citations is not None:
            out.append(self._citations.render(command, keys, note))
        else:
            out.append(self._cite(keys, note))
        return j


_BUILTIN = {*REF_PREFIX, *CITE, "cites", "xxref"}
_NEWCOMMAND = re.compile(r"\\(?:re)?newcommand\*?\s*\{?\\([A-Za-z]+)\}?\s*(?:\[(\d)\])?\s*\{")


def reference_aliases(source: str) -> dict[str, tuple[int, str]]:
    """A book's own ``\\newcommand`` aliases of reference and citation commands (``\\refex``,
    ``\\citeb`` ...): name -> (number of arguments, body), so ``\\refsec{sec:x}`` resolves like
    ``\\sectref{sec:x}`` and ``\\citeb{key}`` reads author-year like ``\\citealp{key}``."""
    out: dict[str, tuple[int, str]] = {}
    for m in _NEWCOMMAND.finditer(source):
        body, _ = read_group(source, m.end() - 1)
        if re.search(r"\\(?:" + "|".join([*REF_PREFIX, *CITE]) + r"|xxref|cites)\b", body) and m.group(1) not in _BUILTIN:
            out.setdefault(m.group(1), (int(m.group(2) or 0), body))
    return out


def label_keys(source: str) -> frozenset[str]:
    """Every ``\\label`` key the source defines."""
    return frozenset(m.group(1).strip() for m in re.finditer(r"\\label\s*\{([^}]*)\}", source))


def resolve_refs(text: str, labels: dict[str, str]) -> str:
    """Replace ``\\ref`` placeholders with the number the label got, else "(ref)"."""
    if REF_OPEN not in text:
        return text
    out = []
    i = 0
    while True:
        j = text.find(REF_OPEN, i)
        if j < 0:
            out.append(text[i:])
            break
        k = text.find(REF_CLOSE, j + len(REF_OPEN))
        if k < 0:
            out.append(text[i:])
            break
        out.append(text[i:j])
        label = text[j + len(REF_OPEN) : k]
        out.append(labels.get(label, "(ref)"))
        i = k + len(REF_CLOSE)
    return "".join(out)

"""LaTeX tables -> text rows ("cell | cell"), for table passages and for tables inside examples.

Apart from the converter (:mod:`grammar_rag.ingest.latex`) because a table is read the same way
wherever it stands: a float, a bare ``tabular`` in prose, or a minimal-pair list in ``tabbing``
inside an interlinear example.
"""

from __future__ import annotations

import re

from grammar_rag.ingest.latex_render import InlineRenderer, read_arg, read_optional
from grammar_rag.ingest.latex_source import find_env_end, split_top_level

TABLE_ENVS = {"tabular", "tabularx", "tabulary", "longtable", "tabbing", "supertabular", "xtabular"}
TABLE_BEGIN = re.compile(r"\\begin\s*\{(" + "|".join(sorted(TABLE_ENVS)) + r")\}")


def tabular_rows(r: InlineRenderer, env: str, body: str) -> str:
    """A table environment's body -> one "cell | cell" line per row (column spec and rules dropped)."""
    if env in ("tabular", "longtable", "supertabular", "xtabular"):
        _, k = read_optional(body, 0)
        _, k = read_arg(body, k)  # column spec
        body = body[k:]
    elif env in ("tabularx", "tabulary"):
        _, k = read_arg(body, 0)  # width
        _, k = read_optional(body, k)  # vertical position, as in \\begin{tabularx}{\\textwidth}[t]{...}
        _, k = read_arg(body, k)  # column spec
        body = body[k:]
    out = []
    for row in split_top_level(body, "\\\\"):
        if "\\kill" in row:
            continue
        cells = split_top_level(row, "&") if env != "tabbing" else re.split(r"\\[=>]", row)
        rendered = [c for c in (" ".join(r.render(c).split()) for c in cells) if c]
        if rendered:
            out.append(" | ".join(rendered))
    return "\n".join(out)


def tables_in(r: InlineRenderer, body: str) -> list[str]:
    """Rows of every table environment in ``body`` (a float may hold several)."""
    out = []
    for tm in TABLE_BEGIN.finditer(body):
        end, _ = find_env_end(body, tm.end(), tm.group(1))
        flat = tabular_rows(r, tm.group(1), body[tm.end() : end])
        if flat:
            out.append(flat)
    return out


def inline_block(r: InlineRenderer, src: str) -> str:
    """Inline material that may hold tables (an example's lines): tables become their rows."""
    tables: list[str] = []
    while True:
        m = TABLE_BEGIN.search(src)
        if not m:
            break
        end, after = find_env_end(src, m.end(), m.group(1))
        tables.append(tabular_rows(r, m.group(1), src[m.end() : end]))
        src = src[: m.start()] + f"\x01{len(tables) - 1}\x01" + src[after:]
    text = r.render(src)
    for k, flat in enumerate(tables):  # tables were rendered already: splice them in after
        text = text.replace(f"\x01{k}\x01", "\n" + flat + "\n")
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return "\n".join(line for line in lines if line)

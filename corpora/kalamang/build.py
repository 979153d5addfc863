"""Rebuild corpora/kalamang/{grammar.json,passages.jsonl.gz} from the LaTeX sources.

Usage: python corpora/kalamang/build.py DATA_DIR/kalamang/grammar_tex
(same as: grammar-rag corpus build kalamang --from DATA_DIR/kalamang/grammar_tex)
"""

from __future__ import annotations

import sys
from pathlib import Path

from grammar_rag.corpus import build_bundled_latex

if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    ingested = build_bundled_latex(Path(sys.argv[1]), Path(__file__).resolve().parent)
    print(f"{ingested.grammar.id}: {len(ingested.passages)} passages")

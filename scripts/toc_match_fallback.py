"""Section paths of PDFs read as if they had no outline, scored against their outline (issue 23).

Each PDF is ingested with ``use_outline=False`` (headings from the printed contents, else from type
and numbering) and, with ``--outline``, also as usual. Figures per book, all against the PDF's own
outline as the book's table of contents (:func:`grammar_rag.ingest.quality.toc_match`):

- ``strict``: the metric as defined (every title of the path, whitespace, case and punctuation
  aside: outline titles carry TeX's rendering, ```be'`` and "encliticssuffixes" where the printed
  contents print ``‘be’`` and "enclitics/suffixes"; words run together still differ);
- ``numbered``: paths reduced to their arabic-numbered titles ("3.4.1 X", "A.2 Y"): a Part level
  ("I Phonology") or an unnumbered subheading is not required (a diagnostic, not the criterion);
- ``letters_only``: titles compared on letters and digits only, so spacing is ignored too (a
  diagnostic, not the criterion: it would hide squashed titles).

``--out FILE`` writes the figures as JSON.

With ``--hashes DIR`` the sha1 of every passage (text, section, first and last page) is written per
book and mode, to compare two versions of the code:

    python scripts/toc_match_fallback.py ../shared/data/books/*/*.pdf --outline --hashes /tmp/after
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import re
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from grammar_rag.ingest import quality
from grammar_rag.ingest.pdf import ingest_pdf
from grammar_rag.ingest.pdf_outline import pdf_toc, squash
from grammar_rag.types import Passage

_NUMBERED = re.compile(r"^(?:\d{1,2}(?:\.\d{1,2})*|[A-Z](?:\.\d{1,2})+)\.?\s")


def _with_titles(reduce: Callable[[Sequence[str]], tuple[str, ...]], passages: Sequence[Passage],
                 toc: Sequence[tuple[int, str, str]]) -> float:
    """toc_match with both sides' paths normalised by ``reduce`` instead of the metric's own."""
    original = quality._norm_path
    quality._norm_path = reduce  # type: ignore[assignment]  # a measuring variant, restored below
    try:
        return quality.toc_match(passages, toc)
    finally:
        quality._norm_path = original


def figures(passages: Sequence[Passage], toc: Sequence[tuple[int, str, str]]) -> dict[str, float]:
    original = quality._norm_path
    return {
        "strict": quality.toc_match(passages, toc),
        "numbered": _with_titles(lambda path: original([t for t in path if _NUMBERED.match(" ".join(t.split()))]),
                                 passages, toc),
        "letters_only": _with_titles(lambda path: tuple(squash(t) for t in original(path)), passages, toc),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pdfs", nargs="+", type=Path)
    parser.add_argument("--outline", action="store_true", help="also ingest with the outline (the default reading)")
    parser.add_argument("--hashes", type=Path, default=None, help="write passage sha1s per book and mode here")
    parser.add_argument("--out", type=Path, default=None, help="write the figures as JSON here")
    args = parser.parse_args()
    report: dict[str, dict[str, object]] = {}
    for path in args.pdfs:
        toc = pdf_toc(path)
        for use_outline in (False, True) if args.outline else (False,):
            started = time.perf_counter()
            (item,) = ingest_pdf(path, use_outline=use_outline)
            seconds = round(time.perf_counter() - started, 1)
            mode = "outline" if use_outline else "no_outline"
            report.setdefault(path.stem, {})[mode] = {
                "seconds": seconds, "passages": len(item.passages), **figures(item.passages, toc)}
            if args.hashes is not None:
                args.hashes.mkdir(parents=True, exist_ok=True)
                rows = [{"sha1": hashlib.sha1(json.dumps([p.text, list(p.section), p.page_start, p.page_end])
                                              .encode()).hexdigest(), **dataclasses.asdict(p)}
                        for p in item.passages]
                (args.hashes / f"{path.stem}.{mode}.json").write_text(json.dumps(rows, ensure_ascii=False))
            print(path.stem, mode, json.dumps(report[path.stem][mode]), flush=True)
    if args.out is not None:
        args.out.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

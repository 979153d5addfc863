"""The shared books' text degraded as OCR degrades it, for a robustness check of `bench books`.

Why: some held-back grammars are scanned books whose text comes from OCR, and no shared book is. A
clean text reads right; what matters is whether noise makes the model-free reader answer *wrong*
with confidence, or only abstain more. Each book's PDF text (pypdfium2, as
``scripts/text_book_compare.py`` makes it) is cut at its printed page numbers without form feeds,
each folio moved into its page's running head as scanned books print it, and then, seeded, letters
are confused at ``--rate`` per letter (e/c, l/1, I/l, O/0, o/0, n/u, h/b, m/rn) and words broken
by a stray space at half that rate::

    python scripts/ocr_noise_books.py ../shared/data/books --rate 0.003 --out /tmp/ocr-books
    grammar-rag bench books --books /tmp/ocr-books --formats text --model hashing --out books_ocr.json

Each book folder gets its text and the book's ``metadata.json`` (for scoring only).
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from text_book_compare import book_text  # a sibling script

from grammar_rag.evaluation.ocr_noise import degrade


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("books", type=Path, help="folder of book folders, each with its PDF and metadata.json")
    parser.add_argument("--rate", type=float, default=0.003, help="letters confused per letter (default 0.003)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    if not args.books.is_dir():
        parser.error(f"{args.books} is not a folder of book folders")
    if not 0.0 <= args.rate < 1.0:
        parser.error(f"--rate {args.rate}: a share of letters, at least 0 and below 1")
    rng = random.Random(args.seed)
    for book in sorted(p for p in args.books.iterdir() if p.is_dir()):
        pdf = next(iter(sorted(book.glob("*.pdf"))), None)
        if pdf is None:
            continue
        dest = args.out / book.name
        dest.mkdir(parents=True, exist_ok=True)
        target = dest / f"{book.name}.txt"
        partial = target.with_suffix(".txt.partial")  # a stopped run leaves no half-written book text
        partial.write_text(degrade(book_text(pdf, False, True), args.rate, rng), encoding="utf-8")
        partial.replace(target)
        if (book / "metadata.json").is_file():
            shutil.copy(book / "metadata.json", dest / "metadata.json")
        print(book.name, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""How a book's plain text ingests, with this checkout or another one (issue 23, OCR text).

Each shared book's PDF is turned into the text a user would bring (pypdfium2's text, pages split
by form feeds as pdftotext and OCR tools write them; with ``--no-form-feeds`` joined without page
breaks, only the printed page numbers left; with ``--folios-in-heads`` those printed in the running
heads), ingested as ``text`` by the checkout at ``--checkout``
(default: this one), and its passages measured: language and id, passage lengths, examples kept
whole, front/back matter and footnotes stored, reference-list and contents passages left retrievable, section
paths against the PDF's outline (:func:`grammar_rag.ingest.quality.toc_match`)::

    python scripts/text_book_compare.py ../shared/data/books --checkout /tmp/old --out before.json
    python scripts/text_book_compare.py ../shared/data/books --out after.json --write-texts /tmp/textbooks
    grammar-rag bench books --books /tmp/textbooks --formats text --model hashing --out books_text.json
"""

from __future__ import annotations

import argparse
import importlib
import json
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

_REFERENCE_ENTRY = re.compile(r"\b[A-Z][\w-]+, [A-Z][\w.]*\.? \d{4}[a-z]?\. ")
_CONTENTS_ENTRY = re.compile(r"(?:\. ){3,}\d+")


def _folio_in_head(page: str) -> str:
    """The page with its foot folio moved into its first line, as scanned books print it."""
    lines = page.rstrip("\n").split("\n")
    if len(lines) > 1 and re.fullmatch(r"\d{1,4}", lines[-1].strip()):
        n = lines.pop().strip()
        lines[0] = f"{n} {lines[0]}" if int(n) % 2 == 0 else f"{lines[0]} {n}"
    return "\n".join(lines)


def book_text(pdf: Path, form_feeds: bool, heads: bool = False) -> str:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf))
    try:
        pages = [doc[i].get_textpage().get_text_range().replace("\r\n", "\n").replace("\r", "\n")
                 for i in range(len(doc))]
    finally:
        doc.close()
    if heads:
        pages = [_folio_in_head(p) for p in pages]
    return ("\f" if form_feeds else "\n").join(pages)


def measure(path: Path, pdf: Path) -> dict[str, object]:
    text_mod = importlib.import_module("grammar_rag.ingest.text")
    quality = importlib.import_module("grammar_rag.ingest.quality")
    outline = importlib.import_module("grammar_rag.ingest.pdf_outline")
    started = time.perf_counter()
    (item,) = text_mod.ingest_text(path)
    seconds = time.perf_counter() - started
    passages = item.passages
    toc = outline.pdf_toc(pdf)
    stats = quality.passage_stats(passages)
    retrievable = [p for p in passages if p.kind not in ("front_matter", "back_matter")]
    g = item.grammar
    return {
        "id": g.id, "language": g.language, "glottocode": g.glottocode, "passages": len(passages),
        "short_share": stats["short_share"], "median_chars": stats["chars"]["median"],
        "example_whole_share": stats["example_lines"]["whole_share"], "with_section": stats["with_section"],
        "front_matter": stats["front_matter"], "back_matter": stats["back_matter"],
        "retrievable_reference_list_passages": sum(len(_REFERENCE_ENTRY.findall(p.text)) >= 2 for p in retrievable),
        "retrievable_contents_passages": sum(len(_CONTENTS_ENTRY.findall(p.text)) >= 2 for p in retrievable),
        "footnotes_stored": sum(len(getattr(p, "notes", ())) for p in passages),
        "toc_match": quality.toc_match(passages, toc), **_printed_contents_figures(path, passages, toc),
        "seconds": round(seconds, 1),
    }


def _printed_contents_figures(path: Path, passages: list[object], toc: list[tuple[int, str, str]]) -> dict[str, object]:
    """Section paths against the outline as deep as the printed contents go
    (:func:`grammar_rag.ingest.quality.printed_contents_match`), the contents read from the text's own
    contents pages; {} with a checkout that predates the measure."""
    quality = importlib.import_module("grammar_rag.ingest.quality")
    if not hasattr(quality, "printed_contents_match"):
        return {}
    text_book = importlib.import_module("grammar_rag.ingest.text_book")
    contents = importlib.import_module("grammar_rag.ingest.pdf_contents")
    read = text_book.book_units(path.read_text(encoding="utf-8"))
    entries = contents.parse_contents(read[1], read[2], unindented_wraps=True) if read else []
    titles = [e.title for e in entries]
    return {"printed_contents_entries": len(titles), "outline_entries": len(toc),
            "toc_match_printed_contents": quality.printed_contents_match(passages, toc, titles)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("books", type=Path, help="folder of book folders, each with its PDF")
    parser.add_argument("--checkout", type=Path, default=None, help="the grammar-rag checkout to ingest with")
    parser.add_argument("--no-form-feeds", action="store_true", help="join the pages without page breaks")
    parser.add_argument("--folios-in-heads", action="store_true",
                        help="move each foot folio into the page's first line (with --no-form-feeds: pages by head)")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--write-texts", type=Path, default=None,
                        help="also write each book's text and metadata.json here, a folder for `bench books`")
    args = parser.parse_args()
    if args.checkout is not None:
        sys.path.insert(0, str(args.checkout.resolve()))
    report: dict[str, object] = {}
    with tempfile.TemporaryDirectory(prefix="text-book-") as tmp:
        for book in sorted(p for p in args.books.iterdir() if p.is_dir()):
            pdf = next(iter(sorted(book.glob("*.pdf"))), None)
            if pdf is None:
                continue
            path = Path(tmp) / book.name / f"{book.name}.txt"
            path.parent.mkdir()
            path.write_text(book_text(pdf, not args.no_form_feeds, args.folios_in_heads), encoding="utf-8")
            if args.write_texts is not None:
                keep = args.write_texts / book.name
                keep.mkdir(parents=True, exist_ok=True)
                shutil.copy(path, keep / path.name)
                if (book / "metadata.json").is_file():
                    shutil.copy(book / "metadata.json", keep / "metadata.json")
            report[book.name] = measure(path, pdf)
            print(book.name, json.dumps(report[book.name], ensure_ascii=False), flush=True)
    args.out.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

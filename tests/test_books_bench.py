"""``grammar-rag bench books`` on a tiny folder of books made here (a LaTeX tree and a PDF)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.books_bench import plain_extraction, run_child
from grammar_rag.cli import main

reportlab = pytest.importorskip("reportlab")
from reportlab.lib.pagesizes import A4  # noqa: E402
from reportlab.pdfgen import canvas  # noqa: E402

SENTENCES = [
    "The basic constituent order is verb subject object in main clauses of Rapa Nui.",
    "Polar questions are marked by intonation only; there is no question particle.",
]


def _book(folder: Path) -> None:
    latex = folder / "latex"
    latex.mkdir(parents=True)
    body = "\n\n".join(SENTENCES * 3)
    (latex / "main.tex").write_text(
        "\\documentclass{book}\\title{A grammar of Rapa Nui}\\author{Paulus Kieviet}\\begin{document}\n"
        f"\\chapter{{Syntax}}\n{body}\n\\end{{document}}\n", encoding="utf-8")
    c = canvas.Canvas(str(folder / "book.pdf"), pagesize=A4)
    c.setTitle("A grammar of Rapa Nui")
    c.setAuthor("Paulus Kieviet")
    _w, height = A4
    c.setFont("Helvetica", 9)
    for k, line in enumerate(SENTENCES * 3):
        c.drawString(60, height - 100 - 14 * k, line)
    c.showPage()
    c.save()
    (folder / "metadata.json").write_text(json.dumps({"glottocode": "rapa1244"}), encoding="utf-8")


def test_bench_books_writes_a_report(tmp_path: Path) -> None:
    _book(tmp_path / "books" / "kieviet")
    out = tmp_path / "books.json"
    assert main(["bench", "books", "--books", str(tmp_path / "books"), "--out", str(out),
                 "--model", "hashing-64", "--max-features", "5"]) == 0
    report = json.loads(out.read_text(encoding="utf-8"))
    runs = report["books"]["kieviet"]
    assert set(runs) == {"pdf", "latex", "pdf_latex_agreement"}
    for fmt in ("pdf", "latex"):
        assert runs[fmt]["glottocode_correct"] is True
        assert runs[fmt]["quality"]["passages"] > 0
        assert runs[fmt]["extraction"]["features"] == 5
    assert runs["pdf"]["plain_extraction_s"] >= 0 and "ingest_to_plain_ratio" in runs["pdf"]
    assert report["peak_rss_mb"] > 0
    # each ingest ran in its own interpreter (its RSS, not the bench's), model and index included
    for fmt in ("pdf", "latex"):
        assert runs[fmt]["model"] == "hashing-64" and runs[fmt]["ingest_s"] > 0 and runs[fmt]["ingest_cpu_s"] > 0
        assert runs[fmt]["ingest_peak_rss_mb"] > runs["pdf"]["plain_extraction_peak_rss_mb"] > 0


def test_child_peak_rss_is_each_childs_own() -> None:
    big = run_child(["-c", "x = bytearray(300 * 2**20); x[::4096] = b'1' * len(x[::4096])"])
    small = run_child(["-c", "pass"])
    assert big.status == small.status == 0
    assert big.peak_rss_mb > 300 > 100 > small.peak_rss_mb  # not the maximum over all children so far
    failed = run_child(["-c", "import sys; print('no such book'); sys.exit(3)"])
    assert failed.status == 3 and "no such book" in failed.output


def test_plain_extraction_times_pypdfium2_alone(tmp_path: Path) -> None:
    _book(tmp_path / "b")
    plain = plain_extraction(tmp_path / "b" / "book.pdf")
    assert 0 < plain.seconds < 10 and 0 < plain.peak_rss_mb < 200


def test_book_scoring_reports_raw_beside_calibrated_and_a_top5_check(tmp_path: Path) -> None:
    """The report says what calibration abstained on (raw answers scored too) and where the value is stated."""
    _book(tmp_path / "books" / "kieviet")
    out = tmp_path / "books.json"
    assert main(["bench", "books", "--books", str(tmp_path / "books"), "--out", str(out), "--formats", "latex",
                 "--model", "hashing-64"]) == 0
    extraction = json.loads(out.read_text(encoding="utf-8"))["books"]["kieviet"]["latex"]["extraction"]
    rows = {r["feature"]: r for r in extraction["rows"]}
    assert rows["WALS 81A"]["raw_predicted"] == "VSO" and rows["WALS 81A"]["raw_correct"] is True
    assert extraction["raw_answered"] >= extraction["answered"]
    assert extraction["families"]["word-order"]["raw_correct"] >= 1
    top = {t["feature"]: t for t in extraction["top5"]}
    assert top["WALS 81A"]["found_at"] is not None and top["WALS 81A"]["found_at"] <= 5
    assert "basic constituent order" in top["WALS 81A"]["quote"]


def test_bench_books_reads_a_books_text_by_default(tmp_path: Path) -> None:
    """A book brought as text only (pdftotext or OCR output, pages split by form feeds) is benchmarked
    too, with no --formats: held-back OCR books come that way."""
    folder = tmp_path / "books" / "kieviet"
    folder.mkdir(parents=True)
    pages = ["A grammar of\nRapa Nui\nPaulus Kieviet"] + [
        "\n".join([*SENTENCES, *SENTENCES, str(n)]) for n in range(1, 10)]
    (folder / "kieviet.txt").write_text("\f".join(pages), encoding="utf-8")
    (folder / "metadata.json").write_text(json.dumps({"glottocode": "rapa1244"}), encoding="utf-8")
    out = tmp_path / "books.json"
    assert main(["bench", "books", "--books", str(tmp_path / "books"), "--out", str(out),
                 "--model", "hashing-64", "--max-features", "5"]) == 0
    runs = json.loads(out.read_text(encoding="utf-8"))["books"]["kieviet"]
    assert set(runs) == {"text"}
    assert runs["text"]["glottocode_correct"] is True and runs["text"]["extraction"]["features"] == 5


def test_bench_books_compares_a_books_pdf_and_text_runs(tmp_path: Path) -> None:
    folder = tmp_path / "books" / "kieviet"
    _book(folder)
    pages = ["A grammar of\nRapa Nui\nPaulus Kieviet"] + ["\n".join([*SENTENCES, str(n)]) for n in range(1, 10)]
    (folder / "kieviet.txt").write_text("\f".join(pages), encoding="utf-8")
    out = tmp_path / "books.json"
    assert main(["bench", "books", "--books", str(tmp_path / "books"), "--out", str(out), "--formats", "pdf,text",
                 "--model", "hashing-64"]) == 0
    runs = json.loads(out.read_text(encoding="utf-8"))["books"]["kieviet"]
    assert set(runs) == {"pdf", "text", "pdf_text_agreement"}
    assert runs["pdf_text_agreement"]["raw"]["both_answered"] >= 1


def _grambank(folder: Path) -> Path:
    """A Grambank-shaped CLDF (values + codes) coding the book's language and two others."""
    cldf = folder / "cldf"
    cldf.mkdir(parents=True)
    coded = {"rapa1244": {"GB257": "1", "GB262": "0"}, "abcd1234": {"GB257": "0", "GB262": "1"},
             "efgh1234": {"GB257": "0", "GB262": "1"}}
    rows = ["ID,Language_ID,Parameter_ID,Value,Code_ID"]
    rows += [f"{lang}-{pid},{lang},{pid},{v},{pid}-{v}" for lang, vals in coded.items() for pid, v in vals.items()]
    (cldf / "values.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    codes = ["ID,Parameter_ID,Name,Description"]
    codes += [f"{pid}-{v},{pid},{v},{'present' if v == '1' else 'absent'}" for pid in ("GB257", "GB262") for v in "01"]
    (cldf / "codes.csv").write_text("\n".join(codes) + "\n", encoding="utf-8")
    return cldf


def test_bench_books_scores_grambank_features_against_a_grambank_cldf(tmp_path: Path) -> None:
    """Issue 23: a reference CLDF beside WALS. Grambank's values are not bundled; given a download, every
    Grambank feature it codes for the book's language is scored as WALS's are, with the commonest value
    in that dataset as the baseline, apart from the WALS figures."""
    _book(tmp_path / "books" / "kieviet")
    out = tmp_path / "books.json"
    assert main(["bench", "books", "--books", str(tmp_path / "books"), "--out", str(out), "--formats", "latex",
                 "--model", "hashing-64", "--grambank", str(_grambank(tmp_path / "grambank"))]) == 0
    latex = json.loads(out.read_text(encoding="utf-8"))["books"]["kieviet"]["latex"]
    grambank = latex["grambank"]
    assert grambank["features"] == 2 and {r["feature"] for r in grambank["rows"]} == {"GB257", "GB262"}
    rows = {r["feature"]: r for r in grambank["rows"]}
    assert rows["GB257"]["reference"] == "1" and rows["GB257"]["raw_predicted"] == "1" and rows["GB257"]["raw_correct"]
    assert rows["GB257"]["majority_correct"] is False and rows["GB262"]["majority_correct"] is False
    assert latex["extraction"]["features"] > 0  # the WALS figures as before
    # a folder that is not a Grambank CLDF is named, not silently skipped
    assert main(["bench", "books", "--books", str(tmp_path / "books"), "--out", str(out), "--formats", "latex",
                 "--model", "hashing-64", "--grambank", str(tmp_path / "books")]) == 2

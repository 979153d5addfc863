"""The retrieval benchmark runs end to end on a tiny synthetic directory in the published layout."""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import pytest
from bench_support import write_csv

from benchmarks import retrieval_bench
from grammar_rag.evaluation.metrics import ndcg_at_k

RELEVANT = "The basic constituent order of Tamu is SOV: the subject precedes the object and the verb is final."
PASSAGES = [
    ("Contents 4.1 Word order . . . . . . . . . . 88 4.2 Questions . . . . . . 90", 2, "[5]"),
    ("Vowel length is contrastive in Tamu and tone is lexical.", 0, "[12]"),
    (RELEVANT, 5, "[88]"),
    ("In Japanese the order is SOV, as in many languages of Asia.", 3, "[90]"),
    ("Suffixes follow the stem in a fixed order of slots.", 1, "[40, 41]"),
    ("Tamu nouns take plural suffixes.", 0, "[20]"),
]
HEADER = ["Paragraph", "Annotation", "Word order", "Page number", "Relevance Score", "BM25 Rank",
          "BM25 NDCG@K", "Binary Relevance Score"]


def _write_case(path: Path, rows: list[tuple[str, int, str]]) -> None:
    rels = [r for _, r, _ in rows]
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        for i, (text, rel, page) in enumerate(rows):
            w.writerow([text, "", "", page, rel, i + 1, ndcg_at_k(rels, i + 1), int(rel >= 4)])


@pytest.fixture
def bench_dir(tmp_path: Path) -> Path:
    root = tmp_path / "rag_on_grammars"
    (root / "rerankers_benchmark").mkdir(parents=True)
    for g, rot in (("gA", 0), ("gB", 2), ("gC", 4)):
        rows = PASSAGES[rot:] + PASSAGES[:rot]
        _write_case(root / "rerankers_benchmark" / f"{g}.csv", rows)
    para = root / "paragraphs" / "WALS_81A"
    para.mkdir(parents=True)
    for g in ("gA", "gB"):
        with (para / f"{g}.csv").open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["Paragraph", "Page number"])
            for text, _, page in PASSAGES:
                w.writerow([text, page])
    with (root / "annotated_benchmark.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Filename", "WALS 81A: Order of Subject, Object and Verb", "WALS 81A: Pages"])
        w.writerow(["gA", "SOV", "88"])
        w.writerow(["gB", "SOV", "87-89"])
    return tmp_path


def _args(data_dir: Path, out: Path, **extra: object | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    retrieval_bench.add_arguments(parser)
    argv = ["--data-dir", str(data_dir), "--out", str(out), "--no-dense", "--rerankers", "bm25,evidence,learned",
            "--styles", "term,catalogue"]
    for k, v in extra.items():
        argv += [f"--{k}"] if v is None else [f"--{k}", str(v)]
    return parser.parse_args(argv)


def test_bench_writes_report_with_required_keys(bench_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out" / "retrieval.json"
    assert retrieval_bench.run(_args(bench_dir, out)) == 0
    report = json.loads(out.read_text())
    assert {"bm25_ndcg@20", "default", "best", "configs", "page_hit"} <= set(report)
    assert report["default"] in report["configs"] and report["best"] in report["configs"]
    for name in ("term/bm25", "catalogue/evidence", "catalogue/learned"):
        cfg = report["configs"][name]
        assert {"ndcg@10", "ndcg@20", "recall@20", "per_grammar", "seconds_per_grammar", "ndcg@k"} <= set(cfg)
        assert set(cfg["per_grammar"]) == {"gA", "gB", "gC"}
        assert len(cfg["ndcg@k"]) == len(PASSAGES)
        assert 0.0 <= cfg["ndcg@20"] <= 1.0
    # the BM25 line equals the NDCG of the file order
    expected = sum(ndcg_at_k([r for _, r, _ in PASSAGES[s:] + PASSAGES[:s]], 20) for s in (0, 2, 4)) / 3
    assert report["bm25_ndcg@20"] == pytest.approx(expected)
    assert report["configs"]["catalogue/evidence"]["ndcg@20"] > report["bm25_ndcg@20"]
    hit = report["page_hit"]["WALS 81A"]
    assert hit["n_grammars"] == 2 and hit["ceiling"] == 1.0
    assert hit["rerankers"]["evidence"]["hit@5"] == 1.0
    # no running heads in these paragraphs: no offset, the aligned figures equal the literal ones
    assert hit["printed_pages"]["n_offset_grammars"] == 0
    assert hit["printed_pages"]["rerankers"]["evidence"] == {k: v for k, v in hit["rerankers"]["evidence"].items()
                                                             if k.startswith("hit@")}
    md = out.with_suffix(".md").read_text()
    assert "NDCG@20" in md and report["default"] in md


def test_learned_is_scored_leave_one_grammar_out_on_its_training_grammars(
    bench_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from grammar_rag.rerank import learned

    shipped = learned.LinearRanker.load()
    shipped.meta = {**shipped.meta, "trained_on": ["gA", "gB", "gC"]}
    monkeypatch.setattr(learned.LinearRanker, "load", classmethod(lambda cls, path=None: shipped))
    out = tmp_path / "r.json"
    assert retrieval_bench.run(_args(bench_dir, out, **{"no-page-hit": None})) == 0
    cfg = json.loads(out.read_text())["configs"]["catalogue/learned"]
    assert "leave-one-grammar-out" in cfg["evaluation"]


def test_bench_accepts_the_benchmark_dir_itself_and_rejects_others(bench_dir: Path, tmp_path: Path) -> None:
    from grammar_rag.errors import DataDirError
    from grammar_rag.evaluation.retrieval_data import find_rerank_dir

    inner = bench_dir / "rag_on_grammars" / "rerankers_benchmark"
    assert find_rerank_dir(inner) == inner
    assert find_rerank_dir(bench_dir) == inner
    with pytest.raises(DataDirError, match="rerankers_benchmark"):
        find_rerank_dir(tmp_path / "nowhere")


def test_score_config_with_a_dense_reranker(bench_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Dense rerankers go through the same scoring path (model-free hashing embedder here)."""
    from grammar_rag.evaluation.retrieval_data import load_rerank_cases
    from grammar_rag.rerank import RERANKERS, build_query
    from grammar_rag.rerank.dense import DenseReranker
    from tests.test_rerank import WORD_ORDER

    monkeypatch.setitem(RERANKERS._factories, "dense-hash", lambda: DenseReranker("hashing-64", "dense-hash"))
    cases = load_rerank_cases(bench_dir)
    result = retrieval_bench.score_config(cases, build_query(WORD_ORDER), "dense-hash")
    assert set(result["per_grammar"]) == {"gA", "gB", "gC"}
    assert result["cold_cache"] is True and "evaluation" not in result
    assert 0.0 < result["ndcg@20"] <= 1.0


def test_printed_page_offset_from_running_heads() -> None:
    from grammar_rag.evaluation.retrieval_data import printed_page_offset
    from grammar_rag.types import Passage

    def para(pdf_page: int, text: str) -> tuple[Passage, set[int]]:
        return Passage("g", f"g:{pdf_page}", text, str(pdf_page)), {pdf_page}

    # printed page = PDF page - 14 (front matter); numbers in the text add noise (examples, years)
    items = [para(p, f"{p - 14} CHAPTER 3 Nouns take (12) suffixes, see Foley (1991: 45).") for p in range(60, 72)]
    assert printed_page_offset(items)[0] == 14
    items += [para(80, "93Figure 1. Word structure"), para(81, "Clitics and particles 67")]
    assert printed_page_offset(items)[0] == 14
    # too little agreement: no offset is claimed
    assert printed_page_offset([para(10, "in 1991 and 3 examples"), para(20, "no numbers")])[0] == 0
    assert printed_page_offset([]) == (0, 0.0)


def test_grammar_page_offset_pools_the_feature_folders(tmp_path: Path) -> None:
    from grammar_rag.evaluation.retrieval_data import grammar_page_offset

    def write(folder: str, rows: list[tuple[str, int]]) -> None:
        d = tmp_path / "paragraphs" / folder
        d.mkdir(parents=True)
        with (d / "g.csv").open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["Paragraph", "Page number"])
            for text, page in rows:
                w.writerow([text, f"[{page}]"])

    # each folder alone has too few running heads; together they agree on an offset of 9
    write("WALS_81A", [(f"{p - 9} GRAMMAR Verbs come last.", p) for p in (30, 31, 32)])
    write("WALS_49A", [(f"Nouns take suffixes. {p - 9}", p) for p in (50, 51, 52)])
    write("GB_107", [("Nouns take suffixes. 41", 50)])  # the same paragraph as in WALS_49A votes once
    assert grammar_page_offset(tmp_path, "g") == 9
    assert grammar_page_offset(tmp_path, "missing") == 0


def test_benchmark_files_saved_by_spreadsheet_tools_are_read(tmp_path: Path) -> None:
    """A byte-order mark and padded column names (as Excel writes them) used to make the
    ``Paragraph`` / ``Filename`` columns unreadable: empty passages and no gold pages."""
    from grammar_rag.evaluation.retrieval_data import load_gold_pages, load_paragraphs, load_rerank_case

    def write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
        return write_csv(path, header, rows, encoding="utf-8-sig")

    case = load_rerank_case(write(tmp_path / "rb" / "g.csv", [" Paragraph", "Page number ", "BM25 Rank", "Relevance Score"],
                                  [["Verbs come last.", "[12]", "2", "5"], ["Nouns take suffixes.", "[3]", "1", "0"]]))
    assert [p.text for p in case.passages] == ["Nouns take suffixes.", "Verbs come last."]
    assert case.passages[1].page_start == "12" and case.relevance == [0.0, 5.0]
    long_text = "x " * 70_000  # over csv's default 128 KiB field limit once repeated
    paras = load_paragraphs(write(tmp_path / "paragraphs" / "WALS_81A" / "g.csv", ["Paragraph ", " Page number"],
                                  [["The basic order is SOV.", "[41, 42]"], [long_text * 2, "[43]"]]))
    assert paras[0][0].text == "The basic order is SOV." and paras[0][1] == {41, 42} and len(paras) == 2
    write(tmp_path / "annotated_benchmark.csv", [" Filename", "WALS 81A: Pages "], [["g", "41"]])
    assert load_gold_pages(tmp_path, "annotated_benchmark.csv", "WALS 81A: Pages") == {"g": {41}}

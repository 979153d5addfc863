"""Gold normalisation rules and the RAG benchmark end to end on a tiny synthetic data directory."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from bench_support import write_csv

from grammar_rag.cli import main as cli_main
from grammar_rag.evaluation import gold as G
from grammar_rag.evaluation.paragraphs import load_paragraphs
from grammar_rag.evaluation.rag import CONFIGS
from grammar_rag.evaluation.rerank_cache import Reranking
from grammar_rag.evaluation.scoring import constant_answer

MAIN_HEADER = [
    "lgcode_iso3", "Name", "Link", "WALS 116A: Polar Questions", "WALS 116A: Pages",
    "GB107: Can standard negation be marked by an affix, clitic or modification of the verb?", "GB107: Pages",
    "WALS 81A: Order of Subject, Object and Verb", "WALS 81A: Pages", "Filename",
]


def test_gold_rules() -> None:
    assert G.normalise_81a("") == "No dominant order"  # eather1990grammar
    assert G.normalise_81a("SOV") == "SOV"
    assert G.normalise_gb107("Not mentioned in the grammar") == "0"
    assert G.normalise_gb107("1") == "1"
    polar = G.normalise_polar("Interrogative intonation only, Second position question particle")
    assert polar is not None and polar["Clause-medial question particle"] == 1
    assert polar["Interrogative intonation only"] == 1 and sum(polar.values()) == 2
    assert G.normalise_polar("Not mentioned in the grammar") == dict.fromkeys(G.POLAR_STRATEGIES, 0)
    assert G.normalise_polar("") is None  # not annotated: left out
    assert G.score_value("gibberish", G.VALUES["WALS 81A"]) == "SOV"
    assert G.score_value("not enough information", G.VALUES["GB 107"]) == "1"
    assert G.score_value("vso", G.VALUES["WALS 81A"]) == "VSO"


def test_gold_spelling_variants_are_recognised(caplog: pytest.LogCaptureFixture) -> None:
    """A held-back annotation file may spell a label differently (case, hyphens, spaces): the grammar
    must still be scored, and a label that matches nothing must be reported, not silently dropped."""
    assert G.normalise_49a("No morphological case marking") == "No morphological case-marking"
    assert G.normalise_49a(" 6 - 7 cases ") == "6-7 cases"
    assert G.normalise_81a("No dominant  order") == "No dominant order"
    assert G.normalise_81a("not mentioned in the grammar.") == "Not mentioned in the grammar"
    assert G.normalise_gb107("1.0") == "1" and G.normalise_gb107("Not mentioned in the grammar.") == "0"
    polar = G.normalise_polar("interrogative intonation only, second-position question particle")
    assert polar is not None and polar["Clause-medial question particle"] == 1 and sum(polar.values()) == 2
    with caplog.at_level("WARNING"):
        assert G.normalise_49a("eleven cases") is None
        assert G.normalise_gb107("maybe") is None
    assert "eleven cases" in caplog.text and "maybe" in caplog.text


@pytest.fixture()
def tiny_dir(tmp_path: Path) -> Path:
    root = tmp_path / "rag_on_grammars"
    grammars = {
        # key: (81A gold, GB107 gold, polar gold, 49A gold, 81A text, GB text, polar text, 49A text)
        "alpha2000grammar": ("SOV", "1", "Clause-final question particle", "6-7 cases",
                             "The basic word order is SOV.", "Negation is marked by the negative suffix -ka on the verb.",
                             "Polar questions take the sentence-final question particle ba.",
                             "Nouns inflect for seven cases: ergative, absolutive, dative, genitive, locative, ablative "
                             "and instrumental case suffixes."),
        "beta1990sketch": ("SVO", "0", "Interrogative intonation only", "No morphological case-marking",
                           "The dominant order is SVO.", "Negation uses the negative particle mu before the verb. The negative particle mu is a separate word.",
                           "Yes-no questions differ from statements only by rising intonation.",
                           "There is no morphological case marking on nouns."),
        "eather1990grammar": ("", "Not mentioned in the grammar", "", "2 cases",
                              "Word order is free.", "Nothing about it.", "Nothing.", "Nouns distinguish two cases."),
        "gamma1980grammar": ("Not mentioned in the grammar", "1", "Not mentioned in the grammar", "4 cases",
                             "Vowels are long.", "(3) go-NEG-PST 'did not go' (4) eat-NEG 'not eat'", "Nothing here.",
                             "The four cases are marked by suffixes on nouns."),
    }
    rows, case_rows = [], []
    for key, (o81, gb, polar, c49, t81, tgb, tpol, t49) in grammars.items():
        rows.append(["xxx", key.title(), "", polar, "", gb, "", o81, "", key])
        case_rows.append(["xxx", key.title(), key, "", c49])
        for folder, text in (("WALS_81A", t81), ("GB_107", tgb), ("WALS_116A", tpol), ("WALS_49A", t49)):
            write_csv(root / "paragraphs" / folder / f"{key}.csv", ["Paragraph", "Page number"],
                       [[text, "[12, 13]"], ["Unrelated text about the phonology.", "[3]"]])
    write_csv(root / "annotated_benchmark.csv", MAIN_HEADER, rows)
    write_csv(root / "annotated_benchmark_number_of_cases.csv", ["ISO 639-3", "Language", "Filename", "Link", "Value"],
               case_rows)
    (root / "paper_results.json").write_text(json.dumps({"rag_benchmark_f1": {"WALS 81A": {"reranker": [0.7, 0.6, 0.7]}}}))
    return tmp_path


def test_load_gold_applies_rules(tiny_dir: Path) -> None:
    gold = G.load_gold(tiny_dir / "rag_on_grammars")
    assert gold["WALS 81A"]["eather1990grammar"].label == "No dominant order"
    assert gold["GB 107"]["eather1990grammar"].label == "0"
    assert "eather1990grammar" not in gold["polar questions"]
    assert sum(gold["polar questions"]["gamma1980grammar"].labels.values()) == 0
    assert gold["WALS 49A"]["beta1990sketch"].label == "No morphological case-marking"


def test_annotation_headers_with_padding(tiny_dir: Path) -> None:
    """Column names padded with spaces (as some spreadsheet exports write them) still match."""
    for name in ("annotated_benchmark.csv", "annotated_benchmark_number_of_cases.csv"):
        path = tiny_dir / "rag_on_grammars" / name
        header, *rows = list(csv.reader(path.open(newline="", encoding="utf-8")))
        write_csv(path, [f" {col} " for col in header], rows)
    gold = G.load_gold(tiny_dir / "rag_on_grammars")
    assert gold["WALS 81A"]["alpha2000grammar"].label == "SOV"
    assert gold["WALS 49A"]["beta1990sketch"].label == "No morphological case-marking"
    assert len(gold["GB 107"]) == 4


def test_either_annotation_file_alone_is_enough(tiny_dir: Path) -> None:
    root = tiny_dir / "rag_on_grammars"
    (root / "annotated_benchmark.csv").unlink()  # a split with number-of-cases annotations only
    gold = G.load_gold(root)
    assert not gold["WALS 81A"] and len(gold["WALS 49A"]) == 4
    (root / "annotated_benchmark_number_of_cases.csv").unlink()
    with pytest.raises(G.DataDirError, match="neither"):
        G.load_gold(root)


def test_bench_end_to_end_and_resume(tiny_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "res" / "rag_evidence.json"
    cache = tmp_path / "cache.jsonl"
    argv = ["bench", "rag", "--data-dir", str(tiny_dir), "--backend", "evidence", "--out", str(out),
            "--cache", str(cache), "--no-progress"]
    assert cli_main(argv) == 0
    res = json.loads(out.read_text())
    assert set(res) == {"WALS 81A", "GB 107", "WALS 49A", "polar questions"}
    assert list(res["WALS 81A"]) == list(CONFIGS)
    assert res["WALS 81A"]["baseline"]["n"] == 0 and "not applicable" in res["WALS 81A"]["baseline"]["note"]
    m = res["WALS 81A"]["wikipedia"]
    assert m["n"] == 4 and set(m) >= {"accuracy", "f1_micro", "f1_macro", "f1_weighted"}
    # alpha SOV, beta SVO, eather free order -> No dominant order are right; gamma (Not mentioned) cannot be.
    assert m["accuracy"] == pytest.approx(0.75)
    # eather: nothing said -> abstain -> scored as the first option "1", gold "0" (Not mentioned)
    assert res["GB 107"]["reranker"]["accuracy"] == pytest.approx(0.75)
    polar = res["polar questions"]["reranker"]
    assert set(polar) == {s.lower() for s in G.POLAR_STRATEGIES}
    assert polar["clause-final question particle"]["n"] == 3
    assert polar["clause-final question particle"]["accuracy"] == pytest.approx(1.0)
    assert polar["interrogative intonation only"]["accuracy"] == pytest.approx(1.0)
    rows = list(csv.DictReader((tmp_path / "res" / "rag_evidence.predictions.csv").open()))
    alpha = next(r for r in rows if r["grammar"] == "alpha2000grammar" and r["feature"] == "WALS 81A")
    assert alpha["scored_as"] == "SOV" and alpha["evidence_pages"].startswith("12-13")
    md = (tmp_path / "res" / "rag_evidence.md").read_text()
    assert "| reranker |" in md and "0.7000" in md and "n/a" in md
    assert "SUBSET" not in md
    conf = json.loads((tmp_path / "res" / "rag_evidence.confusion.json").read_text())
    assert conf["WALS 81A"]["wikipedia"]["rows"] == "gold"
    halves = json.loads((tmp_path / "res" / "rag_evidence.halves.json").read_text())
    assert halves["even"]["WALS 81A"]["wikipedia"]["n"] == 2
    # bootstrap intervals: around the measured micro-F1, the polar one over the strategies' mean
    cis = json.loads((tmp_path / "res" / "rag_evidence.ci.json").read_text())
    c81 = cis["WALS 81A"]["wikipedia"]
    assert c81["f1_micro"] == pytest.approx(m["f1_micro"]) and c81["n"] == 4
    assert 0.0 <= c81["ci95"][0] <= c81["f1_micro"] <= c81["ci95"][1] <= 1.0 and c81["ci95"][0] < c81["ci95"][1]
    polar_mean = sum(v["f1_micro"] for v in polar.values()) / len(polar)
    assert cis["polar questions"]["reranker"]["f1_micro"] == pytest.approx(polar_mean, abs=1e-4)
    assert "95% bootstrap intervals" in md
    # the best constant answer beside ours: 81A gold SOV, SVO, No dominant order, Not mentioned ->
    # any one order is right once (the paper's first option wins the tie); "Not mentioned" never
    assert c81["constant"] == {"answer": "SOV", "f1_micro": 0.25}
    assert "best constant answer" in md and "SOV: 0.2500" in md
    assert c81["even"]["n"] == 2 and c81["odd"]["n"] == 2  # halves, as in .halves.json
    assert c81["odd"]["f1_micro"] == pytest.approx(halves["odd"]["WALS 81A"]["wikipedia"]["f1_micro"])
    # selective figures: raw scores in the CSV, calibrated out of sample; four grammars are too few
    # to fit any family's map (calibration.MIN_FIT_POINTS), so every answer abstains, scored both ways
    assert not any("Calibrated confidence" in r["reasoning"] for r in rows)
    sel = json.loads((tmp_path / "res" / "rag_evidence.selective.json").read_text())
    assert set(sel) <= {"WALS 81A", "GB 107", "WALS 49A", "polar questions"} and sel
    for fig in sel.values():
        assert fig["coverage"] == 0.0 and fig["precision"] is None
    assert "Selective answering" in md and "abstain = first option" in md
    # resume: everything is cached now, the rerun adds no line to the cache
    lines = cache.read_text().count("\n")
    assert cli_main(argv) == 0
    assert cache.read_text().count("\n") == lines


def test_unreadable_paragraph_file_is_skipped_and_reported(tiny_dir: Path, tmp_path: Path,
                                                           caplog: pytest.LogCaptureFixture) -> None:
    bad = tiny_dir / "rag_on_grammars" / "paragraphs" / "WALS_81A" / "beta1990sketch.csv"
    bad.write_bytes(b"Paragraph,Page number\n\xff\xfe broken bytes,[1]\n")
    out = tmp_path / "r.json"
    with caplog.at_level("ERROR"):
        assert cli_main(["bench", "rag", "--data-dir", str(tiny_dir), "--out", str(out), "--configs", "wikipedia",
                         "--cache", str(tmp_path / "c.jsonl"), "--no-progress"]) == 0
    assert "beta1990sketch" in caplog.text and "not UTF-8" in caplog.text
    res = json.loads(out.read_text())
    assert res["WALS 81A"]["wikipedia"]["n"] == 3 and res["GB 107"]["wikipedia"]["n"] == 4
    assert "WALS 81A: 1" in out.with_suffix(".md").read_text()


def test_changed_paragraph_file_is_predicted_afresh(tiny_dir: Path, tmp_path: Path) -> None:
    """The prediction cache is keyed by the paragraph file's content, not only the bibkey: a grammar
    whose file is replaced (same name, new text) must not be served its old, cached answer."""
    out, cache = tmp_path / "r.json", tmp_path / "c.jsonl"
    argv = ["bench", "rag", "--data-dir", str(tiny_dir), "--out", str(out), "--configs", "wikipedia",
            "--features", "WALS 81A", "--cache", str(cache), "--no-progress"]

    def alpha() -> str:
        assert cli_main(argv) == 0
        rows = csv.DictReader(out.with_suffix(".predictions.csv").open())
        return next(r["prediction"] for r in rows if r["grammar"] == "alpha2000grammar")

    assert alpha() == "SOV"
    write_csv(tiny_dir / "rag_on_grammars" / "paragraphs" / "WALS_81A" / "alpha2000grammar.csv",
              ["Paragraph", "Page number"], [["The basic word order is VSO.", "[12]"]])
    assert alpha() == "VSO"


def test_limited_run_is_marked_as_a_subset(tiny_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "sub.json"
    assert cli_main(["bench", "rag", "--data-dir", str(tiny_dir), "--out", str(out), "--limit", "1",
                     "--configs", "wikipedia", "--cache", str(tmp_path / "c.jsonl"), "--no-progress"]) == 0
    assert "> **SUBSET**: only the first 1 grammars per feature" in out.with_suffix(".md").read_text()


def test_report_header_names_only_what_the_run_used(tiny_dir: Path, tmp_path: Path) -> None:
    """A run of configurations without reranking or guideline text must not describe a reranker or
    +CoT in its header (a reader would take the figures for reranked ones)."""
    out = tmp_path / "plain.json"
    base = ["bench", "rag", "--data-dir", str(tiny_dir), "--out", str(out), "--features", "WALS 81A",
            "--cache", str(tmp_path / "c.jsonl"), "--no-progress"]
    assert cli_main([*base, "--configs", "wikipedia"]) == 0
    header = out.with_suffix(".md").read_text().split("## ")[0]
    assert "- reranker:" not in header and "- +CoT:" not in header
    assert cli_main([*base, "--configs", "wikipedia", "reranker+CoT"]) == 0
    header = out.with_suffix(".md").read_text().split("## ")[0]
    assert "- reranker: " in header and "- +CoT: guideline text" in header


def test_split_without_paper_results_takes_them_from_elsewhere(tiny_dir: Path, tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    paper = tmp_path / "paper.json"
    (tiny_dir / "rag_on_grammars" / "paper_results.json").rename(paper)
    out = tmp_path / "r.json"
    base = ["bench", "rag", "--data-dir", str(tiny_dir), "--out", str(out), "--configs", "reranker",
            "--features", "WALS 81A", "--cache", str(tmp_path / "c.jsonl"), "--no-progress"]
    assert cli_main([*base, "--paper-results", str(tmp_path / "missing.json")]) == 2
    assert "missing.json" in capsys.readouterr().err and not out.exists()  # refused before predicting
    assert cli_main([*base, "--paper-results", str(paper)]) == 0
    assert "0.7000" in out.with_suffix(".md").read_text()


def test_bench_reports_bad_data_dir(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "empty").mkdir()
    assert cli_main(["bench", "rag", "--data-dir", str(tmp_path / "empty"), "--out", str(tmp_path / "x.json")]) == 2
    assert "rag_on_grammars" in capsys.readouterr().err


def test_constant_answer_baseline() -> None:
    rows = [{"gold": g} for g in ("1", "0", "1", "1")]
    assert constant_answer("GB 107", rows) == {"answer": "1", "f1_micro": 0.75}
    rows = [{"gold": g} for g in ("2 cases", "No morphological case-marking", "2 cases")]
    assert constant_answer("WALS 49A", rows) == {"answer": "2 cases", "f1_micro": 0.6667}
    # polar: each strategy's majority (absent unless most grammars have it), mean over the seven
    rows = [{"gold": "Interrogative intonation only, Tone"}, {"gold": "Interrogative intonation only"},
            {"gold": "Clause-final question particle"}, {"gold": ""}]
    base = constant_answer("polar questions", rows)
    # intonation 2 of 4 (a tie: "absent", right 2 of 4), final particle and tone 1 of 4 (absent:
    # right 3 of 4), the four others never (right 4 of 4)
    assert base == {"answer": "none of the seven", "f1_micro": round((0.5 + 0.75 + 0.75 + 4) / 7, 4)}
    assert constant_answer("GB 107", []) is None


def test_cached_reranked_order_serves_any_k(tmp_path: Path) -> None:
    # the order cache once stored only the first k ids under a key without k: a later, larger k
    # silently got the shorter list
    from grammar_rag.types import Passage

    feature = G.benchmark_feature("WALS 81A")
    texts = [f"Paragraph {i} about clitics and stress." for i in range(8)]
    texts[5] = "The basic constituent order is SOV: the verb comes last in the clause."
    passages = [Passage("g", f"g:{i}", t, page_start=str(i)) for i, t in enumerate(texts)]
    reranking = Reranking.load(None, tmp_path)
    assert reranking.cache_path == tmp_path / f"rerank-{reranking.name}.jsonl"
    top3 = reranking.top(feature, passages, 3)
    top8 = reranking.top(feature, passages, 8)
    assert len(top3) == 3 and len(top8) == 8
    assert [p.passage.passage_id for p in top8[:3]] == [p.passage.passage_id for p in top3]
    assert top8[0].passage.passage_id == "g:5"
    assert reranking.cache_path.is_file()
    fresh = Reranking.load(None, tmp_path)  # reads the orders back from the cache file
    assert [p.passage.passage_id for p in fresh.top(feature, passages, 8)] == [p.passage.passage_id for p in top8]


def test_paragraph_files_as_spreadsheet_tools_save_them(tmp_path: Path) -> None:
    """A held-back paragraph file saved with a byte-order mark, padded column names and a paragraph
    over csv's 128 KiB field limit must load with every row in order, not stop the benchmark."""
    path = tmp_path / "g.csv"
    with path.open("w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.writer(fh)
        writer.writerow([" Paragraph", "Page number "])
        writer.writerows([["x " * 100_000, "[3]"], ["", "[4]"], ["The basic order is SOV.", "[5, 6]"]])
    passages = load_paragraphs(path, "g", "WALS_81A")
    assert [p.passage_id for p in passages] == ["g:WALS_81A:0", "g:WALS_81A:1", "g:WALS_81A:2"]
    assert passages[2].text == "The basic order is SOV." and (passages[2].page_start, passages[2].page_end) == ("5", "6")
    path.write_text("Text,Page\nabc,1\n", encoding="utf-8")
    with pytest.raises(G.DataDirError, match="no 'Paragraph' column"):
        load_paragraphs(path, "g", "WALS_81A")


def test_unreadable_annotation_file_is_named(tmp_path: Path) -> None:
    # a file that is not UTF-8 text: a clear error naming it, not a UnicodeDecodeError traceback
    (tmp_path / "annotated_benchmark.csv").write_bytes(b"Filename,WALS 81A\n\xff\xfe\x00broken\n")
    from grammar_rag.errors import DataDirError

    with pytest.raises(DataDirError, match=r"annotated_benchmark\.csv"):
        G.load_gold(tmp_path)


def test_python_dash_m_grammar_rag_is_the_cli() -> None:
    """An offline GPU server gets the checkout on PYTHONPATH, not an installed console script."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "grammar_rag", "bench", "--help"], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert "rag" in done.stdout and "prompts" in done.stdout


def test_prompt_build_bench_compares_memoised_and_plain_budgets(tiny_dir: Path, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRAMMAR_RAG_CACHE_DIR", str(tmp_path / "cache"))  # no stale reranked orders
    out = tmp_path / "prompt_build.json"
    assert cli_main(["bench", "prompts", "--data-dir", str(tiny_dir), "--out", str(out)]) == 0
    report = json.loads(out.read_text())
    plain, memo = report["runs"]["plain"], report["runs"]["memoised"]
    assert plain["prompts"] == memo["prompts"] > 0
    assert 0 < memo["encodes"] < plain["encodes"]  # the same texts are not encoded twice
    same, total = map(int, report["identical_prompts"].split(" of "))
    assert total == memo["prompts"] and same >= 0.8 * total  # only cuts may move, by a word or so

"""The transfer check's data preparation and scoring, on a tiny synthetic data directory (bundled WALS values)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from bench_support import write_csv

from benchmarks import wals_transfer as T


def _tiny(tmp_path: Path) -> Path:
    root = tmp_path / "rag_on_grammars"
    # japanese is only in the number-of-cases benchmark (unseen); english is in both (seen)
    write_csv(root / "annotated_benchmark.csv", ["lgcode_iso3", "Name", "Filename"], [["eng", "English", "eng2000"]])
    write_csv(root / "annotated_benchmark_number_of_cases.csv", ["ISO 639-3", "Language", "Filename", "Value"],
           [["jpn", "Japanese", "jpn1990", "No morphological case-marking"], ["eng", "English", "eng2000", "2 cases"],
            ["tur", "Turkish", "tur1980", "6-7 cases"]])
    paragraphs = {"jpn1990": "The basic word order is SOV. Negation is marked by the negative suffix -nai on the verb.",
                  "eng2000": "The basic word order is SVO. The negative particle not is a separate word."}
    for key, text in paragraphs.items():  # tur1980 has no paragraph file: left out
        write_csv(root / "paragraphs" / "WALS_49A" / f"{key}.csv", ["Paragraph", "Page number"], [[text, "[3]"]])
    (root / "paper_results.json").write_text(json.dumps({"rag_benchmark_f1": {}}))
    return root


def test_gold_comes_from_wals_and_seen_from_the_main_benchmark(tmp_path: Path) -> None:
    root = _tiny(tmp_path)
    gold, seen = T.transfer_gold(root, None)
    assert gold["WALS 81A"] == {"jpn1990": "SOV", "eng2000": "SVO"}
    assert gold["GB 107"] == {"jpn1990": "1", "eng2000": "0"}  # 112A affix -> 1, particle -> 0
    assert seen["WALS 81A"] == {"eng2000"}


def test_end_to_end_split_by_seen_and_unseen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _tiny(tmp_path)
    monkeypatch.setenv("GRAMMAR_RAG_CACHE_DIR", str(tmp_path / "cache"))
    out = tmp_path / "transfer.json"
    assert T.main(["--data-dir", str(tmp_path), "--out", str(out)]) == 0
    res = json.loads(out.read_text())["results"]
    assert res["WALS 81A"]["unseen"] == {"grammars": 1, "answered": 1, "answered_correct": 1, "precision": 1.0,
                                         "accuracy_abstention_as_first_option": 1.0}
    assert res["GB 107"]["seen"]["answered_correct"] == 1 and res["GB 107"]["seen"]["grammars"] == 1
    # the empty 81A cell of a grammar without a WALS value never becomes a "No dominant order" gold
    table = (tmp_path / "cache" / "wals_transfer" / "data" / "rag_on_grammars" / "annotated_benchmark.csv").read_text()
    assert "tur1980" not in table
    assert out.with_suffix(".md").read_text().startswith("# Transfer check")


def test_bad_data_dir_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert T.main(["--data-dir", str(tmp_path), "--out", str(tmp_path / "t.json")]) == 2
    assert "annotated_benchmark.csv" in capsys.readouterr().err

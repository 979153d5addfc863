"""``grammar-rag bench translate`` end to end on a tiny data directory."""

from __future__ import annotations

import json
from pathlib import Path

from translate_helpers import write_examples_csv, write_tiny_kalamang

from benchmarks.translate_bench import split_of
from grammar_rag.cli import main


def test_split_is_reproducible_and_about_one_in_n() -> None:
    ids = [f"XV{i:06d}" for i in range(2000)]
    test = [i for i in ids if split_of(i) == "test"]
    assert test == [i for i in ids if split_of(i) == "test"]
    assert 150 < len(test) < 250
    assert not {i for i in ids if split_of(i) == "dev"} & set(test)


def test_bench_translate_end_to_end(tmp_path: Path) -> None:
    data = write_tiny_kalamang(tmp_path / "data")
    held_out = write_examples_csv(tmp_path / "held_out.csv", [
        ("H1", "Mu sorat koraru.", "", "", "They bite the fish.", "Dorang gigit ikan."),
        ("H2", "An muapnin.", "", "", "Saya tidak makan.", "I didn't eat."),
        ("H3", "Bal se sorat koraru.", "", "", "The dog has bitten the fish.", "Anjing su gigit ikan."),
    ])
    out = tmp_path / "report.json"
    code = main(["bench", "translate", "--data-dir", str(data), "--examples", str(held_out),
                 "--out", str(out), "--embedder", "none"])
    assert code == 0
    report = json.loads(out.read_text())
    for block in (report, report["baselines"]["copy-input"], report["baselines"]["word-by-word"]):
        for metric in ("chrf", "chrf++"):
            assert set(block[metric]) == {"kgv-eng", "eng-kgv"}
            assert all(0 <= v <= 100 for v in block[metric].values())
    assert report["n_sentences"] == 3 and report["split"]["name"] == "all"  # a foreign file: every row scored
    assert report["retrieval_leaks"] == 0
    assert report["method"] == ["model-free fallback"]
    # the grammar's 3 examples repeat pack sentences (merged away); H3 duplicates XV1/XV7: both out
    assert report["split"]["pool_size"] == 8 - 2
    assert out.with_suffix(".md").read_text().startswith("# Translation benchmark")
    assert report["chrf"]["kgv-eng"] > report["baselines"]["copy-input"]["chrf"]["kgv-eng"]


def test_bench_with_llm_backend_and_dev_split(tmp_path: Path) -> None:
    data = write_tiny_kalamang(tmp_path / "data")
    out = tmp_path / "fake.json"
    code = main(["bench", "translate", "--data-dir", str(data), "--split", "all", "--backend", "fake",
                 "--out", str(out), "--embedder", "none", "--limit", "2"])
    assert code == 0
    report = json.loads(out.read_text())
    assert report["method"] == ["llm:fake"] and report["n_sentences"] == 2
    assert report["retrieval_leaks"] == 0 and set(report["chrf++"]) == {"kgv-eng", "eng-kgv"}

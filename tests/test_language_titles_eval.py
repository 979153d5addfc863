"""The title -> language evaluation reads the benchmark tables and scores guesses by ISO code."""

from __future__ import annotations

from pathlib import Path

from grammar_rag.evaluation.language_titles import TitleLanguageEvaluator, read_benchmark_titles, summarise
from grammar_rag.features.languages import load_bundled_languages


def test_titles_are_read_from_both_tables_and_scored(tmp_path: Path) -> None:
    (tmp_path / "annotated_benchmark.csv").write_text(
        "lgcode_iso3,Name,Filename,Title\n"
        "spp,Supyire,carlson1994grammar,A Grammar of Supyire\n"
        "mni,Meithei,chelliah1997grammar,A Grammar of Meithei\n"
        "xyz,Nothing,nothing2000,Proceedings of the workshop\n"
        "den,Slave,rice1989grammar,A Grammar of Slave\n", encoding="utf-8")
    (tmp_path / "annotated_benchmark_number_of_cases.csv").write_text(
        "ISO 639-3,Language,Filename,Title\n"
        "rap,Rapa Nui,kieviet2017rapanui,A grammar of Rapa Nui\n"
        "tha,Thai,wrong2000,A grammar of Rapa Nui\n", encoding="utf-8")
    grammars = read_benchmark_titles(tmp_path)
    assert [g.grammar_id for g in grammars] == ["carlson1994grammar", "chelliah1997grammar", "kieviet2017rapanui",
                                                "nothing2000", "rice1989grammar", "wrong2000"]
    report = TitleLanguageEvaluator(grammars, load_bundled_languages())()
    verdicts = {r["grammar"]: (r["verdict"], r["confident"]) for r in report["rows"]}
    assert verdicts["kieviet2017rapanui"] == ("right", True)
    assert verdicts["chelliah1997grammar"] == ("right", True)  # WALS's name for Glottolog's Manipuri
    assert verdicts["nothing2000"] == ("unresolved", False)
    assert verdicts["wrong2000"] == ("wrong", True)  # Rapanui is not Thai
    assert verdicts["rice1989grammar"] == ("right", False)  # WALS's Slave: a group in Glottolog, flagged
    summary = report["summary"]
    assert summary["counts"]["wrong_confident"] == 1 and summary["wrong_and_confident"]["share"] == round(1 / 6, 4)
    assert summary["precision_when_confident"] == 0.75


def test_summary_of_nothing_has_no_shares() -> None:
    assert summarise([])["right"]["share"] is None

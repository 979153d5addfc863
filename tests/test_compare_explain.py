"""``compare`` says why a grammar has no reference value, instead of a silent "compared 0"."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from grammar_rag.extract.compare import compare_predictions, format_report
from grammar_rag.features import get_catalogue
from grammar_rag.features.languages import LanguageResolver
from grammar_rag.features.reference import explain_missing, wals_reference
from grammar_rag.features.values import get_wals_values, wals_majority
from grammar_rag.types import Grammar, Prediction

SHARED_GRAMBANK = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "grambank"


def _pred(grammar_id: str, feature_id: str, value: str) -> Prediction:
    return Prediction(grammar_id=grammar_id, feature_id=feature_id, value=value, confidence=0.9)


def _compare(grammars: list[Grammar], preds: list[Prediction], data_dir: Path | None = None) -> tuple[str, list[str]]:
    features = {p.feature_id: get_catalogue(data_dir).get(p.feature_id) for p in preds}
    report = compare_predictions(preds, {g.id: g for g in grammars}, features, wals_reference(data_dir),
                                 resolver=LanguageResolver(data_dir), explain=explain_missing(data_dir))
    return format_report(report), report.notes


def test_language_wals_does_not_code_is_named_with_its_glottocode() -> None:
    sanzhi = Grammar(id="forker2020sanzhi", language="Sanzhi Dargwa", glottocode="sanz1248")
    text, notes = _compare([sanzhi], [_pred("forker2020sanzhi", "WALS 81A", "SOV")])
    assert notes == ["forker2020sanzhi: no WALS reference for language Sanzhi Dargwa (glottocode sanz1248): "
                     "WALS does not code this language; it codes a related language of its family: Dargwa [drg] "
                     "(compare with it: --reference drg)"]
    assert "note: forker2020sanzhi: no WALS reference" in text


def test_related_wals_languages_share_the_family_and_a_name() -> None:
    """Sanzhi is a dialect of Southwestern Dargwa, which WALS does not code; WALS's Dargwa (North-Central
    Dargwa in Glottolog) is of the same family and shares the name's distinctive word."""
    from grammar_rag.features.reference import related_wals_languages

    assert [w.wals_code for w in related_wals_languages("sanz1248")] == ["drg"]
    assert related_wals_languages("rapa1244") == []  # coded itself: no relatives offered
    assert related_wals_languages("zzzz9999") == []


def test_compare_with_a_related_language_when_asked() -> None:
    """``--reference GRAMMAR=WALS_CODE`` compares a grammar with another WALS language (a related variety)
    and says so in the notes; nothing is compared with it unless asked."""
    sanzhi = Grammar(id="forker2020sanzhi", language="Sanzhi Dargwa", glottocode="sanz1248")
    preds = [_pred("forker2020sanzhi", "WALS 81A", "SOV"), _pred("forker2020sanzhi", "WALS 83A", "VO")]
    features = {p.feature_id: get_catalogue().get(p.feature_id) for p in preds}
    dargwa = get_wals_values().by_code("drg")
    assert dargwa is not None
    report = compare_predictions(preds, {sanzhi.id: sanzhi}, features, wals_reference(),
                                 resolver=LanguageResolver(), explain=explain_missing(),
                                 reference_for={"forker2020sanzhi": dargwa})
    by_id = {f.feature_id: f for f in report.features}
    assert (by_id["WALS 81A"].n_with_reference, by_id["WALS 81A"].n_agree) == (1, 1)
    assert (by_id["WALS 83A"].n_with_reference, by_id["WALS 83A"].n_agree) == (1, 0)
    assert report.notes == ["forker2020sanzhi: compared with WALS's Dargwa [drg] as asked (--reference), "
                            "not with the grammar's own language Sanzhi Dargwa (glottocode sanz1248)"]


def test_reference_option_names_the_grammar_where_there_are_several() -> None:
    from grammar_rag.cli.compare import parse_references
    from grammar_rag.errors import GrammarRagError

    codes = {k: v.wals_code for k, v in parse_references(["drg"], ["forker2020sanzhi"]).items()}
    assert codes == {"forker2020sanzhi": "drg"}
    both = parse_references(["a2020x=drg", "b2021y=wals:rap"], ["a2020x", "b2021y"])
    assert {k: v.wals_code for k, v in both.items()} == {"a2020x": "drg", "b2021y": "rap"}
    with pytest.raises(GrammarRagError, match="GRAMMAR=CODE"):
        parse_references(["drg"], ["a2020x", "b2021y"])
    with pytest.raises(GrammarRagError, match="not a WALS language code"):
        parse_references(["a2020x=zzzq"], ["a2020x"])
    with pytest.raises(GrammarRagError, match="no grammar"):
        parse_references(["nosuch=drg"], ["a2020x"])


def test_grammar_without_codes_is_told_how_to_fix_it() -> None:
    unknown = Grammar(id="x2020zzz", language="Zzyzxian")
    _, notes = _compare([unknown], [_pred("x2020zzz", "WALS 81A", "SOV")])
    assert len(notes) == 1 and "--meta glottocode=" in notes[0]


def test_coded_language_without_the_feature_and_grambank_without_values() -> None:
    rapanui = Grammar(id="k2017rapanui", language="Rapa Nui", glottocode="rapa1244", iso639_3="rap")
    preds = [_pred("k2017rapanui", "WALS 81A", "VSO"), _pred("k2017rapanui", "GB107", "yes")]
    _, notes = _compare([rapanui], preds)
    # 81A is coded for Rapanui, so only the Grambank feature lacks a reference
    assert len(notes) == 1
    assert "no Grambank reference" in notes[0] and "values.csv" in notes[0]


def test_grambank_reference_where_the_data_dir_has_values(tmp_path: Path) -> None:
    if not SHARED_GRAMBANK.is_dir():
        pytest.skip("shared Grambank catalogue copy not available")
    gb = tmp_path / "grambank"
    gb.mkdir()
    for name in ("parameters.csv", "codes.csv", "languages.csv"):
        shutil.copy(SHARED_GRAMBANK / name, gb / name)
    (gb / "values.csv").write_text(
        "ID,Language_ID,Parameter_ID,Value,Code_ID\nrapa1244-GB107,rapa1244,GB107,1,GB107-1\n", encoding="utf-8"
    )
    rapanui = Grammar(id="k2017rapanui", language="Rapa Nui", glottocode="rapa1244", iso639_3="rap")
    feature = get_catalogue(tmp_path).get("GB107")
    yes = next(v.name for v in feature.values if v.code == "GB107-1")
    report = compare_predictions([_pred("k2017rapanui", "GB107", yes)], {rapanui.id: rapanui}, {feature.id: feature},
                                 wals_reference(tmp_path), resolver=LanguageResolver(tmp_path),
                                 explain=explain_missing(tmp_path))
    (stats,) = report.features
    assert (stats.n_with_reference, stats.n_agree) == (1, 1)
    assert report.notes == []


def test_features_in_numeric_order_with_an_all_features_row() -> None:
    """WALS 9A comes before WALS 10A, and a last row sums every feature (its majority: each feature's own)."""
    rapanui = Grammar(id="k2017rapanui", language="Rapa Nui", glottocode="rapa1244", iso639_3="rap")
    sanzhi = Grammar(id="f2020sanzhi", language="Sanzhi Dargwa", glottocode="sanz1248")
    preds = [_pred("k2017rapanui", "WALS 81A", "VSO"), _pred("k2017rapanui", "WALS 9A", "not enough information"),
             _pred("k2017rapanui", "WALS 83A", "OV"), _pred("f2020sanzhi", "WALS 81A", "SOV")]
    features = {p.feature_id: get_catalogue().get(p.feature_id) for p in preds}
    report = compare_predictions(preds, {g.id: g for g in (rapanui, sanzhi)}, features, wals_reference(None),
                                 resolver=LanguageResolver(None), majority=wals_majority)
    assert [f.feature_id for f in report.features] == ["WALS 9A", "WALS 81A", "WALS 83A"]
    # WALS-wide, SOV and OV are the commonest values; Rapa Nui is VSO and VO: always answering them scores 0
    assert [f.database_majority_baseline for f in report.features] == [None, 0.0, 0.0]
    total = report.to_dict()["overall"]
    assert isinstance(total, dict)
    # Sanzhi has no WALS reference; 9A abstained; 81A VSO agrees with WALS, 83A OV does not (Rapa Nui is VO)
    assert (total["n_predictions"], total["n_with_reference"], total["n_compared"], total["n_agree"]) == (4, 3, 2, 1)
    assert total["agreement"] == 0.5 and total["majority_baseline"] == 1.0 and total["database_majority_baseline"] == 0.0
    table = format_report(report).splitlines()
    assert [ln.split() for ln in table if ln.startswith("all ")] == [
        ["all", "4", "3", "1", "2", "1", "1", "50.0%", "100.0%", "0.0%"]]
    assert "WALS maj." in table[0] + table[1]


def test_features_without_any_reference_are_counted_not_listed() -> None:
    """An all-WALS run on one book printed a row of zeros for each of ~160 features WALS does not code for
    its language; those rows are summed in one line (and stay in the JSON report)."""
    rapanui = Grammar(id="k2017rapanui", language="Rapa Nui", glottocode="rapa1244", iso639_3="rap")
    preds = [_pred("k2017rapanui", "WALS 81A", "VSO"), _pred("k2017rapanui", "WALS 84A", "VOX"),
             _pred("k2017rapanui", "WALS 10B", "no nasal vs. oral vowel contrast")]
    features = {p.feature_id: get_catalogue().get(p.feature_id) for p in preds}
    report = compare_predictions(preds, {rapanui.id: rapanui}, features, wals_reference(None),
                                 resolver=LanguageResolver(None))
    assert {f.feature_id: f.n_with_reference for f in report.features} == {"WALS 10B": 0, "WALS 81A": 1, "WALS 84A": 0}
    table = format_report(report).splitlines()
    assert [ln.split()[:2] for ln in table if ln.startswith("WALS ")] == [["WALS", "81A"]]
    assert [ln.split()[:2] for ln in table if ln.startswith("all ")] == [["all", "3"]]
    assert "(2 feature(s) with no WALS value for any of these grammars are not listed; they are in compare.json)" in table
    assert len(report.to_dict()["features"]) == 3  # type: ignore[arg-type]

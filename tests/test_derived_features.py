"""Features WALS derives from others (82A/83A from 81A, 95A-97A from two orders): found in the
catalogue, combined from the components' answers, and answered so by the pipeline."""

from __future__ import annotations

from pathlib import Path

import pytest

from grammar_rag import pipeline
from grammar_rag.classify import derived, make_classifier
from grammar_rag.cli.classify import format_prediction
from grammar_rag.features import get_catalogue
from grammar_rag.features.derived import derivations
from grammar_rag.index import GrammarIndex
from grammar_rag.types import NOT_ENOUGH_INFO, Evidence, Feature, Grammar, Passage, Prediction, ScoredPassage

raw = make_classifier("evidence", use_query_terms=False, calibrate=False)
STATEMENTS = {
    "WALS 81A": "The basic constituent order of the clause is SOV: subject, object, then the verb.",
    "WALS 87A": "Adjectives always precede the noun they modify.",
    "WALS 90A": "Relative clauses always follow the head noun.",
}


def _f(fid: str) -> Feature:
    return get_catalogue().get(fid)


def _plain(texts: dict[str, str]):
    def classify(feature: Feature) -> Prediction:
        text = texts.get(feature.id, "Nouns take plural suffixes.")
        passage = Passage("g", f"g:{feature.id}", text, page_start="7")
        return raw.classify(feature, [ScoredPassage(passage, 1.0, 1)])
    return classify


def _pred(fid: str, value: str, confidence: float, *flags: str) -> Prediction:
    return Prediction("g", fid, value, confidence=confidence, flags=list(flags),
                      evidence=[Evidence(f"g:{fid}", "g", f"quote for {fid}", pages="3")])


def test_the_catalogue_names_its_derived_features() -> None:
    d = derivations(get_catalogue().all("WALS"))
    assert d["WALS 82A"].components == ("WALS 81A",) and d["WALS 82A"].implied
    assert d["WALS 83A"].table[("VSO",)] == "VO" and d["WALS 82A"].table[("VSO",)] == "VS"
    assert d["WALS 97A"].components == ("WALS 83A", "WALS 87A") and not d["WALS 97A"].implied
    assert d["WALS 97A"].table[("OV", "Adjective-Noun")] == "OV and AdjN"
    assert d["WALS 95A"].table[("VO", "Prepositions")] == "VO and Prepositions"  # "Prep" read as a prefix
    assert d["WALS 96A"].other == "Other"
    assert "WALS 81A" not in d and "WALS 87A" not in d


def test_combinations_and_implications_from_component_answers() -> None:
    d97 = derivations(get_catalogue().all("WALS"))["WALS 97A"]
    both = derived.combine(_f("WALS 97A"), d97, [_pred("WALS 83A", "OV", 0.9), _pred("WALS 87A", "Noun-Adjective", 0.8)])
    assert both is not None and both.value == "OV and NAdj" and both.code == "97A-2"
    assert both.confidence == pytest.approx(0.72) and {e.passage_id for e in both.evidence} == {"g:WALS 83A", "g:WALS 87A"}
    # a component without a dominant order falls outside the four types
    other = derived.combine(_f("WALS 97A"), d97, [_pred("WALS 83A", "No dominant order", 0.9), _pred("WALS 87A", "Noun-Adjective", 0.8)])
    assert other is not None and other.value == "Other"
    # one component unanswered: the combination abstains and still lists where to read
    gap = derived.combine(_f("WALS 97A"), d97, [_pred("WALS 83A", NOT_ENOUGH_INFO, 0.0), _pred("WALS 87A", "Noun-Adjective", 0.8)])
    assert gap is not None and gap.abstained and gap.evidence and "unanswered" in gap.reasoning
    assert "calibrated" not in gap.flags  # raw components: the CLI must not call the 0 calibrated
    judged = derived.combine(_f("WALS 97A"), d97, [_pred("WALS 83A", NOT_ENOUGH_INFO, 0.8, "calibrated", "below-threshold"),
                                                   _pred("WALS 87A", "Noun-Adjective", 0.8, "calibrated")])
    assert judged is not None and judged.abstained and "calibrated" in judged.flags
    # calibrated components: the product must reach the target precision
    low = derived.combine(_f("WALS 97A"), d97, [_pred("WALS 83A", "OV", 0.9, "calibrated"),
                                                _pred("WALS 87A", "Noun-Adjective", 0.8, "calibrated")], min_precision=0.8)
    assert low is not None and low.abstained and "below-threshold" in low.flags
    d83 = derivations(get_catalogue().all("WALS"))["WALS 83A"]
    assert derived.combine(_f("WALS 83A"), d83, [_pred("WALS 81A", "VSO", 0.9)]).value == "VO"  # type: ignore[union-attr]
    # no dominant three-way order implies nothing: the feature is read on its own
    assert derived.combine(_f("WALS 83A"), d83, [_pred("WALS 81A", "No dominant order", 0.9)]) is None
    assert derived.combine(_f("WALS 83A"), d83, [_pred("WALS 81A", NOT_ENOUGH_INFO, 0.0)]) is None


def _read(fid: str, raw_value: str | None, raw_score: float | None, confidence: float, answered: bool) -> Prediction:
    """A calibrated component as the evidence reader gives it: its reading kept below its threshold too."""
    value = raw_value if answered and raw_value else NOT_ENOUGH_INFO
    flags = ["calibrated"] if answered else ["calibrated", "below-threshold"]
    return Prediction("g", fid, value, confidence=confidence, flags=flags, raw_value=raw_value, raw_score=raw_score,
                      evidence=[Evidence(f"g:{fid}", "g", f"quote for {fid}", pages="3")])


def test_calibrated_combinations_read_the_components_raw_readings_and_their_own_map() -> None:
    table = derivations(get_catalogue().all("WALS"))
    # 81A's VSO is below 81A's own threshold; 83A's VO follows from it and is judged by 83A's map
    # (against WALS on the development grammars, 83A derived so was right 36 of 37 times)
    vo = derived.combine(_f("WALS 83A"), table["WALS 83A"], [_read("WALS 81A", "VSO", 0.36, 0.79, answered=False)])
    assert vo is not None and vo.value == "VO" and vo.code == "83A-2"
    assert {"derived", "calibrated"} <= set(vo.flags) and "below-threshold" not in vo.flags
    assert vo.confidence >= 0.9 and "raw score" in vo.reasoning
    assert (vo.raw_value, vo.raw_score) == ("VO", pytest.approx(0.36 * table["WALS 83A"].reliability))
    # 50A from 49A's "no case": no validated map (right 12 of 29 against WALS), so it abstains and lists evidence
    nocase = derived.combine(_f("WALS 50A"), table["WALS 50A"],
                             [_read("WALS 49A", "No morphological case-marking", 0.9, 0.9, answered=True)])
    assert nocase is not None and nocase.abstained and nocase.evidence and "not validated" in nocase.reasoning
    assert nocase.raw_value == "No case-marking"  # kept for a feature derived from this one
    # the reader found no order at all: 83A is read on its own, as before
    assert derived.combine(_f("WALS 83A"), table["WALS 83A"], [_read("WALS 81A", None, None, 0.0, answered=False)]) is None
    # 95A's 83A component is itself derived: its reading (score included) carries through
    vo_prep = derived.combine(_f("WALS 95A"), table["WALS 95A"],
                              [vo, _read("WALS 85A", "Prepositions", 0.9, 0.96, answered=True)])
    assert vo_prep is not None and vo_prep.raw_value == "VO and Prepositions"
    assert vo.raw_score is not None
    assert vo_prep.raw_score == pytest.approx(vo.raw_score * 0.9 * table["WALS 95A"].reliability)


def test_a_dominant_value_follows_from_its_chapter_sibling_and_inherits_its_verdict() -> None:
    """WALS 90B/90C ("Noun-Relative clause (NRel) dominant") are coded from 90A's classification: a
    book whose 90A was answered NRel abstained on 90C all the same (no reader states "dominant")."""
    table = derivations(get_catalogue().all("WALS"))
    assert table["WALS 90C"].table == {("Noun-Relative clause",): "Noun-Relative clause (NRel) dominant"}
    assert table["WALS 90B"].components == ("WALS 90A",) and table["WALS 90B"].implied
    assert "WALS 90D" not in table  # "Internally-headed relative clause" is not 90A's "Internally headed"
    answered = derived.combine(_f("WALS 90C"), table["WALS 90C"],
                               [_read("WALS 90A", "Noun-Relative clause", 0.7, 0.83, answered=True)])
    assert answered is not None and answered.value == "Noun-Relative clause (NRel) dominant"
    assert answered.confidence == pytest.approx(0.83) and "calibrated" in answered.flags
    below = derived.combine(_f("WALS 90B"), table["WALS 90B"],
                            [_read("WALS 90A", "Relative clause-Noun", 0.3, 0.55, answered=False)])
    assert below is not None and below.abstained and below.evidence and "WALS 90A itself is not answered" in below.reasoning
    # another 90A value implies nothing: 90C is read on its own
    assert derived.combine(_f("WALS 90C"), table["WALS 90C"],
                           [_read("WALS 90A", "Relative clause-Noun", 0.7, 0.83, answered=True)]) is None


def test_predict_reads_components_and_falls_back_to_the_feature_itself() -> None:
    plain = _plain(STATEMENTS)
    assert derived.predict(_f("WALS 97A"), plain).value == "OV and AdjN"
    assert derived.predict(_f("WALS 96A"), plain).value == "OV and NRel"
    assert derived.predict(_f("WALS 82A"), plain).value == "SV"
    # 81A unanswered: 83A is read from its own passages
    own = _plain({"WALS 83A": "The object always precedes the verb."})
    pred = derived.predict(_f("WALS 83A"), own)
    assert pred.value == "OV" and "derived" not in pred.flags


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> GrammarIndex:
    path: Path = tmp_path_factory.mktemp("idx") / "index"
    idx = GrammarIndex.create(path, embedding_model="hashing-64")
    grammar = Grammar(id="test2020grammar", title="A grammar of Test", language="Testish", iso639_3="tst")
    texts = [*STATEMENTS.values(), "Kinship terms form a closed class.", "Vowels are short or long."]
    idx.add(grammar, [Passage(grammar.id, f"{grammar.id}:{i}", t, page_start=str(10 + i), order=i)
                      for i, t in enumerate(texts)])
    return idx


def test_pipeline_and_batch_extraction_answer_derived_features(index: GrammarIndex) -> None:
    from grammar_rag.extract.predictors import PipelinePredictor

    pred = pipeline.classify("test2020grammar", "WALS 97A", index=index, classifier=raw)
    assert pred.value == "OV and AdjN" and {e.pages for e in pred.evidence} >= {"10", "11"}
    grammar = index.get_grammar("test2020grammar")
    predictor = PipelinePredictor(index, backend="evidence", use_query_terms=False, calibrate=False)
    batch = predictor([(grammar, _f("WALS 81A")), (grammar, _f("WALS 97A")), (grammar, _f("WALS 83A"))])
    assert [p.value for p in batch] == ["SOV", "OV and AdjN", "OV"]
    assert all(p.grammar_id == "test2020grammar" and p.feature_id == f for p, f in zip(batch, ["WALS 81A", "WALS 97A", "WALS 83A"], strict=True))


def test_batch_extraction_reads_each_component_once_and_abstains_without_recursing(
        index: GrammarIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A derived feature whose component abstains is read on its own (once), never derived again.

    Before: 83A on a grammar without a word-order statement recursed until RecursionError, and
    81A was classified once per derived feature that needs it.
    """
    from grammar_rag.extract.predictors import PipelinePredictor

    grammar = index.get_grammar("test2020grammar")
    predictor = PipelinePredictor(index, backend="evidence", use_query_terms=False, calibrate=False)
    read: list[str] = []
    classify = predictor.classifier.classify

    def counted(f: Feature, ps: list[ScoredPassage], g: Grammar | None = None) -> Prediction:
        read.append(f.id)
        return classify(f, ps, g)

    monkeypatch.setattr(predictor.classifier, "classify", counted)
    monkeypatch.setattr(predictor.classifier, "classify_many",
                        lambda items: [predictor.classifier.classify(*i) for i in items])
    batch = predictor([(grammar, _f(fid)) for fid in ("WALS 81A", "WALS 83A", "WALS 82A", "WALS 95A", "WALS 97A")])
    assert [p.value for p in batch][:2] == ["SOV", "OV"]
    assert read.count("WALS 81A") == 1 and read.count("WALS 85A") == 1

    bare = GrammarIndex.create(tmp_path / "bare", embedding_model="hashing-64")
    other = Grammar(id="bare2020grammar", title="A grammar of Bare", language="Bareish")
    bare.add(other, [Passage(other.id, f"{other.id}:{i}", t, page_start=str(i), order=i)
                     for i, t in enumerate(["Nouns have two genders.", "The language has tones."])])
    pred = PipelinePredictor(bare, backend="evidence", calibrate=False)([(other, _f("WALS 83A"))])[0]
    assert pred.abstained and pred.feature_id == "WALS 83A"


def test_rule_reliabilities_are_measured_on_the_bundled_wals_values() -> None:
    from grammar_rag.features.derived import RELIABILITY, agreement
    from grammar_rag.features.values import load_bundled_wals_values

    catalogue = get_catalogue()
    names = {f.id: {v.code: v.name for v in f.values} for f in catalogue.all("WALS")}
    languages = []
    for lang in load_bundled_wals_values().languages:
        languages.append({f"WALS {pid}": names.get(f"WALS {pid}", {}).get(f"{pid}-{n}", n) for pid, n in lang.values.items()})
    found = derivations(catalogue.all("WALS"))
    assert set(RELIABILITY) == set(found)
    for fid, d in found.items():
        applies, agrees = agreement(d, languages)
        assert applies >= 50 and RELIABILITY[fid] == pytest.approx(agrees / applies, abs=0.005), fid
    # 49A "no morphological case" -> 28A/50A/98A; a case count other than none implies nothing
    d98 = found["WALS 98A"]
    assert d98.implied and d98.table == {("No morphological case-marking",): "Neutral"}
    # chapter 49 counts clitic case markers as (borderline) case: without any, 51A has neither
    assert found["WALS 51A"].table == {("No morphological case-marking",): "No case affixes or adpositional clitics"}
    assert "WALS 21A" not in found  # "No case" there holds for 37 of WALS's 48 such languages: too few to measure


def test_extract_over_the_whole_wals_catalogue_by_name(tmp_path: Path) -> None:
    """``--features WALS`` is every WALS feature (derived ones included) and the run completes.

    Before: the catalogue could only be listed id by id, and the derived features of a grammar
    whose components abstain ended the run with RecursionError.
    """
    import csv

    from grammar_rag.cli import main
    from grammar_rag.extract.inputs import select_features

    assert len(select_features("WALS")) == 192 and len(select_features("GB")) == 195
    assert len(select_features("all")) == 387 and len(select_features("81A,wals")) == 192
    bare = GrammarIndex.create(tmp_path / "idx", embedding_model="hashing-64")
    grammar = Grammar(id="bare2020grammar", title="A grammar of Bare", language="Bareish")
    bare.add(grammar, [Passage(grammar.id, f"{grammar.id}:{i}", t, page_start=str(i), order=i)
                       for i, t in enumerate(["Nouns have two genders.", "Word order is often SOV."])])
    out = tmp_path / "out"
    assert main(["extract", "--index", str(tmp_path / "idx"), "--grammars", "all", "--features", "WALS",
                 "--out", str(out), "--no-progress"]) == 0
    with (out / "values_flat.csv").open(encoding="utf-8") as fh:
        rows = {r["feature_id"]: r for r in csv.DictReader(fh)}
    assert len(rows) == 192
    # one statement is below 81A's calibrated target: 81A abstains, naming what it read; 83A (OV or VO,
    # coarser) follows from that reading and is judged by its own map, which it passes
    assert rows["WALS 81A"]["value"] == "not enough information" and "SOV" in rows["WALS 81A"]["reasoning"]
    assert rows["WALS 83A"]["value"] == "OV" and rows["WALS 83A"]["evidence"]
    assert "[derived]" in rows["WALS 83A"]["reasoning"] and "WALS 81A: SOV" in rows["WALS 83A"]["reasoning"]


def test_a_combination_without_its_own_map_is_judged_by_its_calibrated_components() -> None:
    """WALS 97A = 83A x 87A holds for every WALS language coding all three, so it is right whenever both
    components are: where the development grammars are too few to fit 97A's own map, its confidence is
    the product of the components' calibrated confidences (a lower bound when their errors go
    together), answered only where both were answered and the product reaches the target."""
    table = derivations(get_catalogue().all("WALS"))
    ov = _read("WALS 83A", "OV", 0.9, 0.99, answered=True)
    both = derived.combine(_f("WALS 97A"), table["WALS 97A"], [ov, _read("WALS 87A", "Adjective-Noun", 0.4, 0.83, answered=True)])
    assert both is not None and both.value == "OV and AdjN" and not both.abstained
    assert both.confidence == pytest.approx(0.99 * 0.83) and "calibrated" in both.flags
    # the CLI says where such a confidence comes from (no map of 97A's own answers stands behind it)
    assert "the product of its components' calibrated confidences" in format_prediction(both)
    assert "right this often" in format_prediction(_read("WALS 87A", "Adjective-Noun", 0.4, 0.83, answered=True))
    low = derived.combine(_f("WALS 97A"), table["WALS 97A"], [ov, _read("WALS 87A", "Adjective-Noun", 0.3, 0.78, answered=True)])
    assert low is not None and low.abstained and low.confidence == pytest.approx(0.99 * 0.78)
    assert "below the 80% target" in low.reasoning and low.evidence
    unanswered = derived.combine(_f("WALS 97A"), table["WALS 97A"],
                                 [ov, _read("WALS 87A", "Adjective-Noun", 0.2, 0.9, answered=False)])
    assert unanswered is not None and unanswered.abstained and "WALS 87A itself is not answered" in unanswered.reasoning
    # a stricter target moves the line
    strict = derived.combine(_f("WALS 97A"), table["WALS 97A"],
                             [ov, _read("WALS 87A", "Adjective-Noun", 0.4, 0.83, answered=True)], min_precision=0.9)
    assert strict is not None and strict.abstained


def test_a_combination_read_as_other_is_judged_by_its_components_not_its_map() -> None:
    """"Other" (a component outside the combination table: "No dominant order") rests on a reading the
    combination's map was hardly fitted on: against WALS on the development grammars the 95A-97A
    combinations read from the table were right 36 of 39 times, "Other" 2 of 9. An OCR'd Rapa Nui read
    83A as "No dominant order" below its own threshold, and 95A's map made "Other" 91% sure (WALS: VO and
    Prepositions). So "Other" answers only where each component answered and their product reaches the target."""
    table = derivations(get_catalogue().all("WALS"))
    ndo = _read("WALS 83A", "No dominant order", 0.4, 0.79, answered=False)
    prep = _read("WALS 85A", "Prepositions", 0.91, 0.96, answered=True)
    other = derived.combine(_f("WALS 95A"), table["WALS 95A"], [ndo, prep])
    assert other is not None and other.abstained and other.raw_value == "Other"
    assert "WALS 83A itself is not answered" in other.reasoning and other.evidence
    answered = derived.combine(_f("WALS 95A"), table["WALS 95A"],
                               [_read("WALS 83A", "No dominant order", 0.6, 0.9, answered=True), prep])
    assert answered is not None and answered.value == "Other" and answered.confidence == pytest.approx(0.9 * 0.96)
    # a combination in the table is still judged by 95A's own map
    vo_prep = derived.combine(_f("WALS 95A"), table["WALS 95A"], [_read("WALS 83A", "VO", 0.4, 0.79, answered=False), prep])
    assert vo_prep is not None and vo_prep.value == "VO and Prepositions"

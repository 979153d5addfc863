"""The evidence classifier answers for any catalogue feature: a closed-set value or an abstention."""

from __future__ import annotations

import pytest

from grammar_rag.classify import make_classifier
from grammar_rag.classify.cues import select_family
from grammar_rag.classify.evidence_classifier import guideline_terms
from grammar_rag.types import NOT_ENOUGH_INFO, Feature, FeatureValue, Passage, ScoredPassage

TEXTS = [
    "The basic word order is SOV and adjectives follow the noun.",
    "Nouns take the plural suffix -ta; there is no dual.",
    "(1) dog-ERG man-ABS see-PST-NEG 'the dog did not see the man' (2) dog-ERG tree-LOC sit-NEG",
    "Polar questions use the sentence-final particle ka.",
    "There are no definite articles.",
]


def _passages() -> list[ScoredPassage]:
    return [ScoredPassage(Passage("g", f"g:{i}", t, page_start=str(i + 1)), 1.0, i + 1) for i, t in enumerate(TEXTS)]


def test_every_tenth_catalogue_feature_gets_a_closed_set_answer() -> None:
    features = pytest.importorskip("grammar_rag.features")
    catalogue = features.get_catalogue()
    clf = make_classifier("evidence", use_query_terms=False, calibrate=False)
    checked = 0
    for feature in catalogue.all()[::10]:
        pred = clf.classify(feature, _passages())
        assert pred.feature_id == feature.id
        if feature.multi_label:
            names = {c.name for c in feature.components}
            assert pred.abstained or set(pred.values) <= names
        else:
            assert pred.value == NOT_ENOUGH_INFO or feature.value_by_name(pred.value) is not None, (feature.id, pred.value)
        assert all(e.pages for e in pred.evidence)
        checked += 1
    assert checked >= 20


def test_generic_value_term_family_for_a_feature_without_extractor() -> None:
    feature = Feature("X85", "WALS", "Order of Adposition and Noun Phrase", "Prepositions or postpositions?",
                      (FeatureValue("a", "Postpositions"), FeatureValue("b", "Prepositions"),
                       FeatureValue("c", "No adpositions")))
    assert select_family(feature).name == "value-terms"
    clf = make_classifier("evidence", use_query_terms=False, calibrate=False)
    passages = [ScoredPassage(Passage("g", "g:0", "Spatial relations are always expressed by postpositions.",
                                      page_start="7"), 1.0, 1)]
    pred = clf.classify(feature, passages)
    assert pred.value == "Postpositions" and pred.evidence[0].pages == "7"


def test_generic_binary_presence_and_absence() -> None:
    feature = Feature("GBX", "Grambank", "Definite articles", "Are there definite articles?",
                      (FeatureValue("1", "1"), FeatureValue("0", "0")))
    clf = make_classifier("evidence", use_query_terms=False, calibrate=False)
    absent = [ScoredPassage(Passage("g", "g:0", "The language has no definite articles at all.", page_start="3"), 1.0, 1)]
    present = [ScoredPassage(Passage("g", "g:0", "Definite articles always precede the noun.", page_start="3"), 1.0, 1)]
    assert clf.classify(feature, absent).value == "0"
    assert clf.classify(feature, present).value == "1"


def test_guideline_terms_are_content_words() -> None:
    feature = Feature("F", "WALS", "n", "q", guideline="The negative particle precedes the verb. Negative particles are "
                      "free words; the particle is never bound.")
    terms = guideline_terms(feature)
    assert terms[0] == "particle" or "particle" in terms
    assert "the" not in terms

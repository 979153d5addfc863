"""WALS 143A (order of negative morpheme and verb) and what WALS codes from it (143E-143G).

Before: 143A fell to the generic value-term reader, which matches the value names "NegV"/"VNeg" and
never found them in prose, so a book answering 112A and GB107 abstained on the whole chapter 143."""

from __future__ import annotations

import pytest

from grammar_rag.classify import make_classifier
from grammar_rag.classify.cues import select_family
from grammar_rag.classify.cues.negation_order import gloss_positions, value_kind
from grammar_rag.features import get_catalogue
from grammar_rag.types import Feature, Passage, ScoredPassage

clf = make_classifier("evidence", use_query_terms=False, calibrate=False)


def _f(fid: str) -> Feature:
    return get_catalogue().get(fid)


def sp(*texts: str) -> list[ScoredPassage]:
    return [ScoredPassage(Passage("g", f"g:{i}", t, page_start=str(100 + i)), 1.0 / (i + 1), i + 1)
            for i, t in enumerate(texts)]


def test_only_the_four_simple_types_choose_the_family() -> None:
    assert select_family(_f("WALS 143A")).name == "negation-order"
    assert [value_kind(v) for v in _f("WALS 143A").values[:4]] == [
        ("free", "pre"), ("free", "post"), ("bound", "pre"), ("bound", "post")]
    for other in ("WALS 112A", "WALS 143E", "WALS 144A", "GB107", "WALS 81A"):
        assert select_family(_f(other)).name != "negation-order", other


@pytest.mark.parametrize(("gloss", "expected"), [
    ("1SG-NEG-eat-PST", [("bound", "pre")]),  # a stem after the label: a prefix, person prefixes aside
    ("dog eat-NEG-PST", [("bound", "post")]),
    ("he NEG go-PST", [("free", "pre")]),  # alone, before the word glossed with tense
    ("he go-PST NEG", [("free", "post")]),
    ("he NEG house", []),  # no verb to read the position against
    ("ng-ka go-PST NEG", [("free", "post")]),  # "ng" of a vernacular word is not the label NG
    ("NEG=go-PST", [("free", "pre")]),  # a clitic: chapter 143 counts negative clitics as words
    ("go-PST=NEG", [("free", "post")]),
    # a PDF's small capitals come out in lower case: labels are told from glosses by the Leipzig list
    ("and neg get.close-prog say-mpass", [("free", "pre")]),
    ("neg=1sg.nom know-pst.ego", [("free", "pre")]),
    ("1sg-neg-eat-pst", [("bound", "pre")]),
    ("lsg-neg-eat-pst", [("bound", "pre")]),  # OCR's l for the 1 of "1sg" is a person label, not a stem
    ("the form ke is glossed neg in table 2, a clausal negation", []),  # prose, not a gloss line
])
def test_gloss_positions(gloss: str, expected: list[tuple[str, str]]) -> None:
    assert gloss_positions(gloss) == expected


@pytest.mark.parametrize(("texts", "expected"), [
    (("Negation is marked by the negative suffix -tan on the verb.", "ani kal-tan-pa 'I did not go' 1SG go-NEG-PST"),
     "[V-Neg]"),
    (("Standard negation is marked by the negative prefix ka- on the verb.", "ka-lo-ri 'he did not see' NEG-see-PFV"),
     "[Neg-V]"),
    (("Standard negation is expressed by the negative particle ba, a separate word.",
      "The negative particle ba always precedes the verb."), "NegV"),
    (("Standard negation is expressed by the negative particle ma, a separate word.", "The negator ma is clause-final."),
     "VNeg"),
])
def test_kind_then_position(texts: tuple[str, str], expected: str) -> None:
    assert clf.classify(_f("WALS 143A"), sp(*texts)).value == expected


def test_abstains_where_kind_or_position_is_open() -> None:
    f = _f("WALS 143A")
    # a particle whose place nobody states: the kind is known, the type is not
    unplaced = clf.classify(f, sp("Standard negation is expressed by the negative particle ba, a separate word."))
    assert unplaced.abstained and "position is not settled" in unplaced.reasoning and unplaced.evidence
    two = clf.classify(f, sp("Negation is discontinuous: ne precedes the verb and pas follows it.",
                             "Sentence negation is expressed by the use of two particles, ne and pas."))
    assert two.abstained and "double-negation" in two.reasoning


def test_the_subtypes_follow_from_143a() -> None:
    from grammar_rag.classify import derived

    def plain(feature: Feature):
        texts = {"WALS 143A": ("Standard negation is expressed by the negative particle ba, a separate word.",
                               "The negative particle ba always precedes the verb.")}
        return clf.classify(feature, sp(*texts.get(feature.id, ("Nouns take plural suffixes.",))))

    assert derived.predict(_f("WALS 143E"), plain).value == "NegV"
    assert derived.predict(_f("WALS 143F"), plain).value == "None"
    g = derived.predict(_f("WALS 143G"), plain)
    assert g.value == "None" and "derived" in g.flags and g.evidence

"""In a whole book, the section a passage sits in says what it is about (issue 23: the top 5 of a
book's negation query held "the standard of comparison" passages while the negation section's
statements ranked below them)."""

from __future__ import annotations

from grammar_rag.features.catalogue import get_catalogue
from grammar_rag.rerank import build_query
from grammar_rag.rerank.evidence import passage_features
from grammar_rag.rerank.learned import LearnedReranker
from grammar_rag.types import Passage

NEGATION = ("10 Mood and negation", "10.5 Negation", "10.5.2 Status of the negator ina")
COMPARISON = ("3 Adjectives", "3.5.2 Degrees of comparison")


def _passage(i: int, text: str, section: tuple[str, ...] = ()) -> Passage:
    return Passage(grammar_id="g", passage_id=f"g:{i}", text=text, page_start=str(100 + i), section=section, order=i)


def _rank_of_negation(section: tuple[str, ...], others_section: tuple[str, ...] = COMPARISON) -> int:
    query = build_query(get_catalogue().get("GB107"))
    others = [
        "The comparison may also be with respect to another entity as standard of comparison, though this rarely happens.",
        "Like all reduplications, these forms are written with a hyphen in standard orthography.",
        "In comparative constructions, ki marks the standard of comparison.",
        "Verbs in this class are written with a hyphen in standard orthography.",
    ]
    candidates = [_passage(i, t, others_section) for i, t in enumerate(others)]
    statement = "Ina is a phrase nucleus, while the other negators are prenuclear particles; the negator comes first."
    candidates.append(_passage(9, statement, section))
    ranked = LearnedReranker().rerank(query, candidates)
    return [sp.passage.passage_id for sp in ranked].index("g:9") + 1


def test_a_negation_section_passage_rises_above_the_standard_of_comparison() -> None:
    assert _rank_of_negation((), others_section=()) == 5  # pre-cut paragraphs: no headings to read
    assert _rank_of_negation(NEGATION) <= 2
    # passages in sections that name neither the head noun nor it in their text rank below the rest
    assert _rank_of_negation(()) == 1


def test_the_section_cue_grades_how_directly_a_heading_names_the_topic() -> None:
    gb107 = build_query(get_catalogue().get("GB107"))  # head "standard negation"
    polar = build_query(get_catalogue().get("WALS 116A"))  # topic phrase "polar questions"
    cases = build_query(get_catalogue().get("WALS 49A"))  # head "cases"
    text = "These forms are described below."
    plain = _passage(0, text)
    rows = passage_features(gb107, [plain, _passage(1, text, NEGATION), _passage(2, text, COMPARISON)])
    assert [r["topic_phrase"] for r in rows] == [0.0, 0.5, 0.0]
    assert passage_features(polar, [_passage(3, text, ("10.3 Interrogatives", "10.3.1 Polar questions"))])[0]["topic_phrase"] == 1.0
    assert passage_features(cases, [_passage(4, text, ("3.4 Case",))])[0]["topic_phrase"] == 1.0


def test_order_features_and_sectionless_paragraphs_are_unchanged() -> None:
    """Every order feature's query carries "constituent order", so a heading naming it says nothing about
    which order; the paper's paragraph files have no section path at all."""
    order = build_query(get_catalogue().get("WALS 90A"))
    text = "These forms are described below."
    with_section = passage_features(order, [_passage(0, text, ("27 Constituent order", "27.1 Word order"))])[0]
    without = passage_features(order, [_passage(0, text)])[0]
    assert with_section == without

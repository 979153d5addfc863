"""Every cue names the rule that produced it, so an audit can count where each rule fires."""

from __future__ import annotations

import re

from grammar_rag.classify.cues import CueContext, select_family
from grammar_rag.classify.cues.base import named_rules, rule_of
from grammar_rag.classify.statements import iter_sentences
from grammar_rag.types import Feature
from tests.test_classify_evidence import CASES, NEG, ORDER, POLAR, sp


def _rules(feature: Feature, *texts: str) -> set[str]:
    decision = select_family(feature).decide(iter_sentences(sp(*texts)), CueContext(feature))
    return {c.rule for c in decision.cues}


def test_named_rules_say_which_alternative_matched() -> None:
    pat = named_rules((("first", r"verb[- ]final"), ("second", r"verb(?:s)? comes? last")), re.I)
    m = pat.search("In this language the verb comes last.")
    assert m is not None and rule_of(m) == "second"
    m = pat.search("It is rigidly Verb-final.")
    assert m is not None and rule_of(m) == "first"
    assert pat.search("the verb-finality") is None  # the word boundaries of a plain alternation are kept
    plain = re.search(r"(ab)c", "abc")
    assert plain is not None and rule_of(plain, "fallback") == "fallback"


def test_word_order_cues_name_their_rule() -> None:
    assert _rules(ORDER, "The basic constituent order of the clause is SOV.") == {"wo_formula"}
    assert _rules(ORDER, "Clauses are rigidly verb-final.") == {"wo_vfinal_term"}
    assert _rules(ORDER, "There is no dominant word order.") == {"wo_ndo_no_dominant"}


def test_other_families_name_their_rules() -> None:
    assert "bm_bound_by_kind" in _rules(NEG, "Negation is expressed by a verbal suffix -ka on every verb.")
    assert _rules(CASES, "Nouns distinguish six cases: nominative, accusative, dative, genitive, locative and ablative.") == {
        "cnt_stated"}
    assert "pq_final_clause_final" in _rules(POLAR, "Polar questions are marked by a clause-final question particle ba.")

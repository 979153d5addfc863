"""A query's guideline vocabulary comes from the guideline's prose, not its examples or reading list."""

from __future__ import annotations

import dataclasses

from grammar_rag.features import get_catalogue
from grammar_rag.features.guidelines import guideline_prose
from grammar_rag.rerank.queries import salient_terms

GUIDELINE = """Summary

Standard negation is marked by an affix or a clitic on the verb.

Examples

Swedish marks negation with a particle.

Fräsen begrep int dä där, han e.
Hisser understand NEG that there, 3SG.MASK NEG
'The kitty didn't understand that, did he?'

Further reading

Dryer, Matthew S. 2013. Negative Morphemes. In The world atlas of language structures online.
"""


def test_examples_and_reading_list_are_not_prose() -> None:
    prose = guideline_prose(GUIDELINE)
    assert "affix or a clitic on the verb" in prose and "Swedish marks negation with a particle." in prose
    for gone in ("Fräsen", "3SG.MASK", "kitty", "atlas", "Further reading"):
        assert gone not in prose


def test_gb107_query_vocabulary_is_the_topics() -> None:
    """GB107's guideline quotes a Swedish dialect ("inte", "the kitty didn't ...") and cites the WALS
    "atlas ... online": in a whole book those words find the wrong pages."""
    feature = get_catalogue().get("GB107")
    terms = salient_terms(feature)
    assert not {"kitty", "inte", "online", "atlas", "didn't"} & set(terms)
    assert {"affix", "clitic"} <= set(terms)
    # the same feature with no examples or references in its guideline keeps its topic words
    plain = dataclasses.replace(feature, guideline=guideline_prose(feature.guideline))
    assert salient_terms(plain) == terms

"""Sentence splitters do not end a sentence at a scholarly abbreviation (issue 23: quotes cut at "cf.")."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from grammar_rag.text.sentences import clauses, quote_sentences, split_sentences

RAPA_NUI_STYLE = ("The only difference between polar questions and statements is intonational: polar questions "
                  "have a high rise on the final stressed syllable (§2.4.2; cf. Du Feu 1995: 27). Here are examples.")


@pytest.mark.parametrize("splitter", [split_sentences, quote_sentences])
def test_a_sentence_runs_on_after_cf(splitter: Callable[[str], list[str]]) -> None:
    parts = [p.strip() for p in splitter(RAPA_NUI_STYLE)]
    assert parts == [RAPA_NUI_STYLE[: RAPA_NUI_STYLE.index(" Here")], "Here are examples."]


@pytest.mark.parametrize("abbreviation", ["e.g.", "i.e.", "cf.", "Cf.", "viz.", "vs.", "lit.", "et al.", "pp.", "ex."])
def test_no_split_after_abbreviations(abbreviation: str) -> None:
    text = f"Verbs come first ({abbreviation} Hawaiian, Maori) in main clauses. Nouns follow."
    assert split_sentences(text) == [f"Verbs come first ({abbreviation} Hawaiian, Maori) in main clauses.", "Nouns follow."]
    assert quote_sentences(text)[0].strip().endswith("in main clauses.")
    # the reranker's clause cut keeps "Hawaiian" inside its clause, where a capital marks a name
    assert clauses(text)[0].endswith("in main clauses.")


def test_a_sentence_ending_in_a_plain_word_still_ends() -> None:
    assert split_sentences("The order is VSO. Subjects follow the verb.") == ["The order is VSO.", "Subjects follow the verb."]
    # "etc." often ends a sentence, so it still does
    assert split_sentences("Case marks agents, patients etc. The order is free.") == [
        "Case marks agents, patients etc.", "The order is free."]

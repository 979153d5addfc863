"""The BM25 tokeniser keeps diacritics, gloss markers and non-Latin scripts searchable."""

from __future__ import annotations

import pytest

from grammar_rag.text.tokens import Tokenizer, TokenizerConfig


@pytest.fixture(scope="module")
def tok() -> Tokenizer:
    return Tokenizer()


def test_diacritics_kept_and_normalised(tok: Tokenizer) -> None:
    assert tok("Kalamang ŋgon tíri") == ["kalamang", "ŋgon", "tíri"]
    # decomposed input (i + U+0301) gives the same token as the precomposed one
    assert tok("ti\u0301ri") == tok("tíri")
    assert tok("ﬁnal") == ["final"]  # NFKC unfolds the ligature


def test_gloss_markers_searchable_both_ways(tok: Tokenizer) -> None:
    # BM25 sees a bag of terms: compare as multisets
    assert sorted(tok("1SG=NEG go-PST")) == sorted(["1sg", "1sg=", "neg", "=neg", "go", "go-", "pst", "-pst"])
    assert sorted(tok("=NEG")) == ["=neg", "neg"]
    assert sorted(tok("the -PL suffix")) == ["-pl", "pl", "suffix"]
    # markers attach to non-Latin words too, combining marks intact
    assert sorted(tok("नहीं=ने")) == sorted(["नहीं", "नहीं=", "ने", "=ने"])


def test_non_latin_scripts(tok: Tokenizer) -> None:
    # Devanagari vowel signs are combining marks: the word must not fall apart
    assert tok("यह नहीं है") == ["यह", "नहीं", "है"]
    assert tok("Это не русский язык") == ["это", "не", "русский", "язык"]
    assert tok("ʔa ʼu") == ["ʔa", "ʼu"]


def test_stopwords_and_stemming_are_optional() -> None:
    default = Tokenizer()
    assert default("The languages of the islands") == ["languag", "island"]
    plain = Tokenizer(TokenizerConfig(stopwords=None, stemmer=None))
    assert plain("The languages of the islands") == ["the", "languages", "of", "the", "islands"]
    no_markers = Tokenizer(TokenizerConfig(gloss_markers=""))
    assert no_markers("1SG=NEG") == ["1sg", "neg"]
    assert default("The the THE") == []  # only stop words -> no terms (and the memo handles repeats)
    assert TokenizerConfig.from_dict(default.config.to_dict()) == default.config

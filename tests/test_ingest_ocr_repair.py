"""Repair of letter-spaced and word-doubled OCR text (grammar_rag.text.ocr_repair) and its use."""

from __future__ import annotations

from pathlib import Path

from grammar_rag.classify import make_classifier
from grammar_rag.features import get_catalogue
from grammar_rag.text.ocr_repair import (
    build_vocabulary,
    is_letter_spaced,
    is_word_doubled,
    load_vocabulary,
    repair,
    respace,
    undouble,
    write_vocabulary,
)
from grammar_rag.types import Passage, ScoredPassage


def test_letter_spaced_runs_are_resegmented_into_words() -> None:
    spaced = "I t c a n b e n o te d t h a t n o v e r b s o c c u r w i t h b o th a g o a l"
    assert is_letter_spaced(spaced)
    assert respace(spaced) == "It can be noted that no verbs occur with both a goal"
    # line breaks (interlinear lines) are kept
    assert respace("t h e l o c a t i v e c a s e\nt h e a b l a t i v e c a s e") == (
        "the locative case\nthe ablative case")


def test_ordinary_text_and_long_words_are_left_alone() -> None:
    prose = "The order of elements within the clause is fairly flexible, as in a b c below."
    assert not is_letter_spaced(prose) and respace(prose) == prose
    # inside a spaced passage, a whole word the vocabulary may lack is not cut up
    mixed = "g i v e h e r e j u s t a n illustrative e x a m p l e"
    assert "illustrative" in respace(mixed).split()


def test_classifier_reads_letter_spaced_statements() -> None:
    clf = make_classifier("evidence", calibrate=False)
    cases = get_catalogue().get("WALS 49A")
    text = "N o u n s i n f l e c t f o r s i x c a s e s i n t h i s l a n g u a g e ."
    pred = clf.classify(cases, [ScoredPassage(Passage("g", "g:0", text, page_start="12"), 1.0, 1)])
    assert pred.value == "6-7 cases"
    assert "six cases" in pred.evidence[0].quote


def test_vocabulary_is_built_from_html_and_round_trips(tmp_path: Path) -> None:
    page = tmp_path / "chapter_1.html"
    page.write_text("<html><script>var x;</script><p>The ergative case and the ergative marker. "
                    "Case marking: a b b.</p></html>", encoding="utf-8")
    counts = build_vocabulary([page])
    assert counts["ergative"] == 2 and counts["case"] == 2 and counts["a"] == 1
    assert "b" not in counts and "var" not in counts  # stray letters and scripts are not words
    out = write_vocabulary(counts, tmp_path / "words.tsv.gz")
    assert load_vocabulary(out) == counts
    assert len(load_vocabulary()) > 5000  # the bundled vocabulary ships with the package


def test_word_doubled_text_is_undoubled_and_reduplication_is_kept() -> None:
    doubled = ("However, However, in in pragmatically pragmatically neutral neutral circumstances, circumstances,\n"
               "circumstances there there is is a a strong strong tendency tendency to to order order AOV AOV")
    assert is_word_doubled(doubled)
    assert undouble(doubled) == ("However, in pragmatically neutral circumstances, there is a strong tendency "
                                 "to order AOV")
    prose = "The wali wali form is reduplicated in this language and means 'many many people'."
    assert not is_word_doubled(prose) and repair(prose) == prose
    clf = make_classifier("evidence", calibrate=False)
    order = get_catalogue().get("WALS 81A")
    pred = clf.classify(order, [ScoredPassage(Passage("g", "g:0", doubled, page_start="5"), 1.0, 1)])
    assert pred.value == "SOV" and "a strong tendency to order AOV" in pred.evidence[0].quote


def test_repair_is_idempotent_so_repaired_text_reads_the_same() -> None:
    """Readers repair what they read; text that is already repaired (a future ingest-time repair)
    must come back unchanged, or a second repair would move every figure built on it."""
    samples = [
        "I t c a n b e n o te d t h a t n o v e r b s o c c u r w i t h b o th a g o a l",
        "t h e l o c a t i v e c a s e\nt h e a b l a t i v e c a s e",
        "Word Word order order also also plays plays a a role role in in marking marking case case",
        "The order of elements within the clause is fairly flexible, as in a b c below.",
    ]
    for text in samples:
        once = repair(text)
        assert repair(once) == once
    assert repair(samples[0]) != samples[0]  # the samples do exercise the repair

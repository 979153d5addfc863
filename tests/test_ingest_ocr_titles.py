"""A title page as OCR reads it: the language still comes out of it (issue 23, OCR'd books).

Before: "The Squamisb Lan guage" (h read as b, a stray space) named no language, "A grammar of
Kanurl" (i read as l) neither, and "T be Dyirbal Language of North Queensland" resolved to a sign
language of North Queensland; a held-back OCR'd grammar is ingested with no options.
"""

from __future__ import annotations

import random

import pytest

from grammar_rag.evaluation.ocr_noise import degrade
from grammar_rag.ingest.language_guess import CONFIDENT, guess_language
from grammar_rag.ingest.ocr_titles import name_readings, repair_title, variants


def test_title_words_are_restored_through_confusions_and_splits() -> None:
    assert repair_title("A Grarnmar 0f Kanuri") == "A Grammar of Kanuri"
    assert repair_title("The Squamisb Lan guage") == "The Squamisb Language"
    assert repair_title("Zuni Gr amma r") == "Zuni Grammar"
    assert repair_title("T be Dyirbal Lauguage") == "The Dyirbal Language"
    # words already whole, and names, are left as read
    assert repair_title("A grammar of Rapa Nui") == "A grammar of Rapa Nui"
    assert repair_title("A grammar of Kar ajá") == "A grammar of Kar ajá"


def test_name_readings_undo_one_confusion_or_join_one_split() -> None:
    assert {"Grammar", "Grarnrnar"} <= variants("Grarnmar") and "of" in variants("0f")
    assert "Kanuri" not in variants("Kanuri")
    readings = name_readings("Kanurl")
    assert "Kanuri" in readings and "Kanurl" not in readings
    assert "Karajá" in name_readings("Kar ajá")


@pytest.mark.parametrize(("title", "glottocode"), [
    ("The Squamisb Lan guage", "squa1248"),  # name and title word garbled: a guess
    ("A grammar of Kanurl", "cent2050"),  # WALS's Kanuri, read through i/l
])
def test_a_garbled_name_is_a_named_guess(title: str, glottocode: str) -> None:
    guess = guess_language([title])
    assert guess is not None and guess.glottocode == glottocode
    assert guess.confidence < CONFIDENT and "OCR" in guess.reason  # ingest names the guess and the fix


def test_restored_title_words_let_the_name_resolve_as_read() -> None:
    guess = guess_language(["T be Dyirbal Language of North Queensland"])
    assert guess is not None and guess.glottocode == "dyir1250" and guess.confident
    clean = guess_language(["A grammar of Rapa Nui"])
    assert clean is not None and clean.glottocode == "rapa1244" and "OCR" not in clean.reason


def test_noise_is_seeded_and_confuses_letters() -> None:
    text = "A grammar of the Hausa language " * 20
    a, b = degrade(text, 0.05, random.Random(3)), degrade(text, 0.05, random.Random(3))
    assert a == b and a != text


def test_a_split_name_whose_first_piece_is_a_language_is_no_confident_part_match() -> None:
    """"Motu na" (OCR's split of Motuna): the leftover "na" is too short to agree with Motu's
    classification, so the part match stays a guess (it had counted as corroborated: 0.85)."""
    guess = guess_language(["A Grammar of Motu na (Bougai nville, Papua New Guinea)"])
    assert guess is not None and not guess.confident
    whole = guess_language(["A grammar of Sanzhi Dargwa"])  # a rest that names the family still agrees
    assert whole is not None and whole.glottocode == "sanz1248" and whole.confident


def test_a_code_the_book_states_comes_before_a_name_read_through_confusions() -> None:
    """OCR readings of a name are the last resort: a stated ISO code places a variety Glottolog does
    not name (Choguita Rarámuri's [tar]) as before."""
    text = "The variety belongs to the Central area of the Ethnologue ([tar]; Eberhard et al. 2021)."
    guess = guess_language(["A grammar of Choguita Rarámuri"], text)
    assert guess is not None and guess.glottocode == "cent2131" and "OCR" not in guess.reason

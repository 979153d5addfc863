"""Translation: affix-aware dictionary, English-side detection, exclusion, fallback, LLM path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from translate_helpers import EXAMPLES, write_examples_csv, write_tiny_kalamang

from grammar_rag.cli import main
from grammar_rag.errors import BackendError, GrammarRagError, UnknownLanguageError
from grammar_rag.llm.fake import FakeBackend
from grammar_rag.text.langid import pick_english
from grammar_rag.text.tokens import normalise_sentence
from grammar_rag.translate import FALLBACK_METHOD, build_resources, translate
from grammar_rag.translate.dictionary import DictEntry, Dictionary, lexical_part
from grammar_rag.translate.examples import read_examples_csv
from grammar_rag.translate.prompt import parse_reply


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tiny_kalamang(tmp_path_factory.mktemp("data"))


@pytest.fixture(scope="module")
def resources(data: Path):
    return build_resources("kgv", data_dir=data, embedder=None)


def _dictionary(*entries: tuple[str, str, str]) -> Dictionary:
    return Dictionary([DictEntry(f"E{i}", hw, pos, (sense,)) for i, (hw, pos, sense) in enumerate(entries)])


# ---- dictionary matching ---------------------------------------------------------------------------
def test_clitic_suffix_stripped_from_headword_affixes() -> None:
    d = _dictionary(("sor", "Noun", "fish"), ("=at", "Grammatical marker", "[object marker]"),
                    ("=nin", "Grammatical marker", "[negator]"), ("muap", "Verb", "to eat"))
    a = d.analyse("sorat")
    assert (a.stem, a.affixes, a.method) == ("sor", ("=at",), "affix")
    assert a.gloss() == "fish"
    assert d.analyse("muapnin").stem == "muap"
    assert d.analyse("Sor").method == "exact"  # case-insensitive
    assert not d.analyse("xyzzy").found


def test_stacked_clitics_longest_first_and_prefix() -> None:
    d = _dictionary(("kewe", "Noun", "house"), ("-an", "Grammatical marker", "[1SG possessive]"),
                    ("=ka", "Grammatical marker", "[lative]"), ("ko=", "Grammatical marker", "[locative]"),
                    ("=kap", "Grammatical marker", "[similative]"))
    a = d.analyse("keweanka")
    assert a.stem == "kewe" and a.affixes == ("=an", "=ka")
    assert d.analyse("kewekap").affixes == ("=kap",)  # longest suffix wins over =ka + p
    assert d.analyse("kokewe").affixes == ("ko=",)


def test_affixes_learned_from_glossed_examples() -> None:
    d = _dictionary(("sor", "Noun", "fish"))
    assert d.analyse("sorbon").stem == "sorbon"  # =bon unknown yet
    d.learn_affixes(["sor=bon", "pas=bon", "ma=bon", "x=once"])
    assert "bon" in d.suffixes and "once" not in d.suffixes  # one attestation is noise
    assert d.analyse("sorbon").stem == "sor"


def test_full_form_table_from_word_aligned_glosses() -> None:
    d = _dictionary(("an", "Pronoun", "I"))
    d.add_full_forms([("ka=at=a", "2SG=OBJ=FOC"), ("gonggung=nin", "call=NEG")])
    a = d.analyse("gonggungnin")
    assert a.method == "full-form" and a.gloss() == "call" and a.affixes == ("=nin",)
    assert lexical_part("3SG=COM wife.3SG.POSS") == "wife"


def test_english_lookup_prefers_one_word_senses() -> None:
    d = _dictionary(("sor", "Noun", "fish"), ("sorsanggara", "Verb", "to go fishing for fish"), ("bal", "Noun", "dog"))
    assert [e.headword for e in d.english_lookup("fish")][:2] == ["sor", "sorsanggara"]
    assert d.english_lookup("dogs")[0].headword == "bal"  # stemmed


# ---- examples ---------------------------------------------------------------------------------------
def test_english_side_detected_per_row(data: Path, resources) -> None:
    rows = {e.id: e for e in read_examples_csv(data / "kalamang" / "dictionaria" / "examples.csv",
                                               resources.dictionary.lexicons())}
    assert rows["XV1"].translation == "The dog has bitten the fish."
    assert rows["XV2"].translation == "They didn't eat."  # English in alt_translation1
    assert rows["XV6"].translation == "He bites the fish."
    assert rows["XV2"].segmented == "mu muap=nin" and rows["XV2"].gloss == "3PL eat=NEG"
    assert pick_english("Saya makan nasi.", "I eat rice.") == (1, "I eat rice.")


def test_examples_csv_missing_columns_named(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("ID,Text\n1,x\n", encoding="utf-8")
    with pytest.raises(GrammarRagError, match="Primary_Text"):
        read_examples_csv(bad)


def test_grammar_examples_join_the_pool_without_duplicates(resources, data: Path, tmp_path: Path) -> None:
    # the tiny grammar's three examples all repeat sentences of the pack: none is added twice
    assert not [e for e in resources.examples if e.origin == "grammar"]
    assert [p.section[-1].split(" ", 1)[-1] for p in resources.passages] == ["Object marking", "Negation"]
    one = write_examples_csv(tmp_path / "one.csv", [EXAMPLES[4]])
    res = build_resources("kgv", data_dir=data, examples_csv=one, embedder=None)
    grammar = [e for e in res.examples if e.origin == "grammar"]
    assert {e.translation for e in grammar} == {"The dog has bitten the fish.", "I go to my house.", "They didn't eat."}
    assert any(e.segmented == "an kewe-an=ka bot" and e.gloss == "1SG house-1SG.POSS=LAT go"
               and e.section[-1].endswith("Object marking") for e in grammar)


def test_excluded_sentence_and_duplicates_never_retrieved(data: Path) -> None:
    test = [e for e in read_examples_csv(data / "kalamang" / "dictionaria" / "examples.csv") if e.id == "XV1"]
    res = build_resources("kgv", data_dir=data, exclude=test, embedder="hashing")
    key = normalise_sentence("Bal se sorat koraru")
    # XV1, its punctuation variant XV7 and the grammar's "bal se sor=at koraru" are all gone
    assert all(normalise_sentence(e.segmented or e.text) != key for e in res.examples)
    assert all(e.translation.rstrip(".!") != "The dog has bitten the fish" for e in res.examples)
    for source, text in (("kgv", "Bal se sorat koraru."), ("eng", "The dog has bitten the fish.")):
        tr = translate(text, source=source, target="eng" if source == "kgv" else "kgv", resources=res)
        assert tr.examples, "other examples must still be retrieved"
        assert all(e.example.id not in {"XV1", "XV7"} for e in tr.examples)
        assert all(normalise_sentence(e.example.segmented or e.example.text) != key for e in tr.examples)
    # the affix learned only from the excluded example's glossed form is not learned from it
    assert all("bal se" not in e.segmented for e in res.examples)


# ---- translate() --------------------------------------------------------------------------------------
def test_model_free_fallback_is_labelled_and_adapts_example(resources) -> None:
    tr = translate("Mu sorat koraru.", source="kgv", target="eng", resources=resources)
    assert tr.method == FALLBACK_METHOD == "model-free fallback" and tr.model_free
    assert tr.to_dict()["method"] == "model-free fallback"
    assert "bite" in tr.translation.lower() or "bitten" in tr.translation.lower()
    assert "they" in tr.translation.lower()  # "mu" replaced the example's subject
    assert tr.examples[0].rank == 1 and tr.examples[0].score > 0
    hits = {a.word: a for a in tr.dictionary}
    assert hits["sorat"].stem == "sor" and "=at" in hits["sorat"].affixes
    assert tr.grammar and tr.grammar[0].passage.section[-1].endswith("Object marking")  # the =at construction


def test_negation_clitic_keeps_the_polarity(resources) -> None:
    assert resources.dictionary.is_negated("muapnin") and not resources.dictionary.is_negated("muap")
    # "Ma muapnin." must not be adapted from an affirmative example ("They eat fish.")
    tr = translate("Ma sorat muapnin.", source="kgv", target="eng", resources=resources)
    assert "not" in tr.translation.lower() or "n't" in tr.translation.lower()
    tr = translate("Mu sorat muap.", source="kgv", target="eng", resources=resources)
    assert "not" not in tr.translation.lower() and "n't" not in tr.translation.lower()


def test_english_to_kalamang_fallback(resources) -> None:
    tr = translate("They eat rice.", source="eng", target="kgv", resources=resources)
    assert tr.model_free and tr.translation
    assert "pasa" in tr.translation.lower() or "pasat" in tr.translation.lower()


def test_llm_path_builds_prompt_and_parses_reply(resources) -> None:
    fake = FakeBackend(replies={"Translate the following Kalamang sentence": 'Translation: "The dog bit me."\n\nBecause...'})
    tr = translate("Bal anat koraru.", source="kgv", target="eng", backend=fake, resources=resources)
    assert tr.method == "llm:fake" and tr.translation == "The dog bit me."
    prompt = fake.calls[0]["prompts"][0]
    assert "Dictionary entries" in prompt and "bal [Noun]: dog" in prompt
    assert "The dog has bitten the fish." in prompt  # retrieved example
    assert "Object marking" in prompt and prompt.rstrip().endswith("English:")
    assert "translation only" in prompt


def test_translate_many_sends_one_batch(resources) -> None:
    from grammar_rag.llm.fake import FakeBackend
    from grammar_rag.translate import translate_many

    fake = FakeBackend(replies={"Translate the following English sentence": "Mu sorat muap."})
    texts = ["They eat fish.", "I eat rice.", "He goes to the house."]
    out = translate_many(texts, source="eng", target="kgv", backend=fake, resources=resources)
    assert len(fake.calls) == 1 and len(fake.calls[0]["prompts"]) == 3  # one generate call for the batch
    assert [t.text for t in out] == texts and all(t.translation == "Mu sorat muap." for t in out)
    assert all(f"English: {t}" in p for t, p in zip(texts, fake.calls[0]["prompts"], strict=True))


class _Broken:
    name = "broken"
    model = "none"

    def generate(self, prompts, **_):
        raise ConnectionError("connection refused: http://127.0.0.1:9/v1")


def test_backend_failure_raises_backend_error(resources) -> None:
    with pytest.raises(BackendError, match=r"broken.*connection refused"):
        translate("Mu muap.", source="kgv", target="eng", backend=_Broken(), resources=resources)


def test_bad_input_names_the_problem(resources) -> None:
    with pytest.raises(UnknownLanguageError, match="klingon"):
        translate("x", source="klingon", target="eng", resources=resources)
    with pytest.raises(GrammarRagError, match="empty"):
        translate("   ", source="kgv", target="eng", resources=resources)
    with pytest.raises(GrammarRagError, match="both 'eng'"):
        translate("x", source="English", target="eng", resources=resources)


def test_parse_reply_strips_wrappers() -> None:
    assert parse_reply("English: 'They ate.'\nExplanation: ...") == "They ate."
    assert parse_reply("\n\n  Mu muap.  ") == "Mu muap."


def test_default_path_uses_bundled_dictionary_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GRAMMAR_RAG_DATA_DIR", raising=False)
    res = build_resources("kgv", embedder=None)
    assert "corpora" in res.sources["dictionary"] and len(res.dictionary.entries) > 2000
    tr = translate("Ma sorat koraru.", source="kalamang", target="english", resources=res)
    assert tr.model_free and tr.translation
    assert {a.word: a.stem for a in tr.dictionary}["sorat"] == "sor"


def test_tiny_examples_written_as_expected() -> None:
    assert len({e[0] for e in EXAMPLES}) == len(EXAMPLES)


def test_cli_translate_json_and_error(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["translate", "Mu sorat koraru.", "--data-dir", str(data), "--embedder", "none", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["method"] == "model-free fallback" and out["translation"] and out["examples"]
    assert main(["translate", "hello", "--from", "eng", "--to", "xx", "--data-dir", str(data)]) == 2
    assert "Unknown language 'xx'" in capsys.readouterr().err


def test_retrieved_examples_are_distinct(resources) -> None:
    tr = translate("Bal se sorat koraru.", source="kgv", target="eng", resources=resources)
    keys = [e.example.keys() for e in tr.examples]
    assert len(keys) == len(set(keys))

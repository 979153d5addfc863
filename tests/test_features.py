"""Feature catalogue, id parsing, languages and reference values from the *bundled* data.

These tests need no ../shared: they check what a user of a bare install gets.
"""

from __future__ import annotations

import re

import pytest

from grammar_rag.errors import DataDirError, UnknownFeatureError, UnknownLanguageError
from grammar_rag.features import (
    POLAR_FEATURE_ID,
    POLAR_STRATEGIES,
    get_catalogue,
    get_languages,
    grambank_value,
    grambank_values,
    parse_feature_id,
    polar_strategies,
    wals_value,
    wals_values_for,
)
from grammar_rag.features.catalogue import Catalogue, load_catalogue
from grammar_rag.features.guidelines import html_to_text, markdown_to_text
from grammar_rag.features.loaders import wals_question
from grammar_rag.types import Feature, FeatureValue


@pytest.fixture(autouse=True)
def _bundled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Force the bundled copy even where $GRAMMAR_RAG_DATA_DIR is set."""
    monkeypatch.delenv("GRAMMAR_RAG_DATA_DIR", raising=False)


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue(None)


# -- catalogue contents --------------------------------------------------------------------------
def test_counts(catalogue: Catalogue) -> None:
    assert len(catalogue.all("wals")) == 192
    assert len(catalogue.all("grambank")) == 195
    assert [f.id for f in catalogue.all("composite")] == [POLAR_FEATURE_ID]
    assert len(catalogue) == 192 + 195 + 1
    assert len(set(catalogue.ids())) == len(catalogue)


def test_wals_81a(catalogue: Catalogue) -> None:
    f = catalogue.get("81A")
    assert f.id == "WALS 81A" and f.database == "WALS"
    assert f.name == "Order of Subject, Object and Verb"
    assert f.question == "What is the order of subject, object and verb in this language?"
    assert f.value_names == ["SOV", "SVO", "VSO", "VOS", "OVS", "OSV", "No dominant order"]
    assert f.values[0] == FeatureValue(code="81A-1", name="SOV", description="Subject-object-verb (SOV)", number=1)
    assert "dominant" in f.guideline
    assert "Values of Map 81A" in f.guideline and "7. No dominant order" in f.guideline  # placeholder filled


def test_every_feature_has_values_question_and_clean_guideline(catalogue: Catalogue) -> None:
    # HTML elements only: "<um>", "pú<a>t" (infixes in WALS 46A, 80A) are linguistic notation
    tag = re.compile(
        r"</?(p|div|span|table|tr|td|th|br|em|strong|h[1-6]|img|script|style|li|ul|ol|dl|dt|dd"
        r"|blockquote|caption|figure|figcaption|sup|sub|tbody|thead|nav|html|body)(\s[^>]*)?/?>"
        r"|<(a|i|b)\s[^>]*>|</(a|i|b)>",
        re.I,
    )
    for f in catalogue:
        assert f.question.endswith("?") or f.database == "composite", f.id
        assert len(f.values) >= 2, f.id
        assert len(f.guideline) > 200, f.id
        assert not tag.search(f.guideline), (f.id, tag.search(f.guideline))
        assert "__values_" not in f.guideline and "](http" not in f.guideline, f.id


def test_grambank_values_and_guideline(catalogue: Catalogue) -> None:
    f = catalogue.get("GB107")
    assert f.database == "Grambank"
    assert f.name == f.question == "Can standard negation be marked by an affix, clitic or modification of the verb?"
    assert [(v.code, v.name, v.description) for v in f.values] == [
        ("GB107-0", "0", "absent"),
        ("GB107-1", "1", "present"),
    ]
    assert f.value_by_name("1") is f.values[1]
    assert "Procedure" in f.guideline and "## " not in f.guideline and "**" not in f.guideline
    multi = catalogue.get("GB024")  # not binary: Num-N / N-Num / both
    assert [v.description for v in multi.values] == ["Num-N", "N-Num", "both."]


def test_wals_question_synthesis() -> None:
    assert wals_question("Order of Subject, Object and Verb") == (
        "What is the order of subject, object and verb in this language?"
    )
    assert wals_question("Number of Cases") == "What is the number of cases in this language?"
    assert wals_question("Polar Questions") == "What type of polar questions does this language have?"
    assert wals_question("The Past Tense") == "What type of past tense does this language have?"
    assert "SVNegO" in wals_question("SVNegO Order")  # abbreviations keep their case
    assert wals_question("Languages with different word order in negative clauses") == (
        "Does this language have different word order in negative clauses?"
    )


# -- polar composite -----------------------------------------------------------------------------
def test_polar_composite(catalogue: Catalogue) -> None:
    polar = catalogue.get(POLAR_FEATURE_ID)
    assert polar.database == "composite" and polar.name == "Polar questions" and polar.multi_label
    names = [c.name for c in polar.components]
    assert names == [
        "Interrogative intonation only",
        "Interrogative word order",
        "Clause-initial question particle",
        "Clause-medial question particle",
        "Clause-final question particle",
        "Interrogative verb morphology",
        "Tone",
    ]
    assert tuple(names) == POLAR_STRATEGIES == tuple(polar.value_names)
    gb = {c.name: c.id.split(":")[1] for c in polar.components}
    # each component is the Grambank feature whose question describes that strategy
    expected_words = {
        "Interrogative intonation only": "intonation only",
        "Interrogative word order": "word order",
        "Clause-initial question particle": "clause-initial",
        "Clause-medial question particle": "neither clause-initially nor clause-finally",
        "Clause-final question particle": "clause-final polar",
        "Interrogative verb morphology": "verbal morphology only",
        "Tone": "by tone",
    }
    for comp in polar.components:
        grambank = catalogue.get(gb[comp.name])
        assert expected_words[comp.name] in grambank.name, comp.name
        assert comp.question == grambank.question
        assert [v.name for v in comp.values] == ["0", "1"]
        assert [v.description for v in comp.values] == ["absent", "present"]
        assert comp.guideline.startswith(grambank.guideline[:200])
        assert "WALS chapter 116" in comp.guideline
    assert polar.guideline == catalogue.get("WALS 116A").guideline
    assert "polar question" in polar.guideline.lower()


def test_polar_strategies_from_grambank_codes() -> None:
    assert polar_strategies({"GB263": "1", "GB257": "1", "GB262": "0"}) == [
        "Interrogative intonation only",
        "Clause-final question particle",
    ]
    assert polar_strategies({"GB262": FeatureValue("GB262-0", "0")}) == []
    assert polar_strategies({"GB107": "1"}) is None


# -- id parsing ----------------------------------------------------------------------------------
# id spellings that both the parser and Catalogue.get must resolve
ID_SPELLINGS = [
    ("81A", "WALS 81A"),
    ("WALS 81A", "WALS 81A"),
    ("wals:81A", "WALS 81A"),
    ("wals 81a", "WALS 81A"),
    ("GB107", "GB107"),
    ("GB 107", "GB107"),
    ("gb107", "GB107"),
    ("grambank:GB107", "GB107"),
    ("WALS 116A*", "WALS 116A*"),
    ("polar", "WALS 116A*"),
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        *ID_SPELLINGS,
        ("WALS_81A", "WALS 81A"),
        ("  81a ", "WALS 81A"),
        ("GB_107", "GB107"),
        ("GB7", "GB007"),
        ("116a*", "WALS 116A*"),
        ("Polar Questions", "WALS 116A*"),
        ("WALS 116A*:GB263", "WALS 116A*:GB263"),
        ("order of subject", None),
        ("", None),
    ],
)
def test_parse_feature_id(text: str, expected: str | None) -> None:
    assert parse_feature_id(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        *ID_SPELLINGS,
        ("polar questions", "WALS 116A*"),
        ("116A", "WALS 116A"),
        ("Order of Subject, Object and Verb", "WALS 81A"),
        ("order of subject, object and verb", "WALS 81A"),
        ("ORDER OF SUBJECT, OBJECT", "WALS 81A"),  # unambiguous substring
        ("number of cases", "WALS 49A"),
        ("Can standard negation be marked by an affix, clitic or modification of the verb?", "GB107"),
        ("Clause-final question particle", "WALS 116A*:GB263"),
    ],
)
def test_get_variants(catalogue: Catalogue, text: str, expected: str) -> None:
    assert catalogue.get(text).id == expected
    assert text in catalogue


def test_get_accepts_feature_and_contains(catalogue: Catalogue) -> None:
    f = catalogue.get("81A")
    assert catalogue.get(f) is f
    assert f in catalogue
    assert "81Z" not in catalogue
    assert 81 not in catalogue


def test_unknown_id_lists_close_matches(catalogue: Catalogue) -> None:
    with pytest.raises(UnknownFeatureError) as err:
        catalogue.get("81Z")
    msg = str(err.value)
    assert "81Z" in msg and "WALS 81A" in msg and "WALS 81B" in msg
    with pytest.raises(UnknownFeatureError) as err:
        catalogue.get("ordr of subjct object and verb")
    assert "WALS 81A (Order of Subject, Object and Verb)" in str(err.value)
    with pytest.raises(UnknownFeatureError) as err:
        catalogue.get("GB999")
    assert "Closest matches" in str(err.value)
    with pytest.raises(UnknownFeatureError, match="Empty"):
        catalogue.get("  ")


def test_ambiguous_name_lists_candidates(catalogue: Catalogue) -> None:
    with pytest.raises(UnknownFeatureError) as err:
        catalogue.get("order of object")
    assert "ambiguous" in str(err.value) and "WALS 83A" in str(err.value) and "WALS 84A" in str(err.value)


def test_search(catalogue: Catalogue) -> None:
    hits = [f.id for f in catalogue.search("polar question particle")]
    assert hits[0] == "WALS 92A"
    for h in hits:  # every word matched in name, question or value names
        f = catalogue.get(h)
        head = " ".join([f.name, f.question, *f.value_names]).lower()
        assert all(word in head for word in ("polar", "question", "particle")), h
    assert catalogue.search("81A")[0].id == "WALS 81A"
    negation = catalogue.search("negation", database="grambank", limit=50)
    assert "GB107" in [f.id for f in negation] and all(f.database == "Grambank" for f in negation)
    assert len(catalogue.search("negation", limit=3)) == 3
    assert catalogue.search("zzzzqqq") == []
    assert len(catalogue.search("", limit=None)) == len(catalogue)


def test_unknown_database(catalogue: Catalogue) -> None:
    with pytest.raises(UnknownFeatureError, match="wals, grambank"):
        catalogue.all("ethnologue")


def test_get_catalogue_is_cached_and_bundled() -> None:
    first = get_catalogue()
    assert get_catalogue() is first
    assert len(first) == 388


def test_roundtrip_save_load(catalogue: Catalogue, tmp_path) -> None:
    import gzip
    import json

    path = catalogue.save(tmp_path / "cat.json.gz")
    data = json.loads(gzip.decompress(path.read_bytes()))
    assert len(data["features"]) == 387 and len(data["guidelines"]) < 387  # chapters stored once
    from grammar_rag.features import catalogue as cat_mod

    bundle = cat_mod._load_bundle(path)
    assert bundle.features == [f for f in catalogue if f.database != "composite"]
    assert set(bundle.fingerprints) == {"wals", "grambank"}


def test_data_dir_without_cldf_falls_back_to_bundle(tmp_path) -> None:
    (tmp_path / "rag_on_grammars").mkdir()
    cat = get_catalogue(tmp_path)
    assert len(cat) == 388 and cat.get("81A").guideline == get_catalogue().get("81A").guideline
    with pytest.raises(DataDirError):
        get_catalogue(tmp_path / "missing")


# -- guideline conversion ------------------------------------------------------------------------
def test_html_to_text_keeps_paragraphs_and_drops_markup() -> None:
    markup = (
        "<html><head><title>t</title><script>var x = 1;</script></head><body><nav>Home | Next</nav>"
        "<h2>1. Intro</h2><p>First <a href='x'>para</a> &amp; more.</p><p>Second<br/>line.</p>"
        "<table><tr><td><p>John</p></td><td><p>ga</p></td></tr><tr><td>John</td><td>subj</td></tr></table>"
        "<ul><li>one</li><li>two</li></ul>__values_1A__</body></html>"
    )
    text = html_to_text(markup, {"__values_1A__": "1. Small"})
    assert text.split("\n\n") == ["1. Intro", "First para & more.", "Second\nline.", "John ga\nJohn subj",
                                  "- one", "- two", "1. Small"]


def test_markdown_to_text() -> None:
    md = (
        "## Title?\n\n## Summary\nSee [WALS](https://wals.info/chapter/1) and **bold** *it*.\n\n"
        "1. Code 1 if x.\n5. \n\n```\nKwe    iro.i?\n2SG    chief?\n```\n* [GB020 Q](https://x)\n"
        '<img src="a.png" alt="shot"/>\n<table><tr><td>a</td><td>b</td></tr></table>'
    )
    text = markdown_to_text(md)
    assert "Title?\n\nSummary\n\nSee WALS and bold it." in text
    assert "Kwe    iro.i?\n2SG    chief?" in text  # example alignment kept
    assert "- GB020 Q" in text and "1. Code 1 if x." in text
    assert "5." not in text and "<" not in text and "](" not in text and "a  b" in text


# -- languages -------------------------------------------------------------------------------------
@pytest.mark.parametrize("key", ["nucl1643", "jpn", "Japanese", "JAPANESE", "glottolog:nucl1643"])
def test_language_lookup(key: str) -> None:
    lang = get_languages().lookup(key)
    assert (lang.glottocode, lang.iso639_3, lang.name, lang.family, lang.macroarea) == (
        "nucl1643", "jpn", "Japanese", "Japonic", "Eurasia"
    )


def test_language_lookup_variants() -> None:
    table = get_languages()
    assert table.lookup("Nadeb").glottocode == "nade1244"  # accent-insensitive (Nadëb)
    assert table.lookup("Supyire").iso639_3 == "spp"  # whole-word part of "Supyire Senoufo"
    assert table.lookup("kgv").name == "Kalamang"
    assert table.lookup("Basque").family == "Basque"  # isolates are their own family
    dialect = next(lg for lg in table if lg.level == "dialect" and lg.language_glottocode)
    assert table.language_of(dialect).level == "language"
    assert "jpn" in table and "Japanse" not in table
    with pytest.raises(UnknownLanguageError, match="Japanese"):
        table.lookup("Japanse")


# -- values ----------------------------------------------------------------------------------------
def test_wals_value_by_any_key() -> None:
    for key in ("Japanese", "jpn", "nucl1643"):
        value = wals_value(key, "81A")
        assert value is not None and (value.code, value.name) == ("81A-1", "SOV")
    assert getattr(wals_value("English", "WALS 81A"), "name", None) == "SVO"
    assert getattr(wals_value("Supyire", "81A"), "name", None) == "SOV"
    assert wals_value("kgv", "81A") is None  # Kalamang is not in WALS
    assert wals_value("jpn", "GB107") is None  # not a WALS feature
    with pytest.raises(UnknownLanguageError):
        wals_value("Klingonish", "81A")
    with pytest.raises(UnknownFeatureError):
        wals_value("jpn", "81Z")


def test_wals_values_for() -> None:
    values = wals_values_for("81A")
    assert len(values) > 1300
    assert values["nucl1643"].name == "SOV"
    assert {v.code for v in values.values()} <= {f"81A-{i}" for i in range(1, 8)}
    assert wals_values_for("GB107") == {}


def _write_grambank_cldf(root) -> None:
    cldf = root / "cldf"
    cldf.mkdir(parents=True)
    (cldf / "parameters.csv").write_text("ID,Name\nGB107,Can standard negation be marked...?\nGB263,Final particle?\n")
    (cldf / "codes.csv").write_text(
        "ID,Parameter_ID,Name,Description\nGB107-0,GB107,0,absent\nGB107-1,GB107,1,present\n"
        "GB263-0,GB263,0,absent\nGB263-1,GB263,1,present\n"
    )
    (cldf / "values.csv").write_text(
        "ID,Language_ID,Parameter_ID,Value,Code_ID\n"
        "GB107-nucl1643,nucl1643,GB107,1,GB107-1\n"
        "GB263-nucl1643,nucl1643,GB263,0,GB263-0\n"
        "GB107-supy1237,supy1237,GB107,?,\n"
        "GB263-supy1237,supy1237,GB263,1,\n"
    )


def test_grambank_values_from_user_cldf(tmp_path) -> None:
    _write_grambank_cldf(tmp_path / "grambank-v1.0")
    for path in (tmp_path / "grambank-v1.0", tmp_path / "grambank-v1.0" / "cldf"):
        values = grambank_values(path)
        assert set(values) == {"nucl1643", "supy1237"}
        assert values["nucl1643"]["GB107"] == FeatureValue("GB107-1", "1", "present", 1)
        assert "GB107" not in values["supy1237"]  # "?" is not a value
        assert values["supy1237"]["GB263"].description == "present"
        assert polar_strategies(values["supy1237"]) == ["Clause-final question particle"]
    assert getattr(grambank_value("Japanese", "GB 107", tmp_path / "grambank-v1.0"), "name", None) == "1"
    assert getattr(grambank_value("spp", "GB263", tmp_path / "grambank-v1.0"), "name", None) == "1"
    assert grambank_value("spp", "GB107", tmp_path / "grambank-v1.0") is None  # coded "?"
    assert grambank_value("jpn", "81A", tmp_path / "grambank-v1.0") is None  # not a Grambank feature
    with pytest.raises(DataDirError, match=r"values\.csv"):
        (tmp_path / "empty").mkdir()
        grambank_values(tmp_path / "empty")


def test_grambank_values_honours_metadata_table_names(tmp_path) -> None:
    import json

    root = tmp_path / "gb"
    root.mkdir()
    (root / "vals.csv").write_text("ID,Language_ID,Parameter_ID,Value\n1,nucl1643,GB107,0\n")
    (root / "Grambank-metadata.json").write_text(json.dumps(
        {"tables": [{"url": "vals.csv", "dc:conformsTo": "http://cldf.clld.org/v1.0/terms.rdf#ValueTable"}]}
    ))
    assert grambank_values(root)["nucl1643"]["GB107"].description == "absent"


def test_feature_dicts_roundtrip(catalogue: Catalogue) -> None:
    polar = catalogue.get("polar")
    assert Feature.from_dict(polar.to_dict()) == polar

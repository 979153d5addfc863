"""The Streamlit app: page logic directly, and the page itself through Streamlit's AppTest."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import pytest
from extract_support import small_index

from app import logic
from grammar_rag.errors import GrammarRagError
from grammar_rag.types import NOT_ENOUGH_INFO, Evidence, Feature, FeatureValue, Grammar, Prediction

REPO = Path(__file__).resolve().parents[1]
APP = str(REPO / "app" / "streamlit_app.py")

WORD_ORDER = Feature(
    id="WALS 81A", database="WALS", name="Order of Subject, Object and Verb", question="Dominant order?",
    values=(FeatureValue("81A-1", "SOV"), FeatureValue("81A-2", "SVO"), FeatureValue("81A-7", "No dominant order")),
)
GRAMMAR = Grammar(id="heath2008grammar", title="A grammar of Jamsay", language="Jamsay", iso639_3="djm")


def _prediction(value: str = "SOV") -> Prediction:
    return Prediction(
        GRAMMAR.id, WORD_ORDER.id, value, code="81A-1",
        evidence=[
            Evidence("p1", GRAMMAR.id, "Jamsay is SOV <strictly>; sov-like clauses too.", pages="583-585",
                     section=("9 Clauses", "9.1 Order"), score=2.3, supports="SOV"),
            Evidence("p2", GRAMMAR.id, "Objects precede verbs.", section=("9 Clauses",)),
        ],
        reasoning="Weighted evidence favours SOV.", confidence=0.7, backend="evidence",
    )


# ------------------------------------------------------------------------------------ pure logic
def test_highlight_escapes_html_and_marks_whole_words() -> None:
    out = logic.highlight("Jamsay is SOV <b>; SOVX and sov.", ["SOV"])
    assert out == "Jamsay is <mark>SOV</mark> &lt;b&gt;; SOVX and <mark>sov</mark>."
    assert logic.highlight("a < b", []) == "a &lt; b"
    # longer terms win over their prefixes
    marked = logic.highlight("No dominant order here", ["No dominant order", "order"])
    assert marked == "<mark>No dominant order</mark> here"


def test_highlight_terms_skip_abstention_and_bare_numbers() -> None:
    pred = Prediction(GRAMMAR.id, WORD_ORDER.id, NOT_ENOUGH_INFO)
    assert logic.highlight_terms(WORD_ORDER, pred) == ["SOV", "SVO", "No dominant order"]
    gb = Feature(id="GB107", database="Grambank", name="neg", question="?",
                 values=(FeatureValue("GB107-0", "0"), FeatureValue("GB107-1", "1")))
    assert logic.highlight_terms(gb, Prediction(GRAMMAR.id, "GB107", "1")) == []


def test_build_answer_badges_and_citations() -> None:
    view = logic.build_answer(GRAMMAR, WORD_ORDER, _prediction(), reference="SOV", reference_source="WALS")
    assert view.badge == "agree"
    assert [e.citation for e in view.evidence] == ["pp. 583-585", "§ 9 Clauses"]
    assert view.evidence[0].section == "9 Clauses › 9.1 Order"
    assert "<mark>SOV</mark>" in view.evidence[0].html and "&lt;strictly&gt;" in view.evidence[0].html
    assert logic.build_answer(GRAMMAR, WORD_ORDER, _prediction(), reference="SVO").badge == "disagree"
    assert logic.build_answer(GRAMMAR, WORD_ORDER, _prediction()).badge == "no reference"
    abstained = logic.build_answer(GRAMMAR, WORD_ORDER, _prediction(NOT_ENOUGH_INFO), reference="SOV")
    assert abstained.badge == "no reference" and abstained.reference == "SOV"


def test_value_label_spells_out_binary_values() -> None:
    gb = Feature(id="GB107", database="Grambank", name="neg", question="?",
                 values=(FeatureValue("GB107-0", "0", "absent"), FeatureValue("GB107-1", "1", "present")))
    view = logic.build_answer(GRAMMAR, gb, Prediction(GRAMMAR.id, "GB107", "1"))
    assert view.value_label == "1 (present)"
    assert logic.build_answer(GRAMMAR, WORD_ORDER, _prediction()).value_label == "SOV"


def test_labels_and_feature_search() -> None:
    assert logic.grammar_label(GRAMMAR) == "Jamsay (djm) — A grammar of Jamsay [heath2008grammar]"
    assert logic.feature_label(WORD_ORDER) == "WALS 81A — Order of Subject, Object and Verb"
    from grammar_rag.features import get_catalogue

    catalogue = get_catalogue()
    everything = logic.feature_options(catalogue)
    ids = [f.id for f in everything]
    assert ids.index("WALS 81A") < ids.index("GB107")
    assert ids.index("WALS 9A") < ids.index("WALS 81A")  # natural order, not string order
    assert "GB107" in [f.id for f in logic.feature_options(catalogue, "GB107")]


def test_reference_value_is_wals_for_a_wals_language() -> None:
    supyire = Grammar(id="carlson1994grammar", language="Supyire", iso639_3="spp")
    value, source = logic.reference_value(supyire, WORD_ORDER)
    assert (value, source) == ("SOV", "WALS")
    assert logic.reference_value(Grammar(id="x", language="Nolanguage"), WORD_ORDER) == (None, "")


def test_backend_options_start_with_model_free() -> None:
    options = logic.backend_options()
    assert options[0] == "evidence" and len(options) == len(set(options))


# ------------------------------------------------------------------------------------ with an index
@pytest.fixture(scope="module")
def index_dir(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_index(shared_data, tmp_path_factory.mktemp("app-index"))


def test_answer_on_a_real_index(index_dir: Path) -> None:
    index = logic.open_index(str(index_dir))
    grammar = index.get_grammar("heath2008grammar")
    from grammar_rag.features import get_catalogue

    feature = get_catalogue().get("81A")
    view = logic.answer(index, grammar, feature, mode="bm25", k=20)
    assert view.prediction.grammar_id == grammar.id and view.prediction.feature_id == feature.id
    assert view.evidence, "the model-free classifier cites evidence for Jamsay's word order"
    assert all(e.citation.startswith(("p. ", "pp. ")) for e in view.evidence)
    assert view.reference_source == "WALS" and view.badge in ("agree", "disagree")


def test_open_index_names_a_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(GrammarRagError, match="does not exist"):
        logic.open_index(str(tmp_path / "missing"))


def test_ingest_upload_adds_a_text_grammar(index_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "index"
    shutil.copytree(index_dir, copy)
    index = logic.open_index(str(copy))
    text = ("1 Introduction\n\nTestish is a language described here.\n\n2 Syntax\n\n"
            "The basic word order is SOV: the verb comes last in the clause.\n") * 3
    steps: list[str] = []
    added = logic.ingest_upload(
        index, "testish grammar.txt", text.encode(), metadata={"language": "Testish", "id": "testish2024"},
        progress=lambda frac, msg: steps.append(f"{frac:.1f} {msg}"),
    )
    assert [g.id for g in added] == ["testish2024"]
    assert "testish2024" in {g.id for g in logic.open_index(str(copy)).grammars()}  # persisted
    assert steps[-1].startswith("1.0") and len(steps) >= 3
    with pytest.raises(GrammarRagError, match="empty"):
        logic.ingest_upload(index, "empty.txt", b"")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("../evil.tex", "x")
    with pytest.raises(GrammarRagError, match="unsafe path"):
        logic.ingest_upload(index, "tree.zip", buf.getvalue())


# ------------------------------------------------------------------------------------ AppTest
@pytest.fixture()
def app_test(index_dir: Path, monkeypatch: pytest.MonkeyPatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv(logic.APP_INDEX_ENV, str(index_dir))
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    return at


def test_page_shows_the_answer_with_evidence(app_test) -> None:
    at = app_test
    assert at.text_input(key="index_path").value.endswith("index")
    grammar_box = at.selectbox(key="grammar")
    assert set(grammar_box.options) >= {
        "Jamsay (djm) — A grammar of Jamsay [heath2008grammar]",
    }
    assert any("Choose a grammar and a feature" in i.value for i in at.info)
    grammar_box.set_value("heath2008grammar")
    at.selectbox(key="feature").set_value("WALS 81A")
    at.run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Predicted value"] in {"SOV", "SVO", "VSO", "VOS", "OVS", "OSV", "No dominant order",
                                          NOT_ENOUGH_INFO}
    assert metrics["Confidence"].endswith("%")
    markdown = "\n".join(m.value for m in at.markdown)
    assert 'class="gr-citation">p' in markdown  # evidence with its page
    assert "gr-evidence" in markdown
    badges = [*(s.value for s in at.success), *(w.value for w in at.warning), *(i.value for i in at.info)]
    assert any("WALS" in b for b in badges)  # Jamsay has a WALS 81A value: agree/disagree badge


def test_page_shows_errors_not_tracebacks(app_test, tmp_path: Path) -> None:
    at = app_test
    at.text_input(key="index_path").set_value(str(tmp_path / "no-index-here")).run()
    assert not at.exception, at.exception
    assert any("does not exist" in e.value for e in at.error)


def test_translate_tab_reports_empty_input(app_test) -> None:
    at = app_test
    at.text_area(key="tr_text").set_value("   ")
    at.button(key="tr_go").click().run()
    assert not at.exception, at.exception
    assert any("Nothing to translate" in e.value for e in at.error)


def test_app_command_serves_loopback_headless(tmp_path: Path) -> None:
    from grammar_rag.cli.app import app_command, app_env

    cmd = app_command(8765)
    assert cmd[1:4] == ["-m", "streamlit", "run"] and cmd[4].endswith("app/streamlit_app.py")
    options = dict(zip(cmd[5::2], cmd[6::2], strict=True))
    assert options["--server.address"] == "127.0.0.1"
    assert options["--server.port"] == "8765"
    assert options["--server.headless"] == "true"
    assert options["--browser.gatherUsageStats"] == "false"
    env = app_env(str(tmp_path), None)
    assert env[logic.APP_INDEX_ENV] == str(tmp_path.resolve())

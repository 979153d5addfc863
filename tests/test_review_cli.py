"""``grammar-rag review export|import``: TSV round trip, CLDF validated with pycldf, bad sheets refused."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from grammar_rag.cli import main
from grammar_rag.extract.cldf_export import validate_cldf
from grammar_rag.extract.inputs import save_inputs, select_features
from grammar_rag.extract.reviews import ACCEPT, NOT_STATED, OTHER_VALUE, ReviewInput, ReviewStore
from grammar_rag.extract.store import STORE_FILENAME, ResultStore, RunConfig
from grammar_rag.types import Evidence, Grammar, Prediction

GRAMMAR = Grammar(id="visser2022kalamang", title="A grammar of Kalamang", language="Kalamang", iso639_3="kgv",
                  author="Visser, Eline", year=2022)
FEATURE_IDS = "GB020,GB107,GB074,81A"


def _proposal(feature_id: str, value: str, pages: str) -> Prediction:
    return Prediction(
        grammar_id=GRAMMAR.id, feature_id=feature_id, value=value, confidence=0.7,
        evidence=[Evidence(passage_id=f"{feature_id}-p", grammar_id=GRAMMAR.id,
                           quote=f"A sentence about {feature_id}.", pages=pages)],
    )


@pytest.fixture()
def results(tmp_path: Path) -> Path:
    """A results folder as `extract` leaves it: inputs.json + proposals, then three reviews."""
    out = tmp_path / "run"
    features = select_features(FEATURE_IDS)
    save_inputs(out, [GRAMMAR], features)
    proposals = [_proposal("GB020", "0", "101"), _proposal("GB107", "1", "205-206"),
                 _proposal("GB074", "0", "88"), _proposal("WALS 81A", "SOV", "301")]
    with ResultStore(out / STORE_FILENAME) as store:
        for p in proposals:
            store.put(p, RunConfig("evidence"))
    with ReviewStore(out / STORE_FILENAME) as reviews:
        reviews.save(ReviewInput(GRAMMAR.id, "GB020", ACCEPT, "", "101", "", "Ana"), proposals[0])
        reviews.save(ReviewInput(GRAMMAR.id, "GB107", OTHER_VALUE, "0", "207", "negation is a particle", "Ana"),
                     proposals[1])
        reviews.save(ReviewInput(GRAMMAR.id, "WALS 81A", NOT_STATED, "", "", "no\ttext count given", "Ben"),
                     proposals[3])
    return out


def _reviews(results: Path) -> list[tuple[object, ...]]:
    with ReviewStore(results / STORE_FILENAME) as store:
        return [(r.feature_id, r.decision, r.value, r.pages, r.comment, r.reviewer, int(r.reviewed_at))
                for r in store.all()]


@pytest.mark.parametrize("fmt", ["grambank-tsv", "wals-tsv"])
def test_tsv_export_then_import_reproduces_the_sheet(results: Path, tmp_path: Path, fmt: str) -> None:
    sheet = tmp_path / "sheet.tsv"
    assert main(["review", "export", "--results", str(results), "--format", fmt, "--out", str(sheet)]) == 0
    rows = list(csv.DictReader(sheet.open(encoding="utf-8"), delimiter="\t"))
    by_id = {r["Feature_ID"]: r for r in rows}
    assert set(by_id) == {"GB020", "GB107", "81A"}  # reviewed features only; GB074 is not reviewed
    assert by_id["GB107"]["Value"] == "0" and by_id["GB107"]["Source"] == "visser2022kalamang[207]"
    assert by_id["GB107"]["Comment"] == "negation is a particle"
    assert by_id["81A"]["Value"] == "?"
    if fmt == "wals-tsv":
        assert by_id["81A"]["Value_Name"] == "?"
    before = _reviews(results)

    # a fresh copy of the run without reviews, then import
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    (fresh / "inputs.json").write_bytes((results / "inputs.json").read_bytes())
    with ResultStore(results / STORE_FILENAME, readonly=True) as src, ResultStore(fresh / STORE_FILENAME) as dst:
        for p in src.predictions(RunConfig("evidence")):
            dst.put(p, RunConfig("evidence"))
    assert main(["review", "import", "--results", str(fresh), str(sheet)]) == 0
    assert _reviews(fresh) == before
    again = tmp_path / "again.tsv"
    assert main(["review", "export", "--results", str(fresh), "--format", fmt, "--out", str(again)]) == 0
    assert again.read_bytes() == sheet.read_bytes()


def test_cldf_export_is_valid_and_cites_pages_and_comments(results: Path, tmp_path: Path) -> None:
    out = tmp_path / "cldf-out"
    assert main(["review", "export", "--results", str(results), "--format", "cldf", "--out", str(out)]) == 0
    valid, messages = validate_cldf(out / "cldf")
    assert valid, messages
    values = {r["Parameter_ID"]: r for r in csv.DictReader((out / "cldf" / "values.csv").open(encoding="utf-8"))}
    assert set(values) == {"GB020", "GB107", "81A"}
    assert values["GB107"]["Value"] == "0" and values["GB107"]["Source"] == "visser2022kalamang[207]"
    assert "A sentence about GB107." in values["GB107"]["Comment"]
    assert "negation is a particle" in values["GB107"]["Comment"] and "Ana" in values["GB107"]["Comment"]
    assert values["81A"]["Value"] == "?"  # not stated in the grammar: CLDF null, written "?"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("GB074\t7\tvisser2022kalamang[9]\t", "line 3 (GB074): '7' is not a value of GB074"),
        ("GB999\t1\t\t", "line 3 (GB999): unknown feature"),
        ("GB020\t1\t\t", "line 3 (GB020): GB020 appears twice"),
        ("GB074\t1\tother2001book[3]\t", "line 3 (GB074): Source cites 'other2001book'"),
        ("GB074\t\t\t", "line 3 (GB074): empty Value"),
    ],
)
def test_malformed_sheet_names_the_row_and_changes_nothing(
    results: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], line: str, expected: str
) -> None:
    sheet = tmp_path / "bad.tsv"
    sheet.write_text(f"Feature_ID\tValue\tSource\tComment\nGB020\t1\tvisser2022kalamang[12]\tok\n{line}\n",
                     encoding="utf-8")
    before = _reviews(results)
    assert main(["review", "import", "--results", str(results), str(sheet)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and expected in err and "\n" not in err
    assert _reviews(results) == before  # the good first row was not stored either


def test_hand_coded_sheet_without_extra_columns_imports(results: Path, tmp_path: Path) -> None:
    sheet = tmp_path / "hand.tsv"
    sheet.write_text("Feature_ID\tValue\tSource\tComment\nGB074\t1\tvisser2022kalamang[88-89]\tby hand\n"
                     "81A\t1\t\t\n", encoding="utf-8")
    assert main(["review", "import", "--results", str(results), "--reviewer", "Cleo", str(sheet)]) == 0
    with ReviewStore(results / STORE_FILENAME) as store:
        gb074 = store.get(GRAMMAR.id, "GB074")
        wals = store.get(GRAMMAR.id, "WALS 81A")
    assert gb074 is not None and (gb074.value, gb074.pages, gb074.comment, gb074.reviewer) == (
        "1", "88-89", "by hand", "Cleo")
    assert wals is not None and wals.value == "SOV" and wals.decision == OTHER_VALUE  # WALS number 1 = SOV


def test_export_without_reviews_is_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "run"
    save_inputs(out, [GRAMMAR], select_features("GB020"))
    assert main(["review", "export", "--results", str(out), "--format", "grambank-tsv",
                 "--out", str(tmp_path / "x.tsv")]) == 2
    assert "No reviewed features" in capsys.readouterr().err

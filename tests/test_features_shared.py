"""The bundled catalogue / languages / WALS values equal what the CLDF datasets in ../shared give.

This is the check that ``wals_grambank/build_catalogue.py`` was re-run after any loader change.
"""

from __future__ import annotations

import csv

import pytest

from grammar_rag.features import get_catalogue, get_languages, get_wals_values, wals_value
from grammar_rag.features.catalogue import load_catalogue
from grammar_rag.features.cldf import find_datasets
from grammar_rag.features.languages import load_bundled_languages
from grammar_rag.features.values import load_bundled_wals_values

pytestmark = pytest.mark.shared


@pytest.fixture(scope="module")
def shared_catalogue(shared_data):
    return get_catalogue(shared_data)


def test_finds_all_three_datasets(shared_data) -> None:
    found = find_datasets(shared_data)
    assert set(found) == {"wals", "grambank", "glottolog"}
    assert find_datasets(found["wals"]) == {"wals": found["wals"]}  # a dataset dir on its own


def test_bundled_catalogue_equals_shared(shared_data) -> None:
    parsed = load_catalogue(shared_data, reuse_bundle=False)  # really parse the CLDF + chapters
    bundled = load_catalogue(None)
    assert parsed.ids() == bundled.ids()
    for ours, theirs in zip(parsed, bundled, strict=True):
        assert ours == theirs, ours.id
    assert len(parsed.all("wals")) == 192 and len(parsed.all("grambank")) == 195
    assert len(parsed.get("WALS 116A*").components) == 7
    # the bundle records the sources it was built from, so the same data dir reuses it
    assert parsed.fingerprints == bundled.fingerprints


def test_changed_sources_are_parsed_not_bundled(shared_data, tmp_path) -> None:
    import shutil

    gb = tmp_path / "grambank"
    gb.mkdir()
    shutil.copy(shared_data / "grambank" / "codes.csv", gb / "codes.csv")
    with (shared_data / "grambank" / "parameters.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        if row["ID"] == "GB107":
            row["Name"] = "EDITED standard negation affix?"
    with (gb / "parameters.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    cat = load_catalogue(tmp_path)
    assert cat.get("GB107").name.startswith("EDITED") and cat.sources["Grambank"] == str(gb)
    assert cat.get("81A") == load_catalogue(None).get("81A")  # WALS absent there: bundled


def test_wals_chapter_guidelines(shared_catalogue) -> None:
    text = shared_catalogue.get("81A").guideline
    assert "dominant order" in text and "Japanese" in text and "<p" not in text
    # features sharing a chapter share its text
    assert shared_catalogue.get("81B").guideline == text
    assert shared_catalogue.get("GB257").guideline.startswith("Can polar interrogation be marked by intonation only?")


def test_bundled_languages_equal_shared(shared_data) -> None:
    shared = get_languages(shared_data)
    bundled = load_bundled_languages()
    assert len(shared) == len(bundled) == 8605 + 13554  # languages + dialects (families dropped)
    assert sorted(shared, key=lambda lg: lg.glottocode) == sorted(bundled, key=lambda lg: lg.glottocode)
    assert shared.lookup("Japanese") == bundled.lookup("jpn")


def test_bundled_wals_values_equal_shared(shared_data) -> None:
    shared = get_wals_values(shared_data)
    bundled = load_bundled_wals_values()
    assert [(lg.wals_code, lg.glottocode, lg.values) for lg in shared.languages] == [
        (lg.wals_code, lg.glottocode, lg.values) for lg in bundled.languages
    ]
    assert sum(len(lg.values) for lg in shared.languages) == 76401  # 74 rows have no Language_ID
    assert getattr(wals_value("Japanese", "81A", shared_data), "name", None) == "SOV"

"""``grammar-rag features`` / ``feature`` / ``language`` through the real CLI entry point."""

from __future__ import annotations

import json

import pytest

from grammar_rag.cli import main


@pytest.fixture(autouse=True)
def _bundled(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GRAMMAR_RAG_DATA_DIR", raising=False)
    monkeypatch.setenv("COLUMNS", "100")


def test_feature_shows_question_values_guideline(capsys) -> None:
    assert main(["feature", "81A"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("WALS 81A  Order of Subject, Object and Verb  [WALS]")
    assert "What is the order of subject, object and verb in this language?" in out
    assert "81A-1  SOV" in out and "No dominant order" in out
    assert "Guideline (excerpt; --full for all of it):" in out and "dominant" in out
    assert max(len(line) for line in out.splitlines()) <= 130


def test_feature_full_and_language(capsys) -> None:
    assert main(["feature", "wals 81a", "--full", "--language", "Japanese"]) == 0
    out = capsys.readouterr().out
    assert "WALS value for Japanese (nucl1643): SOV (81A-1)" in out
    assert "Theoretical discussion" in out  # the chapter's last section: the whole text is shown
    assert "--full for all" not in out


def test_feature_composite_lists_strategies(capsys) -> None:
    assert main(["feature", "polar"]) == 0
    out = capsys.readouterr().out
    assert "WALS 116A*  Polar questions  [composite]" in out
    assert "Clause-medial question particle  (GB264:" in out


def test_feature_json(capsys) -> None:
    assert main(["feature", "GB 107", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["id"] == "GB107" and [v["name"] for v in data["values"]] == ["0", "1"]


def test_unknown_feature_exits_2_with_suggestions(capsys) -> None:
    assert main(["feature", "81Z"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: Unknown feature '81Z'") and "WALS 81A" in err
    assert "Traceback" not in err


def test_features_list_and_search(capsys) -> None:
    assert main(["features"]) == 0
    out = capsys.readouterr().out
    assert "388 feature(s)" in out and "GB107" in out and "WALS 116A*" in out
    assert main(["features", "--search", "polar question particle"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("WALS 92A")
    assert main(["features", "--database", "grambank", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert len(data) == 195 and all(f["database"] == "Grambank" for f in data)
    assert main(["features", "--search", "zzzzqqq"]) == 1


def test_language_command(capsys) -> None:
    assert main(["language", "spp"]) == 0
    out = capsys.readouterr().out
    assert "Supyire Senoufo" in out and "supy1237" in out and "Atlantic-Congo" in out
    assert main(["language", "Japanse"]) == 2
    assert "Japanese" in capsys.readouterr().err


def test_language_command_knows_the_names_wals_uses(capsys) -> None:
    """"Meithei" is Glottolog's Manipuri: WALS's name is shown as the one it was found by."""
    assert main(["language", "Meithei"]) == 0
    out = capsys.readouterr().out
    assert "Manipuri" in out and "mani1292" in out and "Meithei (the name WALS uses)" in out


def test_language_command_shows_the_wals_code_or_a_related_one(capsys) -> None:
    """The WALS code is what ``compare --reference`` takes: shown where WALS codes the language, and
    where it does not, the related WALS languages ``compare`` would name."""
    assert main(["language", "Dargwa"]) == 0
    assert "Dargwa [drg], 29 values" in capsys.readouterr().out
    assert main(["language", "sanz1248"]) == 0
    out = capsys.readouterr().out
    assert "not coded" in out and "related: Dargwa [drg]" in out


def test_feature_language_grambank_value(capsys, tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("GRAMMAR_RAG_GRAMBANK_DIR", raising=False)
    assert main(["feature", "GB107", "-l", "jpn"]) == 0
    assert "pass --grambank DIR" in capsys.readouterr().out
    cldf = tmp_path / "cldf"
    cldf.mkdir()
    (cldf / "values.csv").write_text("ID,Language_ID,Parameter_ID,Value\n1,nucl1643,GB107,1\n")
    assert main(["feature", "GB107", "-l", "Japanese", "--grambank", str(tmp_path)]) == 0
    assert "Grambank value for Japanese (nucl1643): 1 (present)  [reference only]" in capsys.readouterr().out

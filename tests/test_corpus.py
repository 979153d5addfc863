"""Bundled Kalamang corpus and installing/fetching the paper's data (never touches the network)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from grammar_rag import corpus
from grammar_rag.cli import main
from grammar_rag.errors import DataDirError
from grammar_rag.ingest import ingest_path


def test_load_bundled_kalamang_offline() -> None:
    loaded = corpus.load_bundled("kalamang")
    g = loaded.grammar
    assert (g.id, g.language, g.iso639_3, g.glottocode, g.license, g.year) == (
        "visser2022kalamang", "Kalamang", "kgv", "kara1499", "CC-BY-4.0", 2022
    )
    assert len(loaded.passages) > 5000
    hit = next(p for p in loaded.passages if p.text.startswith("Kalamang nouns can be divided into several subclasses."))
    assert hit.section == ("6 Nouns, noun phrases and postpositional phrases", "6.1 Noun subclasses")
    assert any(p.kind == "example" and "=NEG" in p.text for p in loaded.passages)
    license_text = (corpus.CORPORA_DIR / "kalamang" / "LICENSE").read_text(encoding="utf-8")
    assert "Attribution 4.0 International" in license_text
    assert "Visser" in (corpus.CORPORA_DIR / "kalamang" / "README.md").read_text(encoding="utf-8")
    with pytest.raises(DataDirError, match="No bundled corpus 'klingon'"):
        corpus.load_bundled("klingon")


def test_bundled_corpus_is_up_to_date(shared_data: Path, tmp_path: Path) -> None:
    """The committed passages are exactly what build.py produces from the LaTeX today."""
    tex = shared_data / "kalamang" / "grammar_tex"
    if not tex.is_dir():
        pytest.skip("Kalamang LaTeX sources not available")
    corpus.build_bundled_latex(tex, tmp_path)
    committed = corpus.CORPORA_DIR / "kalamang"
    assert (tmp_path / "passages.jsonl.gz").read_bytes() == (committed / "passages.jsonl.gz").read_bytes()
    assert json.loads((tmp_path / "grammar.json").read_text()) == json.loads((committed / "grammar.json").read_text())


def _csv(path: Path, rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)


@pytest.fixture()
def source(tmp_path: Path) -> tuple[Path, Path]:
    """A tiny copy of the published layout and a manifest for it."""
    src = tmp_path / "src" / "rag_on_grammars"
    _csv(src / "paragraphs" / "WALS_81A" / "doe2020testish.csv",
         [["Paragraph", "Page number"], ["Word order is SOV.", "[98]"], ["=nin marks NEG.", "[12]"]])
    _csv(src / "paragraphs" / "GB_107" / "doe2020testish.csv",
         [["Paragraph", "Page number"], ["=nin marks NEG.", "[12]"]])
    _csv(src / "annotated_benchmark.csv",
         [["lgcode_iso3", "Name", "Filename", "Title", "Author", "Year"],
          ["tst", "Testish", "doe2020testish", "A Grammar of Testish", "Doe", "2020"]])
    _csv(src / "rerankers_benchmark" / "doe2020testish.csv", [["Paragraph", "Annotation"], ["x", "3"]])
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps(corpus.build_manifest(src)), encoding="utf-8")
    return src, manifest


def test_manifest_maps_upstream_layout(source: tuple[Path, Path]) -> None:
    _, manifest = source
    _, entries = corpus.load_manifest(manifest)
    upstream = {e.path: e.upstream for e in entries}
    assert upstream["paragraphs/WALS_81A/doe2020testish.csv"] == (
        "Grammars Paragraphs/WALS 81A/Wikipedia 50/doe2020testish.csv"
    )
    assert upstream["rerankers_benchmark/doe2020testish.csv"] == "retrievers_benchmark/doe2020testish.csv"
    assert upstream["annotated_benchmark.csv"] == "annotated_benchmark.csv"
    shipped, shipped_entries = corpus.load_manifest()
    assert shipped["repository"] == "al-the-eigenvalue/RAG-on-grammars"
    assert sum(e.path.startswith("paragraphs/") for e in shipped_entries) == 437
    assert all(len(e.sha256) == 64 for e in shipped_entries)


def test_install_from_round_trip_and_resume(source: tuple[Path, Path], tmp_path: Path) -> None:
    src, manifest = source
    data = tmp_path / "data"
    report = corpus.install_from(src.parent, data, manifest=manifest, progress=False)  # parent dir works too
    assert len(report.installed) == 4 and report.ok
    installed = data / "rag_on_grammars"
    assert (installed / "paragraphs" / "GB_107" / "doe2020testish.csv").read_bytes() == (
        src / "paragraphs" / "GB_107" / "doe2020testish.csv"
    ).read_bytes()
    [g] = ingest_path(installed)
    assert g.grammar.language == "Testish" and len(g.passages) == 2
    again = corpus.install_from(src, data, manifest=manifest, progress=False)
    assert again.installed == [] and len(again.skipped) == 4  # resumable: valid files are kept
    assert not list(installed.rglob("*.tmp"))


def test_install_detects_checksum_change(source: tuple[Path, Path], tmp_path: Path) -> None:
    src, manifest = source
    (src / "annotated_benchmark.csv").write_text("lgcode_iso3,Name\nxxx,Tampered\n", encoding="utf-8")
    data = tmp_path / "data"
    with pytest.raises(DataDirError, match=r"annotated_benchmark\.csv") as exc:
        corpus.install_from(src, data, manifest=manifest, progress=False)
    assert "NOT installed" in str(exc.value)
    assert not (data / "rag_on_grammars" / "annotated_benchmark.csv").exists()
    assert (data / "rag_on_grammars" / "paragraphs" / "WALS_81A" / "doe2020testish.csv").is_file()
    report = corpus.install_from(src, data, manifest=manifest, allow_changed=True, progress=False)
    assert report.changed == ["annotated_benchmark.csv"]
    assert "Tampered" in (data / "rag_on_grammars" / "annotated_benchmark.csv").read_text()


def test_install_reports_missing_files(source: tuple[Path, Path], tmp_path: Path) -> None:
    src, manifest = source
    (src / "rerankers_benchmark" / "doe2020testish.csv").unlink()
    with pytest.raises(DataDirError, match=r"1 file\(s\) not found"):
        corpus.install_from(src, tmp_path / "data", manifest=manifest, progress=False)


def test_fetch_uses_raw_github_urls_and_verifies(source: tuple[Path, Path], tmp_path: Path) -> None:
    src, manifest = source
    by_upstream = {corpus.upstream_path(p.relative_to(src).as_posix()): p for p in src.rglob("*.csv")}
    requested: list[str] = []

    def fake_get(url: str) -> bytes | None:
        requested.append(url)
        prefix = "https://raw.githubusercontent.com/al-the-eigenvalue/RAG-on-grammars/HEAD/"
        assert url.startswith(prefix)
        from urllib.parse import unquote

        path = by_upstream.get(unquote(url[len(prefix) :]))
        return path.read_bytes() if path else None

    data = tmp_path / "data"
    report = corpus.fetch_rag_on_grammars(data, manifest=manifest, get=fake_get, progress=False)
    assert len(report.installed) == 4
    assert any("Grammars%20Paragraphs/WALS%2081A/Wikipedia%2050/" in u for u in requested)
    # upstream changed one file: the fetch fails loudly and names it
    (data / "rag_on_grammars" / "annotated_benchmark.csv").unlink()
    (src / "annotated_benchmark.csv").write_text("changed upstream\n", encoding="utf-8")
    with pytest.raises(DataDirError, match="upstream copy changed"):
        corpus.fetch_rag_on_grammars(data, manifest=manifest, get=fake_get, progress=False)


def test_cli_install_and_list(source: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    src, manifest = source
    monkeypatch.setattr(corpus, "MANIFEST_PATH", manifest)
    data = tmp_path / "data"
    rc = main(["corpus", "install", "rag-on-grammars", "--from", str(src), "--data-dir", str(data), "--no-progress"])
    assert rc == 0 and "installed 4 file(s)" in capsys.readouterr().out
    rc = main(["corpus", "fetch", "rag-on-grammars", "--from", str(src), "--data-dir", str(data), "--no-progress"])
    assert rc == 0 and "4 already present" in capsys.readouterr().out
    assert main(["corpus", "list", "--data-dir", str(data)]) == 0
    out = capsys.readouterr().out
    assert "kalamang" in out and "bundled" in out and "4/4 files, 1 grammars" in out
    (src / "annotated_benchmark.csv").write_text("tampered\n", encoding="utf-8")
    rc = main(["corpus", "install", "rag-on-grammars", "--from", str(src), "--data-dir", str(tmp_path / "d2"),
               "--no-progress"])
    assert rc == 2 and "annotated_benchmark.csv" in capsys.readouterr().err


def test_shipped_manifest_matches_development_data(shared_data: Path) -> None:
    root = shared_data / "rag_on_grammars"
    _, entries = corpus.load_manifest()
    for entry in entries[:: max(1, len(entries) // 40)]:  # a sample: hashing all 65 MB is slow
        assert corpus.sha256_file(root / entry.path) == entry.sha256, entry.path

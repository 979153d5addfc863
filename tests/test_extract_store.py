"""Results store, runner, CLDF export and comparison with a deterministic stand-in classifier.

The stand-in lives here (not in the library): it derives a value from the grammar/feature ids so
every run gives the same answers, which is what the resume/idempotence checks need. The end-to-end
tests with the real pipeline are in test_extract_cli.py.
"""

from __future__ import annotations

import csv
import hashlib
import sqlite3
import threading
from collections import Counter
from pathlib import Path
from typing import cast

import pytest

from grammar_rag.errors import BackendError, GrammarRagError
from grammar_rag.extract.cldf_export import export_dataset, parameter_id, source_reference, validate_cldf
from grammar_rag.extract.compare import FeatureAgreement, compare_predictions, format_report
from grammar_rag.extract.runner import missing_pairs, run_extraction
from grammar_rag.extract.store import ResultStore, RunConfig, select_config
from grammar_rag.features.cldf import cldf_id
from grammar_rag.features.languages import LanguageInfo, LanguageResolver
from grammar_rag.features.reference import reference_names
from grammar_rag.index import GrammarIndex
from grammar_rag.types import NOT_ENOUGH_INFO, Evidence, Feature, FeatureValue, Grammar, Prediction

FEATURES = [
    Feature(
        id="WALS 81A",
        database="WALS",
        name="Order of Subject, Object and Verb",
        question="What is the dominant order?",
        values=(FeatureValue("81A-1", "SOV"), FeatureValue("81A-2", "SVO"), FeatureValue("81A-3", "VSO")),
    ),
    Feature(
        id="GB107",
        database="Grambank",
        name="Affixal negation",
        question="Can standard negation be marked by an affix?",
        values=(FeatureValue("GB107-0", "0"), FeatureValue("GB107-1", "1")),
    ),
]
GRAMMARS = [
    Grammar(id="carlson1994grammar", title="A Grammar of Supyire", language="Supyire", iso639_3="spp",
            author="Carlson, Robert", year=1994),
    Grammar(id="heath2008grammar", title="A grammar of Jamsay", language="Jamsay", iso639_3="djm"),
    Grammar(id="nobody2000sketch", title="A sketch", language="Nolanguage"),
]


def stand_in(pairs: list[tuple[Grammar, Feature]]) -> list[Prediction]:
    """Deterministic: the value is picked by a hash of (grammar, feature); one pair abstains."""
    out = []
    for grammar, feature in pairs:
        h = int(hashlib.sha256(f"{grammar.id}|{feature.id}".encode()).hexdigest(), 16)
        if grammar.id == "nobody2000sketch" and feature.id == "GB107":
            out.append(Prediction(grammar.id, feature.id, NOT_ENOUGH_INFO, backend="stand-in"))
            continue
        value = feature.values[h % len(feature.values)]
        out.append(
            Prediction(
                grammar.id,
                feature.id,
                value.name,
                code=value.code,
                evidence=[Evidence(f"{grammar.id}-p{h % 7}", grammar.id, f"Statement about {value.name}.",
                                   pages=str(100 + h % 50))],
                reasoning=f"The grammar says {value.name}.",
                confidence=0.5 + (h % 50) / 100,
                backend="stand-in",
            )
        )
    return out


CONFIG = RunConfig("stand-in", "v1", {"retrieval": {"mode": "bm25", "k": 20}})


def test_run_config_hash_is_stable_and_sensitive() -> None:
    same = RunConfig("stand-in", "v1", {"retrieval": {"k": 20, "mode": "bm25"}})
    assert same.config_hash == CONFIG.config_hash
    assert RunConfig("stand-in", "v1", {"retrieval": {"mode": "bm25", "k": 10}}).config_hash != CONFIG.config_hash


def test_store_put_is_idempotent_and_keyed_by_config(tmp_path: Path) -> None:
    pred = stand_in([(GRAMMARS[0], FEATURES[0])])[0]
    other = RunConfig("other-backend", "v1", CONFIG.settings)
    with ResultStore(tmp_path / "r.sqlite") as store:
        store.register_config(CONFIG)
        assert store.put(pred, CONFIG) is True
        assert store.put(pred, CONFIG) is False  # UNIQUE: never stored twice
        assert store.put(pred, other) is True  # another backend is another row, not an overwrite
        assert store.count() == 2
        assert store.done_pairs(CONFIG) == {(pred.grammar_id, pred.feature_id)}
        back = store.predictions(CONFIG)[0]
    assert back.to_dict() == pred.to_dict()
    conn = sqlite3.connect(tmp_path / "r.sqlite")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_runner_computes_only_missing_pairs(tmp_path: Path) -> None:
    calls: list[tuple[str, str]] = []

    def counting(pairs: list[tuple[Grammar, Feature]]) -> list[Prediction]:
        calls.extend((g.id, f.id) for g, f in pairs)
        return stand_in(pairs)

    with ResultStore(tmp_path / "r.sqlite") as store:
        first = run_extraction(store, CONFIG, GRAMMARS[:2], FEATURES, counting, progress=False)
        assert (first.total, first.done_before, first.computed_now) == (4, 0, 4)
        calls.clear()
        second = run_extraction(store, CONFIG, GRAMMARS, FEATURES, counting, batch_size=3, progress=False)
        assert (second.total, second.done_before, second.computed_now, second.failed) == (6, 4, 2, 0)
        assert sorted(calls) == [("nobody2000sketch", "GB107"), ("nobody2000sketch", "WALS 81A")]
        assert store.count(CONFIG) == 6
        todo, done = missing_pairs(store, CONFIG, GRAMMARS, FEATURES)
        assert (todo, done) == ([], 6)


def test_runner_concurrent_matches_sequential(tmp_path: Path) -> None:
    threads: set[str] = set()

    def threaded(pairs: list[tuple[Grammar, Feature]]) -> list[Prediction]:
        threads.add(threading.current_thread().name)
        return stand_in(pairs)

    with ResultStore(tmp_path / "a.sqlite") as a, ResultStore(tmp_path / "b.sqlite") as b:
        run_extraction(a, CONFIG, GRAMMARS, FEATURES, stand_in, progress=False)
        summary = run_extraction(b, CONFIG, GRAMMARS, FEATURES, threaded, batch_size=1, concurrency=3,
                                 progress=False)
        assert summary.computed_now == 6
        assert [p.to_dict() for p in a.predictions(CONFIG)] == [p.to_dict() for p in b.predictions(CONFIG)]
    assert all(name.startswith("extract") for name in threads)


def test_runner_records_backend_errors_and_retries_them(tmp_path: Path) -> None:
    def flaky(pairs: list[tuple[Grammar, Feature]]) -> list[Prediction]:
        if any(g.id == "heath2008grammar" for g, _ in pairs):
            raise BackendError("endpoint http://127.0.0.1:9/v1 unreachable")
        return stand_in(pairs)

    with ResultStore(tmp_path / "r.sqlite") as store:
        summary = run_extraction(store, CONFIG, GRAMMARS, FEATURES, flaky, progress=False)
        assert (summary.computed_now, summary.failed) == (4, 2)
        assert {f[0] for f in summary.failures} == {"heath2008grammar"}
        assert "unreachable" in summary.failures[0][2]
        retry = run_extraction(store, CONFIG, GRAMMARS, FEATURES, stand_in, progress=False)
        assert (retry.done_before, retry.computed_now, retry.failed) == (4, 2, 0)


def test_runner_rejects_mismatched_predictions(tmp_path: Path) -> None:
    def wrong(pairs: list[tuple[Grammar, Feature]]) -> list[Prediction]:
        return list(reversed(stand_in(pairs)))

    with ResultStore(tmp_path / "r.sqlite") as store, pytest.raises(GrammarRagError, match="returned for pair"):
        run_extraction(store, CONFIG, GRAMMARS, FEATURES, wrong, batch_size=2, progress=False)


def test_select_config_never_mixes(tmp_path: Path) -> None:
    v2 = RunConfig("stand-in", "v2", CONFIG.settings)
    with ResultStore(tmp_path / "r.sqlite") as store:
        run_extraction(store, CONFIG, GRAMMARS, FEATURES, stand_in, progress=False)
        run_extraction(store, v2, GRAMMARS[:1], FEATURES, stand_in, progress=False)
        configs = store.configs()
        assert [(c.config.prompt_version, c.n_results) for c in configs] == [("v1", 6), ("v2", 2)]
        assert select_config(configs).config.key == CONFIG.key  # the most complete one by default
        chosen = select_config(configs, prompt_version="v2").config
        assert len(store.predictions(chosen)) == 2
        with pytest.raises(GrammarRagError, match="backend=nope"):
            select_config(configs, backend="nope")


def test_cldf_export_validates_and_has_provenance(tmp_path: Path) -> None:
    with ResultStore(tmp_path / "r.sqlite") as store:
        run_extraction(store, CONFIG, GRAMMARS, FEATURES, stand_in, progress=False)
        preds = store.predictions(CONFIG)
    report = export_dataset(
        preds, CONFIG, {g.id: g for g in GRAMMARS}, {f.id: f for f in FEATURES}, tmp_path / "out",
        resolver=LanguageResolver(),
    )
    assert report.valid, report.messages
    assert (report.n_values, report.n_parameters) == (6, 2)
    valid, messages = validate_cldf(report.cldf_dir)
    assert valid, messages
    values = list(csv.DictReader((report.cldf_dir / "values.csv").open(encoding="utf-8")))
    by_key = {(v["Language_ID"], v["Parameter_ID"]): v for v in values}
    supyire = by_key[("supy1237", "81A")]  # Glottocode resolved from the ISO code
    pred = next(p for p in preds if p.grammar_id == "carlson1994grammar" and p.feature_id == "WALS 81A")
    assert supyire["Value"] == pred.value
    assert supyire["Code_ID"] == pred.code
    assert supyire["Source"] == f"carlson1994grammar[{pred.evidence[0].pages}]"
    assert supyire["Comment"] == pred.reasoning
    abstained = next(v for v in values if v["Parameter_ID"] == "GB107" and v["Language_ID"].startswith("lang-"))
    assert abstained["Value"] == "?" and abstained["Code_ID"] == ""
    languages = {r["ID"]: r for r in csv.DictReader((report.cldf_dir / "languages.csv").open(encoding="utf-8"))}
    assert languages["supy1237"]["ISO639P3code"] == "spp"
    assert languages["supy1237"]["Macroarea"] == "Africa"
    codes = {r["ID"] for r in csv.DictReader((report.cldf_dir / "codes.csv").open(encoding="utf-8"))}
    assert {"81A-1", "81A-2", "81A-3", "GB107-0", "GB107-1"} <= codes
    bib = (report.cldf_dir / "sources.bib").read_text(encoding="utf-8")
    assert "@book{carlson1994grammar" in bib and "Carlson, Robert" in bib
    meta = (report.cldf_dir / "StructureDataset-metadata.json").read_text(encoding="utf-8")
    assert CONFIG.config_hash in meta and "prompt_version=v1" in meta
    flat = list(csv.DictReader(report.flat_csv.open(encoding="utf-8")))
    assert len(flat) == 6 and {r["config_hash"] for r in flat} == {CONFIG.config_hash}
    # re-export replaces the folder atomically (no leftovers)
    export_dataset(preds[:2], CONFIG, {}, {f.id: f for f in FEATURES}, tmp_path / "out")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["cldf", "values_flat.csv"]


def test_language_resolution_keeps_one_wellformed_code() -> None:
    resolver = LanguageResolver()
    two = resolver.resolve(Grammar(id="g", language="Two varieties", iso639_3="spp, djm"))
    assert (two.iso639_3, two.glottocode, two.id) == ("spp", "supy1237", "supy1237")
    junk = resolver.resolve(Grammar(id="g2 x", language="Nolanguage", iso639_3="n/a"))
    assert (junk.iso639_3, junk.glottocode, junk.id) == (None, None, "lang-g2_x")


def test_ids_and_references() -> None:
    assert parameter_id("WALS 81A") == "81A"
    assert parameter_id("WALS 116A*") == "116A_composite"
    assert parameter_id("GB107") == "GB107"
    assert cldf_id("a b/c") == "a_b_c"
    assert source_reference("key", ["12", "13-14"]) == "key[12, 13-14]"
    assert source_reference("k", ["x[1];"]) == "k[x1]"


def test_compare_agreement_and_disagreements() -> None:
    preds = stand_in([(g, f) for g in GRAMMARS for f in FEATURES])
    supyire_81 = next(p for p in preds if p.grammar_id == "carlson1994grammar" and p.feature_id == "WALS 81A")
    jamsay_81 = next(p for p in preds if p.grammar_id == "heath2008grammar" and p.feature_id == "WALS 81A")
    other = next(v.name for v in FEATURES[0].values if v.name != jamsay_81.value)
    table = {("spp", "WALS 81A"): supyire_81.value, ("djm", "WALS 81A"): FeatureValue("81A-9", other)}

    def reference(info: LanguageInfo, feature_id: str) -> object:
        return table.get((info.iso639_3 or "", feature_id))

    report = compare_predictions(preds, {g.id: g for g in GRAMMARS}, {f.id: f for f in FEATURES}, reference)
    stats = {f.feature_id: f for f in report.features}
    assert (stats["WALS 81A"].n_predictions, stats["WALS 81A"].n_with_reference) == (3, 2)
    assert (stats["WALS 81A"].n_agree, stats["WALS 81A"].agreement) == (1, 0.5)
    assert stats["GB107"].agreement is None
    # two different reference values: a constant answer would agree with one of the two
    assert stats["WALS 81A"].majority_baseline == 0.5 and stats["GB107"].majority_baseline is None
    assert stats["WALS 81A"].to_dict()["majority_baseline"] == 0.5
    skewed = FeatureAgreement("WALS 116A", reference_counts=Counter({"question particle": 3, "intonation only": 1}))
    assert skewed.majority_baseline == 0.75 and skewed.to_dict()["majority_value"] == "question particle"
    [dis] = report.disagreements
    assert (dis.grammar_id, dis.predicted, dis.reference) == ("heath2008grammar", jamsay_81.value, other.lower())
    assert dis.evidence[0]["pages"] == jamsay_81.evidence[0].pages
    text = format_report(report)
    assert "heath2008grammar" in text and "50.0%" in text and "majority" in text
    assert reference_names(["A", FeatureValue("x", "B")]) == frozenset({"a", "b"})


def test_pipeline_run_config_changes_with_the_reranker_version(monkeypatch: pytest.MonkeyPatch) -> None:
    # rows ranked by other query rules or weights must not resume into the same run
    import grammar_rag.rerank as rerank
    from grammar_rag.extract.predictors import PipelinePredictor

    # the run configuration of BM25 retrieval never reads the index
    predictor = PipelinePredictor(index=cast(GrammarIndex, None), backend="evidence")
    before = predictor.run_config
    assert before.settings["retrieval"]["reranker_version"] == rerank.RERANK_VERSION
    monkeypatch.setattr(rerank, "RERANK_VERSION", "rerank-0000000000")
    assert predictor.run_config.config_hash != before.config_hash

"""GrammarIndex: persistence, incremental adds, refusal of damaged indexes, retrieval modes.

These tests use the model-free ``hashing`` embedder (fast, deterministic); the real MiniLM model
is exercised in test_index_embed.py and test_cli_index.py.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from grammar_rag.errors import IndexStoreError
from grammar_rag.index import GrammarIndex, GrammarNotFoundError, RetrievalResults, transaction
from grammar_rag.index.embedding_text import EMBEDDING_TEXT, embedding_text
from grammar_rag.types import Grammar, IngestedGrammar, Passage, PassageKind

EMB = "hashing-64"


def make_grammar(gid: str, language: str, iso: str, texts: list[str], glottocode: str | None = None) -> IngestedGrammar:
    grammar = Grammar(id=gid, title=f"A grammar of {language}", language=language, iso639_3=iso, glottocode=glottocode)
    passages = [
        Passage(grammar_id=gid, passage_id=f"{gid}:{i}", text=t, page_start=str(100 + i), section=("3 Syntax",), order=i)
        for i, t in enumerate(texts)
    ]
    return IngestedGrammar(grammar, passages)


ALPHA = make_grammar("alpha2001", "Alphaish", "alp", [
    "The basic constituent order is subject, object, verb (SOV); the verb is clause-final.",
    "Negation is expressed by the enclitic =NEG, which attaches to the last word of the predicate.",
    "Nouns take the plural suffix -PL only when they refer to humans.",
    "The ergative case marker =ka appears on transitive subjects.",
], glottocode="alph1234")
BETA = make_grammar("beta1999", "Betaic", "bet", [
    "Polar questions are formed with the clause-final particle ŋa and rising intonation.",
    "Word order is rigidly SVO in main clauses and in subordinate clauses.",
    "The form tíri 'to eat' takes the perfective prefix é-.",
])
GAMMA = make_grammar("gamma2010", "Gammese", "gam", [
    "नहीं is the standard negator and precedes the finite verb.",
    "Вопросительная частица ли стоит после первого слова.",
    "Adjectives follow the noun they modify.",
])


@pytest.fixture()
def index(tmp_path: Path) -> GrammarIndex:
    idx = GrammarIndex.create(tmp_path / "idx", EMB)
    idx.add_many([ALPHA, BETA], show_progress=False)
    return idx


def _snapshot(directory: Path) -> dict[str, tuple[float, int]]:
    return {str(p.relative_to(directory)): (p.stat().st_mtime_ns, p.stat().st_size)
            for p in directory.rglob("*") if p.is_file()}


def test_round_trip_same_results(index: GrammarIndex) -> None:
    reopened = GrammarIndex.open(index.directory, verify=True)
    assert [g.id for g in reopened.grammars()] == ["alpha2001", "beta1999"]
    assert reopened.passages("beta1999") == BETA.passages
    for mode in ("bm25", "dense", "hybrid"):
        a = index.retrieve("order of subject object and verb", k=5, mode=mode)
        b = reopened.retrieve("order of subject object and verb", k=5, mode=mode)
        assert a.passage_ids == b.passage_ids
        assert np.allclose([s.score for s in a], [s.score for s in b])
    manifest = json.loads((index.directory / "manifest.json").read_text())
    assert manifest["embedding"] == {"model": EMB, "dim": 64, "normalized": True, "metric": "inner_product",
                                     "dtype": "float32", "precision_at_build": None, "runtime_at_build": None,
                                     "passage_text": EMBEDDING_TEXT}
    assert manifest["versions"]["bm25s"]
    assert {g["id"] for g in manifest["grammars"]} == {"alpha2001", "beta1999"}


def test_query_returns_known_relevant_passage(index: GrammarIndex) -> None:
    res = index.retrieve("order of subject, object and verb", k=3)
    assert isinstance(res, RetrievalResults) and res.mode == "bm25"
    assert res.passages[0].passage.passage_id == "alpha2001:0"
    assert [sp.rank for sp in res] == [1, 2, 3][: len(res)]
    assert res.passages[0].score > 0
    assert all(res.passages[i].score >= res.passages[i + 1].score for i in range(len(res) - 1))
    polar = index.retrieve("polar questions particle", k=1, mode="hybrid")
    assert polar.passage_ids == ["beta1999:0"]


def test_incremental_add_leaves_other_shards_untouched(index: GrammarIndex) -> None:
    before = _snapshot(index.directory / "grammars")
    index.add(GAMMA.grammar, GAMMA.passages, show_progress=False)
    after = _snapshot(index.directory / "grammars")
    for name, stamp in before.items():
        assert after[name] == stamp, f"{name} was rewritten by an incremental add"
    assert any(n.startswith("gamma2010/") for n in after)
    manifest = json.loads((index.directory / "manifest.json").read_text())
    assert len(manifest["segments"]) == 2
    # whole-corpus search merges both segments; the new grammar is found
    assert index.retrieve("नहीं", k=3).passage_ids == ["gamma2010:0"]
    assert index.retrieve("clause-final particle", k=1).passage_ids == ["beta1999:0"]


def test_existing_grammar_refused_then_replace_and_skip(index: GrammarIndex) -> None:
    with pytest.raises(IndexStoreError, match="already in index"):
        index.add_many([ALPHA], show_progress=False)
    assert index.add_many([ALPHA, GAMMA], skip_existing=True, show_progress=False) == ["gamma2010"]
    new_alpha = make_grammar("alpha2001", "Alphaish", "alp", ["Reduplication marks the distributive."])
    index.add_many([new_alpha], replace=True, show_progress=False)
    reopened = GrammarIndex.open(index.directory, verify=True)
    assert [p.text for p in reopened.passages("alpha2001")] == ["Reduplication marks the distributive."]
    assert reopened.retrieve("constituent", k=5).passage_ids == []  # old alpha text is gone
    assert "alpha2001:3" not in reopened.retrieve("ergative case", k=5, mode="hybrid").passage_ids
    assert reopened.retrieve("distributive reduplication", k=1).passage_ids == ["alpha2001:0"]


def test_remove_and_compact(index: GrammarIndex) -> None:
    index.add(GAMMA.grammar, GAMMA.passages, show_progress=False)
    index.remove("alpha2001")
    assert "alpha2001" not in index
    assert not (index.directory / "grammars" / "alpha2001").exists()
    assert all(sp.passage.grammar_id != "alpha2001" for sp in index.retrieve("verb", k=10))
    index.compact(show_progress=False)
    manifest = json.loads((index.directory / "manifest.json").read_text())
    assert len(manifest["segments"]) == 1
    assert sorted(g for g, _ in manifest["segments"][0]["grammars"]) == ["beta1999", "gamma2010"]
    reopened = GrammarIndex.open(index.directory, verify=True)
    assert reopened.retrieve("SVO word order", k=1).passage_ids == ["beta1999:1"]


def test_grammar_restriction_by_id_language_iso_glottocode(index: GrammarIndex) -> None:
    for key in ("beta1999", "Betaic", "bet", "BET"):
        res = index.retrieve("word order verb", grammar=key, k=10)
        assert res.grammar_id == "beta1999"
        assert res.passages and all(sp.passage.grammar_id == "beta1999" for sp in res)
    assert index.get_grammar("alph1234").id == "alpha2001"
    for mode in ("dense", "hybrid"):
        res = index.retrieve("word order verb", grammar="alpha2001", k=10, mode=mode)
        assert res.passages and {sp.passage.grammar_id for sp in res} == {"alpha2001"}
    with pytest.raises(GrammarNotFoundError, match="Did you mean: beta1999"):
        index.retrieve("x", grammar="beta199")


def test_grammar_named_by_part_of_its_language_name(tmp_path: Path) -> None:
    """`--grammar sanzhi` on an index holding "Sanzhi Dargwa" said "No grammar 'sanzhi'" with no hint."""
    idx = GrammarIndex.create(tmp_path / "idx", EMB)
    for gid, language in (("forker2020sanzhi", "Sanzhi Dargwa"), ("kieviet2017rapanui", "Rapa Nui"),
                          ("x2001dargwa", "North Dargwa")):
        idx.add(Grammar(id=gid, language=language), [Passage(gid, f"{gid}:0", "The basic word order is SOV.")],
                show_progress=False)
    assert idx.get_grammar("sanzhi").id == "forker2020sanzhi"
    assert idx.get_grammar("RAPA nui").id == idx.get_grammar("Nui").id == "kieviet2017rapanui"
    with pytest.raises(GrammarNotFoundError, match=r"matches several grammars.*forker2020sanzhi, x2001dargwa"):
        idx.get_grammar("dargwa")
    with pytest.raises(GrammarNotFoundError, match="Did you mean: Sanzhi Dargwa"):
        idx.get_grammar("sanzhi dargva")


def test_bm25_scores_align_with_passages(index: GrammarIndex) -> None:
    scores = index.bm25_scores("ergative case marker", "Alphaish")
    assert scores.shape == (len(index.passages("alpha2001")),)
    assert int(np.argmax(scores)) == 3 and scores[0] == 0.0
    top = index.retrieve("ergative case marker", grammar="alpha2001", k=1).passages[0]
    assert top.score == pytest.approx(float(scores.max()))


def test_non_ascii_and_gloss_search(index: GrammarIndex) -> None:
    index.add(GAMMA.grammar, GAMMA.passages, show_progress=False)
    assert index.retrieve("ŋa", k=1).passage_ids == ["beta1999:0"]
    assert index.retrieve("tíri", k=1).passage_ids == ["beta1999:2"]
    # NFD input (e + combining acute) finds the NFC-stored form
    assert index.retrieve("ti\u0301ri", k=1).passage_ids == ["beta1999:2"]
    assert index.retrieve("=NEG", k=1).passage_ids == ["alpha2001:1"]
    assert index.retrieve("neg", k=1).passage_ids == ["alpha2001:1"]
    assert index.retrieve("-PL", k=1).passage_ids == ["alpha2001:2"]
    assert index.retrieve("нахождение частица", k=1).passage_ids == ["gamma2010:1"]
    assert index.retrieve("नहीं", k=1, grammar="gam").passage_ids == ["gamma2010:0"]


def test_hybrid_fusion_modes(index: GrammarIndex) -> None:
    rrf = index.retrieve("plural suffix for humans", k=4, mode="hybrid", fusion="rrf")
    weighted = index.retrieve("plural suffix for humans", k=4, mode="hybrid", fusion="weighted", weights=[0.7, 0.3])
    assert rrf.fusion == "rrf" and weighted.fusion == "weighted"
    assert rrf.passage_ids[0] == weighted.passage_ids[0] == "alpha2001:2"
    assert 0 < weighted.passages[0].score <= 1.0 + 1e-9
    bm25_ids = set(index.retrieve("plural suffix for humans", k=50).passage_ids)
    dense_ids = set(index.retrieve("plural suffix for humans", k=50, mode="dense").passage_ids)
    assert set(rrf.passage_ids) <= bm25_ids | dense_ids
    with pytest.raises(IndexStoreError, match="Unknown retrieval mode"):
        index.retrieve("x", mode="sparse")  # type: ignore[arg-type]


def test_refuses_missing_manifest(index: GrammarIndex) -> None:
    (index.directory / "manifest.json").unlink()
    with pytest.raises(IndexStoreError, match=r"manifest\.json is missing"):
        GrammarIndex.open(index.directory)


def test_refuses_truncated_shard_and_bad_checksum(index: GrammarIndex) -> None:
    emb = index.directory / "grammars" / "beta1999" / "embeddings.npy"
    data = emb.read_bytes()
    emb.write_bytes(data[: len(data) // 2])
    with pytest.raises(IndexStoreError, match=r"beta1999/embeddings.npy has \d+ bytes.*Rebuild"):
        GrammarIndex.open(index.directory)
    emb.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))  # same size, different content
    reopened = GrammarIndex.open(index.directory)  # sizes match ...
    with pytest.raises(IndexStoreError, match="does not match its checksum"):
        reopened.retrieve("word order", mode="dense")  # ... the checksum catches it on load
    with pytest.raises(IndexStoreError, match="checksum"):
        GrammarIndex.open(index.directory, verify=True)


def test_refuses_missing_shard_file(index: GrammarIndex) -> None:
    (index.directory / "grammars" / "alpha2001" / "passages.jsonl").unlink()
    with pytest.raises(IndexStoreError, match=r"alpha2001/passages\.jsonl is missing"):
        GrammarIndex.open(index.directory)


def test_refuses_other_embedding_model(index: GrammarIndex) -> None:
    with pytest.raises(IndexStoreError, match=r"built with embedding model 'hashing-64'.*--model hashing-64"):
        GrammarIndex.open(index.directory, embedding_model="hashing-32")
    assert GrammarIndex.open(index.directory, embedding_model="hashing-64").embedding_model == EMB


def test_refuses_foreign_or_absent_directory(tmp_path: Path) -> None:
    with pytest.raises(IndexStoreError, match="No index at"):
        GrammarIndex.open(tmp_path / "nope")
    (tmp_path / "foreign").mkdir()
    (tmp_path / "foreign" / "notes.txt").write_text("mine")
    with pytest.raises(IndexStoreError, match="not an empty directory"):
        GrammarIndex.create(tmp_path / "foreign", EMB)
    assert (tmp_path / "foreign" / "notes.txt").read_text() == "mine"


class _FailingEmbedder:
    name = EMB
    dim = 64

    def encode(self, texts, is_query=False, batch_size=64, show_progress=False):
        raise RuntimeError("GPU fell off the bus")


def test_failed_add_leaves_index_exactly_as_before(index: GrammarIndex) -> None:
    before = _snapshot(index.directory)
    manifest_before = (index.directory / "manifest.json").read_bytes()
    index._embedder = _FailingEmbedder()
    with pytest.raises(RuntimeError, match="bus"):
        index.add(GAMMA.grammar, GAMMA.passages, show_progress=False)
    bad = make_grammar("delta", "Delta", "del", ["ok"])
    bad.passages.append(Passage(grammar_id="someone-else", passage_id="x", text="wrong owner"))
    with pytest.raises(IndexStoreError, match="belongs to grammar 'someone-else'"):
        index.add_many([bad], show_progress=False)
    with pytest.raises(IndexStoreError, match="no passages"):
        index.add(Grammar(id="empty"), [], show_progress=False)
    assert _snapshot(index.directory) == before
    assert (index.directory / "manifest.json").read_bytes() == manifest_before
    assert sorted(os.listdir(index.directory / "grammars")) == ["alpha2001", "beta1999"]


def test_interrupted_commit_is_rolled_back(index: GrammarIndex, monkeypatch: pytest.MonkeyPatch) -> None:
    manifest_before = (index.directory / "manifest.json").read_bytes()

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(transaction, "write_manifest", boom)
    with pytest.raises(OSError, match="disk full"):
        index.add(GAMMA.grammar, GAMMA.passages, show_progress=False)
    monkeypatch.undo()
    assert (index.directory / "manifest.json").read_bytes() == manifest_before
    assert sorted(os.listdir(index.directory / "grammars")) == ["alpha2001", "beta1999"]
    reopened = GrammarIndex.open(index.directory, verify=True)
    assert "gamma2010" not in reopened
    reopened.add(GAMMA.grammar, GAMMA.passages, show_progress=False)  # and it still accepts the add
    assert "gamma2010" in GrammarIndex.open(index.directory, verify=True)


def test_float16_embeddings_and_passage_lookup(tmp_path: Path) -> None:
    idx = GrammarIndex.create(tmp_path / "f16", EMB, embedding_dtype="float16")
    idx.add_many([ALPHA, BETA], show_progress=False)
    stored = np.load(tmp_path / "f16" / "grammars" / "alpha2001" / "embeddings.npy")
    assert stored.dtype == np.float16
    res = GrammarIndex.open(tmp_path / "f16").retrieve("ergative case marker", k=1, mode="dense")
    assert res.passage_ids == ["alpha2001:3"]
    assert idx.get_passage("beta1999:2").text.startswith("The form tíri")
    assert idx.passage_count("Betaic") == 3


def test_unsafe_grammar_ids_get_safe_directories(tmp_path: Path) -> None:
    idx = GrammarIndex.create(tmp_path / "ids", EMB)
    odd = make_grammar("../evil/ id", "Evil", "evl", ["A passage about vowel harmony."])
    idx.add_many([odd], show_progress=False)
    shard_dirs = os.listdir(tmp_path / "ids" / "grammars")
    assert len(shard_dirs) == 1 and "/" not in shard_dirs[0] and not shard_dirs[0].startswith(".")
    assert GrammarIndex.open(tmp_path / "ids").retrieve("vowel harmony", k=1).passage_ids == ["../evil/ id:0"]


def test_dense_vectors_read_the_english_of_examples_and_skip_matter(tmp_path: Path) -> None:
    """Examples are embedded by their introduction and free translation; contents and references get zero vectors.

    The stored passage keeps its whole text, BM25 still finds the object-language words, and a
    front/back-matter passage is ranked (by BM25 only) with ``include_matter``.
    """
    example = ("Questions are marked by the particle ko:\n(12) ko hoki mai koe\nQ return hither 2SG\n"
               "'Are you coming back?' [T12.4]")
    texts: list[tuple[str, PassageKind]] = [("The basic order is verb, subject, object.", "prose"), (example, "example"),
             ("Contents 3 Syntax ........ 100", "front_matter"), ("Smith, J. 1990. Questions in Oceania.", "back_matter")]
    passages = [Passage(grammar_id="delta2001", passage_id=f"delta2001:{i}", text=t, page_start=str(10 + i), kind=kind,
                        section=("3 Syntax",), order=i) for i, (t, kind) in enumerate(texts)]
    assert [embedding_text(p) for p in passages] == [
        texts[0][0], "Questions are marked by the particle ko:\nAre you coming back?", None, None]
    idx = GrammarIndex.create(tmp_path / "idx", EMB)
    idx.add_many([IngestedGrammar(Grammar(id="delta2001", title="A grammar of Delta", language="Delta"), passages)],
                 show_progress=False)
    dense = idx.retrieve("are you coming back", k=4, mode="dense", include_matter=True)
    scores = {s.passage.passage_id: s.score for s in dense}
    assert scores["delta2001:1"] > 0.3
    assert all(abs(scores.get(f"delta2001:{i}", 0.0)) < 1e-6 for i in (2, 3))
    assert idx.passages("delta2001")[1].text == example
    assert "delta2001:1" in idx.retrieve("hoki koe", k=2, mode="bm25").passage_ids
    assert "delta2001:3" in idx.retrieve("Smith Oceania", k=2, mode="bm25", include_matter=True).passage_ids
    assert "delta2001:3" not in idx.retrieve("Smith Oceania", k=4, mode="hybrid").passage_ids


def test_examples_whose_tiers_are_not_recognised_are_embedded_whole() -> None:
    odd = Passage(grammar_id="g", passage_id="g:1", text="(3) a single line nobody glossed", kind="example")
    assert embedding_text(odd) == odd.text

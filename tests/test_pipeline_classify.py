"""pipeline.classify over a small real GrammarIndex, and the `grammar-rag classify` CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from grammar_rag import pipeline
from grammar_rag.cli import main as cli_main
from grammar_rag.types import Feature, FeatureValue, Grammar, Passage

ORDER = Feature(
    "WALS 81A", "WALS", "Order of Subject, Object and Verb",
    "What is the dominant order of subject, object and verb?",
    tuple(FeatureValue(f"81A-{i}", n) for i, n in enumerate(
        ["SOV", "SVO", "VSO", "VOS", "OVS", "OSV", "No dominant order"], 1)),
)
TEXTS = [
    "Chapter 2 describes the sound system: vowels, consonants and tone.",
    "Word order. The basic constituent order of the clause is SOV: subject, object, then the verb.",
    "The verb comes at the end of the clause in transitive clauses; the object precedes the verb.",
    "Nouns take plural suffixes and possessive prefixes.",
    "Kinship terms form a closed class.",
]


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from grammar_rag.index import GrammarIndex

    path = tmp_path_factory.mktemp("idx") / "index"
    index = GrammarIndex.create(path, embedding_model="hashing-64")
    grammar = Grammar(id="test2020grammar", title="A grammar of Test", language="Testish", iso639_3="tst")
    passages = [Passage(grammar.id, f"{grammar.id}:{i}", t, page_start=str(10 + i), order=i) for i, t in enumerate(TEXTS)]
    index.add(grammar, passages)
    other = Grammar(id="other1999grammar", language="Otherish")
    index.add(other, [Passage(other.id, "o:0", "The basic word order is VSO in all clauses.", page_start="5")])
    return path


def test_pipeline_classify_cites_the_right_pages(index_dir: Path) -> None:
    from grammar_rag.index import GrammarIndex

    index = GrammarIndex.open(index_dir)
    pred = pipeline.classify("test2020grammar", ORDER, index=index,
                             retrieval=pipeline.RetrievalConfig(candidates=5, top_k=3))
    assert pred.value == "SOV"
    assert pred.grammar_id == "test2020grammar" and pred.backend == "evidence"
    assert {e.pages for e in pred.evidence} <= {"11", "12"} and pred.evidence
    # retrieval stays inside the grammar: the other grammar's VSO statement is never evidence
    assert all(e.grammar_id == "test2020grammar" for e in pred.evidence)
    passages = pipeline.retrieve_passages(index.get_grammar("test2020grammar"), ORDER, index=index,
                                          retrieval=pipeline.RetrievalConfig(candidates=5, top_k=2))
    assert [p.rank for p in passages] == [1, 2]


def test_pipeline_keep_order_and_custom_classifier(index_dir: Path) -> None:
    from grammar_rag.classify import make_classifier
    from grammar_rag.index import GrammarIndex

    index = GrammarIndex.open(index_dir)
    pred = pipeline.classify("other1999grammar", ORDER, index=index, classifier=make_classifier("evidence", calibrate=False),
                             retrieval=pipeline.RetrievalConfig(reranker=pipeline.NO_RERANK))
    assert pred.value == "VSO" and pred.evidence[0].pages == "5"


def test_cli_classify_text_and_json(index_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    catalogue = pytest.importorskip("grammar_rag.features").get_catalogue()
    catalogue.get("81A")  # the CLI resolves features through the catalogue
    assert cli_main(["classify", "--index", str(index_dir), "--grammar", "test2020grammar", "--feature", "81A",
                     "-k", "3"]) == 0
    out = capsys.readouterr().out
    assert "value:      SOV" in out and "p. 11" in out and "confidence:" in out
    assert cli_main(["classify", "--index", str(index_dir), "--grammar", "test2020grammar", "--feature", "WALS 81A",
                     "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["value"] == "SOV" and data["evidence"][0]["pages"] in {"11", "12"}
    assert "calibrated" in data["flags"] and 0.0 < data["confidence"] <= 1.0


def test_cli_classify_abstains_below_the_target_and_still_cites(index_dir: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    # a perfect-precision target: the answer (raw score far below the top band) becomes an abstention with the same evidence
    assert cli_main(["classify", "--index", str(index_dir), "--grammar", "test2020grammar", "--feature", "81A",
                     "-k", "3", "--min-precision", "1.0"]) == 0
    out = capsys.readouterr().out
    assert "ABSTAINED" in out and "would answer SOV" in out and "p. 11" in out


def test_cli_classify_unknown_feature_is_one_clear_line(index_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["classify", "--index", str(index_dir), "--grammar", "test2020grammar",
                     "--feature", "WALS 9999Z"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and "9999Z" in err and "Traceback" not in err


def test_candidate_pool_grows_with_a_whole_book_but_not_for_precut_paragraphs() -> None:
    """50 candidates suit ~100 pre-cut paragraphs; a 5,000-passage book needs a larger, bounded pool."""
    config = pipeline.RetrievalConfig()
    assert config.candidate_count(100) == 50  # the paper's benchmark: unchanged
    assert config.candidate_count(1250) == 50
    assert config.candidate_count(5000) == 200
    assert config.candidate_count(100_000) == 250
    assert pipeline.RetrievalConfig(candidates=80).candidate_count(10) == 80  # the user's floor holds

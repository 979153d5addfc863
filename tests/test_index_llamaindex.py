"""The index plugs into llama-index as a BaseRetriever with provenance in node metadata."""

from __future__ import annotations

from pathlib import Path

from llama_index.core.retrievers import BaseRetriever
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

from grammar_rag.index import GrammarIndex
from grammar_rag.index.llamaindex import GrammarIndexRetriever
from grammar_rag.types import Grammar, IngestedGrammar, Passage


def test_llamaindex_retriever_returns_nodes_with_provenance(tmp_path: Path) -> None:
    idx = GrammarIndex.create(tmp_path / "idx", "hashing-64")
    texts = {
        "kala": ["Kalamang is verb-final: the object precedes the verb.", "Negation follows the verb."],
        "other": ["Word order is verb-initial in Other.", "Tone is lexical."],
    }
    items = []
    for gid, ts in texts.items():
        passages = [Passage(gid, f"{gid}:{i}", t, page_start=str(40 + i), page_end=str(41 + i),
                            section=("5 Clauses", "5.1 Order")) for i, t in enumerate(ts)]
        items.append(IngestedGrammar(Grammar(id=gid, language=gid.title()), passages))
    idx.add_many(items, show_progress=False)

    retriever = GrammarIndexRetriever(idx, grammar="kala", k=2, mode="hybrid")
    assert isinstance(retriever, BaseRetriever)
    nodes = retriever.retrieve("order of object and verb")
    assert nodes and all(isinstance(n, NodeWithScore) and isinstance(n.node, TextNode) for n in nodes)
    top = nodes[0]
    assert top.node.id_ == "kala:0"
    assert top.node.get_content() == texts["kala"][0]
    assert top.node.metadata["grammar_id"] == "kala"
    assert top.node.metadata["pages"] == "40-41"
    assert top.node.metadata["section"] == "5 Clauses > 5.1 Order"
    assert top.score is not None and top.score > 0
    assert {n.node.metadata["grammar_id"] for n in nodes} == {"kala"}

    whole = GrammarIndexRetriever(idx, k=4, mode="bm25").retrieve(QueryBundle("verb-initial"))
    assert whole[0].node.id_ == "other:0"

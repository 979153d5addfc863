"""The index as a llama-index retriever, so users can plug grammars into llama-index query engines.

Usage: ``GrammarIndexRetriever(GrammarIndex.open(path), k=10, mode="hybrid")``.

Each hit becomes ``NodeWithScore(TextNode(text, id_=passage_id, metadata=provenance))``; the
provenance (grammar, pages, section, citation) travels in ``metadata`` so a query engine's answer
can cite the page it came from. The adapter wraps an index from outside, as llama-index's own
``BM25Retriever(existing_bm25=...)`` wraps a bm25s index that knows nothing of it: the store never
imports this module, so there is no import cycle and llama-index-core is imported only when this
module is used.
"""

from __future__ import annotations

from typing import Any, Literal

from llama_index.core.retrievers import BaseRetriever
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

from grammar_rag.index.results import Mode
from grammar_rag.index.store import GrammarIndex
from grammar_rag.types import Grammar, Passage


def passage_metadata(passage: Passage) -> dict[str, Any]:
    """Flat, JSON-friendly provenance (llama-index metadata values must be simple types)."""
    return {
        "grammar_id": passage.grammar_id,
        "passage_id": passage.passage_id,
        "pages": passage.pages,
        "page_start": passage.page_start,
        "page_end": passage.page_end,
        "section": " > ".join(passage.section),
        "citation": passage.citation,
        "kind": passage.kind,
        "order": passage.order,
    }


class GrammarIndexRetriever(BaseRetriever):
    """llama-index ``BaseRetriever`` over a :class:`GrammarIndex` (optionally one grammar)."""

    def __init__(self, index: GrammarIndex, *, grammar: str | Grammar | None = None, k: int = 10,
                 mode: Mode = "hybrid", fusion: Literal["rrf", "weighted"] = "rrf", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._grammar_index = index
        self._grammar = index.get_grammar(grammar).id if grammar is not None else None
        self._k = k
        self._mode = mode
        self._fusion = fusion

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        results = self._grammar_index.retrieve(
            query_bundle.query_str, grammar=self._grammar, k=self._k, mode=self._mode, fusion=self._fusion,
        )
        nodes = []
        for sp in results.passages:
            metadata = passage_metadata(sp.passage)
            metadata["rank"] = sp.rank
            node = TextNode(text=sp.passage.text, id_=sp.passage.passage_id, metadata=metadata)
            nodes.append(NodeWithScore(node=node, score=float(sp.score)))
        return nodes

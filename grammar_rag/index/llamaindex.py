"""The index as a llama-index retriever, so users can plug grammars into llama-index query engines.

Each hit becomes ``NodeWithScore(TextNode(text, id_=passage_id, metadata=provenance))``; the
provenance (grammar, pages, section, citation) travels in ``metadata`` so a query engine's answer
can cite the page it came from. llama-index-core is imported only when this module is used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from llama_index.core.retrievers import BaseRetriever
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

from grammar_rag.types import Passage

if TYPE_CHECKING:
    from grammar_rag.index.store import GrammarIndex


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

    def __init__(self, index: GrammarIndex, *, grammar: Any = None, k: int = 10, mode: str = "hybrid",
                 fusion: str = "rrf", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._grammar_index = index
        self._grammar = index.get_grammar(grammar).id if grammar is not None else None
        self._k = k
        self._mode = mode
        self._fusion = fusion

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        results = self._grammar_index.retrieve(
            query_bundle.query_str, grammar=self._grammar, k=self._k, mode=self._mode,  # type: ignore[arg-type]
            fusion=self._fusion,  # type: ignore[arg-type]
        )
        nodes = []
        for sp in results.passages:
            metadata = passage_metadata(sp.passage)
            metadata["rank"] = sp.rank
            node = TextNode(text=sp.passage.text, id_=sp.passage.passage_id, metadata=metadata)
            nodes.append(NodeWithScore(node=node, score=float(sp.score)))
        return nodes

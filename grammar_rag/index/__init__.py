"""Persistent BM25 + dense index of grammar passages, and retrieval over it.

``GrammarIndex`` (store.py) is the read-and-retrieve front over an index directory: per-grammar
shards and a manifest (``manifest.py``), written crash-safely by ``transaction.py``, loaded lazily
and verified by ``shards.py``; ``names.py`` resolves a grammar from an id, language name or code,
``report.py`` answers info/verify/size. ``bm25.py`` owns BM25 (the persisted bm25s shards and the
in-memory scorer of a candidate list), ``dense.py`` FAISS, ``embed.py`` the embedding models,
``fusion.py`` rank fusion (RRF and weighted), ``tokenize.py`` the Unicode/gloss-aware BM25
tokeniser. ``llamaindex.py`` adapts an index to llama-index from outside
(``GrammarIndexRetriever(index, ...)``); nothing here imports it, so llama-index stays optional.
"""

from grammar_rag.index.embed import EMBEDDERS, Embedder, get_embedder
from grammar_rag.index.names import GrammarNotFoundError
from grammar_rag.index.results import RetrievalResults
from grammar_rag.index.store import GrammarIndex
from grammar_rag.text.tokens import Tokenizer, TokenizerConfig

__all__ = [
    "EMBEDDERS",
    "Embedder",
    "GrammarIndex",
    "GrammarNotFoundError",
    "RetrievalResults",
    "Tokenizer",
    "TokenizerConfig",
    "get_embedder",
]

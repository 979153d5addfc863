"""Persistent BM25 + dense index of grammar passages, and retrieval over it.

``GrammarIndex`` (store.py) persists per-grammar shards and a manifest; ``bm25.py`` wraps bm25s,
``dense.py`` FAISS, ``embed.py`` the embedding models, ``fusion.py`` hybrid rank fusion,
``tokenize.py`` the Unicode/gloss-aware BM25 tokeniser, ``llamaindex.py`` the llama-index adapter.
"""

from grammar_rag.index.embed import EMBEDDERS, Embedder, get_embedder
from grammar_rag.index.store import GrammarIndex, GrammarNotFoundError, RetrievalResults
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

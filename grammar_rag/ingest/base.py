"""Ingester protocol: a source file (or directory) in, grammars with their passages out."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

from grammar_rag.registry import Registry
from grammar_rag.types import IngestedGrammar


@dataclass(frozen=True)
class ChunkingConfig:
    """How native units become passages.

    ``paragraph``: one passage per native paragraph / interlinear example (default: keeps
    provenance exact). ``window``: a sliding window of ``window_tokens`` whitespace tokens with
    ``overlap_tokens`` overlap, never crossing a page/section boundary.
    """

    mode: Literal["paragraph", "window"] = "paragraph"
    window_tokens: int = 200
    overlap_tokens: int = 50
    min_chars: int = 20  # shorter paragraphs are merged into the next one


DEFAULT_CHUNKING = ChunkingConfig()  # shared immutable default for function signatures


class Ingester(Protocol):
    """Turns one source into grammars. Raises :class:`IngestError` naming the file on failure."""

    def __call__(
        self, path: Path, *, chunking: ChunkingConfig, metadata: dict[str, object] | None = None
    ) -> list[IngestedGrammar]: ...


INGESTERS: Registry[Ingester] = Registry(
    "ingester",
    autoload=(
        "grammar_rag.ingest.pdf",
        "grammar_rag.ingest.latex",
        "grammar_rag.ingest.text",
        "grammar_rag.ingest.paragraph_csv",
        "grammar_rag.ingest.processed",
    ),
)

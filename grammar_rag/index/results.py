"""What a retrieval returns: ranked passages and the settings that produced them.

Why its own module: the pipeline, the API, the llama-index adapter and the benchmarks all read
``RetrievalResults`` without needing the store that made them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

from grammar_rag.types import ScoredPassage

Mode = Literal["bm25", "dense", "hybrid"]
MODES = ("bm25", "dense", "hybrid")


@dataclass
class RetrievalResults:
    """Ranked passages for one query, with what produced them."""

    query: str
    mode: str
    passages: list[ScoredPassage] = field(default_factory=list)
    grammar_id: str | None = None
    k: int = 10
    fusion: str | None = None
    elapsed_ms: float = 0.0

    def __iter__(self) -> Iterator[ScoredPassage]:
        return iter(self.passages)

    def __len__(self) -> int:
        return len(self.passages)

    def __getitem__(self, i: int) -> ScoredPassage:
        return self.passages[i]

    @property
    def passage_ids(self) -> list[str]:
        return [sp.passage.passage_id for sp in self.passages]

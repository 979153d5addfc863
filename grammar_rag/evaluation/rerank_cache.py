"""The one on-disk cache of reranked orders.

Reranking 50 paragraphs per grammar, feature and configuration is most of a model-free benchmark
run, and it does not depend on the classifier. So the *whole* order the reranker gives is kept in
a JSONL file (``rerank-<name>.jsonl``), keyed by the reranker's name, :data:`RERANK_VERSION`, the
query text and the passage texts: a rerun after a classifier change pays only for classification,
any ``k`` reads a correct prefix of the cached order, and a changed query rule, cue or weight file
(a new ``RERANK_VERSION``) is never served an old order. ``bench rag`` and ``bench prompts`` read
and write the same file; batch extraction (``grammar_rag.extract``) keeps no order cache of its
own and keys its stored rows on the same ``RERANK_VERSION``.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path

from grammar_rag.errors import GrammarRagError
from grammar_rag.rerank import DEFAULT_RERANKER, RERANK_VERSION, FeatureQuery, build_query, rerank
from grammar_rag.types import Feature, Passage, ScoredPassage

log = logging.getLogger(__name__)


@dataclass
class Reranking:
    """A reranker (default: :data:`DEFAULT_RERANKER`) with its reranked orders cached on disk."""

    name: str
    cache_path: Path | None = None
    version: str = RERANK_VERSION
    _orders: dict[str, list[int]] | None = None

    @classmethod
    def load(cls, requested: str | None, orders_dir: Path | None = None) -> Reranking:
        """``requested`` (default: the default reranker); orders cached in ``orders_dir/rerank-<name>.jsonl``."""
        name = requested or DEFAULT_RERANKER
        path = orders_dir / f"rerank-{name}.jsonl" if orders_dir is not None else None
        return cls(name, cache_path=path, version=RERANK_VERSION)

    def top(self, feature: Feature, passages: list[Passage], k: int) -> list[ScoredPassage]:
        """The first ``k`` of ``passages`` as the reranker orders them for ``feature``."""
        query: FeatureQuery | str
        try:
            query = build_query(feature)
        except Exception as exc:  # a feature the query builder does not know: fall back to its name
            log.debug("build_query(%s) failed (%s); using the feature question", feature.id, exc)
            query = f"{feature.name}. {feature.question}"
        text = query.text if isinstance(query, FeatureQuery) else query
        key = hashlib.sha1(json.dumps([self.name, RERANK_VERSION, "full-order", text, [p.text for p in passages]]).encode()).hexdigest()
        orders = self._load_orders()
        if key not in orders:
            try:
                # the whole order is cached, so any k reads a correct prefix of it
                ranked = rerank(query, passages, name=self.name)
            except GrammarRagError:
                raise
            except Exception as exc:  # report which part failed; completed predictions stay cached
                grammar = passages[0].grammar_id if passages else "?"
                raise GrammarRagError(
                    f"reranker '{self.name}' failed for {feature.id} / {grammar}: {type(exc).__name__}: {exc}"
                ) from exc
            position = {p.passage_id: i for i, p in enumerate(passages)}
            orders[key] = [position[sp.passage.passage_id] for sp in ranked]
            if self.cache_path is not None:
                self.cache_path.parent.mkdir(parents=True, exist_ok=True)
                with self.cache_path.open("a", encoding="utf-8") as fh:
                    fh.write(json.dumps({"key": key, "order": orders[key]}) + "\n")
        n = len(passages)
        return [ScoredPassage(passages[j], float(n - i), i + 1) for i, j in enumerate(orders[key][:k])]

    def _load_orders(self) -> dict[str, list[int]]:
        if self._orders is None:
            self._orders = {}
            if self.cache_path is not None and self.cache_path.exists():
                with self.cache_path.open(encoding="utf-8") as fh:
                    for line in fh:
                        try:
                            row = json.loads(line)
                            self._orders[row["key"]] = row["order"]
                        except (json.JSONDecodeError, KeyError):
                            continue
        return self._orders

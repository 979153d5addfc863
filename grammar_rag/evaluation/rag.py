"""The RAG feature-classification benchmark as a library: what to predict, and predicting it.

The paper's Table 4 grid is features x configurations x grammars. :func:`plan` turns the gold
labels and the paragraph files into :class:`Item` s (reading each paragraph file once, before any
prediction, so one broken file skips its grammar instead of stopping a long run halfway);
:func:`item_inputs` says what the classifier reads for one item; :func:`predict_all` runs the
classifier in batches through a :class:`PredictionCache`, an append-only JSONL, so an interrupted
run resumes where it stopped and a rerun only scores. Scoring is :mod:`.scoring`, the Markdown
report :mod:`.report`; the ``bench rag`` runner only reads arguments, calls these and writes files.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm import tqdm

from grammar_rag.classify import Classifier
from grammar_rag.errors import DataDirError
from grammar_rag.evaluation.gold import PARAGRAPH_FOLDERS, GoldItem, without_guideline
from grammar_rag.evaluation.paragraphs import bm25_order, load_paragraphs
from grammar_rag.evaluation.rerank_cache import Reranking
from grammar_rag.types import Feature, Grammar, Passage, Prediction, ScoredPassage

log = logging.getLogger(__name__)

CONFIGS = ("baseline", "wikipedia", "wikipedia+CoT", "reranker", "reranker+CoT")
RERANK_TOP_K = 20
NOT_APPLICABLE = "not applicable: a model-free classifier has nothing to read without passages"


class PredictionCache:
    """Append-only JSONL of predictions keyed by (run fingerprint, feature, config, grammar).

    Each batch is flushed and fsynced as it completes, so a kill loses at most the batch in flight;
    a line cut by the kill is skipped on reading and that item is predicted again."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._rows: dict[str, dict[str, Any]] = {}
        if path.exists():
            with path.open(encoding="utf-8") as fh:
                for line in fh:
                    try:
                        row = json.loads(line)
                        self._rows[row["key"]] = row
                    except (json.JSONDecodeError, KeyError):
                        continue  # a line cut by an interruption: redo that item

    @staticmethod
    def key(fingerprint: str, feature: str, config: str, grammar: str) -> str:
        return f"{fingerprint}|{feature}|{config}|{grammar}"

    def get(self, key: str) -> Prediction | None:
        row = self._rows.get(key)
        return Prediction.from_dict(row["prediction"]) if row else None

    def seconds(self, key: str) -> float:
        """Wall time spent computing this prediction (retrieval/reranking + classification)."""
        return float(self._rows.get(key, {}).get("seconds", 0.0))

    def put_many(self, rows: list[tuple[str, Prediction]], seconds_each: float = 0.0) -> None:
        """Append ``rows`` (key, prediction), each noted with the wall seconds it took."""
        with self.path.open("a", encoding="utf-8") as fh:
            for key, pred in rows:
                row = {"key": key, "prediction": pred.to_dict(), "seconds": round(seconds_each, 4)}
                self._rows[key] = row
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
            fh.flush()
            os.fsync(fh.fileno())

    def drop(self, fingerprint: str) -> None:
        """Forget (in memory) every prediction of the run ``fingerprint``: ``--fresh`` predicts anew,
        and the new lines, appended later, win over the old ones when the file is read again."""
        self._rows = {k: v for k, v in self._rows.items() if not k.startswith(fingerprint)}


@dataclass
class Item:
    """One prediction to make: a grammar's gold item under one feature and configuration."""

    feature: str
    config: str
    gold: GoldItem
    half: str  # "even" | "odd": parity of the grammar's index in the sorted list of that feature
    inputs: str = ""  # digest of what the classifier reads (paragraph file, or the language name for baseline)

    @property
    def cache_grammar(self) -> str:
        """The grammar as the prediction cache knows it: its id *and* its input, so a changed or
        replaced paragraph file under the same bibkey is predicted afresh, never served stale."""
        return f"{self.gold.grammar_id}@{self.inputs}" if self.inputs else self.gold.grammar_id


def _digest(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()[:12]


def _inputs_digest(passages: list[Passage]) -> str:
    """Digest of what the classifier reads from one paragraph file (texts and pages, in order)."""
    return _digest("\x00".join(f"{p.page_start}|{p.page_end}|{p.text}" for p in passages).encode())


def _load_checked(path: Path, grammar_id: str, folder: str) -> list[Passage] | None:
    """Read before any prediction, so one broken file is reported (and its grammar skipped like a
    missing one) instead of stopping a long run halfway."""
    try:
        return load_paragraphs(path, grammar_id, folder)
    except DataDirError as exc:
        log.error("skipping %s: %s", grammar_id, exc)
        return None


Paragraphs = dict[tuple[str, str], list[Passage]]  # (paragraph folder, bibkey) -> paragraphs in BM25 order


def plan(gold: dict[str, dict[str, GoldItem]], root: Path, features: list[str], configs: list[str],
         limit: int | None, baseline_ok: bool) -> tuple[list[Item], dict[str, int], Paragraphs]:
    """Items to predict, grammars skipped per feature, and the paragraphs they read (each file read once)."""
    items: list[Item] = []
    missing: dict[str, int] = {}
    paragraphs: Paragraphs = {}
    for feature in features:
        folder = root / "paragraphs" / PARAGRAPH_FOLDERS[feature]
        keys = sorted(gold[feature])
        present = [k for k in keys if (folder / f"{k}.csv").exists()]
        if len(present) < len(keys):
            log.warning("%s: %d annotated grammars have no paragraph file in %s", feature, len(keys) - len(present), folder)
        loaded = {k: ps for k in present if (ps := _load_checked(folder / f"{k}.csv", k, folder.name)) is not None}
        missing[feature] = len(keys) - len(loaded)
        present = list(loaded)[:limit] if limit else list(loaded)
        paragraphs.update(((folder.name, k), loaded[k]) for k in present)
        digests = {k: _inputs_digest(loaded[k]) for k in present}
        for config in configs:
            if config == "baseline" and not baseline_ok:
                continue
            for i, key in enumerate(present):
                g = gold[feature][key]
                if config == "baseline" and feature == "WALS 81A" and g.label == "Not mentioned in the grammar":
                    continue
                inputs = _digest(g.language.encode()) if config == "baseline" else digests[key]
                items.append(Item(feature, config, g, "even" if i % 2 == 0 else "odd", inputs))
    return items, missing, paragraphs


def _batches(items: list[Item], size: int) -> Iterator[list[Item]]:
    """``items`` in consecutive slices of ``size``."""
    for i in range(0, len(items), size):
        yield items[i : i + size]


def item_inputs(it: Item, features: dict[str, Feature], paragraphs: Paragraphs, reranking: Reranking
                ) -> tuple[Feature, list[ScoredPassage], Grammar]:
    """What the classifier reads for one item: the feature (guideline only for +CoT), the passages
    of its configuration (none for baseline, BM25 order for wikipedia, the reranked top 20) and the grammar."""
    gid = it.gold.grammar_id
    feature = features[it.feature]
    if not it.config.endswith("+CoT"):
        feature = without_guideline(feature)
    grammar = Grammar(id=gid, language=it.gold.language)
    if it.config == "baseline":
        return feature, [], grammar
    raw = paragraphs[(PARAGRAPH_FOLDERS[it.feature], gid)]
    if it.config.startswith("reranker"):
        return feature, reranking.top(feature, raw, RERANK_TOP_K), grammar
    return feature, bm25_order(raw), grammar


def predict_all(items: list[Item], classifier: Classifier, paragraphs: Paragraphs, cache: PredictionCache, fingerprint: str,
                reranking: Reranking, features: dict[str, Feature], batch_size: int,
                progress: bool) -> dict[tuple[str, str, str], Prediction]:
    """Every item's prediction, from the cache when it holds one, else from ``classifier`` in
    batches of ``batch_size`` (each batch is cached as soon as it is done)."""
    out: dict[tuple[str, str, str], Prediction] = {}
    todo: list[Item] = []
    for it in items:
        pred = cache.get(cache.key(fingerprint, it.feature, it.config, it.cache_grammar))
        if pred is None:
            todo.append(it)
        else:
            out[(it.feature, it.config, it.gold.grammar_id)] = pred
    if len(todo) < len(items):
        log.info("%d of %d predictions come from the cache %s", len(items) - len(todo), len(items), cache.path)
    bar = tqdm(total=len(todo), desc="rag bench", unit="pred", disable=not progress, file=sys.stderr)
    for batch in _batches(todo, batch_size):
        started = time.perf_counter()
        preds = classifier.classify_many([item_inputs(it, features, paragraphs, reranking) for it in batch])
        rows = []
        for it, pred in zip(batch, preds, strict=True):
            key = cache.key(fingerprint, it.feature, it.config, it.cache_grammar)
            rows.append((key, pred))
            out[(it.feature, it.config, it.gold.grammar_id)] = pred
        cache.put_many(rows, (time.perf_counter() - started) / max(len(batch), 1))
        bar.update(len(batch))
    bar.close()
    return out

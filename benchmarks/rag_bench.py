"""RAG feature-classification benchmark: the paper's Table 4 configurations for any classifier.

    grammar-rag bench rag --data-dir DIR --backend evidence --out benchmarks/results/rag_evidence.json

Features ``WALS 81A``, ``GB 107``, ``WALS 49A`` and ``polar questions`` (seven strategies, each
scored as its own binary feature); configurations ``baseline`` (language name only: LLM backends),
``wikipedia`` (the 50 given BM25 paragraphs, in BM25 order), ``wikipedia+CoT``, ``reranker`` (top 20
after the default reranker) and ``reranker+CoT`` ("+CoT" = the catalogue guideline text is given to
the classifier). Gold rules: see :mod:`benchmarks.gold`. Works on any directory laid out like
``rag_on_grammars/`` (``paragraphs/<FEATURE>/<bibkey>.csv`` + the annotation CSVs).

Predictions are appended to a JSONL cache as they are made, so an interrupted run resumes where it
stopped and a rerun only scores. Outputs beside ``--out``: ``.md`` (table beside the paper's),
``.predictions.csv`` (per grammar, with evidence pages), ``.confusion.json``, ``.halves.json``
(scores on the even/odd halves of the sorted grammar list: the generalisation check) and
``.ci.json`` (95% bootstrap intervals of micro-F1 over grammars, beside the paper's figure).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import logging
import os
import sys
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.common import add_progress_argument, bench_entry, wants_progress, write_report
from benchmarks.gold import (
    FEATURE_KEYS,
    PARAGRAPH_FOLDERS,
    POLAR_STRATEGIES,
    VALUES,
    GoldItem,
    benchmark_feature,
    load_gold,
    score_value,
    without_guideline,
)
from grammar_rag.config import cache_dir, data_dir, sub_dir
from grammar_rag.errors import DataDirError, GrammarRagError, IngestError
from grammar_rag.ingest.paragraph_csv import iter_paragraph_rows, parse_pages
from grammar_rag.types import Feature, Grammar, Passage, Prediction, ScoredPassage

log = logging.getLogger(__name__)

CONFIGS = ("baseline", "wikipedia", "wikipedia+CoT", "reranker", "reranker+CoT")
RERANK_TOP_K = 20
PAPER_POLAR_KEY = "polar questions (WALS 116A*)"
NOT_APPLICABLE = "not applicable: a model-free classifier has nothing to read without passages"


# ---------------------------------------------------------------- passages
def load_paragraphs(path: Path, grammar_id: str, folder: str) -> list[Passage]:
    """The paper's paragraph CSV (``Paragraph``, ``Page number``) in BM25 order, every row kept
    (the row index is the BM25 rank, so nothing is merged or dropped)."""
    try:
        rows = list(iter_paragraph_rows(path))
    except (OSError, IngestError) as exc:
        raise DataDirError(f"cannot read paragraph file {path}: {exc}") from exc
    out: list[Passage] = []
    for i, (text, page_raw) in enumerate(rows):
        start, end = parse_pages(page_raw)
        out.append(Passage(grammar_id, f"{grammar_id}:{folder}:{i}", text or "", page_start=start, page_end=end, order=i))
    return out


def bm25_order(passages: list[Passage]) -> list[ScoredPassage]:
    n = len(passages)
    return [ScoredPassage(p, float(n - i), i + 1) for i, p in enumerate(passages)]


@dataclass
class Reranking:
    """The default reranker when the rerank module provides one, else the BM25 order (noted).

    Reranked orders are cached on disk (JSONL keyed by reranker, query and passage texts), so a
    rerun after a classifier change pays only for classification.
    """

    name: str
    available: bool
    cache_path: Path | None = None
    version: str = ""
    _orders: dict[str, list[int]] | None = None

    @classmethod
    def load(cls, requested: str | None, orders_dir: Path | None = None) -> Reranking:
        """``requested`` (default: the default reranker); orders cached in ``orders_dir/rerank-<name>.jsonl``."""
        try:
            from grammar_rag import rerank as rr

            rr.rerank  # noqa: B018 - probe the API
            name = requested or rr.DEFAULT_RERANKER
            path = orders_dir / f"rerank-{name}.jsonl" if orders_dir is not None else None
            return cls(name, True, cache_path=path, version=rr.RERANK_VERSION)
        except (ImportError, AttributeError) as exc:
            log.warning("no reranker available (%s): the 'reranker' configurations use BM25 order", exc)
            return cls("BM25 order (grammar_rag.rerank.rerank unavailable)", False)

    def top(self, feature: Feature, passages: list[Passage], k: int) -> list[ScoredPassage]:
        if not self.available:
            return bm25_order(passages)[:k]
        from grammar_rag import rerank as rr

        query: rr.FeatureQuery | str
        try:
            query = rr.build_query(feature)
        except Exception as exc:  # a feature the query builder does not know: fall back to its name
            log.debug("build_query(%s) failed (%s); using the feature question", feature.id, exc)
            query = f"{feature.name}. {feature.question}"
        text = getattr(query, "text", str(query))
        key = hashlib.sha1(json.dumps([self.name, rr.RERANK_VERSION, "full-order", text, [p.text for p in passages]]).encode()).hexdigest()
        orders = self._load_orders()
        if key not in orders:
            try:
                # the whole order is cached, so any k reads a correct prefix of it
                ranked = rr.rerank(query, passages, name=self.name)
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


# ---------------------------------------------------------------- cache
class PredictionCache:
    """Append-only JSONL of predictions keyed by (run fingerprint, feature, config, grammar)."""

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
        with self.path.open("a", encoding="utf-8") as fh:
            for key, pred in rows:
                row = {"key": key, "prediction": pred.to_dict(), "seconds": round(seconds_each, 4)}
                self._rows[key] = row
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
            fh.flush()
            os.fsync(fh.fileno())


# ---------------------------------------------------------------- metrics
def metrics(y_true: list[str], y_pred: list[str]) -> dict[str, Any]:
    with warnings.catch_warnings():  # one-class subsets (small halves) are expected, not noteworthy
        warnings.simplefilter("ignore", UserWarning)
        return _metrics(y_true, y_pred)


def _metrics(y_true: list[str], y_pred: list[str]) -> dict[str, Any]:
    from sklearn.metrics import accuracy_score, f1_score

    if not y_true:
        return {"accuracy": None, "f1_micro": None, "f1_macro": None, "f1_weighted": None, "n": 0}
    kw = {"zero_division": 0}
    return {
        "accuracy": round(float(accuracy_score(y_true, y_pred)), 4),
        "f1_micro": round(float(f1_score(y_true, y_pred, average="micro", **kw)), 4),
        "f1_macro": round(float(f1_score(y_true, y_pred, average="macro", **kw)), 4),
        "f1_weighted": round(float(f1_score(y_true, y_pred, average="weighted", **kw)), 4),
        "n": len(y_true),
    }


def confusion(y_true: list[str], y_pred: list[str], labels: list[str]) -> dict[str, Any]:
    from sklearn.metrics import confusion_matrix

    used = [lab for lab in labels if lab in set(y_true) | set(y_pred)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        matrix = confusion_matrix(y_true, y_pred, labels=used).tolist() if y_true else []
    return {"labels": used, "matrix": matrix, "rows": "gold", "columns": "predicted"}


# ---------------------------------------------------------------- the run
@dataclass
class Item:
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


def predict_all(items: list[Item], classifier: Any, paragraphs: Paragraphs, cache: PredictionCache, fingerprint: str,
                reranking: Reranking, features: dict[str, Feature], batch_size: int,
                progress: bool) -> dict[tuple[str, str, str], Prediction]:
    from tqdm import tqdm

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


def polar_predicted(pred: Prediction) -> set[str]:
    """Strategies a composite prediction asserts (``values``; else parse the comma-joined value)."""
    names = pred.values or [v.strip() for v in (pred.value or "").split(",")]
    out = set()
    for n in names:
        match = next((s for s in POLAR_STRATEGIES if s.lower() == n.strip().lower()), None)
        if match:
            out.add(match)
    return out


def score(items: list[Item], preds: dict[tuple[str, str, str], Prediction], half: str | None = None
          ) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
    """(metrics JSON, confusion matrices, per-grammar rows) for all items or one half."""
    results: dict[str, Any] = {}
    conf: dict[str, Any] = {}
    rows: list[dict[str, Any]] = []
    groups: dict[tuple[str, str], list[Item]] = {}
    for it in items:
        if half is None or it.half == half:
            groups.setdefault((it.feature, it.config), []).append(it)
    for (feature, config), group in groups.items():
        res = results.setdefault(feature, {})
        cf = conf.setdefault(feature, {})
        if feature == "polar questions":
            per: dict[str, tuple[list[str], list[str]]] = {s: ([], []) for s in POLAR_STRATEGIES}
            for it in group:
                pred = preds[(feature, config, it.gold.grammar_id)]
                held = polar_predicted(pred)
                for s in POLAR_STRATEGIES:
                    per[s][0].append(str(it.gold.labels[s]))
                    per[s][1].append("1" if s in held else "0")
                right = sum(per[s][0][-1] == per[s][1][-1] for s in POLAR_STRATEGIES) / len(POLAR_STRATEGIES)
                rows.append(_row(it, pred, ", ".join(s for s in POLAR_STRATEGIES if it.gold.labels[s]),
                                 ", ".join(s for s in POLAR_STRATEGIES if s in held), right))
            res[config] = {s.lower(): metrics(*per[s]) for s in POLAR_STRATEGIES}
            cf[config] = {s.lower(): confusion(*per[s], ["0", "1"]) for s in POLAR_STRATEGIES}
            continue
        choices = VALUES[feature]
        y_true, y_pred = [], []
        for it in group:
            pred = preds[(feature, config, it.gold.grammar_id)]
            scored = score_value(pred.value, choices)
            y_true.append(it.gold.label or "")
            y_pred.append(scored)
            rows.append(_row(it, pred, it.gold.label or "", scored))
        res[config] = metrics(y_true, y_pred)
        cf[config] = confusion(y_true, y_pred, [*choices, "Not mentioned in the grammar"])
    return results, conf, rows


def _row(it: Item, pred: Prediction, gold: str, scored: str, right: float | None = None) -> dict[str, Any]:
    """One grammar's line of the predictions CSV; ``right`` is the share of its scored labels that
    are right (1/0 for a single-label feature, k/7 for the polar strategies)."""
    return {
        "feature": it.feature, "config": it.config, "grammar": it.gold.grammar_id, "half": it.half,
        "gold": gold, "prediction": pred.value, "scored_as": scored, "abstained": pred.abstained,
        "correct": gold == scored, "right": float(gold == scored) if right is None else round(right, 4),
        "confidence": pred.confidence,
        "evidence_pages": "; ".join(e.pages or "?" for e in pred.evidence),
        "evidence_passages": "; ".join(e.passage_id for e in pred.evidence),
        "reasoning": pred.reasoning[:300],
    }


def paper_micro(paper_f1: dict[str, Any], feature: str, config: str) -> float | None:
    """The paper's micro-F1 for one feature and config (``paper_results.json``'s ``rag_benchmark_f1``);
    for the polar questions the mean over the seven strategies, None when any is missing."""
    if feature != "polar questions":
        return paper_f1.get(feature, {}).get(config, [None])[0]
    ps = [paper_f1.get(PAPER_POLAR_KEY, {}).get(s.lower(), {}).get(config, [None])[0] for s in POLAR_STRATEGIES]
    return round(sum(ps) / len(ps), 4) if all(x is not None for x in ps) else None


def constant_answer(feature: str, rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The best constant answer on these grammars and its micro-F1: the floor a classifier must
    clear to show it read anything (a near-constant LLM scores about this). Gold is read here only
    to score, as everywhere in this module. Single-label features: the commonest gold value in the
    paper's closed set (ties go to the earlier option; "Not mentioned" can never be answered).
    Polar questions: each strategy's majority (absent on a tie), the mean over the seven."""
    if not rows:
        return None
    if feature == "polar questions":
        held = [{s.strip() for s in str(r["gold"]).split(",")} for r in rows]
        shares = [sum(s in h for h in held) / len(rows) for s in POLAR_STRATEGIES]
        present = [s for s, share in zip(POLAR_STRATEGIES, shares, strict=True) if share > 0.5]
        return {"answer": ", ".join(present) or "none of the seven",
                "f1_micro": round(sum(max(x, 1 - x) for x in shares) / len(shares), 4)}
    golds = [r["gold"] for r in rows]
    best = max(VALUES[feature], key=lambda v: (golds.count(v), -VALUES[feature].index(v)))
    return {"answer": best, "f1_micro": round(golds.count(best) / len(rows), 4)}


def intervals(rows: list[dict[str, Any]], paper: dict[str, Any]) -> dict[str, Any]:
    """95% bootstrap intervals (over grammars) of micro-F1 per feature and config (for the polar
    questions, of the mean micro-F1 over the seven strategies), beside the paper's figure and
    whether it lies inside; the same for the even and odd halves, the generalisation check."""
    from benchmarks.metrics import bootstrap_mean_interval

    def summary(rights: list[float]) -> dict[str, Any]:
        low_high = bootstrap_mean_interval(rights)
        return {"f1_micro": round(sum(rights) / len(rights), 4) if rights else None,
                "ci95": list(low_high) if low_high else None, "n": len(rights)}

    grouped: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for row in rows:
        grouped.setdefault(row["feature"], {}).setdefault(row["config"], []).append(row)
    pf = paper.get("rag_benchmark_f1", {})
    out: dict[str, Any] = {}
    for feature, by_config in grouped.items():
        for config, group in by_config.items():
            theirs = paper_micro(pf, feature, config)
            whole = summary([r["right"] for r in group])
            ci = whole["ci95"]
            out.setdefault(feature, {})[config] = {
                **whole, "paper": theirs, "paper_inside": None if theirs is None or ci is None else ci[0] <= theirs <= ci[1],
                "constant": constant_answer(feature, group),
                **{half: summary([r["right"] for r in group if r["half"] == half]) for half in ("even", "odd")},
            }
    return out


def _csv_text(rows: list[dict[str, Any]]) -> str:
    import io

    buf = io.StringIO()
    if rows:
        writer = csv.DictWriter(buf, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return buf.getvalue()


def _fmt(x: Any) -> str:
    return "—" if x is None else f"{x:.4f}" if isinstance(x, float) else str(x)


def markdown(results: dict[str, Any], halves: dict[str, Any], paper: dict[str, Any], meta: dict[str, Any],
             cis: dict[str, Any] | None = None) -> str:
    lines = [f"# RAG benchmark — backend `{meta['backend']}`", ""]
    if meta.get("subset"):
        lines += [f"> **SUBSET**: {meta['subset']}. Not comparable with the paper's figures.", ""]
    lines += [f"- {k}: {v}" for k, v in meta.items() if k not in ("backend", "subset") and v is not None]
    lines += ["", "F1 micro / macro / weighted; *paper* = GPT-4o (Table 4, 148 grammars). "
              "`n` = grammars scored here. Abstentions count as the first option of the paper's list.", ""]

    def table(title: str, ours: dict[str, Any], theirs: dict[str, Any], even: dict[str, Any], odd: dict[str, Any]) -> None:
        lines.extend([f"## {title}", "",
                      "| config | micro | macro | weighted | n | paper micro | paper macro | paper weighted | even micro | odd micro |",
                      "|---|---|---|---|---|---|---|---|---|---|"])
        for config in CONFIGS:
            m = ours.get(config)
            p = theirs.get(config, [None, None, None])
            if m is None:
                continue
            if m.get("note"):
                lines.append(f"| {config} | n/a | n/a | n/a | 0 | {_fmt(p[0])} | {_fmt(p[1])} | {_fmt(p[2])} | | |")
                continue
            e, o = even.get(config, {}), odd.get(config, {})
            lines.append(
                f"| {config} | {_fmt(m['f1_micro'])} | {_fmt(m['f1_macro'])} | {_fmt(m['f1_weighted'])} | {m['n']} | "
                f"{_fmt(p[0])} | {_fmt(p[1])} | {_fmt(p[2])} | {_fmt(e.get('f1_micro'))} | {_fmt(o.get('f1_micro'))} |"
            )
        lines.append("")

    pf = paper.get("rag_benchmark_f1", {})
    for feature, by_config in results.items():
        if feature == "polar questions":
            strategies = {s.lower() for c in by_config.values() if not c.get("note") for s in c}
            for s in [x.lower() for x in POLAR_STRATEGIES if x.lower() in strategies]:
                ours = {c: (v if v.get("note") else v[s]) for c, v in by_config.items()}
                even, odd = ({c: v[s] for c, v in halves.get(h, {}).get(feature, {}).items() if s in v}
                             for h in ("even", "odd"))
                table(f"polar questions — {s}", ours, pf.get(PAPER_POLAR_KEY, {}).get(s, {}), even, odd)
            def mean_micro(v: dict[str, Any]) -> float | None:
                vals = [m["f1_micro"] for m in v.values() if isinstance(m, dict) and m.get("f1_micro") is not None]
                return sum(vals) / len(vals) if vals else None

            means = {c: mean_micro(v) for c, v in by_config.items() if not v.get("note")}
            if means:
                lines.extend(["## polar questions — mean micro-F1 over the seven strategies", "",
                              "| config | ours | paper | even | odd |", "|---|---|---|---|---|"])
                for c, m in means.items():
                    pm = paper_micro(pf, feature, c)
                    e, o = (mean_micro(halves.get(h, {}).get(feature, {}).get(c, {})) for h in ("even", "odd"))
                    lines.append(f"| {c} | {_fmt(m)} | {_fmt(pm)} | {_fmt(e)} | {_fmt(o)} |")
                lines.append("")
        else:
            table(feature, by_config, pf.get(feature, {}),
                  halves.get("even", {}).get(feature, {}), halves.get("odd", {}).get(feature, {}))
    if cis:
        lines.extend(["## Uncertainty: 95% bootstrap intervals of micro-F1 (2,000 resamples of the grammars)", "",
                      "Polar questions: the mean micro-F1 over the seven strategies. A paper figure inside the "
                      "interval is not distinguishable from ours on this many grammars. *Best constant answer*: "
                      "the micro-F1 of always giving the commonest gold answer on these grammars (polar: each "
                      "strategy's majority), the floor for having read anything.", "",
                      "| feature | config | micro | 95% interval | n | paper | paper inside | best constant answer "
                      "| odd micro | odd 95% interval | odd n |", "|---|---|---|---|---|---|---|---|---|---|---|"])

        def span(c: dict[str, Any]) -> str:
            return "—" if c.get("ci95") is None else f"{c['ci95'][0]:.4f}–{c['ci95'][1]:.4f}"

        for feature, by_config in cis.items():
            for config in CONFIGS:
                c = by_config.get(config)
                if c is None:
                    continue
                inside = "—" if c["paper_inside"] is None else ("yes" if c["paper_inside"] else "no")
                odd = c.get("odd", {})
                const = c.get("constant")
                const_text = "—" if not const else f"{const['answer']}: {const['f1_micro']:.4f}"
                lines.append(f"| {feature} | {config} | {_fmt(c['f1_micro'])} | {span(c)} | {c['n']} | {_fmt(c['paper'])} | "
                             f"{inside} | {const_text} | {_fmt(odd.get('f1_micro'))} | {span(odd)} | {odd.get('n', 0)} |")
        lines.append("")
    return "\n".join(lines) + "\n"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", help="directory laid out like shared/data (or rag_on_grammars/ itself); "
                        "default $GRAMMAR_RAG_DATA_DIR")
    parser.add_argument("--backend", default="evidence",
                        help="classifier name: 'evidence' (model-free) or an LLM backend (openai, vllm, local, ...)")
    parser.add_argument("--out", help="JSON report (default benchmarks/results/rag_<backend>.json)")
    parser.add_argument("--features", nargs="+", choices=FEATURE_KEYS, metavar="FEATURE", default=list(FEATURE_KEYS),
                        help=f"subset of features (default all: {', '.join(FEATURE_KEYS)})")
    parser.add_argument("--configs", nargs="+", choices=CONFIGS, default=list(CONFIGS), metavar="CONFIG",
                        help=f"subset of configurations (default all: {', '.join(CONFIGS)})")
    parser.add_argument("--reranker", default=None, help="reranker name for the 'reranker' configs (default: the default reranker)")
    parser.add_argument("--limit", type=int, default=None, help="only the first N grammars per feature (smoke runs)")
    parser.add_argument("--cache", help="prediction cache JSONL (default: <cache dir>/rag_bench/<backend>.jsonl)")
    parser.add_argument("--paper-results", metavar="FILE",
                        help="the paper's numbers to report beside ours (default: paper_results.json in the data "
                             "directory; a held-back split may ship without it)")
    parser.add_argument("--fresh", action="store_true", help="ignore cached predictions (they are overwritten)")
    parser.add_argument("--batch-size", type=int, default=16, help="items per classify_many call")
    parser.add_argument("--option", action="append", default=[], metavar="KEY=VALUE",
                        help="classifier/backend option, repeatable (e.g. --option model=qwen2.5-7b)")
    add_progress_argument(parser, "progress bar")


def _options(pairs: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for pair in pairs:
        if "=" not in pair:
            raise GrammarRagError(f"--option expects KEY=VALUE, got {pair!r}")
        k, v = pair.split("=", 1)
        out[k.strip()] = json.loads(v) if v[:1] in "[{0123456789-" or v in ("true", "false", "null") else v
    return out


def run(args: argparse.Namespace) -> int:
    from grammar_rag.classify import make_classifier

    root = sub_dir(data_dir(args.data_dir), "rag_on_grammars")
    if not (root / "paragraphs").is_dir():
        raise DataDirError(f"{root} has no paragraphs/ directory (expected paragraphs/<FEATURE>/<bibkey>.csv)")
    paper_path = Path(args.paper_results) if args.paper_results else root / "paper_results.json"
    if args.paper_results and not paper_path.is_file():  # checked before minutes of predictions, not after
        raise DataDirError(f"--paper-results {paper_path}: no such file")
    out = Path(args.out or f"benchmarks/results/rag_{args.backend}.json")
    stem = out.with_suffix("")
    classifier = make_classifier(args.backend, **_options(args.option))
    model_free = bool(getattr(classifier, "model_free", False))
    cache_file = Path(args.cache) if args.cache else cache_dir() / "rag_bench" / f"{args.backend}.jsonl"
    reranking = Reranking.load(args.reranker, cache_file.parent)
    catalogue = None
    try:
        from grammar_rag.features import get_catalogue

        catalogue = get_catalogue()
    except Exception as exc:
        log.warning("feature catalogue unavailable (%s): no guideline text, '+CoT' equals the plain config", exc)
    features = {k: benchmark_feature(k, catalogue) for k in args.features}
    gold = load_gold(root)
    items, missing, paragraphs = plan(gold, root, args.features, args.configs, args.limit, baseline_ok=not model_free)
    version = getattr(classifier, "version", "") or getattr(classifier, "prompt_version", "")
    fingerprint = hashlib.sha1(
        json.dumps([args.backend, version, sorted(_options(args.option).items()), reranking.name, reranking.version,
                    str(root)], default=str).encode()
    ).hexdigest()[:12]
    cache = PredictionCache(cache_file)
    if args.fresh:
        cache._rows = {k: v for k, v in cache._rows.items() if not k.startswith(fingerprint)}
    progress = wants_progress(args)
    n_new = sum(1 for it in items if cache.get(cache.key(fingerprint, it.feature, it.config, it.cache_grammar)) is None)
    t0 = time.perf_counter()
    preds = predict_all(items, classifier, paragraphs, cache, fingerprint, reranking, features, args.batch_size, progress)
    elapsed = time.perf_counter() - t0

    results, conf, rows = score(items, preds)
    halves = {h: score(items, preds, h)[0] for h in ("even", "odd")}
    if "baseline" in args.configs and model_free:
        for f in args.features:
            results.setdefault(f, {})["baseline"] = {"accuracy": None, "f1_micro": None, "f1_macro": None,
                                                    "f1_weighted": None, "n": 0, "note": NOT_APPLICABLE}
    results = {f: {c: results[f][c] for c in CONFIGS if c in results.get(f, {})} for f in args.features if f in results}
    paper = {}
    if paper_path.exists():
        paper = json.loads(paper_path.read_text(encoding="utf-8"))
    else:
        log.warning("%s not found: the report has no paper column (pass --paper-results FILE, e.g. "
                    "../shared/data/rag_on_grammars/paper_results.json)", paper_path)
    abstained = sum(1 for p in preds.values() if p.abstained)
    meta = {
        "backend": args.backend,
        "subset": f"only the first {args.limit} grammars per feature (`--limit {args.limit}`)" if args.limit else "",
        "classifier version": version or "?",
        "data": str(root),
        # only what this run's configurations used: a baseline-only report names no reranker
        "reranker": reranking.name + f" (top {RERANK_TOP_K} of the 50 BM25 paragraphs)"
        if any(c.startswith("reranker") for c in args.configs) else None,
        "+CoT": (("guideline text from the feature catalogue (it also enters the reranker's query, so "
                  "reranker+CoT reads a different top 20)" if catalogue else "no catalogue: identical to plain")
                 + ("; the evidence classifier itself uses guideline words only in its generic value-term family, "
                    "so for these four features wikipedia+CoT equals wikipedia and reranker+CoT differs only "
                    "through retrieval" if model_free else ""))
        if any(c.endswith("+CoT") for c in args.configs) else None,
        "grammars without a readable paragraph file (skipped)": ", ".join(f"{k}: {v}" for k, v in missing.items()),
        "predictions": f"{len(preds)} ({abstained} abstentions)",
        "time this run": f"{elapsed:.1f} s wall for {len(items)} items ({n_new} computed, the rest from the "
        f"cache {cache.path.name})",
        "compute time of all predictions": f"{sum(cache.seconds(cache.key(fingerprint, it.feature, it.config, it.cache_grammar)) for it in items):.1f} s wall "
        "(summed over the cached predictions as they were computed: reranking + classification; reranked orders are "
        "cached separately, so a rerun after a classifier change costs classification only)",
        "halves": "even/odd = parity of the grammar's index in the sorted bibkey list of each feature",
    }
    write_report(out, json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    write_report(stem.with_suffix(".halves.json"), json.dumps(halves, indent=2, ensure_ascii=False) + "\n")
    write_report(stem.with_suffix(".confusion.json"), json.dumps(conf, indent=2, ensure_ascii=False) + "\n")
    write_report(Path(f"{stem}.predictions.csv"), _csv_text(rows))
    cis = intervals(rows, paper)
    write_report(stem.with_suffix(".ci.json"), json.dumps(cis, indent=2, ensure_ascii=False) + "\n")
    write_report(stem.with_suffix(".md"), markdown(results, halves, paper, meta, cis))
    print(f"wrote {out} (+ .md, .predictions.csv, .confusion.json, .halves.json, .ci.json); {len(preds)} predictions "
          f"in {elapsed:.1f} s")
    for feature, by_config in results.items():
        for config, m in by_config.items():
            if feature == "polar questions" and not m.get("note"):
                mean = sum(v["f1_micro"] for v in m.values()) / len(m)
                print(f"  {feature:16s} {config:14s} mean micro-F1 {mean:.4f}")
            elif not m.get("note"):
                print(f"  {feature:16s} {config:14s} micro-F1 {m['f1_micro']:.4f} (n={m['n']})")
    return 0


def main(argv: list[str] | None = None) -> int:  # python -m benchmarks.rag_bench
    return bench_entry(__doc__, add_arguments, run, argv)


if __name__ == "__main__":
    sys.exit(main())

"""Scoring whole books against WALS: every coded feature, raw and calibrated, and a top-5 retrieval check.

Why a library module: ``bench books`` (and anyone scoring their own shelf of grammars) needs the
same three things, and the script stays thin:

* :func:`book_references` - the WALS values to score a book against (:func:`grambank_references`:
  Grambank's, from a dataset the user brings, scored apart). The benchmark's
  ``metadata.json`` names the book's language; it is read only here, to *score*, never passed to
  ingest or the classifier. The language ingest resolved by itself is scored separately, so a wrong
  guess shows as a wrong guess rather than as an unscorable book.
* :func:`score_features` - one classification per feature. For the model-free backend the raw
  answer and its calibrated verdict come from the same run (the classifier without calibration,
  then :func:`grammar_rag.classify.calibration.judge`), so the report shows what selective
  answering gains over always answering on the same predictions.
* :func:`top5_check` - for the paper's features, whether one of the first five passages the
  classifier reads states the reference value (a cue for that value in the passage, read by the
  evidence classifier on that passage alone), with where it is: the retrieval half of "a value
  you can trust, with the pages that justify it".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from grammar_rag.classify import Classifier, calibration, derived, make_classifier
from grammar_rag.classify.cues import select_family
from grammar_rag.classify.evidence_classifier import EvidenceClassifier
from grammar_rag.errors import GrammarRagError
from grammar_rag.features import get_catalogue, wals_value
from grammar_rag.features.reference import is_missing, predicted_names, reference_names
from grammar_rag.features.values import grambank_values, wals_majority
from grammar_rag.index import GrammarIndex
from grammar_rag.pipeline import retrieve_passages
from grammar_rag.types import Feature, FeatureValue, Grammar, Prediction

# the paper's features as whole-book queries: 81A and 49A have WALS values; GB107 (Grambank values
# are not bundled) and polar questions (116A, WALS's counterpart of the paper's 116A* strategies)
# are reported with the value the passage states, for a reader to check
PAPER_FEATURES = ("WALS 81A", "WALS 49A", "GB107", "WALS 116A")


def reference_keys(grammar: Grammar, meta: Mapping[str, Any]) -> list[str]:
    """Language keys to look WALS values up by: the benchmark's own metadata first (scoring only)."""
    keys = [str(meta[k]) for k in ("glottocode", "iso639_3") if meta.get(k)]
    keys += [k for k in (grammar.glottocode, grammar.iso639_3) if k]
    return list(dict.fromkeys(keys))


def book_references(grammar: Grammar, meta: Mapping[str, Any]) -> list[tuple[Feature, FeatureValue]]:
    """Every catalogue WALS feature with a WALS value for the book's language, with that value."""
    keys = reference_keys(grammar, meta)
    out: list[tuple[Feature, FeatureValue]] = []
    for feature in get_catalogue().all("WALS"):
        for key in keys:
            try:
                ref = wals_value(key, feature)
            except GrammarRagError:
                ref = None
            if ref is not None:
                out.append((feature, ref))
                break
    return out


def grambank_references(grammar: Grammar, meta: Mapping[str, Any],
                        cldf_dir: str | Path) -> list[tuple[Feature, FeatureValue]]:
    """Every catalogue Grambank feature a Grambank CLDF dataset codes for the book's language (its
    Language_IDs are Glottocodes), with that value: Grambank's values are not bundled, so the user
    brings the dataset (``bench books --grambank DIR``)."""
    values = grambank_values(cldf_dir)
    coded = next((values[k] for k in reference_keys(grammar, meta) if k in values), {})
    return [(f, coded[f.id]) for f in get_catalogue().all("Grambank") if f.id in coded]


def grambank_majorities(cldf_dir: str | Path) -> dict[str, str]:
    """Per Grambank feature, the value the dataset gives most languages (lower-cased name): the
    baseline of always answering it, as WALS's majority is for WALS features."""
    counts: dict[str, Counter[str]] = {}
    for coded in grambank_values(cldf_dir).values():
        for pid, value in coded.items():
            counts.setdefault(pid, Counter())[value.name.strip().lower()] += 1
    return {pid: c.most_common(1)[0][0] for pid, c in counts.items()}


def _majority_name(feature: Feature) -> str | None:
    common = wals_majority(feature)
    return common.name.strip().lower() if common is not None and common in feature.values else None


def score_features(grammar: Grammar, index: GrammarIndex, refs: Sequence[tuple[Feature, FeatureValue]],
                   backend: str = "evidence", min_precision: float | None = None,
                   majority_name: Callable[[Feature], str | None] = _majority_name) -> list[dict[str, Any]]:
    """One row per feature: raw answer, calibrated verdict (model-free backend), reference, correctness."""
    raw_reader = EvidenceClassifier(calibrate=False) if backend == "evidence" else None
    other = make_classifier(backend) if raw_reader is None else EvidenceClassifier(min_precision=min_precision)

    # the raw and the calibrated reader, and every derived feature naming a component, read the
    # same passages: each feature is retrieved once
    passages = lru_cache(maxsize=None)(lambda f: retrieve_passages(grammar, f, index=index))

    def plain(clf: Classifier) -> Callable[[Feature], Prediction]:
        return lambda f: clf.classify(f, passages(f), grammar)

    rows: list[dict[str, Any]] = []
    for feature, ref in refs:
        ref_names = reference_names(ref) or frozenset()
        if raw_reader is not None:
            pred = derived.predict(feature, plain(raw_reader))
            raw_answered = not is_missing(pred)
            # an implication that does not hold (81A without a dominant order) reads the feature itself
            family = derived.FAMILY if "derived" in pred.flags else select_family(feature).name
            final = pred
            if "derived" in pred.flags:  # derived: its components are calibrated, then combined
                final = derived.predict(feature, plain(other), min_precision)
                answered, confidence = not is_missing(final), final.confidence
            elif raw_answered:
                verdict = calibration.judge(calibration.map_key(family, feature.id), pred.confidence, min_precision)
                answered, confidence = verdict.answer, verdict.confidence
            else:
                answered, confidence = False, 0.0
        else:
            pred = final = derived.predict(feature, plain(other))
            family = derived.FAMILY if "derived" in pred.flags else select_family(feature).name
            raw_answered = answered = not is_missing(pred)
            confidence = pred.confidence
        raw_correct = raw_answered and predicted_names(pred, feature) == ref_names
        correct = answered and predicted_names(final, feature) == ref_names
        majority = majority_name(feature)
        rows.append({
            "feature": feature.id, "family": family,
            "raw_predicted": pred.value if raw_answered else None, "raw_score": round(pred.confidence, 4),
            "predicted": final.value if answered else None, "confidence": round(confidence, 4),
            "reference": ", ".join(sorted(ref_names)),
            "raw_correct": raw_correct, "correct": correct,
            "majority_correct": majority is not None and frozenset({majority}) == ref_names,
            "evidence_pages": list(dict.fromkeys(e.pages for e in pred.evidence if e.pages))[:10],
        })
    return rows


def _share(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def summarise(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Coverage, precision when answering, micro accuracy and the WALS-majority baseline; raw beside calibrated."""
    n = len(rows)
    answered = [r for r in rows if r["predicted"] is not None]
    raw = [r for r in rows if r["raw_predicted"] is not None]
    families: dict[str, dict[str, int]] = {}
    for r in rows:
        fam = families.setdefault(r["family"], {"features": 0, "raw_answered": 0, "raw_correct": 0,
                                                "answered": 0, "correct": 0})
        fam["features"] += 1
        fam["raw_answered"] += r["raw_predicted"] is not None
        fam["raw_correct"] += bool(r["raw_correct"])
        fam["answered"] += r["predicted"] is not None
        fam["correct"] += bool(r["correct"])
    return {
        "features": n,
        "answered": len(answered),
        "coverage": _share(len(answered), n),
        "precision_when_answering": _share(sum(r["correct"] for r in answered), len(answered)),
        "micro_accuracy": _share(sum(r["correct"] for r in rows), n),
        "majority_baseline_on_answered": _share(sum(r["majority_correct"] for r in answered), len(answered)),
        "majority_baseline_all": _share(sum(r["majority_correct"] for r in rows), n),
        "raw_answered": len(raw),
        "raw_precision_when_answering": _share(sum(r["raw_correct"] for r in raw), len(raw)),
        "raw_majority_baseline_on_answered": _share(sum(r["majority_correct"] for r in raw), len(raw)),
        "families": families,
    }


def agreement(a: Iterable[dict[str, Any]], b: Iterable[dict[str, Any]], key: str = "predicted") -> dict[str, Any]:
    """Share of features both runs answered on which they gave the same value."""
    pa = {r["feature"]: r[key] for r in a if r[key] is not None}
    pb = {r["feature"]: r[key] for r in b if r[key] is not None}
    both = sorted(pa.keys() & pb.keys())
    same = sum(pa[f] == pb[f] for f in both)
    return {"both_answered": len(both), "same": same, "agreement": _share(same, len(both))}


def top5_check(grammar: Grammar, index: GrammarIndex, refs: Sequence[tuple[Feature, FeatureValue]],
               features: Sequence[str] = PAPER_FEATURES, k: int = 5) -> list[dict[str, Any]]:
    """Per paper feature: the first of the top ``k`` passages in which a cue states the reference value
    (without a reference: the first in which a cue states any value, reported for a reader to judge)."""
    reader = EvidenceClassifier(calibrate=False)
    by_id = {f.id: ref for f, ref in refs}
    out: list[dict[str, Any]] = []
    for fid in features:
        feature = get_catalogue().get(fid)
        ref = by_id.get(feature.id)
        wanted = reference_names(ref) or frozenset()
        row: dict[str, Any] = {"feature": feature.id, "reference": ", ".join(sorted(wanted)) if ref else None,
                               "found_at": None}
        for sp in retrieve_passages(grammar, feature, index=index)[:k]:
            pred = reader.classify(feature, [sp], grammar)
            stating = [e for e in pred.evidence if e.supports and (not ref or e.supports.strip().lower() in wanted)]
            if stating:
                row["stated"] = stating[0].supports
                row.update(found_at=sp.rank, passage_id=sp.passage.passage_id, pages=sp.passage.pages,
                           section=" > ".join(sp.passage.section or ()), quote=stating[0].quote[:300])
                break
        out.append(row)
    return out

"""Calibration maps and selective answering for LLM confidences, one map file per model (issue 22).

Why per model: a model's probability for its own answer (label likelihood, reply log-probabilities,
self-consistency; :mod:`grammar_rag.llm.confidence`) is on that model's own scale. A map fitted on
one model's labelled answers says nothing about another's, and SmolLM2 (the offline test model)
answers near chance, so its answers are plumbing, not evidence for any map. No map is shipped:
until one is fitted for a model, its confidence passes through the identity map, is shown as an
*uncalibrated* model probability, and the threshold is the target precision itself (answer when
the model's probability reaches it). That rule is right only for a calibrated model, which is why
fitting a map (``python -m benchmarks.calibrate_bench --llm rag_<backend>.predictions.csv``, on
``bench rag`` predictions made with ``calibrate=False``) is the documented step per model.

Thresholds and targets are :mod:`grammar_rag.classify.calibration`'s (one place): an LLM answer's
family is the cue family of its feature, so ``--min-precision`` and the per-family targets mean the
same for every backend. Fitting reuses that module's isotonic fit and its lock-box guard.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from grammar_rag.classify import calibration
from grammar_rag.classify.calibration import FamilyMap, Point, Verdict
from grammar_rag.classify.cues import select_family
from grammar_rag.types import Feature

LLM_CALIBRATION_DIR = calibration.CALIBRATION_PATH.parent / "llm_calibration"


class IdentityMap(FamilyMap):
    """The map of a model nobody has fitted: confidence as given, threshold = the target."""

    def __init__(self) -> None:
        super().__init__([0.0], [0.0])

    def __call__(self, score: float) -> float:
        return min(1.0, max(0.0, score))

    def threshold(self, min_precision: float) -> float | None:
        return min_precision


def family_of(feature: Feature) -> str:
    """The cue family an LLM answer for ``feature`` is thresholded (and calibrated) as."""
    return select_family(feature).name


def model_slug(label: str) -> str:
    """File-name form of a classifier label (``openai:Qwen/Qwen2.5-7B`` -> ``openai_Qwen_Qwen2.5-7B``)."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", label).strip("_") or "model"


def map_path(label: str, root: Path | None = None) -> Path:
    return (root or LLM_CALIBRATION_DIR) / f"{model_slug(label)}.json"


@lru_cache(maxsize=16)
def load_maps(label: str, root: Path | None = None) -> dict[str, FamilyMap]:
    """The fitted maps of the model ``label`` (empty: none fitted; identity applies)."""
    path = map_path(label, root)
    return calibration.load(path) if path.exists() else {}


def fit_model(points: Iterable[Point]) -> dict[str, FamilyMap]:
    """Isotonic maps per cue family from one model's labelled answers (lock-box grammars refused)."""
    return calibration.fit(points)


def save_model(label: str, maps: dict[str, FamilyMap], meta: dict[str, object] | None = None,
               root: Path | None = None) -> Path:
    """Atomic write of the model's maps; the loader's cache is cleared so the new map applies."""
    path = map_path(label, root)
    path.parent.mkdir(parents=True, exist_ok=True)
    calibration.save(maps, path, meta={"model": label, **(meta or {})})
    load_maps.cache_clear()
    calibration.load.cache_clear()
    return path


def judge(label: str, feature: Feature, confidence: float, min_precision: float | None = None,
          root: Path | None = None) -> tuple[Verdict, bool]:
    """(verdict, fitted): calibrate one LLM confidence and decide whether to answer at the
    target precision of the feature's family; ``fitted`` False means the identity map was used."""
    family = family_of(feature)
    fitted = load_maps(label, root).get(family)
    m: FamilyMap = fitted if fitted is not None else IdentityMap()
    return calibration.judge(family, confidence, min_precision, maps={family: m}), fitted is not None

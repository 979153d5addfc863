"""Reference values (WALS) next to predictions: for display and comparison only.

The app's agree/disagree badge, the API and ``grammar-rag compare`` all ask the same two questions
of a prediction: did it answer at all (:func:`is_missing`), and does its answer name the same
values as the reference (:func:`predicted_names` against :func:`reference_names`)? They live here,
beside the reference tables, so that answering one question does not go through the batch
package (``extract/``). Reference values are read only *after* a prediction is made and are
never an input to one.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from grammar_rag.errors import GrammarRagError
from grammar_rag.features.languages import LanguageInfo
from grammar_rag.features.values import wals_value
from grammar_rag.types import Feature, Prediction

ReferenceFn = Callable[[LanguageInfo, str], Any]


def is_missing(prediction: Prediction) -> bool:
    """Abstained, or a multi-label answer naming no value: exported as CLDF's unknown ("?")."""
    return prediction.abstained or not prediction.value.strip()


def reference_names(value: Any) -> frozenset[str] | None:
    """Normalise what ``wals_value`` returns (a name, a FeatureValue, a list of them) to a name set."""
    if value is None:
        return None
    if isinstance(value, str):
        items: Iterable[Any] = [value]
    elif isinstance(value, Iterable) and not isinstance(value, Mapping):
        items = list(value)
    else:
        items = [value]
    names = set()
    for item in items:
        name = getattr(item, "name", None) or (item.get("name") if isinstance(item, Mapping) else None)
        names.add(str(name if name is not None else item).strip().lower())
    return frozenset(n for n in names if n)


def predicted_names(prediction: Prediction, feature: Feature | None) -> frozenset[str]:
    """The value names a prediction gives, in the form :func:`reference_names` returns."""
    if (feature is not None and feature.multi_label) or prediction.values:
        return frozenset(v.strip().lower() for v in prediction.values)
    return frozenset({prediction.value.strip().lower()})


def wals_reference(data_dir: str | os.PathLike[str] | None = None) -> ReferenceFn:
    """A reference lookup backed by :func:`grammar_rag.features.wals_value`."""

    def lookup(info: LanguageInfo, feature_id: str) -> Any:
        for key in (info.glottocode, info.iso639_3, info.name):
            if not key:
                continue
            try:
                value = wals_value(key, feature_id, data_dir=data_dir)
            except (GrammarRagError, KeyError, LookupError):
                continue
            if value is not None:
                return value
        return None

    return lookup

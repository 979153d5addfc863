"""WALS / Grambank feature catalogue, Glottolog language metadata and reference values.

The public API other modules code against (see docs/ARCHITECTURE.md):

* :func:`get_catalogue` -> :class:`Catalogue` (``.get("81A")``, ``.search(text)``, ``.all()``)
* :data:`POLAR_FEATURE_ID` -- the paper's composite polar-question feature "WALS 116A*"
* :func:`get_languages` -> :class:`LanguageTable` (``.lookup(name | iso | glottocode)``)
* :class:`LanguageResolver` -> :class:`LanguageInfo`: which language a grammar describes
* :func:`wals_value`, :func:`wals_values_for`, :func:`grambank_values`, :func:`grambank_value`:
  reference values for display and comparison only, never classifier input;
  :mod:`~grammar_rag.features.reference` compares them with predictions (:func:`wals_reference`,
  :func:`predicted_names`, :func:`reference_names`, :func:`is_missing`).
"""

from grammar_rag.features.catalogue import Catalogue, get_catalogue
from grammar_rag.features.composite import POLAR_COMPONENTS, POLAR_STRATEGIES, polar_strategies
from grammar_rag.features.ids import POLAR_FEATURE_ID, parse_feature_id
from grammar_rag.features.languages import (
    Language,
    LanguageInfo,
    LanguageResolver,
    LanguageTable,
    get_languages,
)
from grammar_rag.features.reference import is_missing, predicted_names, reference_names, wals_reference
from grammar_rag.features.values import (
    get_wals_values,
    grambank_value,
    grambank_values,
    wals_value,
    wals_values_for,
)

__all__ = [
    "POLAR_COMPONENTS",
    "POLAR_FEATURE_ID",
    "POLAR_STRATEGIES",
    "Catalogue",
    "Language",
    "LanguageInfo",
    "LanguageResolver",
    "LanguageTable",
    "get_catalogue",
    "get_languages",
    "get_wals_values",
    "grambank_value",
    "grambank_values",
    "is_missing",
    "parse_feature_id",
    "polar_strategies",
    "predicted_names",
    "reference_names",
    "wals_reference",
    "wals_value",
    "wals_values_for",
]

"""WALS / Grambank feature catalogue, Glottolog language metadata and reference values.

The public API other modules code against (see docs/ARCHITECTURE.md):

* :func:`get_catalogue` -> :class:`Catalogue` (``.get("81A")``, ``.search(text)``, ``.all()``)
* :data:`POLAR_FEATURE_ID` -- the paper's composite polar-question feature "WALS 116A*"
* :func:`get_languages` -> :class:`LanguageTable` (``.lookup(name | iso | glottocode)``)
* :func:`wals_value`, :func:`wals_values_for`, :func:`grambank_values`, :func:`grambank_value`:
  reference values for display and comparison only, never classifier input.
"""

from grammar_rag.features.catalogue import Catalogue, get_catalogue
from grammar_rag.features.composite import POLAR_COMPONENTS, POLAR_STRATEGIES, polar_strategies
from grammar_rag.features.ids import POLAR_FEATURE_ID, parse_feature_id
from grammar_rag.features.languages import Language, LanguageTable, get_languages
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
    "LanguageTable",
    "get_catalogue",
    "get_languages",
    "get_wals_values",
    "grambank_value",
    "grambank_values",
    "parse_feature_id",
    "polar_strategies",
    "wals_value",
    "wals_values_for",
]

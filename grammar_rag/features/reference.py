"""Reference values (WALS; Grambank where its values table is given) next to predictions: for display and comparison only.

The app's agree/disagree badge, the API and ``grammar-rag compare`` all ask the same two questions
of a prediction: did it answer at all (:func:`is_missing`), and does its answer name the same
values as the reference (:func:`predicted_names` against :func:`reference_names`)? They live here,
beside the reference tables, so that answering one question does not go through the batch
package (``extract/``). Reference values are read only *after* a prediction is made and are
never an input to one.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from grammar_rag.errors import GrammarRagError
from grammar_rag.features.catalogue import get_catalogue
from grammar_rag.features.cldf import find_datasets, resolve_data_root, table_path
from grammar_rag.features.languages import LanguageInfo, get_languages
from grammar_rag.features.values import WalsLanguage, get_wals_values, grambank_value, wals_value
from grammar_rag.types import Feature, Prediction

ReferenceFn = Callable[[LanguageInfo, str], Any]
ExplainFn = Callable[[LanguageInfo, Sequence[str]], str]


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


def _grambank_dir(data_dir: str | os.PathLike[str] | None) -> Path | None:
    """A full Grambank CLDF (with values.csv) in the data dir, if there is one."""

    try:
        root = resolve_data_root(data_dir)
        found = find_datasets(root) if root is not None else {}
    except GrammarRagError:
        return None
    gb = found.get("grambank")
    return gb if gb is not None and table_path(gb, "values.csv") is not None else None


def wals_reference(data_dir: str | os.PathLike[str] | None = None) -> ReferenceFn:
    """A reference lookup: WALS (bundled) for WALS features, Grambank for Grambank features where the
    data dir holds the full Grambank CLDF (values.csv)."""

    grambank = _grambank_dir(data_dir)

    def lookup(info: LanguageInfo, feature_id: str) -> Any:
        for key in (info.glottocode, info.iso639_3, info.name):
            if not key:
                continue
            try:
                value = wals_value(key, feature_id, data_dir=data_dir)
                if value is None and grambank is not None:
                    value = grambank_value(key, feature_id, grambank, data_dir=data_dir)
            except (GrammarRagError, KeyError, LookupError):
                continue
            if value is not None:
                return value
        return None

    return lookup


# Words that place a variety rather than name it: "Southwestern Dargwa" and "Dargwa" share "Dargwa".
_PLACE_WORDS = re.compile(
    r"^(?:(?:north|south|east|west)(?:ern)?|(?:north|south)(?:east|west)(?:ern)?|central|upper|lower|middle|"
    r"standard|old|new|modern|classical|colloquial|literary|highland|lowland|coastal|inland|mountain|river|"
    r"language|dialect|proper|common)$"
)


def _name_words(*names: str | None) -> set[str]:
    return {w for n in names if n for w in re.findall(r"[^\W\d_]{4,}", n.casefold()) if not _PLACE_WORDS.match(w)}


def related_wals_languages(glottocode: str | None, data_dir: str | os.PathLike[str] | None = None,
                           limit: int = 3) -> list[WalsLanguage]:
    """WALS languages a user may compare a grammar with when WALS does not code its own language: those
    of the same Glottolog family whose name shares a distinctive word with the languoid's or, for a
    dialect, its language's ("Sanzhi", a dialect of Southwestern Dargwa: WALS's "Dargwa"); most values
    first. Empty where WALS codes the language itself or Glottolog does not know it."""
    if not glottocode:
        return []
    languages = get_languages(data_dir)
    wals = get_wals_values(data_dir)
    lang = languages.get(glottocode)
    if lang is None or lang.family is None or wals.candidates(glottocode, languages):
        return []
    parent = languages.get(lang.language_glottocode) if lang.language_glottocode else None
    words = _name_words(lang.name, parent.name if parent else None)
    found = []
    for w in wals.languages:
        other = languages.get(w.glottocode) if w.glottocode else None
        if other is not None and other.family == lang.family and words & _name_words(w.name, other.name):
            found.append(w)
    return sorted(found, key=lambda w: (-len(w.values), w.wals_code))[:limit]


def describe_language(info: LanguageInfo) -> str:
    """How notes name a grammar's language: "language Sanzhi Dargwa (glottocode sanz1248)"."""
    codes = ", ".join(f"{k} {v}" for k, v in (("glottocode", info.glottocode), ("ISO", info.iso639_3)) if v)
    return f"language {info.name or '?'} ({codes or 'no glottocode'})"


def explain_missing(data_dir: str | os.PathLike[str] | None = None) -> ExplainFn:
    """Why a language has no reference for some features, in words a user can act on."""

    grambank = _grambank_dir(data_dir)

    def explain(info: LanguageInfo, feature_ids: Sequence[str]) -> str:
        who = describe_language(info)
        if not info.glottocode and not info.iso639_3:
            return (f"no reference for {who}: the grammar has no glottocode; re-ingest it with "
                    "--meta glottocode=<code>")
        databases: Counter[str] = Counter()
        for fid in feature_ids:
            try:
                databases[get_catalogue(data_dir).get(fid).database] += 1
            except GrammarRagError:
                databases["unknown"] += 1
        parts = []
        if databases.get("WALS"):
            try:
                known = get_wals_values(data_dir).candidates(info.glottocode or info.iso639_3 or "",
                                                             get_languages(data_dir))
            except GrammarRagError:
                known = []
            if not known:
                related = related_wals_languages(info.glottocode, data_dir)
                hint = (f"; it codes a related language of its family: "
                        f"{', '.join(w.label for w in related)} "
                        f"(compare with it: --reference {related[0].wals_code})") if related else ""
                parts.append(f"no WALS reference for {who}: WALS does not code this language{hint}")
            else:
                names = ", ".join(sorted({w.label for w in known}))
                parts.append(f"WALS codes {who} as {names}, but not for {databases['WALS']} of these feature(s)")
        if databases.get("Grambank"):
            parts.append(
                f"no Grambank reference for {who}: "
                + ("Grambank does not code it for these features" if grambank is not None else
                   "no Grambank values table (pass --data-dir with the full Grambank CLDF, values.csv)")
            )
        others = sum(n for db, n in databases.items() if db not in ("WALS", "Grambank"))
        if others:
            parts.append(f"{others} feature(s) from no reference database (composite or local)")
        return "; ".join(parts) or f"no reference for {who}"

    return explain

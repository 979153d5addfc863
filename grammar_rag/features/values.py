"""WALS (and user-supplied Grambank) values per language, for display and comparison only.

These values are what a prediction is *compared with* in reports and the app; they must never
be fed to a classifier (that would turn the benchmark into a lookup). WALS identifies languages
by its own codes, so a language typed as a Glottocode, ISO code or name is mapped through WALS'
own Glottocode/ISO columns and, failing that, through Glottolog (dialect <-> language).

The WALS values come from ``wals/values.csv`` in a data dir, else from the compact copy bundled
in ``grammar_rag/data/wals_values.csv.gz`` (one row per WALS language: code, Glottocode, ISO,
name and ``"81A=1;82A=2"``). Grambank values are not bundled: :func:`grambank_values` reads
a full Grambank CLDF dataset the user downloaded.
"""

from __future__ import annotations

import csv
import functools
import gzip
import io
import os
import re
import threading
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from grammar_rag.atomic import write_gzip_atomic
from grammar_rag.config import BUNDLED_DATA_DIR
from grammar_rag.errors import DataDirError, UnknownLanguageError
from grammar_rag.features.bundle import DataRootCache
from grammar_rag.features.catalogue import get_catalogue
from grammar_rag.features.cldf import find_datasets, read_table, require_table, table_path
from grammar_rag.features.languages import Language, LanguageTable, _fold, get_languages
from grammar_rag.types import Feature, FeatureValue

BUNDLED_WALS_VALUES = BUNDLED_DATA_DIR / "wals_values.csv.gz"


@dataclass
class WalsLanguage:
    """A WALS language record and its values (parameter id -> value number as text)."""

    wals_code: str
    name: str
    glottocode: str | None
    iso639_3: str | None
    values: dict[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """How reports name it: "Dargwa [drg]" (the code is what ``compare --reference`` takes)."""
        return f"{self.name} [{self.wals_code}]"


class WalsValues:
    """All WALS values, indexed by language."""

    def __init__(self, languages: Iterable[WalsLanguage]) -> None:
        self.languages = sorted(languages, key=lambda lg: lg.wals_code)
        self._by_glottocode: dict[str, list[WalsLanguage]] = defaultdict(list)
        self._by_iso: dict[str, list[WalsLanguage]] = defaultdict(list)
        self._by_name: dict[str, list[WalsLanguage]] = defaultdict(list)
        self._by_code = {lg.wals_code: lg for lg in self.languages}
        for lg in self.languages:
            if lg.glottocode:
                self._by_glottocode[lg.glottocode].append(lg)
            if lg.iso639_3:
                self._by_iso[lg.iso639_3].append(lg)
            for name in _name_forms(lg.name):
                self._by_name[_fold(name)].append(lg)

    def __len__(self) -> int:
        return len(self.languages)

    def by_code(self, wals_code: str) -> WalsLanguage | None:
        """The language of a WALS code ("drg"), or None."""
        return self._by_code.get(wals_code.strip().lower())

    @functools.cached_property
    def majorities(self) -> dict[str, str]:
        """The commonest value number per parameter over all languages (counted once per dataset)."""
        counts: dict[str, Counter[str]] = defaultdict(Counter)
        for lang in self.languages:
            for pid, number in lang.values.items():
                counts[pid][number] += 1
        return {pid: c.most_common(1)[0][0] for pid, c in counts.items()}

    def candidates(self, language: str, glottolog: LanguageTable | None = None) -> list[WalsLanguage]:
        """WALS languages a typed language may denote, best first (may be empty).

        Raises :class:`UnknownLanguageError` when neither WALS nor Glottolog knows the language.
        """
        text = (language or "").strip()
        low = text.lower()
        out: list[WalsLanguage] = []

        def add(items: Iterable[WalsLanguage]) -> None:
            for item in items:
                if item not in out:
                    out.append(item)

        if low.startswith("wals:"):
            code = low.split(":", 1)[1].strip()
            if code in self._by_code:
                return [self._by_code[code]]
        add(self._by_glottocode.get(low, []))
        add(self._by_iso.get(low, []))
        add(self._by_name.get(_fold(text), []))
        if glottolog is not None:
            try:
                lang = glottolog.lookup(text)
            except UnknownLanguageError:
                if not out:
                    raise
                return out
            add(self._by_glottocode.get(lang.glottocode, []))
            if lang.iso639_3:
                add(self._by_iso.get(lang.iso639_3, []))
            parent = glottolog.language_of(lang)
            add(self._by_glottocode.get(parent.glottocode, []))
            # WALS entries coded at dialect level for this language
            for code, entries in self._by_glottocode.items():
                member = glottolog.get(code)
                if member is not None and member.language_glottocode == parent.glottocode:
                    add(entries)
        elif not out:
            raise UnknownLanguageError(f"Unknown language '{text}' (not in WALS).")
        return out

    def named(self, name: str) -> list[WalsLanguage]:
        """WALS languages called ``name`` (case/accent-insensitive; "Harar Oromo" for WALS's "Oromo (Harar)")."""
        return list(self._by_name.get(_fold(name), []))

    def languoids_named(self, name: str, glottolog: LanguageTable) -> list[Language]:
        """Glottolog languoids WALS calls ``name``, by WALS's own Glottocodes (ones the table lacks,
        such as a subgroup, are skipped): typological grammars often use WALS's names ("Meithei" for
        Glottolog's Manipuri)."""
        found = (glottolog.get(lg.glottocode) for lg in self.named(name) if lg.glottocode)
        return list(dict.fromkeys(lang for lang in found if lang is not None))

    def by_glottocode(self, glottocode: str) -> list[WalsLanguage]:
        """WALS languages with this Glottocode (WALS codes some at a level Glottolog calls a group)."""
        return list(self._by_glottocode.get(glottocode.strip().lower(), []))

    def value_number(self, language: str, parameter_id: str, glottolog: LanguageTable | None = None) -> str | None:
        for lg in self.candidates(language, glottolog):
            if parameter_id in lg.values:
                return lg.values[parameter_id]
        return None

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the compact gzipped CSV bundled with the package (atomic)."""
        path = Path(path)
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(["wals_code", "glottocode", "iso639_3", "name", "values"])
        for lg in self.languages:
            vals = ";".join(f"{pid}={num}" for pid, num in sorted(lg.values.items(), key=lambda kv: _pid_key(kv[0])))
            writer.writerow([lg.wals_code, lg.glottocode or "", lg.iso639_3 or "", lg.name, vals])
        return write_gzip_atomic(path, buf.getvalue().encode("utf-8"))


def _name_forms(name: str) -> tuple[str, ...]:
    """WALS's name and, for "Language (Variety)", the variety first as books write it: "Oromo (Harar)"
    is also "Harar Oromo"."""
    m = re.fullmatch(r"\s*([^()]+?)\s*\(([^()]+)\)\s*", name)
    return (name, f"{m.group(2)} {m.group(1)}") if m else (name,)


def _pid_key(pid: str) -> tuple[int, str]:
    digits = "".join(c for c in pid if c.isdigit())
    return (int(digits or 0), pid)


def load_wals_values(dataset: Path) -> WalsValues:
    """WALS languages and values from a WALS CLDF dataset (``languages.csv`` + ``values.csv``)."""
    langs: dict[str, WalsLanguage] = {}
    for row in read_table(require_table(dataset, "languages.csv")):
        langs[row["ID"]] = WalsLanguage(
            wals_code=row["ID"],
            name=row.get("Name", ""),
            glottocode=row.get("Glottocode") or None,
            iso639_3=row.get("ISO639P3code") or None,
        )
    for row in read_table(require_table(dataset, "values.csv")):
        lang = langs.get(row["Language_ID"])
        if lang is None:
            continue
        code = row.get("Code_ID") or ""
        number = code.rsplit("-", 1)[-1] if "-" in code else row.get("Value", "")
        if number:
            lang.values[row["Parameter_ID"]] = number
    return WalsValues(langs.values())


def load_bundled_wals_values(path: Path = BUNDLED_WALS_VALUES) -> WalsValues:
    langs = []
    with gzip.open(path, "rt", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            values = dict(item.split("=", 1) for item in row["values"].split(";") if item)
            langs.append(
                WalsLanguage(
                    wals_code=row["wals_code"],
                    name=row["name"],
                    glottocode=row["glottocode"] or None,
                    iso639_3=row["iso639_3"] or None,
                    values=values,
                )
            )
    return WalsValues(langs)


_CACHE: DataRootCache[WalsValues] = DataRootCache()


def get_wals_values(data_dir: str | os.PathLike[str] | None = None) -> WalsValues:
    """WALS values for ``data_dir`` (else ``$GRAMMAR_RAG_DATA_DIR``, else the bundled copy)."""
    return _CACHE.get(data_dir, _load_wals_values)


def _load_wals_values(root: Path | None) -> WalsValues:
    found = find_datasets(root) if root is not None else {}
    wals = found.get("wals")
    if wals is not None and table_path(wals, "values.csv") is not None:
        return load_wals_values(wals)
    return load_bundled_wals_values()


def wals_majority(feature: Feature, data_dir: str | os.PathLike[str] | None = None) -> FeatureValue | None:
    """WALS's commonest value of ``feature`` over all its languages: what always answering it would give."""
    if feature.database != "WALS":
        return None
    number = get_wals_values(data_dir).majorities.get(feature.id.removeprefix("WALS "))
    return None if number is None else _value_of(feature, number)


def _wals_feature(feature_id: str | Feature, data_dir: str | os.PathLike[str] | None) -> Feature | None:
    feature = get_catalogue(data_dir).get(feature_id)
    return feature if feature.database == "WALS" else None


def _value_of(feature: Feature, number: str) -> FeatureValue:
    pid = feature.id.removeprefix("WALS ")
    code = f"{pid}-{number}"
    for value in feature.values:
        if value.code == code:
            return value
    return FeatureValue(code=code, name=number, number=int(number) if number.isdigit() else None)


def wals_value(
    language: str, feature_id: str | Feature, data_dir: str | os.PathLike[str] | None = None
) -> FeatureValue | None:
    """The WALS value of a feature for a language (Glottocode, ISO 639-3 code or name).

    None when WALS has no value for that language/feature, or the feature is not a WALS
    feature (Grambank, composite). Raises :class:`UnknownLanguageError` for an unknown language
    and :class:`UnknownFeatureError` for an unknown feature. For display/comparison only.
    """
    feature = _wals_feature(feature_id, data_dir)
    table = get_wals_values(data_dir)
    glottolog = get_languages(data_dir)
    if feature is None:
        table.candidates(language, glottolog)  # still report an unknown language
        return None
    number = table.value_number(language, feature.id.removeprefix("WALS "), glottolog)
    return _value_of(feature, number) if number is not None else None


def wals_values_for(
    feature_id: str | Feature, data_dir: str | os.PathLike[str] | None = None
) -> dict[str, FeatureValue]:
    """``{glottocode: value}`` for every WALS language with a Glottocode and a value.

    Where several WALS languages share a Glottocode, the first by WALS code wins.
    """
    feature = _wals_feature(feature_id, data_dir)
    if feature is None:
        return {}
    pid = feature.id.removeprefix("WALS ")
    out: dict[str, FeatureValue] = {}
    for lg in get_wals_values(data_dir).languages:
        if lg.glottocode and pid in lg.values and lg.glottocode not in out:
            out[lg.glottocode] = _value_of(feature, lg.values[pid])
    return out


_GB_CACHE: dict[tuple[str, int, int], dict[str, dict[str, FeatureValue]]] = {}
_GB_LOCK = threading.Lock()


def grambank_values(cldf_dir: str | os.PathLike[str]) -> dict[str, dict[str, FeatureValue]]:
    """``{language_id: {"GB107": FeatureValue}}`` from a full Grambank CLDF dataset.

    ``cldf_dir`` is the dataset root or its ``cldf/`` folder (``values.csv`` with
    ``Language_ID``, ``Parameter_ID``, ``Value``; ``codes.csv`` used for descriptions when
    present). Grambank's Language_IDs are Glottocodes. Uncoded values ("?" or empty) are
    skipped. Cached per file (path, size, mtime): the full table has ~440k rows, and callers
    ask per language. Treat the result as read-only. For display/comparison only.
    """
    root = Path(cldf_dir).expanduser()
    if not root.is_dir():
        raise DataDirError(f"Grambank CLDF directory {root} does not exist.")
    values_path = table_path(root, "values.csv")
    if values_path is None:
        raise DataDirError(
            f"{root} has no values.csv: pass the full Grambank CLDF dataset (e.g. grambank-v1.0/cldf), "
            "not the catalogue-only copy."
        )
    stat = values_path.stat()
    key = (str(values_path.resolve()), stat.st_size, stat.st_mtime_ns)
    with _GB_LOCK:
        if key not in _GB_CACHE:
            _GB_CACHE[key] = _read_grambank_values(root, values_path)
        return _GB_CACHE[key]


def grambank_value(
    language: str, feature_id: str | Feature, cldf_dir: str | os.PathLike[str],
    data_dir: str | os.PathLike[str] | None = None,
) -> FeatureValue | None:
    """One language's Grambank value (language as Glottocode, ISO 639-3 code or name), or None."""
    feature = get_catalogue(data_dir).get(feature_id)
    if feature.database != "Grambank":
        return None
    values = grambank_values(cldf_dir)
    key = language.strip().lower()
    if key in values:
        return values[key].get(feature.id)
    glottolog = get_languages(data_dir)
    lang = glottolog.lookup(language)
    for code in (lang.glottocode, glottolog.language_of(lang).glottocode):
        if code in values:
            return values[code].get(feature.id)
    return None


def _read_grambank_values(root: Path, values_path: Path) -> dict[str, dict[str, FeatureValue]]:
    codes: dict[str, FeatureValue] = {}
    codes_path = table_path(root, "codes.csv")
    if codes_path is not None:
        for row in read_table(codes_path):
            codes[row["ID"]] = FeatureValue(
                code=row["ID"], name=row.get("Name", ""), description=row.get("Description", "") or "",
                number=int(row["Name"]) if (row.get("Name") or "").isdigit() else None,
            )
    out: dict[str, dict[str, FeatureValue]] = defaultdict(dict)
    for row in read_table(values_path):
        value = (row.get("Value") or "").strip()
        if not value or value == "?":
            continue
        pid = row["Parameter_ID"]
        code = row.get("Code_ID") or f"{pid}-{value}"
        out[row["Language_ID"]][pid] = codes.get(code) or FeatureValue(
            code=code, name=value, description={"0": "absent", "1": "present"}.get(value, ""),
            number=int(value) if value.isdigit() else None,
        )
    return dict(out)


__all__ = [
    "WalsLanguage",
    "WalsValues",
    "get_wals_values",
    "grambank_value",
    "grambank_values",
    "wals_value",
    "wals_values_for",
]

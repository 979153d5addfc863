"""The feature catalogue: every WALS and Grambank feature plus the polar-question composite.

Users ask for features by id ("81A", "GB 107", "wals:81A") or by name ("order of subject,
object and verb"), so :meth:`Catalogue.get` accepts all of those and, when nothing matches,
raises :class:`UnknownFeatureError` listing the closest matches instead of a bare KeyError.

Where the catalogue comes from (see :func:`get_catalogue`): a data directory holding the WALS
and Grambank CLDF datasets, or else the compact copy bundled in ``grammar_rag/data`` (built by
``wals_grambank/build_catalogue.py``), so the package works without any external data.
"""

from __future__ import annotations

import difflib
import gzip
import json
import logging
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from grammar_rag.atomic import write_gzip_atomic
from grammar_rag.config import BUNDLED_DATA_DIR
from grammar_rag.errors import DataDirError, UnknownFeatureError
from grammar_rag.features.bundle import DataRootCache
from grammar_rag.features.cldf import find_datasets, fingerprint
from grammar_rag.features.composite import build_polar_composite
from grammar_rag.features.ids import POLAR_FEATURE_ID, parse_feature_id, short_ids
from grammar_rag.features.loaders import load_grambank_features, load_wals_features
from grammar_rag.types import Feature

log = logging.getLogger(__name__)

BUNDLED_CATALOGUE = BUNDLED_DATA_DIR / "catalogue.json.gz"
CATALOGUE_FORMAT = "grammar-rag-catalogue"
CATALOGUE_VERSION = 1
_DATABASES = {"wals": "WALS", "grambank": "Grambank", "gb": "Grambank", "composite": "composite"}


def _norm(text: str) -> str:
    """Lower-case, punctuation-insensitive form used to match names."""
    return re.sub(r"\s+", " ", re.sub(r"[^\w*]+", " ", text.lower())).strip()


def normalise_database(database: str | None) -> str | None:
    if database is None:
        return None
    try:
        return _DATABASES[database.strip().lower()]
    except KeyError:
        raise UnknownFeatureError(
            f"Unknown feature database '{database}'. Use one of: wals, grambank, composite."
        ) from None


class Catalogue:
    """All features, looked up by id, id-like text or name."""

    def __init__(
        self,
        features: Iterable[Feature],
        sources: dict[str, str] | None = None,
        fingerprints: dict[str, str] | None = None,
    ) -> None:
        self._features: list[Feature] = list(features)
        self.sources = dict(sources or {})
        self.fingerprints = dict(fingerprints or {})  # dataset kind -> sha256 of its source files
        self._by_id: dict[str, Feature] = {}
        self._by_name: dict[str, list[Feature]] = {}
        self._top_ids = {f.id for f in self._features}
        for feature in self._features:
            self._index(feature, top_level=True)
        self._search_text = {
            f.id: (
                _norm(f.name),
                _norm(f.question),
                _norm(" ".join(v.name for v in f.values)),
                f.guideline.lower(),
            )
            for f in self._features
        }

    def _index(self, feature: Feature, top_level: bool) -> None:
        if feature.id in self._by_id:
            raise ValueError(f"duplicate feature id {feature.id}")
        self._by_id[feature.id] = feature
        self._by_name.setdefault(_norm(feature.name), []).append(feature)
        for component in feature.components:
            self._index(component, top_level=False)

    # -- container protocol ---------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._features)

    def __iter__(self) -> Iterator[Feature]:
        return iter(self._features)

    def __contains__(self, item: object) -> bool:
        if isinstance(item, Feature):
            return item.id in self._by_id
        if not isinstance(item, str):
            return False
        try:
            self.get(item)
        except UnknownFeatureError:
            return False
        return True

    def __repr__(self) -> str:
        counts = ", ".join(f"{db}: {len(self.all(db))}" for db in ("WALS", "Grambank", "composite"))
        return f"<Catalogue {counts}>"

    # -- lookup -----------------------------------------------------------------------------
    def all(self, database: str | None = None) -> list[Feature]:
        """Top-level features (composite components are reached through their composite)."""
        db = normalise_database(database)
        return [f for f in self._features if db is None or f.database == db]

    def ids(self) -> list[str]:
        return [f.id for f in self._features]

    def get(self, text: str | Feature) -> Feature:
        """The feature for an id as typed ("81A", "GB 107", "wals:81A", "polar") or a name.

        Names match case- and punctuation-insensitively, exactly or as an unambiguous substring
        of one feature's name. Raises :class:`UnknownFeatureError` with the closest matches.
        """
        if isinstance(text, Feature):
            text = text.id
        query = str(text).strip()
        if not query:
            raise UnknownFeatureError("Empty feature id: give a WALS id (81A), a Grambank id (GB107) or a name.")
        if query in self._by_id:
            return self._by_id[query]
        canonical = parse_feature_id(query)
        if canonical is not None:
            if canonical in self._by_id:
                return self._by_id[canonical]
            raise UnknownFeatureError(self._unknown_message(query, f"no feature {canonical} in the catalogue"))
        key = _norm(query)
        exact = self._by_name.get(key, [])
        if len(exact) == 1:
            return exact[0]
        if len(exact) > 1:
            top = [f for f in exact if f.id in self._top_ids]
            if len(top) == 1:
                return top[0]
            raise UnknownFeatureError(self._ambiguous_message(query, exact))
        if len(key) >= 3:
            partial = [f for f in self._features if key in _norm(f.name)]
            if len(partial) == 1:
                return partial[0]
            if len(partial) > 1:
                raise UnknownFeatureError(self._ambiguous_message(query, partial))
        raise UnknownFeatureError(self._unknown_message(query))

    def suggest(self, text: str, n: int = 5) -> list[Feature]:
        """Closest features to a mistyped id or name (difflib over ids and names, then search)."""
        keys: dict[str, str] = {}
        for f in self._by_id.values():
            for alt in short_ids(f.id):
                keys.setdefault(alt.lower(), f.id)
            keys.setdefault(f.name.lower(), f.id)
        low = text.strip().lower()
        canonical = parse_feature_id(text)
        probes = [low] + ([canonical.lower()] if canonical else [])
        out: list[str] = []
        for probe in probes:
            for match in difflib.get_close_matches(probe, list(keys), n=n * 2, cutoff=0.6):
                if keys[match] not in out:
                    out.append(keys[match])
        for f in self.search(text, limit=n):
            if f.id not in out:
                out.append(f.id)
        return [self._by_id[fid] for fid in out[:n]]

    def _unknown_message(self, query: str, reason: str = "") -> str:
        close = self.suggest(query)
        msg = f"Unknown feature '{query}'"
        if reason:
            msg += f" ({reason})"
        if close:
            msg += ". Closest matches: " + "; ".join(f"{f.id} ({f.name})" for f in close)
        return msg + ". List features with: grammar-rag features --search TEXT"

    @staticmethod
    def _ambiguous_message(query: str, matches: list[Feature]) -> str:
        shown = "; ".join(f"{f.id} ({f.name})" for f in matches[:8])
        more = f" and {len(matches) - 8} more" if len(matches) > 8 else ""
        return f"Feature '{query}' is ambiguous: it matches {shown}{more}. Use an id."

    def search(self, text: str, limit: int | None = 20, database: str | None = None) -> list[Feature]:
        """Features ranked by how well ``text`` matches id, name, question, values and guideline.

        Features whose name/question/values contain every word of ``text`` come first (parts
        of words count: "negat" finds negation); if there are none, features with every word
        somewhere incl. the guideline; if still none, features with any of the words.
        """
        pool = self.all(database)
        query = text.strip()
        if not query:
            return pool[:limit] if limit is not None else pool
        scores: dict[str, float] = {}
        canonical = parse_feature_id(query)
        key = _norm(query)
        tokens = [t for t in key.split() if t]
        for mode in ("all-in-head", "all-anywhere", "any"):
            for f in pool:
                name, question, values, guideline = self._search_text[f.id]
                score = 0.0
                if canonical and canonical == f.id:
                    score += 1000
                if key and key == name:
                    score += 500
                elif key and key in name:
                    score += 200
                elif key and key in question:
                    score += 100
                head_hits = hits = 0
                for tok in tokens:
                    t_score = 0.0
                    if tok in name:
                        t_score += 10
                    if tok in question:
                        t_score += 5
                    if tok in values:
                        t_score += 3
                    head_hits += bool(t_score)
                    if tok in guideline:
                        t_score += 1
                    hits += bool(t_score)
                    score += t_score
                if score < 100 and (
                    (mode == "all-in-head" and head_hits < len(tokens))
                    or (mode == "all-anywhere" and hits < len(tokens))
                ):
                    continue
                if score > 0:
                    scores[f.id] = score
            if scores:
                break
        order = {f.id: i for i, f in enumerate(pool)}
        ranked = sorted(scores, key=lambda fid: (-scores[fid], order[fid]))
        if limit is not None:
            ranked = ranked[:limit]
        return [self._by_id[fid] for fid in ranked]

    # -- persistence ------------------------------------------------------------------------
    def to_json(self) -> dict:
        """The bundled format: WALS + Grambank features (the composite is rebuilt on load)."""
        # WALS chapters are shared by several features (chapter 144 by 25): store each text once.
        texts: list[str] = []
        text_index: dict[str, int] = {}
        features = []
        for f in self._features:
            if f.database == "composite":
                continue
            data = f.to_dict(with_guideline=False)
            del data["guideline"]
            if f.guideline not in text_index:
                text_index[f.guideline] = len(texts)
                texts.append(f.guideline)
            data["guideline_ref"] = text_index[f.guideline]
            features.append(data)
        return {
            "format": CATALOGUE_FORMAT,
            "version": CATALOGUE_VERSION,
            "sources": self.sources,
            "fingerprints": self.fingerprints,
            "guidelines": texts,
            "features": features,
        }

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the catalogue as gzipped JSON, atomically (temp file + os.replace)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = json.dumps(self.to_json(), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        return write_gzip_atomic(path, payload)


def assemble(
    wals: list[Feature],
    grambank: list[Feature],
    sources: dict[str, str] | None = None,
    fingerprints: dict[str, str] | None = None,
) -> Catalogue:
    """Catalogue of WALS + Grambank features with the polar composite built from them."""
    wals_by_id = {f.id: f for f in wals}
    grambank_by_id = {f.id: f for f in grambank}
    composite = build_polar_composite(wals_by_id.get("WALS 116A"), grambank_by_id)
    return Catalogue([*wals, *grambank, composite], sources, fingerprints)


@dataclass
class _Bundle:
    features: list[Feature]
    sources: dict[str, str]
    fingerprints: dict[str, str]

    def of(self, database: str) -> list[Feature]:
        return [f for f in self.features if f.database == database]


def _load_bundle(path: Path = BUNDLED_CATALOGUE) -> _Bundle:
    try:
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, ValueError) as exc:
        raise DataDirError(f"Cannot read the catalogue file {path}: {exc}") from exc
    if data.get("format") != CATALOGUE_FORMAT:
        raise DataDirError(f"{path} is not a grammar-rag catalogue file")
    texts = data.get("guidelines", [])
    features = []
    for item in data["features"]:
        if "guideline_ref" in item:
            item = {**item, "guideline": texts[item["guideline_ref"]]}
        features.append(Feature.from_dict(item))
    return _Bundle(features, data.get("sources", {}), data.get("fingerprints", {}))


def load_catalogue(root: Path | None, reuse_bundle: bool = True) -> Catalogue:
    """Build a catalogue from the datasets under ``root`` (None: the bundled copy).

    A database missing under ``root`` (e.g. a benchmark-only data dir) comes from the bundle, and
    so does one whose source files are byte-identical to those the bundle was built from
    (``reuse_bundle``; parsing the WALS chapters takes seconds).
    """
    found = find_datasets(root) if root is not None else {}
    bundle = _load_bundle()
    sources = dict(bundle.sources)
    fingerprints = dict(bundle.fingerprints)
    parts: dict[str, list[Feature]] = {}
    for kind, database, loader in (
        ("wals", "WALS", load_wals_features),
        ("grambank", "Grambank", load_grambank_features),
    ):
        if kind not in found:
            if root is not None:
                log.info("no %s CLDF under %s: using the bundled catalogue for it", database, root)
            parts[database] = bundle.of(database)
            continue
        fp = fingerprint(found[kind], kind)
        if reuse_bundle and fp == bundle.fingerprints.get(kind):
            log.debug("%s sources under %s equal the bundle's: reusing it", database, found[kind])
            parts[database] = bundle.of(database)
        else:
            parts[database] = loader(found[kind])
            sources[database] = str(found[kind])
        fingerprints[kind] = fp
    return assemble(parts["WALS"], parts["Grambank"], sources, fingerprints)


_CACHE: DataRootCache[Catalogue] = DataRootCache()


def get_catalogue(data_dir: str | os.PathLike[str] | None = None) -> Catalogue:
    """The catalogue for ``data_dir`` (else ``$GRAMMAR_RAG_DATA_DIR``, else the bundled copy).

    Cached per directory (loading from CLDF parses ~150 chapter pages, unless the sources are
    the ones the bundle was built from).
    """
    return _CACHE.get(data_dir, load_catalogue)


__all__ = ["POLAR_FEATURE_ID", "Catalogue", "assemble", "get_catalogue", "load_catalogue"]

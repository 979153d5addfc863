"""Gold labels of the paper's RAG benchmark and the paper's normalisation rules.

Rules (issue 4 / the paper's evaluation):

* WALS 81A: an empty gold cell (``eather1990grammar``) counts as "No dominant order"; the
  ``baseline`` configuration drops grammars whose gold is "Not mentioned in the grammar" (the other
  configurations keep them: no option in the closed set can match, as in the paper).
* GB 107: "Not mentioned in the grammar" counts as 0.
* Polar questions: the gold cell lists strategies separated by commas; "Second position question
  particle" counts as clause-medial; "Not mentioned in the grammar" means all seven are 0; an
  empty cell is *not annotated* and the grammar is left out of that feature.
* WALS 49A: from ``annotated_benchmark_number_of_cases.csv`` (column ``Value``).
* A prediction outside the closed set (unparseable, or an abstention) counts as the *first* value
  of the paper's option list (SOV; 1; No morphological case-marking; for a polar strategy: 0, i.e.
  the strategy was not found).

Grammars are matched to paragraph files by ``Filename`` (the bibkey). Nothing here is ever passed
to a classifier: gold is read only to score.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from grammar_rag.errors import DataDirError
from grammar_rag.evaluation.io import read_csv_rows
from grammar_rag.types import Feature, FeatureValue

log = logging.getLogger(__name__)

FEATURE_KEYS = ("WALS 81A", "GB 107", "WALS 49A", "polar questions")
PARAGRAPH_FOLDERS = {"WALS 81A": "WALS_81A", "GB 107": "GB_107", "WALS 49A": "WALS_49A", "polar questions": "WALS_116A"}
CATALOGUE_IDS = {"WALS 81A": "WALS 81A", "GB 107": "GB107", "WALS 49A": "WALS 49A", "polar questions": "WALS 116A*"}
NOT_MENTIONED = "not mentioned in the grammar"

# Option lists in the order of the paper's prompts (Appendix E): the first is the fallback.
VALUES = {
    "WALS 81A": ["SOV", "SVO", "VOS", "VSO", "OVS", "OSV", "No dominant order"],
    "GB 107": ["1", "0"],
    "WALS 49A": [
        "No morphological case-marking", "2 cases", "3 cases", "4 cases", "5 cases", "6-7 cases",
        "8-9 cases", "10 or more cases", "Exclusively borderline case-marking",
    ],
}
POLAR_STRATEGIES = [
    "Interrogative intonation only", "Interrogative word order", "Clause-initial question particle",
    "Clause-final question particle", "Clause-medial question particle", "Interrogative verb morphology", "Tone",
]
POLAR_GRAMBANK = {
    "Interrogative intonation only": ("GB257", "Can polar interrogation be marked by intonation only?"),
    "Interrogative word order": ("GB260", "Can polar interrogation be indicated by a special word order?"),
    "Clause-initial question particle": ("GB262", "Is there a clause-initial polar interrogative particle?"),
    "Clause-final question particle": ("GB263", "Is there a clause-final polar interrogative particle?"),
    "Clause-medial question particle": (
        "GB264", "Is there a polar interrogative particle that most commonly occurs neither clause-initially nor clause-finally?"),
    "Interrogative verb morphology": ("GB286", "Can polar interrogation be indicated by overt verbal morphology only?"),
    "Tone": ("GB291", "Can polar interrogation be marked by tone?"),
}
POLAR_ALIASES = {"second position question particle": "Clause-medial question particle"}
QUESTIONS = {
    "WALS 81A": "What is the dominant order of subject, object and verb in declarative sentences with nominal arguments?",
    "GB 107": "Can standard negation be marked by an affix, clitic or modification of the verb?",
    "WALS 49A": "How many morphological cases do nouns have?",
    "polar questions": "Which strategies can form polar (yes-no) questions?",
}
NAMES = {
    "WALS 81A": "Order of Subject, Object and Verb",
    "GB 107": "Standard negation marked by an affix, clitic or modification of the verb",
    "WALS 49A": "Number of Cases",
    "polar questions": "Polar questions (strategies)",
}


@dataclass
class GoldItem:
    grammar_id: str
    language: str
    label: str | None = None  # single-label features
    labels: dict[str, int] = field(default_factory=dict)  # polar: strategy -> 0/1
    raw: str = ""


def _find_column(header: list[str], prefix: str) -> str:
    for col in header:
        if col.startswith(prefix) and "Pages" not in col:
            return col
    raise DataDirError(f"gold file has no column starting with {prefix!r} (columns: {', '.join(header)})")


def normalise_81a(raw: str) -> str | None:
    raw = (raw or "").strip()
    if not raw:
        return "No dominant order"
    match = _match(raw, [*VALUES["WALS 81A"], "Not mentioned in the grammar"])
    if match:
        return match
    log.warning("unrecognised WALS 81A gold %r (kept as is: no prediction can match it)", raw)
    return raw


def normalise_gb107(raw: str) -> str | None:
    raw = (raw or "").strip()
    if _key(raw) == _key(NOT_MENTIONED):
        return "0"
    if raw in {"0", "1", "0.0", "1.0"}:
        return raw[0]
    if raw:
        log.warning("unrecognised GB 107 gold %r: grammar left out of GB 107", raw)
    return None


def normalise_polar(raw: str) -> dict[str, int] | None:
    raw = (raw or "").strip()
    if not raw:
        return None  # not annotated
    labels = dict.fromkeys(POLAR_STRATEGIES, 0)
    if _key(raw) == _key(NOT_MENTIONED):
        return labels
    for part in raw.split(","):
        name = part.strip()
        if not name:
            continue
        alias = _match(name, list(POLAR_ALIASES))
        match = _match(POLAR_ALIASES[alias] if alias else name, POLAR_STRATEGIES)
        if match is None:
            log.warning("unrecognised polar-question gold strategy %r", name)
            continue
        labels[match] = 1
    return labels


def normalise_49a(raw: str) -> str | None:
    raw = (raw or "").strip()
    match = _match(raw, VALUES["WALS 49A"])
    if match is None and raw:
        log.warning("unrecognised WALS 49A gold %r: grammar left out of WALS 49A", raw)
    return match


def _key(text: str) -> str:
    """Comparison key of a label: case, spaces, hyphens and punctuation do not matter
    ("No morphological case marking" is "No morphological case-marking")."""
    return re.sub(r"[^a-z0-9]+", "", text.lower())


def _match(raw: str, options: list[str]) -> str | None:
    key = _key(raw)
    return next((v for v in options if _key(v) == key), None) if key else None


def load_gold(root: Path) -> dict[str, dict[str, GoldItem]]:
    """``{feature key: {bibkey: GoldItem}}`` from the two annotation files under ``root``.

    Either file may be absent (a held-back split may ship only the number-of-cases annotations, or
    only the main table): its features are then skipped with a warning. Both absent is an error.
    """
    main = root / "annotated_benchmark.csv"
    cases = root / "annotated_benchmark_number_of_cases.csv"
    if not main.exists() and not cases.exists():
        raise DataDirError(f"neither {main.name} nor {cases.name} found in {root}: --data-dir must contain "
                           "rag_on_grammars/ (or be it)")
    out: dict[str, dict[str, GoldItem]] = {k: {} for k in FEATURE_KEYS}
    if main.exists():
        _read_main(main, out)
    else:
        log.warning("%s not found: WALS 81A, GB 107 and polar questions are skipped", main)
    if cases.exists():
        for row in read_csv_rows(cases)[1]:
            key = (row.get("Filename") or "").strip()
            label = normalise_49a(row.get("Value", ""))
            if key and label:
                out["WALS 49A"][key] = GoldItem(key, (row.get("Language") or "").strip(), label=label,
                                                 raw=row.get("Value", ""))
    else:
        log.warning("%s not found: WALS 49A is skipped", cases)
    return out


def _read_main(path: Path, out: dict[str, dict[str, GoldItem]]) -> None:
    header, rows = read_csv_rows(path)
    c81, c107, c116 = (_find_column(header, p) for p in ("WALS 81A", "GB107", "WALS 116A"))
    for row in rows:
        key = (row.get("Filename") or "").strip()
        if not key:
            continue
        lang = (row.get("Name") or "").strip()
        label = normalise_81a(row[c81])
        if label:
            out["WALS 81A"][key] = GoldItem(key, lang, label=label, raw=row[c81])
        label = normalise_gb107(row[c107])
        if label is not None:
            out["GB 107"][key] = GoldItem(key, lang, label=label, raw=row[c107])
        labels = normalise_polar(row[c116])
        if labels is not None:
            out["polar questions"][key] = GoldItem(key, lang, labels=labels, raw=row[c116])


def score_value(prediction: str | None, choices: list[str]) -> str:
    """The paper's rule: a prediction outside the closed set counts as the first option."""
    low = (prediction or "").strip().lower()
    for c in choices:
        if c.lower() == low:
            return c
    return choices[0]


def benchmark_feature(key: str, catalogue: object | None = None) -> Feature:
    """The benchmark's Feature with the paper's option lists; question/guideline from the catalogue.

    The value lists are fixed by the paper (they define the closed set and the fallback option);
    the catalogue, when installed, contributes its guideline text (the '+CoT' part).
    """
    cat_feature = None
    if catalogue is not None:
        try:
            cat_feature = catalogue.get(CATALOGUE_IDS[key])  # type: ignore[attr-defined]
        except Exception as exc:  # the catalogue is optional for the benchmark
            log.info("catalogue has no %s (%s); using built-in definition", key, exc)
    guideline = getattr(cat_feature, "guideline", "") or ""
    if key == "polar questions":
        comps = []
        cat_comps = {c.id: c for c in getattr(cat_feature, "components", ())}
        for name in POLAR_STRATEGIES:
            gb_id, question = POLAR_GRAMBANK[name]
            cat_comp = cat_comps.get(gb_id) or cat_comps.get(gb_id.replace("GB", "GB "))
            comps.append(Feature(
                id=gb_id, database="Grambank", name=name, question=question,
                values=(FeatureValue(f"{gb_id}-1", "1", "present"), FeatureValue(f"{gb_id}-0", "0", "absent")),
                guideline=getattr(cat_comp, "guideline", "") or "",
            ))
        return Feature(id="WALS 116A*", database="composite", name=NAMES[key], question=QUESTIONS[key],
                       guideline=guideline, components=tuple(comps))
    prefix = {"WALS 81A": "81A", "GB 107": "GB107", "WALS 49A": "49A"}[key]
    values = tuple(FeatureValue(f"{prefix}-{v}", v) for v in VALUES[key])
    return Feature(
        id=CATALOGUE_IDS[key], database="Grambank" if key == "GB 107" else "WALS", name=NAMES[key],
        question=getattr(cat_feature, "question", "") or QUESTIONS[key], values=values, guideline=guideline,
    )


def without_guideline(feature: Feature) -> Feature:
    return replace(feature, guideline="", components=tuple(without_guideline(c) for c in feature.components))

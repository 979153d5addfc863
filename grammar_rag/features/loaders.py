"""Build :class:`Feature` objects from the WALS and Grambank CLDF datasets.

WALS has no question per feature, so one is synthesised from the feature name (it is what an
LLM prompt and a query builder need); its guideline is the chapter text (HTML stripped), with
the chapter's value-table placeholder replaced by the feature's values. Grambank features are
questions already; their guideline is the coding-guideline Markdown as plain text.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from pathlib import Path

from grammar_rag.features.cldf import read_table, require_table, table_path
from grammar_rag.features.guidelines import html_to_text, markdown_to_text
from grammar_rag.types import Feature, FeatureValue

log = logging.getLogger(__name__)

# Names that read as "<noun phrase> of <something>" take "What is the ... ?"
_WHAT_IS_HEADS = (
    "order", "position", "number", "locus", "alignment", "coding", "occurrence", "presence",
    "absence", "fusion", "exponence", "expression", "productivity", "relationship", "inflectional",
    "syllable", "voicing", "overlap", "distance", "consonant-vowel", "obligatory possessive",
)
_KEEP_CASE = {"Africa", "West", "Pama-Nyungan", "Sign", "I", "'Give'", "'Finger'", "'Hand'"}


def _is_plain_capitalised(word: str) -> bool:
    """"Order", "Verb-Initial", "Sex-based" (not "SOV", "M-T", "NegSVO", "A")."""
    parts = word.split("-")
    first = parts[0]
    if len(first) < 2 or not (first[0].isupper() and first[1:].islower()):
        return False
    return all(len(p) > 1 and p[1:].islower() and p[0].isalpha() for p in parts[1:])


def _lower_words(name: str) -> str:
    """Lower-case ordinary words but keep abbreviations (SOV, NegSVO, M-T, A, P) and proper nouns."""
    words = []
    for word in name.split(" "):
        core = word.strip(",.;:()")
        if core in _KEEP_CASE and core not in {"I"}:
            words.append(word)
        elif _is_plain_capitalised(core):
            words.append(word.lower())
        else:
            words.append(word)
    return " ".join(words)


def wals_question(name: str) -> str:
    """A natural question for a WALS feature name.

    "Order of Subject, Object and Verb" -> "What is the order of subject, object and verb in
    this language?"; "Polar Questions" -> "What type of polar questions does this language have?"
    """
    phrase = _lower_words(name.strip())
    phrase = re.sub(r"^the\s+", "", phrase, flags=re.I)
    low = phrase.lower()
    if low.startswith("languages with "):
        return f"Does this language have {phrase[len('languages with '):]}?"
    if any(low.startswith(head) for head in _WHAT_IS_HEADS):
        return f"What is the {phrase} in this language?"
    return f"What type of {phrase} does this language have?"


def _wals_chapter_text(dataset: Path, chapter_id: str, placeholders: dict[str, str]) -> str:
    for base in (dataset, dataset.parent, dataset / "cldf"):
        path = base / "chapters" / f"chapter_{chapter_id}.html"
        if path.is_file():
            return html_to_text(path.read_text(encoding="utf-8", errors="replace"), placeholders)
    log.warning("WALS chapter %s not found under %s; guideline left empty", chapter_id, dataset)
    return ""


def _values_placeholder(values: list[FeatureValue]) -> str:
    return "\n".join(f"{v.number}. {v.name}" if v.number is not None else v.name for v in values)


def _int_or_none(text: str | None) -> int | None:
    try:
        return int(text) if text not in (None, "") else None
    except ValueError:
        return None


def load_codes(dataset: Path) -> dict[str, list[FeatureValue]]:
    """Values per parameter id from ``codes.csv`` (ordered by Number, then file order)."""
    codes: dict[str, list[FeatureValue]] = defaultdict(list)
    path = table_path(dataset, "codes.csv")
    if path is None:
        return codes
    for row in read_table(path):
        codes[row["Parameter_ID"]].append(
            FeatureValue(
                code=row["ID"],
                name=row.get("Name", "") or row["ID"],
                description=(row.get("Description") or "").strip(),
                number=_int_or_none(row.get("Number") or row.get("Name")),
            )
        )
    for pid, vals in codes.items():
        codes[pid] = sorted(vals, key=lambda v: (v.number is None, v.number or 0))
    return codes


def load_wals_features(dataset: Path) -> list[Feature]:
    """All WALS parameters as Features, guideline = chapter text."""
    codes = load_codes(dataset)
    params = list(read_table(require_table(dataset, "parameters.csv")))
    by_chapter: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in params:
        by_chapter[row.get("Chapter_ID") or ""].append(row)
    chapter_text: dict[str, str] = {}
    for chapter_id, rows in by_chapter.items():
        if not chapter_id:
            continue
        placeholders = {f"__values_{r['ID']}__": _values_placeholder(codes.get(r["ID"], [])) for r in rows}
        chapter_text[chapter_id] = _wals_chapter_text(dataset, chapter_id, placeholders)
    features = []
    for row in params:
        pid = row["ID"]
        name = row["Name"].strip()
        features.append(
            Feature(
                id=f"WALS {pid}",
                database="WALS",
                name=name,
                question=wals_question(name),
                values=tuple(codes.get(pid, [])),
                guideline=chapter_text.get(row.get("Chapter_ID") or "", "")
                or markdown_to_text(row.get("Description") or ""),
            )
        )
    return features


def load_grambank_features(dataset: Path) -> list[Feature]:
    """All Grambank parameters as Features, name = question, guideline = coding guideline."""
    codes = load_codes(dataset)
    features = []
    for row in read_table(require_table(dataset, "parameters.csv")):
        pid = row["ID"]
        name = row["Name"].strip()
        features.append(
            Feature(
                id=pid,
                database="Grambank",
                name=name,
                question=name,
                values=tuple(codes.get(pid, [])),
                guideline=markdown_to_text(row.get("Description") or ""),
            )
        )
    return features

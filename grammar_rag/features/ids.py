"""Parse feature ids the way users type them into canonical ids.

Canonical forms: ``"WALS 81A"``, ``"GB107"``, ``"WALS 116A*"`` (the paper's polar-question
composite). Accepted spellings include ``81A``, ``wals 81a``, ``WALS:81A``, ``WALS_81A`` (the
paper's folder names), ``GB 107``, ``gb107``, ``GB_107``, ``grambank:GB107`` and the composite's
aliases ``polar`` / ``polar questions``. Names are resolved by the catalogue, not here.
"""

from __future__ import annotations

import re

POLAR_FEATURE_ID = "WALS 116A*"

_POLAR_ALIASES = {
    "polar",
    "polar question",
    "polar questions",
    "polar interrogation",
    "polar interrogatives",
    "yes/no questions",
    "yes-no questions",
    "116a*",
    "wals 116a*",
}

_WALS_RE = re.compile(r"^(?:wals(?:\s*online)?\s*[:_\-\s]?\s*)?(?:feature\s*)?(\d{1,3})\s*([a-z])\s*(\*?)$")
_GB_RE = re.compile(r"^(?:grambank\s*[:_\-\s]\s*)?gb\s*[:_\-\s]?\s*(\d{1,3})$")
_GB_NUM_RE = re.compile(r"^grambank\s*[:_\-\s]\s*(\d{1,3})$")
_COMPONENT_RE = re.compile(r"^(.*\*)\s*[:/]\s*(.+)$")


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().lower())


def parse_feature_id(text: str) -> str | None:
    """Canonical id for an id-like string, or None when ``text`` does not look like an id.

    >>> parse_feature_id("wals:81a")
    'WALS 81A'
    >>> parse_feature_id("GB 7")
    'GB007'
    """
    low = _norm(text)
    if not low:
        return None
    if low in _POLAR_ALIASES:
        return POLAR_FEATURE_ID
    comp = _COMPONENT_RE.match(low)
    if comp:
        parent = parse_feature_id(comp.group(1))
        child = parse_feature_id(comp.group(2))
        if parent == POLAR_FEATURE_ID and child and child.startswith("GB"):
            return component_id(child)
        return None
    match = _WALS_RE.match(low)
    if match:
        number, letter, star = match.groups()
        return f"WALS {int(number)}{letter.upper()}{star}"
    match = _GB_RE.match(low) or _GB_NUM_RE.match(low)
    if match:
        return f"GB{int(match.group(1)):03d}"
    return None


def component_id(grambank_id: str) -> str:
    """Id of a polar-question composite component, e.g. ``"WALS 116A*:GB262"``."""
    return f"{POLAR_FEATURE_ID}:{grambank_id}"


def short_ids(feature_id: str) -> list[str]:
    """Alternative spellings of a canonical id used for fuzzy suggestions ("81A", "GB107")."""
    if feature_id.startswith("WALS "):
        return [feature_id, feature_id[5:]]
    return [feature_id]

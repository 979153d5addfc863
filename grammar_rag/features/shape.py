"""The shape of a feature, read off its catalogue entry: binary, order, count, multi-value.

Why one home: the query builders (:mod:`grammar_rag.rerank.queries`) choose value-term generators
from a feature's shape, and the classifier's cue families (:mod:`grammar_rag.classify.cues`)
choose themselves by it in ``applies()``. Both read it here, from the feature alone (value names,
descriptions, question), never from a grammar or a feature id.

Two readings of "binary" exist and are kept apart because each is part of a measured figure:

* :func:`is_binary` (cue families): the value *names* are exactly one of the pairs of
  :data:`BINARY_VALUE_SETS` ({"0", "1"}, {"absent", "present"}, ...);
* :func:`is_binary_by_label` (query builders): every value's *label* (description, else name) is
  a presence word ("present", "yes", "1", ...) or "?", at most three values.

Orders and counts likewise have a query-side parser of one value (:func:`order_parse`,
:func:`count_parse`: the phrases a grammar asserts them with) and a classifier-side map over the
whole value set (:func:`order_values`, :func:`count_bins`: which value a stated order or number
selects).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from grammar_rag.text.ocr_repair import ocr_numeral
from grammar_rag.types import Feature, FeatureValue

# --- binary -----------------------------------------------------------------------------------

BINARY_VALUE_SETS = (
    {"0", "1"},
    {"absent", "present"},
    {"no", "yes"},
    {"false", "true"},
)


def is_binary(feature: Feature) -> bool:
    names = {v.name.strip().lower() for v in feature.values}
    return any(names == s for s in BINARY_VALUE_SETS)


def positive_value(feature: Feature) -> str:
    """The value name meaning 'present' in a binary feature ("1", "present", "yes"...)."""
    for v in feature.values:
        if v.name.strip().lower() in {"1", "present", "yes", "true"}:
            return v.name
    return feature.values[-1].name


def negative_value(feature: Feature) -> str:
    for v in feature.values:
        if v.name.strip().lower() in {"0", "absent", "no", "false"}:
            return v.name
    return feature.values[0].name


def is_binary_by_label(feature: Feature) -> bool:
    labels = {(v.description or v.name).strip().lower() for v in feature.values}
    return bool(feature.values) and labels <= {"absent", "present", "yes", "no", "0", "1", "?"} and len(
        feature.values
    ) <= 3


# --- constituent orders ------------------------------------------------------------------------

def order_values(feature: Feature) -> dict[str, str]:
    """Map 'SOV'-style orders to the feature's value names ({} if not an order feature).

    Works for the three-role feature (81A: SOV, SVO...) and the two-role ones (82A: SV/VS,
    83A: OV/VO): every statement is read as a full S/O/V order and projected onto the roles the
    feature asks about ("the order is SOV" means OV for 83A and SV for 82A).
    """
    own: dict[str, str] = {}
    for v in feature.values:
        key = v.name.strip().upper()
        if 2 <= len(key) <= 3 and len(set(key)) == len(key) and set(key) <= set("SOV") and "V" in key:
            own[key] = v.name
    if len(own) < 2 or len({len(k) for k in own}) != 1:
        return {}
    roles = set(next(iter(own)))
    out: dict[str, str] = {}
    for perm in itertools.permutations("SOV"):
        projected = "".join(ch for ch in perm if ch in roles)
        if projected in own:
            out["".join(perm)] = own[projected]
    return out


def no_dominant_value(feature: Feature) -> str | None:
    for v in feature.values:
        low = v.name.lower()
        if ("no " in low or "lacking" in low or "free" in low) and "order" in low:
            return v.name
    return None


def order_parse(value: FeatureValue) -> tuple[list[str], str] | None:
    """("Subject-object-verb (SOV)") -> (["subject", "object", "verb"], "SOV") when aligned."""
    for text in (value.description, value.name):
        m = _ORDER_DESC_RE.match(text or "")
        if m:
            parts = [p.strip().lower() for p in re.split(r"[-–]", m.group(1))]
            abbrev = m.group(2)
            if len(parts) == len(abbrev) or len(parts) == sum(1 for c in abbrev if c.isupper()):
                return parts, abbrev
    name = value.name.strip()
    if re.fullmatch(r"[A-Z][a-z]*(?:-[A-Z]?[a-z]+)+", name):  # "Adjective-Noun"
        parts = [p.lower() for p in name.split("-")]
        return parts, ""
    return None


# --- counts -----------------------------------------------------------------------------------

# number words -> numbers (reading a stated count) and numbers -> words (writing the phrases that
# assert a count); 0 has a name but is never read as a count
NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
}
NUMBER_NAMES = {
    0: "zero", 1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven",
    8: "eight", 9: "nine", 10: "ten", 11: "eleven", 12: "twelve", 13: "thirteen", 14: "fourteen",
    15: "fifteen", 16: "sixteen", 17: "seventeen", 18: "eighteen", 19: "nineteen", 20: "twenty",
}
_ORDER_DESC_RE = re.compile(r"^\s*([A-Za-z]+(?:\s*[-–]\s*[A-Za-z]+)+)\s*\(([A-Z][A-Za-z]{1,5})\)")
_COUNT_RE = re.compile(r"^\s*(\d+)\s*(?:[-–]\s*(\d+)|(or more))?\s+([A-Za-z][\w -]*)$")
NEGATIVE_VALUE_RE = re.compile(r"^\s*(no|none|lacking|absence of|without)\b", re.IGNORECASE)


@dataclass(frozen=True)
class CountBin:
    value: str
    low: int
    high: int  # inclusive; large for "N or more"


def count_bins(feature: Feature) -> tuple[str, list[CountBin], str | None, str | None]:
    """(counted noun, numeric bins, zero value, 'borderline'/other non-numeric value).

    Values may carry the noun ("2 cases", "10 or more cases") or be bare numbers/number words
    ("Two", "Five or more", "None"), in which case the noun comes from the feature name
    ("Number of Genders").
    """
    bins: list[CountBin] = []
    noun = ""
    zero = other = None
    num = r"(\d+|" + "|".join(NUMBER_WORDS) + r")"
    for v in feature.values:
        name = v.name.strip()
        more = re.match(r"^" + num + r"\s+or\s+more\b\s*(\w*)", name, re.I)
        rng = re.match(r"^" + num + r"\s*(?:-|–|to)\s*" + num + r"\b\s*(\w*)", name, re.I)
        one = re.match(r"^" + num + r"\b\s*(\w*)$", name, re.I)
        if more:
            bins.append(CountBin(v.name, as_count(more.group(1)) or 0, 10**6))
            noun = noun or more.group(2)
        elif rng:
            bins.append(CountBin(v.name, as_count(rng.group(1)) or 0, as_count(rng.group(2)) or 0))
            noun = noun or rng.group(3)
        elif one:
            n = as_count(one.group(1)) or 0
            bins.append(CountBin(v.name, n, n))
            noun = noun or one.group(2)
        elif name.lower().startswith(("no ", "none", "absent")):
            zero = v.name
        else:
            other = v.name
    if not noun:
        m = re.search(r"\bnumber of (\w+)", feature.name, re.I)
        noun = m.group(1) if m else ""
    return noun.lower(), bins, zero, other


def bin_for(count: int, bins: list[CountBin]) -> str | None:
    for b in bins:
        if b.low <= count <= b.high:
            return b.value
    if bins and count > max(b.high for b in bins):
        return max(bins, key=lambda b: b.high).value
    if bins and count < min(b.low for b in bins):
        return min(bins, key=lambda b: b.low).value
    return None


def as_count(token: str) -> int | None:
    """A count written in digits, as a word ("six"), or in digits OCR misread ("l2": 12)."""
    token = token.lower()
    if token.isdigit():
        return int(token)
    return NUMBER_WORDS.get(token, ocr_numeral(token))


def count_parse(value: FeatureValue) -> tuple[list[int], str, bool] | None:
    m = _COUNT_RE.match(value.name)
    if not m:
        return None
    lo = int(m.group(1))
    hi = int(m.group(2)) if m.group(2) else lo
    more = bool(m.group(3))
    noun = m.group(4).strip().split()[0]
    nums = list(range(lo, (lo + 5 if more else hi) + 1))
    return nums, noun, more


def singular(noun: str) -> str:
    if noun.endswith("ies"):
        return noun[:-3] + "y"
    if noun.endswith(("sses", "xes", "ches", "shes")):
        return noun[:-2]
    if noun.endswith("s") and not noun.endswith("ss"):
        return noun[:-1]
    return noun

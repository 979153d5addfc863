"""Features the catalogue defines from other features.

Why: WALS codes some features as functions of others, and a reader that answers them separately
contradicts itself (Rapa Nui read "VSO" for 81A and "No dominant order" for 83A). Two kinds, both
read off the catalogue itself, never off a particular grammar:

* **combinations** — "Relationship between the Order of Object and Verb and the Order of Adjective
  and Noun" (WALS 95A–97A) crosses two features ("Order of Object and Verb", "Order of Adjective
  and Noun"); each value's description names its parts ("Object-verb and adjective-noun
  (OV&AdjN)"), and every other combination is the value "Other" (chapter 97: "languages not
  falling into one of the preceding four types").
* **implications** — a dominant order of S, O and V (WALS 81A, "SOV") fixes the order of each two of
  them (82A "SV", 83A "OV"; chapters 82–83 code languages with a dominant 81A order accordingly).
  Where the three-way order has no dominant value, the two-way feature is read on its own. Likewise
  a language without morphological case (49A) has no case marking to be syncretic (28A) or
  asymmetric (50A), and neutral alignment of full noun phrases (98A). And a feature of the same
  chapter whose value is another's value "dominant" ("Noun-Relative clause (NRel) dominant", WALS
  90C) holds where that other feature has the value (90A "Noun-Relative clause"): chapter 90 codes
  90B-90G from 90A's classification. Likewise a feature listing some of a sibling's types plus "None"
  (143E "Preverbal Negative Morphemes": NegV, [Neg-V], None; 143G the minor means) is coded from the
  sibling's type (143A "NegV" -> 143E "NegV", 143F "None", 143G "None").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from grammar_rag.types import Feature, FeatureValue

_RELATIONSHIP = re.compile(r"^relationship between the (order of .+?) and the (order of .+)$", re.I)
_PARTS = re.compile(r"\(([^()]+&[^()]+)\)\s*$")
_ORDER = re.compile(r"^[SOV]{2,3}$")


@dataclass(frozen=True)
class Derivation:
    """How ``feature_id``'s value follows from its ``components``' values.

    ``table`` maps the components' value names (in order) to the derived value name. A
    combination with a component answered outside the table takes ``other``; an implication
    (``implied``) whose source value is not in the table is read on its own instead."""

    feature_id: str
    components: tuple[str, ...]
    table: dict[tuple[str, ...], str] = field(hash=False)
    other: str | None
    implied: bool

    @property
    def reliability(self) -> float:
        """How often the rule holds among WALS languages coding all its features (``RELIABILITY``)."""
        return RELIABILITY.get(self.feature_id, 0.0)


# Share of WALS languages coding a derived feature and its components whose value the rule gives
# (where it gives one): a parameter measured once on WALS, never a WALS value looked up for the
# language at hand. ``agreement`` recomputes it; tests/test_derived_features.py checks these numbers
# against the bundled WALS values. 98A/50A fall short of 1.0 where nouns lack case but pronouns or
# some nouns mark it: a derived answer's confidence is multiplied by its rule's reliability.
RELIABILITY: dict[str, float] = {
    "WALS 28A": 0.908, "WALS 50A": 0.81, "WALS 82A": 0.971, "WALS 83A": 0.997,
    "WALS 90B": 1.0, "WALS 90C": 1.0, "WALS 95A": 1.0, "WALS 96A": 1.0, "WALS 97A": 1.0, "WALS 98A": 0.838,
    "WALS 143E": 1.0, "WALS 143F": 1.0, "WALS 143G": 1.0, "WALS 51A": 0.871,
}


def agreement(d: Derivation, languages: Iterable[Mapping[str, str]]) -> tuple[int, int]:
    """(languages the rule applies to, languages where it gives WALS's value), over value-name maps
    ``{feature id: value name}`` of WALS languages. For measuring ``RELIABILITY`` only."""
    applies = agrees = 0
    for values in languages:
        if d.feature_id not in values or any(c not in values for c in d.components):
            continue
        out = derived_value(d, tuple(values[c] for c in d.components))
        if out is not None:
            applies += 1
            agrees += out.lower() == values[d.feature_id].lower()
    return applies, agrees


def _abbreviation(value: FeatureValue) -> str | None:
    m = re.search(r"\(([A-Za-z]+)\)\s*$", value.description)
    return m.group(1) if m else None


def _component_value(component: Feature, part: str) -> str | None:
    """The component's value a combination's part names ("AdjN" -> "Adjective-Noun", "Postp" ->
    "Postpositions"): by the abbreviation in its description, its name, or a prefix of its name."""
    key = part.strip().lower()
    for v in component.values:
        abbr = _abbreviation(v)
        if (abbr and abbr.lower() == key) or v.name.lower() == key:
            return v.name
    hits = [v.name for v in component.values if v.name.lower().startswith(key)]
    return hits[0] if len(hits) == 1 else None


def _combination(feature: Feature, by_name: dict[str, Feature]) -> Derivation | None:
    m = _RELATIONSHIP.match(feature.name.strip())
    if not m:
        return None
    components = [by_name.get(m.group(k).lower()) for k in (1, 2)]
    if any(c is None for c in components):
        return None
    first, second = components
    assert first is not None and second is not None
    table: dict[tuple[str, ...], str] = {}
    other = None
    for v in feature.values:
        parts = _PARTS.search(v.description)
        if not parts:
            if v.name.strip().lower() == "other":
                other = v.name
            continue
        a, b = parts.group(1).split("&", 1)
        names = (_component_value(first, a), _component_value(second, b))
        if names[0] and names[1]:
            table[(names[0], names[1])] = v.name
    if len(table) < 2:
        return None
    return Derivation(feature.id, (first.id, second.id), table, other, implied=False)


def _implication(feature: Feature, sources: list[Feature]) -> Derivation | None:
    """Two-element orders ("SV", "VS") implied by a three-element order feature ("SOV")."""
    orders = [v.name for v in feature.values if _ORDER.match(v.name)]
    if len(orders) < 2 or any(len(o) != 2 for o in orders):
        return None
    letters = set("".join(orders))
    for source in sources:
        table: dict[tuple[str, ...], str] = {}
        for v in source.values:
            if _ORDER.match(v.name) and len(v.name) == 3:
                projected = "".join(ch for ch in v.name if ch in letters)
                if projected in orders:
                    table[(v.name,)] = projected
        if len(table) >= 2:
            return Derivation(feature.id, (source.id,), table, None, implied=True)
    return None


_DOMINANT = re.compile(r"^(.+?)\s*(?:\([A-Za-z]+\)\s*)?dominant$", re.I)


def _plain_name(name: str) -> str:
    return " ".join(re.sub(r"[-–]", " ", name).lower().split())


def _chapter(feature: Feature) -> str:
    return feature.id.split()[-1].rstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _dominant(feature: Feature, siblings: list[Feature]) -> Derivation | None:
    """"<value> (ABBR) dominant" of a feature whose chapter sibling has exactly that value (WALS 90C's
    "Noun-Relative clause (NRel) dominant" from 90A's "Noun-Relative clause"). Exact names only:
    "Internally-headed relative clause dominant" (90D) against 90A's "Internally headed" is left
    out, as a reading that could name a different construction."""
    for source in siblings:
        if source.id == feature.id or _chapter(source) != _chapter(feature):
            continue
        names = {_plain_name(v.name): v.name for v in source.values}
        table: dict[tuple[str, ...], str] = {}
        for v in feature.values:
            m = _DOMINANT.match(v.name.strip())
            if m and _plain_name(m.group(1)) in names:
                table[(names[_plain_name(m.group(1))],)] = v.name
        if table:
            return Derivation(feature.id, (source.id,), table, None, implied=True)
    return None


def _none_named(feature: Feature) -> str | None:
    return next((v.name for v in feature.values if v.name.strip().lower() == "none"), None)


def _subtypes(feature: Feature, siblings: list[Feature]) -> Derivation | None:
    """A feature that lists some of a chapter sibling's types plus "None" (WALS 143E "Preverbal
    Negative Morphemes": NegV, [Neg-V], ..., None; 143F the postverbal ones; 143G the minor means,
    none of them simple types) is coded from that sibling's classification: a type it lists is
    itself, any other type that such a sibling lists is "None". Only the types the chapter's lists
    share with the sibling (143A's four simple types) are mapped; its mixed types are read on their own."""
    none = _none_named(feature)
    if none is None:
        return None
    own = {v.name for v in feature.values}
    for source in siblings:
        if source.id == feature.id or _chapter(source) != _chapter(feature):
            continue
        names = {v.name for v in source.values}
        # the sibling's types each "None" feature of the chapter lists (143E: NegV, [Neg-V]; 143F: VNeg, [V-Neg])
        lists = [shared for s in siblings if _chapter(s) == _chapter(feature) and s.id != source.id
                 and _none_named(s) is not None and len(shared := {v.name for v in s.values} & names) >= 2]
        listed = set().union(*lists)
        # ``feature`` is one of those lists, or lists none of the sibling's types (143G's minor means)
        if len(lists) < 2 or (own & names and own & names not in lists):
            continue
        table: dict[tuple[str, ...], str] = {(t,): t if t in own else none for t in sorted(listed)}
        return Derivation(feature.id, (source.id,), table, None, implied=True)
    return None


# "No case-marking" (50A), "No case marking" (28A), "No case affixes or adpositional clitics" (51A:
# chapter 49 codes clitic case markers as borderline case, so a language without any has neither)
_NO_CASE = re.compile(r"\bno (?:morphological |inflectional )?case(?:[- ]marking| affixes)\b|\bcase marking is absent\b", re.I)
_CASE_COUNT = re.compile(r"^number of cases$", re.I)
_NEUTRAL_NP_ALIGNMENT = re.compile(r"^alignment of case marking of full noun phrases$", re.I)


def _case_absence(feature: Feature, sources: list[Feature]) -> Derivation | None:
    """A language without morphological case (WALS 49A) has "No case marking" in the features that
    code case marking (28A syncretism, 50A asymmetry, 51A position of case affixes) and neutral alignment of full noun phrases
    (98A: chapter 98 codes languages whose nouns mark no case as neutral). Other values of the
    count imply nothing here: those features are read on their own."""
    for source in sources:
        absent = next((v.name for v in source.values if _NO_CASE.search(v.name)), None)
        if absent is None or source.id == feature.id:
            continue
        if _NEUTRAL_NP_ALIGNMENT.match(feature.name.strip()):
            value = next((v.name for v in feature.values if v.name.strip().lower() == "neutral"), None)
        else:
            value = next((v.name for v in feature.values if _NO_CASE.search(f"{v.name} {v.description}")), None)
        if value is not None:
            table: dict[tuple[str, ...], str] = {(absent,): value}
            return Derivation(feature.id, (source.id,), table, None, implied=True)
    return None


def derivations(features: Iterable[Feature]) -> dict[str, Derivation]:
    """Every derivation among ``features`` (a catalogue's WALS features), by derived feature id."""
    features = tuple(features)
    by_name = {f.name.strip().lower(): f for f in features if f.id.startswith("WALS ")}
    sources = [f for f in features if f.id.startswith("WALS ")
               and sum(1 for v in f.values if _ORDER.match(v.name) and len(v.name) == 3) >= 3]
    case_counts = [f for f in features if f.id.startswith("WALS ") and _CASE_COUNT.match(f.name.strip())]
    wals = [f for f in features if f.id.startswith("WALS ") and not f.multi_label]
    out: dict[str, Derivation] = {}
    for f in features:
        if not f.id.startswith("WALS ") or f.multi_label:
            continue
        d = (_combination(f, by_name) or _implication(f, sources) or _case_absence(f, case_counts)
             or _dominant(f, wals) or _subtypes(f, wals))
        if d is not None:
            out[f.id] = d
    return out


def derived_value(d: Derivation, component_values: tuple[str, ...]) -> str | None:
    """The derived value for the components' answered values (None: an implication that does not
    hold, so the feature is read on its own)."""
    hit = d.table.get(component_values)
    if hit is not None:
        return hit
    return None if d.implied else d.other

"""Phrase templates: the order of a phrase's elements written as a sequence.

Why: besides prose ("adjectives follow the noun"), grammars state the order inside a phrase as a
template: "Demonstrative – Article – Numeral – Adjective – Noun", "NP → (Dem) N (Adj) (RelCl)",
"DEM NUM N ADJ". WALS chapters 86–90 define their values by exactly such linear orders of an element
and the noun (chapter 87: "the order of adjective and noun"), so two elements' positions in a
template give the value directly. A template is three or more items, each a phrase-element name or
its usual abbreviation (optionally bracketed, or two names joined by "/"), joined by dashes, "+",
arrows or spaces; every item must name an element, so a dashed gloss ("3SG-see-PST") or a
compound ("noun–adjective compounds") is no template.
"""

from __future__ import annotations

import re
from functools import lru_cache

# Element -> the words and abbreviations grammars use for it in templates (Leipzig-style and
# spelled out). Elements outside WALS's pairs (article, classifier ...) may fill a template's slots.
ELEMENT_NAMES: dict[str, tuple[str, ...]] = {
    "noun": ("noun", "head noun", "head", "N", "NOUN", "Nhead", "Noun"),
    "adjective": ("adjective", "adjectives", "Adj", "ADJ", "AdjP", "ADJP", "Adjective"),
    "demonstrative": ("demonstrative", "demonstratives", "Dem", "DEM", "Demonstrative"),
    "numeral": ("numeral", "numerals", "Num", "NUM", "Numeral", "cardinal", "Card"),
    "relative clause": ("relative clause", "relative", "RelCl", "RelC", "REL", "Rel", "RC", "Relative clause"),
    "genitive": ("genitive", "possessor", "Gen", "GEN", "Poss", "POSS", "Possessor", "Genitive"),
    "degree word": ("degree word", "intensifier", "Deg", "DEG"),
}
FILLERS: tuple[str, ...] = (
    "article", "definite article", "indefinite article", "Art", "ART", "determiner", "Det", "DET", "quantifier",
    "Q", "QUANT", "Quant", "classifier", "CL", "Cl", "CLF", "plural", "PL", "plural marker", "case", "case marker",
    "K", "modifier", "Mod", "MOD", "possessive", "PP", "postposition", "preposition",
)
_LOWER_OK = {n for names in ELEMENT_NAMES.values() for n in names if n.islower()} | {f for f in FILLERS if f.islower()}


def _name_pattern() -> str:
    names = sorted({*FILLERS, *(n for names in ELEMENT_NAMES.values() for n in names)}, key=len, reverse=True)
    alts = []
    for n in names:
        # spelled-out names in any case ("Numeral", "numeral"); abbreviations exactly as written
        alts.append(r"(?i:" + re.escape(n) + r")" if n in _LOWER_OK else re.escape(n))
    return "(?:" + "|".join(alts) + ")"


_NAME = _name_pattern()
_NAMES = _NAME + r"(?:\s*/\s*" + _NAME + r")*"
# a slot: a name (or names joined by "/"), bare or in balanced brackets; any other bracketed word is
# an optional slot of some other element ("(Demonstrative) HEAD (Qualifier)")
_ITEM = r"(?:\[" + _NAMES + r"\]|\(" + _NAMES + r"\)|" + _NAMES + r"|\((?-i:[A-Za-z]+)\)|\[(?-i:[A-Za-z]+)\])"
_SEP = r"(?:\s*(?:[-–—+]|->|→)\s*|\s+)"
_TEMPLATE = re.compile(r"(?<![\w-])" + _ITEM + r"(?:" + _SEP + _ITEM + r"){2,}(?![\w-])")
_ITEM_RE = re.compile(_ITEM)
_SPACES_ONLY = re.compile(r"^" + _ITEM + r"(?:\s+" + _ITEM + r")+$")


_ELEMENT_OF = {n.lower(): element for element, names in ELEMENT_NAMES.items() for n in names}


def _elements(item: str) -> set[str]:
    """The pair elements one template slot names ("[Numeral/Quantifier]" -> {"numeral"})."""
    parts = re.split(r"\s*/\s*", item.strip("[]() "))
    return {e for e in (_ELEMENT_OF.get(p.strip().lower()) for p in parts) if e}


@lru_cache(maxsize=8192)
def templates(text: str) -> tuple[tuple[tuple[frozenset[str], ...], str], ...]:
    """Every template in ``text``: its slots (the elements each names, in order) and the matched text.

    A space-separated template must be abbreviations or bracketed slots ("DEM NUM N ADJ",
    "(Dem) N (Adj)"): three spelled-out nouns in a row are prose ("the head noun adjective ...")."""
    out = []
    for m in _TEMPLATE.finditer(text):
        span = m.group(0)
        items = [i.group(0) for i in _ITEM_RE.finditer(span)]
        if len(items) < 3:
            continue
        if _SPACES_ONLY.match(span) and any(i[0].islower() for i in items):
            continue
        slots = tuple(frozenset(_elements(i)) for i in items)
        if sum(1 for s in slots if s) < 2:
            continue
        out.append((slots, span))
    return tuple(out)


def order_in(text: str, first: str, second: str) -> tuple[bool, str] | None:
    """(``first`` comes before ``second``, matched template) for the first template naming both."""
    for slots, span in templates(text):
        pos_a = next((k for k, s in enumerate(slots) if first in s), None)
        pos_b = next((k for k, s in enumerate(slots) if second in s), None)
        if pos_a is not None and pos_b is not None and pos_a != pos_b:
            return pos_a < pos_b, span
    return None

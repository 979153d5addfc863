"""Order of two elements (WALS 86A-90A-like: "Adjective-Noun" / "Noun-Adjective" / "No dominant order").

The two elements are read off the value names: a feature qualifies when two of its values name the
same pair in both orders ("Genitive-Noun", "Noun-Genitive"). Grammars state such orders in prose far
more often than with the value names themselves: "adjectives follow the noun they modify", "the
possessor precedes the possessed noun", "the head noun is followed by the relative clause",
"prenominal demonstratives", "numerals come after the noun", or with the abbreviations of the value
descriptions ("NAdj", "GenN"). Each statement is weighted like the other families' (retrieval rank,
assertion strength, a weakener such as "sometimes" or "marked", negation, statements about other
languages or languages in general, conditions such as "when numerals follow the noun, ...").
"May precede or follow the noun" is evidence for the value meaning no dominant order ("in any
order" is not: it is as often about the clause, or about several modifiers among themselves).
Values outside the pair ("Only internally-headed relative clauses", "Demonstrative prefix",
"Correlative") are left to the reader's judgement: this family never chooses them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from grammar_rag.classify.aggregate import Cue, Decision, vote
from grammar_rag.classify.cues.base import CueContext
from grammar_rag.classify.cues.phrase_template import order_in
from grammar_rag.classify.statements import (
    Sentence,
    negated_before,
    rank_weight,
    statement_strength,
    weakened,
)
from grammar_rag.features.shape import is_binary
from grammar_rag.text.lexicons import ELEMENT_SYNONYMS, LANGUAGES_IN_GENERAL, NEGATED_SPAN
from grammar_rag.text.ocr_repair import english_words
from grammar_rag.types import Feature, FeatureValue

# "with a following noun" is an attribute of the element, read by its own pattern (:func:`_patterns`)
_NOT_WITH = r"(?<!\bwith a )(?<!\bwith an )(?<!\bwith the )(?<!\bwith its )(?<!\bwith their )"
_BEFORE = r"(?:precedes?|" + _NOT_WITH + r"preceding|(?:comes?|occurs?|appears?|stands?|goes|go|is placed|are placed|is positioned|are positioned|is found|are found) (?:\w+ ){0,2}?before|before)"
_AFTER = r"(?:follows?|" + _NOT_WITH + r"following|(?:comes?|occurs?|appears?|stands?|goes|go|is placed|are placed|is positioned|are positioned|is found|are found) (?:\w+ ){0,2}?after|after)"
_EITHER = r"(?:(?:precede|come before|occur before|appear before) or (?:follow|come after|occur after|appear after)|" \
          r"(?:follow|come after|occur after|appear after) or (?:precede|come before|occur before|appear before)|" \
          r"(?:before|after) or (?:before|after))"
_PLURAL_BEFORE = r"(?:precede|(?:come|occur|appear|stand) before)"
_PLURAL_AFTER = r"(?:follow|(?:come|occur|appear|stand) after)"
# the rest of a coordination after its first element: ", possessives (except ...) and relative clauses "
_ITEM = r"[\w'’‘-]+(?:\s+[\w'’‘-]+){0,3}(?:\s*\([^().;]{0,60}\))?"
_COORDINATED = r"(?:\s*\([^().;]{0,60}\))?(?:\s*,\s*" + _ITEM + r"){0,4}\s*,?\s+(?:and|or|as well as)\s+" + _ITEM + r"\s+"
# Conditions ("when numerals follow the noun, they are ... appositional") are weak, like
# statements about languages in general (text.lexicons.LANGUAGES_IN_GENERAL).
_CONDITION = re.compile(r"\b(?:when|whenever|if)\s+(?:\w+\s+){0,3}$", re.I)
_TEMPLATE_CONDITION = re.compile(r"\b(?:when|whenever|if|unless)\b", re.I)


@dataclass(frozen=True)
class Pair:
    first: str  # the element named first in the "first-second" value
    second: str
    first_second: str  # value names
    second_first: str
    no_dominant: str | None
    abbreviations: dict[str, str]  # "AdjN" -> value name, from the value descriptions


def _words(element: str) -> str:
    """A regex for an element, its plural and its synonyms."""
    names = (element, *ELEMENT_SYNONYMS.get(element, ()))
    alts = sorted({re.escape(n) + r"(?:s|es)?" for n in names}, key=len, reverse=True)
    return r"(?:" + "|".join(alts) + r")"


# Grambank writes its order values as numbered codes described by abbreviations ("1" = "Num-N").
ABBREVIATED = {"n": "noun", "num": "numeral", "dem": "demonstrative", "anm": "adjective", "adj": "adjective",
               "gen": "genitive", "rel": "relative clause", "possessor": "genitive", "possessed": "noun"}


def _label(value: FeatureValue) -> str:
    """The text naming a value's order: its name, or for a numbered code its description."""
    return value.description.strip(" .") if value.name.strip().isdigit() else value.name


def pair_of(feature: Feature) -> Pair | None:
    """The two elements whose order the feature asks about, if its values name them both ways round."""
    splits = {}
    for v in feature.values:
        parts = [p.strip().lower() for p in re.split(r"\s*-\s*", _label(v))]
        parts = [ABBREVIATED.get(p, p) for p in parts]
        if len(parts) == 2 and all(re.fullmatch(r"[a-z ]{3,30}", p) for p in parts) and parts[0] != parts[1]:
            splits[tuple(parts)] = v.name
    for (a, b), name in splits.items():
        if (b, a) in splits:
            no_dom = next((v.name for v in feature.values
                           if re.search(r"no dominant|mixed|^both\b", _label(v), re.I)), None)
            abbreviations = {}
            for v in feature.values:
                for abbr in re.findall(r"\(([A-Z][A-Za-z]{1,8})\)", v.description):
                    abbreviations[abbr] = v.name
            return Pair(a, b, name, splits[(b, a)], no_dom, abbreviations)
    return None


@lru_cache(maxsize=32)
def _patterns(first: str, second: str) -> tuple[tuple[re.Pattern[str], bool], ...]:
    """(pattern, says first-before-second) for active, passive and adjective ("prenominal") forms."""
    a, b = _words(first), _words(second)
    # up to five words, or a comma-delimited aside, between the element and its verb: "adjectives of
    # class I generally follow", "adjectives, when occurring in a modifying function, precede"
    # or a prepositional phrase: "the head noun in the vast majority of corpus examples follows"
    gap = r"(?:\s*,[^,.;]{1,80},)?\s+(?:(?:in|of|at|with|among|across)\s+(?:[\w'’‘-]+\s+){1,6}?|(?:[\w'’‘-]+\s+){0,5}?)"
    article = r"(?:the |a |an |its |their )?(?:[\w'’-]+ )?"
    out: list[tuple[re.Pattern[str], bool]] = []
    for x, y, x_first in ((a, b, True), (b, a, False)):
        out.append((re.compile(r"\b" + x + gap + _BEFORE + r"\s+" + article + y + r"\b", re.I), x_first))
        out.append((re.compile(r"\b" + x + gap + _AFTER + r"\s+" + article + y + r"\b", re.I), not x_first))
        # the other element last in a coordination: "the demonstrative precedes the article and the noun"
        for verb, before in ((_BEFORE, x_first), (_AFTER, not x_first)):
            out.append((re.compile(r"\b" + x + gap + verb + r"\s+(?:[\w'’-]+\s+){1,4}?(?:and|as well as)\s+" + article + y
                                   + r"\b(?!\s+(?:\w+\s+)?(?:follows?|precedes?|is|are|comes?|occurs?|appears?)\b)", re.I), before))
        # "the noun is normally followed by its adjectives", "an adjective followed by a head noun"
        out.append((re.compile(r"\b" + x + r"\s+(?:(?:is|are)\s+)?(?:\w+\s+){0,2}?followed by\s+" + article + y + r"\b", re.I),
                    x_first))
        out.append((re.compile(r"\b" + x + r"\s+(?:(?:is|are)\s+)?(?:\w+\s+){0,2}?preceded by\s+" + article + y + r"\b", re.I),
                    not x_first))
        # "numerals are used as nominal modifiers with a following noun": the same order said with
        # the other element's participle
        for participle, before in (("following", x_first), ("preceding", not x_first)):
            out.append((re.compile(r"\b" + x + r"\s+(?:[\w'’-]+\s+){0,6}?with (?:a|an|the|its|their) " + participle
                                   + r"\s+(?:[\w'’-]+\s+)?" + y + r"\b", re.I), before))
        # the element in a coordinated subject, which takes a plural verb: "adjectives, possessives
        # (except pronominal possessives) and relative clauses follow the noun" (the list opens its clause)
        for verb, before in ((_PLURAL_BEFORE, x_first), (_PLURAL_AFTER, not x_first)):
            out.append((re.compile(r"(?:^|[;:]\s*|\.\s+)(?:(?:the|all|most)\s+)?" + x + _COORDINATED + r"(?:\w+ly\s+)?"
                                   + verb + r"\s+" + article + y + r"\b", re.I), before))
        # "noun-adjective order", "the order noun + adjective"
        # "noun-adjective order", "adjective + noun word order", "the order is Noun Adjective(s) Numeral"
        out.append((re.compile(r"\b" + x + r"\s*[-–+]\s*" + y + r"\s+(?:word |constituent )?(?:order|sequence|pattern)\b|"
                               r"\border (?:\w+ ){0,4}?(?:is|:) (?:the )?" + x + r"(?:\(s\))?(?:\s*[-–+]\s*|\s+)" + y + r"\b",
                               re.I), x_first))
    if second == "noun" or first == "noun":
        other = _words(first if second == "noun" else second)
        other_first = second == "noun"  # "prenominal X" means X before the noun
        out.append((re.compile(r"\bpre-?nominal(?:ly)?\s+(?:\w+\s+){0,1}?" + other + r"\b|\b" + other
                               + r"\s+(?:\w+\s+){0,3}?pre-?nominal(?:ly)?\b", re.I), other_first))
        out.append((re.compile(r"\bpost-?nominal(?:ly)?\s+(?:\w+\s+){0,1}?" + other + r"\b|\b" + other
                               + r"\s+(?:\w+\s+){0,3}?post-?nominal(?:ly)?\b", re.I), not other_first))
    return tuple(out)


@lru_cache(maxsize=32)
def _either(first: str, second: str) -> re.Pattern[str]:
    """"adjectives may precede or follow the noun": the other element must be what is preceded or
    followed ("may precede or follow its complement" is about something else)."""
    a, b = _words(first), _words(second)
    tail = r"\s+(?:the |its |their |a |an )?(?:[\w'’-]+ )?"
    return re.compile(r"\b(?:" + a + r"\s+(?:[\w'’-]+\s+){0,5}?(?:may|can|could)\s+(?:\w+\s+){0,2}?" + _EITHER + tail + b + r"|"
                      + b + r"\s+(?:[\w'’-]+\s+){0,5}?(?:may|can|could)\s+(?:\w+\s+){0,2}?" + _EITHER + tail + a + r")\b",
                      re.I)


_CLAUSE_START = re.compile(r"[,;:(]|\b(?:but|while|whereas|although|though|and)\b", re.I)
_PARTICIPLE = re.compile(_NOT_WITH + r"\b(?:preceding|following)\b(?<!\bis preceding)(?<!\bare preceding)(?<!\bis following)(?<!\bare following)",
                         re.I)
# A relative clause whose verb does not agree with the word before "that"/"which" belongs to a noun
# further back: "the modifiers of the head noun that precede the genitive" (the modifiers precede).
_DISAGREEING = re.compile(r"\b(?:[\w'’-]*[^\Ws]|[\w'’-]*ss) (?:that|which) (?:precede|follow|come|occur|appear|stand|go)\b|"
                          r"\b[\w'’-]+[^s\W]s (?:that|which) (?:precedes|follows|comes|occurs|appears|stands|goes)\b", re.I)
_PERMITTED = re.compile(r"\b(?:may|can|could|might)\b", re.I)
# WALS's "dominant order" is the more frequent one (chapter 81): a corpus majority asserts it
_DOMINANCE = re.compile(r"\b(?:vast|great|overwhelming|large) majority\b|\bin most cases\b|\bmost often\b", re.I)


def _dominance(text: str) -> float:
    return 1.0 if _DOMINANCE.search(text) else 0.0


_WORD = re.compile(r"[^\W\d_]+(?:['’ꞌ][^\W\d_]+)*")


def _names_a_form(span: str) -> bool:
    """The span quotes a word of the language (one not in the English vocabulary the OCR repair
    uses): it describes an example, as in "the head noun tipi is preceded by ..."."""
    vocabulary = english_words()
    return any(w.islower() and len(w) > 1 and w not in vocabulary for w in _WORD.findall(span))


def clause_strength(text: str, m: re.Match[str]) -> float:
    """Assertion strength of the clause holding match ``m``: from the last clause boundary before
    it (within 60 characters) to its end. A bare "may"/"can" there is a possibility, not a norm."""
    window_start = max(0, m.start() - 60)
    starts = [b.end() for b in _CLAUSE_START.finditer(text, window_start, m.start())]
    clause = text[starts[-1] if starts else window_start : m.end()]
    strength = max(statement_strength(clause), _dominance(clause)) * (0.4 if weakened(clause) else 1.0)
    if _PERMITTED.search(clause) and strength < 0.6:
        strength *= 0.6
    return strength


class PairOrderFamily:
    """Dominant order of two elements from prose statements (value names read both ways round)."""

    name = "pair-order"

    def applies(self, feature: Feature) -> bool:
        return not feature.multi_label and not is_binary(feature) and pair_of(feature) is not None

    def decide(self, sentences: list[Sentence], ctx: CueContext) -> Decision:
        pair = pair_of(ctx.feature)
        assert pair is not None
        patterns = _patterns(pair.first, pair.second)
        either = _either(pair.first, pair.second)
        abbreviation = re.compile(r"\b(" + "|".join(map(re.escape, pair.abbreviations)) + r")\b") if pair.abbreviations else None
        mentions = re.compile("|".join([_words(pair.first), _words(pair.second), "nominal", *map(re.escape, pair.abbreviations)]),
                              re.I)
        cues: list[Cue] = []
        for sent in sentences:
            text = sent.text
            base = rank_weight(sent.rank) * (0.3 if sent.about_another or LANGUAGES_IN_GENERAL.search(text) else 1.0)
            found: set[str] = set()
            template = order_in(text, pair.first, pair.second)
            if template is not None:  # "Dem – Num – Adj – N": read before the gloss test (it looks like one)
                value = pair.first_second if template[0] else pair.second_first
                found.add(value)
                before = text[: max(text.find(template[1]), 0)]
                # "when there is a possessor the order changes: (Possessor) HEAD (Dem)": a special case
                condition = 0.4 if weakened(text) or _TEMPLATE_CONDITION.search(before) else 1.0
                cues.append(Cue(value, base * condition, sent, "template", template[1]))
            if sent.is_gloss or not mentions.search(text):
                continue
            strength = statement_strength(text)
            both = either.search(text)
            matches: dict[str, re.Match[str]] = {}
            for pattern, first_before in patterns:
                for m in pattern.finditer(text):
                    if negated_before(text, m.start(), 25) or NEGATED_SPAN.search(m.group(0)):
                        continue  # "adjectives never precede the noun", "not before the noun"
                    if both and m.start() < both.end() and both.start() < m.end():
                        continue  # "may precede or follow the noun" names neither order alone
                    if _DISAGREEING.search(m.group(0)):
                        continue  # "modifiers of the head noun that precede the genitive": not the noun's verb
                    value = pair.first_second if first_before else pair.second_first
                    if value not in found:
                        found.add(value)
                        matches[value] = m
            for value, m in matches.items():
                condition = 0.4 if _CONDITION.search(text[max(0, m.start() - 40) : m.start()]) else 1.0
                # both orders in one sentence ("may precede the noun, but most frequently follows
                # it"): each is weighed by its own clause, where the author says which dominates
                # one order named: a weakener after it ("..., but the reverse order is also
                # possible") qualifies the alternative, not this claim
                own = clause_strength(text, m) if len(matches) > 1 else \
                    max(strength, _dominance(text)) * (0.4 if weakened(text[: m.end()]) else 1.0)
                # "• relative clause following the head noun": a participle names a construction
                # (an example heading), it does not assert which order is the norm
                named = 0.5 if _PARTICIPLE.search(m.group(0)) and own < 0.6 else 1.0
                # "the head noun tipi is preceded by a genitive ...": one example's forms, not the norm
                named *= 0.5 if _names_a_form(m.group(0)) and own < 0.6 else 1.0
                cues.append(Cue(value, base * max(own, 0.5 if len(matches) == 1 else 0.2) * condition * named, sent,
                                "statement", m.group(0)))
            if abbreviation is not None:
                for m in abbreviation.finditer(text):
                    value = pair.abbreviations[m.group(1)]
                    if value not in found and not negated_before(text, m.start(), 25):
                        found.add(value)
                        cues.append(Cue(value, base * max(strength * (0.4 if weakened(text) else 1.0), 0.5), sent,
                                        "statement", m.group(0)))
            if pair.no_dominant and both and not negated_before(text, both.start(), 25):
                # "may precede or follow" says both occur; it names no dominant order only if
                # nothing else in the passages prefers one of them
                cues.append(Cue(pair.no_dominant, base * 0.5, sent, "statement", both.group(0)))
        return vote(cues, min_support=0.5, min_ratio=1.5)

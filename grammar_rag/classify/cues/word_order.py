"""Constituent-order features (WALS 81A-like: values are orders of S, O, V, plus 'no dominant order').

Catalogue basis: WALS chapter 81 (Dryer, "Order of Subject, Object and Verb"; ``wals/chapters/
chapter_81.html``). Each rule family (``Cue.rule``) answers to a sentence of it:

* the *dominant* order is the one "most common" in usage or "pragmatically neutral": order formulas
  (``wo_formula*``: SOV, Dixon's A/P letters, dashed or spaced), spelled-out orders (``wo_spelled*``)
  and the positions of subject and object relative to the verb (``wo_relation_*``), weighed by how
  strongly the sentence calls the order basic (:mod:`grammar_rag.classify.statements`);
* "whether the language is OV or VO" and "the verb normally comes first": verb-position terms and
  statements (``wo_vfinal_*``, ``wo_vinitial_*``, ``wo_vmedial_vo``), read as the order with S before O,
  as the chapter does for languages "described as being verb-final with the order of subject and
  object pragmatically determined" (they "count as SOV");
* "flexible order languages are sometimes described as having 'free' word order ... pragmatic factors
  governing the choice", "lacking a dominant word order", "all six orders are grammatical":
  ``wo_ndo_*`` (``wo_ndo_no_dominant``, ``wo_ndo_all_orders`` and ``wo_ndo_pragmatic`` fire on one or
  two development grammars; kept because they are the chapter's own wording);
* two orders "neither of which is dominant" (Map 81B's "SOV/SVO"; German, whose order depends on the
  auxiliary, "lacking a dominant word order"): ``wo_two_orders_*``. For the same reason "verb-second"
  is not read as SVO.

Removed in the issue-22 audit as fitted to one book (``benchmarks/results/cue_audit.md``): the OCR
reading 'SOY', Huddleston's 'S–P–O' (P = predicator), four-slot templates, 'verb-medial' and three
paraphrases of "the verb comes last". Any feature whose values are permutations of S/O/V gets this family.
"""

from __future__ import annotations

import itertools
import re

from grammar_rag.classify.aggregate import Cue, Decision, supporting, vote
from grammar_rag.classify.cues.base import CueContext, named_rules, rule_of
from grammar_rag.classify.meta_text import NEGATION_KIND
from grammar_rag.classify.statements import (
    Sentence,
    about_other_language,
    negated_before,
    rank_weight,
    statement_strength,
    weakened,
)
from grammar_rag.features.shape import no_dominant_value, order_values
from grammar_rag.types import NOT_ENOUGH_INFO, Feature

# Letters a grammar may use for each role (Dixon's A/P/O for transitive subject/object).
# X ("any other element") stands for the object slot in formulas like "S V X" / "SXV".
ROLE_LETTERS = {"S": "SA", "O": "OPX", "V": "V"}
ROLE_WORDS = {
    "S": r"(?:subject|agent|actor|S|A)",
    "O": r"(?:object|patient|undergoer|complement|X|O|P)",
    "V": r"(?:verb|predicate|V)",
}
# "subject-object-verb", "subject object verb", and lists: "subject + object + predicate", "subject,
# object and verb" (a list names an order only in a sentence about order: see _LISTED)
_SEP = r"\s*[-–—‐/]\s*|\s*[+,]\s*(?:and\s+)?(?:the\s+)?|\s+and\s+(?:the\s+)?|\s+"
_LISTED = re.compile(r"[+,]|\sand\s")
# A list is an order when it is predicated: "the normal order is subject, object, verb", "order: S, O, V".
_LIST_INTRO = re.compile(r"(?:\b(?:is|are|was|were|be|order)\b|:)\s*(?:the\s+)?$", re.I)
ORDER_CONTEXT = re.compile(
    r"\b(order|orders|ordering|language|constituent|clause|clauses|sentence|sentences|basic|dominant|"
    r"typolog\w*|pattern|structure|syntax|word-order)\b",
    re.I,
)
NO_DOMINANT = named_rules((
    # ch. 81: "lacking a dominant word order", "no one order that is the dominant order"
    ("wo_ndo_no_dominant", r"no (?:single |one |clear |strict |fixed |rigid |particular )?(?:dominant|basic|fixed|rigid|"
     r"unmarked|canonical|preferred|set) (?:word |constituent )?order|lacks? (?:a )?(?:dominant|basic|fixed) (?:word |constituent )?order"),
    ("wo_ndo_order_is_free", r"(?:word|constituent) order (?:(?:in|of) (?-i:[A-Z])[\w'’-]+ )?(?:is|seems|appears to be|remains) "
     r"(?:(?!not\b)\w+ ){0,2}?(?:free|flexible|variable|not fixed|pragmatically (?:determined|governed|conditioned|based))"),
    # ch. 81: "flexible order", "described as having 'free' word order"
    ("wo_ndo_free_order", r"(?:relatively |fairly |quite |rather |very |extremely )?(?:free|flexible) "
     r"(?:word|constituent|clause|clausal|phrasal) order|free order of (?:the )?(?:major |main |clausal )?(?:constituents|words|arguments|elements)"),
    ("wo_ndo_order_free", r"order (?:of (?:the )?(?:major )?constituents )?is (?:(?!not\b)\w+ ){0,2}?(?:free|flexible|pragmatically)"),
    # ch. 81: "pragmatic factors governing the choice of word order", "pragmatically governed"
    ("wo_ndo_pragmatic", r"(?:word|constituent) order (?:in (?:\w+ ){1,4}?)?(?:is )?(?:determined|governed) "
     r"(?:primarily |largely |mainly )?by (?:pragmatic|discourse|information)|"
     r"(?:word|constituent) order is (?:\w+,? ){0,4}?pragmatically (?:determined|governed|conditioned)"),
    # ch. 81: "all six orders are grammatical", "all or most orders ... will be possible and common"
    ("wo_ndo_all_orders", r"(?:any|all (?:six|possible)) (?:of the )?(?:\w+ )?orders? (?:are|is) (?:possible|attested|found|grammatical)|"
     r"(?:appear|occur|come|be placed|be arranged|be ordered) in any order"),
    ("wo_ndo_nonconfigurational", r"non-configurational"),
), re.I)
VERB_POSITION = {
    # verb position statements -> the order with S before O (the cross-linguistic default)
    "final": named_rules((
        ("wo_vfinal_term", r"(?:verb|predicate)[- ]final(?! (?:\w+ )?(?:suffix|suffixes|vowels?|syllables?|morphemes?|"
         r"particles?|markers?|clitics?|tones?|consonants?|stress))"),
        ("wo_vfinal_head_final", r"head[- ]final"),
        ("wo_vfinal_ov", r"OV language|OV order"),
        # ch. 81 states positions this way ("the verb normally comes first")
        ("wo_vfinal_verb_comes_last", r"verbs? (?:\w+ ){0,3}?(?:comes?|occurs?|appears?|stands?|is placed|is found|is positioned) "
         r"(?:\w+ ){0,3}?(?:last|finally|clause[- ]finally|sentence[- ]finally|at the end)"),
    ), re.I),
    "initial": named_rules((
        ("wo_vinitial_term", r"verb[- ]initial|predicate[- ]initial|verb[- ]first"),
        ("wo_vinitial_verb_comes_first", r"verbs? (?:\w+ ){0,3}?(?:comes?|occurs?|appears?|stands?|is placed) (?:\w+ ){0,3}?"
         r"(?:first|initially|clause[- ]initially|at the beginning)"),
    ), re.I),
    # not "verb-second": ch. 81 codes a verb-second language (German) as lacking a dominant order
    "medial": named_rules((("wo_vmedial_vo", r"VO language|VO order"),), re.I),
}
# Cheap test run before the expensive patterns: most sentences say nothing about clause order.
_PREFILTER = re.compile(r"(?i:order|verb|predicate|free|head[- ]final|configurational)|[SAOPVX]{3}|[SAOPVX]\s?[-–‐]")
# "X is an SOV language", "a verb-final language": a typological classification is a strong claim.
TYPE_CLAIM = re.compile(
    r"\b(?:is|as|be) an? (?:\w+ ){0,2}?(?:[SAOPVX]{3}|(?:verb|predicate)[- ](?:final|initial|medial)|OV|VO)"
    r"(?:[- ]type)? language\b"
)
# Compact (SOV), dashed (S-O-V) or spaced (A V P: "the order of constituents is A V P") formulas.
_ORDER_ABBR = re.compile(
    r"(?<![A-Za-z])([SAOPVX]{3}|[SAOPVX]\s?[-–‐—~]{1,2}\s?[SAOPVX]\s?[-–‐—~]{1,2}\s?[SAOPVX]|[SAOPVX] [SAOPVX] [SAOPVX])(?![A-Za-z])"
)
_CLAUSE_BREAK = re.compile(r"[,;:]")
_ENUMERATION = 3  # order formulas in one sentence from which they list what occurs
# Position of a role relative to the verb: "the object NPs (direct and indirect) follow the verb".
# Not morphology: "subject prefixes precede the verb stem" says nothing about clause order.
_BEFORE = r"(?:precedes?|preceding|comes? before|occurs? before|is placed before|appears? before|stands? before)"
_AFTER = r"(?:follows?|following|comes? after|occurs? after|is placed after|appears? after|stands? after)"
_NOT_MORPH = r"(?![- ](?:prefix|suffix|affix|marker|agreement|clitic|pronoun|index|cross-reference|person)\w*)"


def _role_relation(role: str) -> re.Pattern[str]:
    return re.compile(
        r"\b" + role + _NOT_MORPH + r"\s+(?:[\w()]+,?\s+){0,4}?(?:(" + _BEFORE + r")|(" + _AFTER + r")) "
        # not "follows the finite verb": in verb-second languages the finite verb's position is not the verb's
        r"(?:the |its )?(?:main )?(?:verb|predicate)(?![- ](?:stem|root|base|complex))",
        re.I,
    )


# Relative order of object and verb alone: OV suggests the verb-final order, VO the verb-medial one;
# with the subject's position stated too, the whole order follows.
ROLE_VERB = {"S": _role_relation(r"(?:grammatical )?subjects?"), "O": _role_relation(r"(?:direct )?objects?")}
_AUXILIARY = re.compile(r"\bauxiliar(?:y|ies)\b", re.I)
# "incorporated object nouns precede the verb": part of the verb word, not a clause constituent
_INCORPORATED = re.compile(r"\bincorporat\w*\s+(?:\w+\s+)?$", re.I)
_RELATIONS = {  # (subject before verb?, object before verb?) -> order
    (True, False): "SVO", (True, True): "SOV", (False, False): "VSO", (False, True): "OVS",
}
# Two orders presented as alternatives ("partly SVO, partly SOV", "SVO occurs in frequent variation
# with SOV", "transitive clauses (SOV/SVO)"): WALS codes two equally usual orders as no dominant order.
ALTERNATION = named_rules((
    # "alternates with", not "alternative orders" (the marked ones beside the basic order)
    ("wo_two_orders_words", r"\b(?:partly|in (?:\w+ )?variation with|alternat(?!ive)\w*|varies|vary|either|interchangeabl\w*)\b"),
    ("wo_two_orders_slash", r"(?<![A-Za-z])[SAOPVX]{3}\s?/\s?[SAOPVX]{3}(?![A-Za-z])"),
), re.I, before="", after="")
_PHRASE_LEVEL = re.compile(r"\b(?:NPs?|noun phrases?|nominal phrases?|modifiers?|modification|adjectives?|determiners?|"
                           r"possessors?|demonstratives?|within the (?:noun|nominal))\b", re.I)
_CLAUSE_LEVEL = re.compile(r"\b(?:clauses?|sentences?|subjects?|objects?|verbs?|predicates?|constituents?|arguments?)\b",
                           re.I)
# A freedom statement names clause-level order ("word order is free", "no basic order", "any of the
# six orders"); a bare "their relative order is free" may be about two objects or two adverbials.
_CLAUSE_ORDER = re.compile(r"(?:word|\b(?:constituents?|clausal|clause|sentence|basic|dominant|canonical|"
                           r"configurational|orders|any|subject|object|verb))\b", re.I)  # "YurakaréWord order": OCR glue
# How far back a clause-level qualifier ("although", "other orders") is looked for. Bounded so that a
# run-together page without sentence punctuation costs linear, not quadratic, time.
_LOOK_BACK = 600
# Freedom conceded before an order is asserted: "relatively free, but the unmarked order is SOV",
# "although word order is free, SOV is by far the most common".
_CONCEDED_AFTER = re.compile(r"[^.;]{0,40}?\b(?:but|though|although|yet|however)\b", re.I)
_CONCEDED_BEFORE = re.compile(r"\b(?:although|though|while|whilst|even if|despite)\b", re.I)
# Orders listed after "other orders" are the alternatives to the basic one, however frequent.
_OTHER_ORDERS = re.compile(r"\b(?:other|alternative|additional) (?:\w+ ){0,2}?orders?\b", re.I)
# "SVO languages", "SOV-type languages": the class of languages, not a claim about this one.
_TYPE_PLURAL = re.compile(r"[- ]?(?:type )?(?:[\w-]+ ){0,2}?languages\b")
# "(S)OV", "S(Aux)OV", "SV(O)": optional or auxiliary slots inside an order formula.
_OPTIONAL_SLOT = re.compile(r"\((?:[Aa]ux|AUX|S|A|O|P|X)\)")


def _canonical(abbr: str) -> str | None:
    """'AOV' -> 'SOV', 'APV' -> 'SOV', 'VAP' -> 'VSO'; None if not a permutation of the roles."""
    letters = re.sub(r"[-–‐—~\s]", "", abbr)
    roles = []
    for ch in letters:
        for role, letters in ROLE_LETTERS.items():
            if ch in letters:
                roles.append(role)
                break
    key = "".join(roles)
    return key if len(key) == 3 and sorted(key) == sorted("SOV") else None


def _formula_rule(abbr: str) -> str:
    """The rule id of an order formula by its spelling: compact 'SOV', dashed 'S-O-V' or spaced 'A V P'."""
    letters = re.sub(r"[-–‐—~\s]", "", abbr)
    if " " in abbr and len(letters) == len(abbr.replace(" ", "")):
        return "wo_formula_spaced"
    return "wo_formula_dashed" if len(letters) < len(abbr) else "wo_formula"


def _spelled_patterns(orders: list[str]) -> dict[str, re.Pattern[str]]:
    pats = {}
    for order in orders:
        words = [ROLE_WORDS[r].replace("|S|A", "").replace("|O|P", "").replace("|V", "") for r in order]
        pats[order] = re.compile(r"\b" + f"(?:{_SEP})".join(words) + r"\b", re.I)
    return pats


def _default_for_position(orders: list[str], position: str) -> str | None:
    """The S-before-O order with the verb at ``position`` among the feature's orders."""
    index = {"initial": 0, "medial": 1, "final": 2}[position]
    for order in orders:
        if order.index("V") == index and order.index("S") < order.index("O"):
            return order
    return None


class WordOrderFamily:
    name = "word-order"

    def __init__(self, min_support: float = 0.35, min_ratio: float = 1.4, ndo_ratio: float = 0.8,
                 two_orders_ratio: float = 0.6) -> None:
        self.min_support = min_support
        self.min_ratio = min_ratio
        self.ndo_ratio = ndo_ratio
        self.two_orders_ratio = two_orders_ratio

    def applies(self, feature: Feature) -> bool:
        return len(set(order_values(feature).values())) >= 2

    def decide(self, sentences: list[Sentence], ctx: CueContext) -> Decision:
        orders = order_values(ctx.feature)
        ndo = no_dominant_value(ctx.feature)
        spelled = _spelled_patterns(list(orders))
        cues: list[Cue] = []
        asserted: set[str] = set()  # orders some sentence states as the basic one, unweakened
        for sent in sentences:
            if not _PREFILTER.search(sent.text) or sent.is_gloss:
                continue
            text = _OPTIONAL_SLOT.sub(lambda m: m.group(0)[1:-1] if len(m.group(0)) == 3 else "", sent.text)
            # read on the text with its optional slots opened, not ``sent.about_another``
            base = rank_weight(sent.rank) * (0.3 if about_other_language(text, sent.own_names) else 1.0)

            def strength_at(start: int, end: int, text: str = text) -> float:
                """Strength of the clause around a match: 'the basic order is SVO, though objects may
                be fronted' is a strong SVO statement; the weakener belongs to the other clause."""
                left = max(0, start - 60)
                for prior in _ORDER_ABBR.finditer(text, max(0, start - 120), start):
                    # "Although SOV is the default order of core arguments, OSV occurs when ...": the
                    # marker after an earlier order formula belongs to that formula's clause
                    cut = _CLAUSE_BREAK.search(text, prior.end(), start)
                    left = max(left, cut.end()) if cut else left
                local = text[left : end + 25]
                strength = 1.0 if TYPE_CLAIM.search(local) else statement_strength(local)
                # "two other orders occur: OVS and SOV" (a bounded look-back: sentences can be very long)
                other = _OTHER_ORDERS.search(text, max(0, start - _LOOK_BACK), start)
                return strength * (0.5 if weakened(local) or other else 1.0)

            def add(value: str, weight: float, note: str, strength: float, rule: str, sent: Sentence = sent) -> None:
                cues.append(Cue(value, weight, sent, "statement", note, rule))
                if strength >= 1.0 and value != ndo:
                    asserted.add(value)

            context = bool(ORDER_CONTEXT.search(text))
            found: set[str] = set()
            # a sentence naming three or more orders lists what occurs ("it is not uncommon for S/A to
            # precede the verb (S/AV, AVO, AOV, OAV)"), one statement whose weight they share
            named = {_canonical(m.group(1)) for m in _ORDER_ABBR.finditer(text)} - {None}
            share = 1.0 / len(named) if len(named) >= _ENUMERATION else 1.0
            for m in _ORDER_ABBR.finditer(text):
                order = _canonical(m.group(1))
                if order is None or order not in orders or text[max(0, m.start() - 1) : m.start()] == "*":
                    continue  # "*SVO" marks the order ungrammatical
                if negated_before(text, m.start()):
                    if ndo:
                        cues.append(Cue(ndo, 0.3 * base, sent, NEGATION_KIND, f"not {m.group(1)}", "wo_formula_negated"))
                    continue
                strength = strength_at(m.start(), m.end()) if context else 0.2
                if _TYPE_PLURAL.match(text, m.end()):
                    strength *= 0.3  # "consistent with SVO languages" names a type, not this language's order
                add(orders[order], base * strength * share, m.group(1), strength, _formula_rule(m.group(1)))
                found.add(order)
            for order, pat in spelled.items():
                for m in pat.finditer(text):
                    if negated_before(text, m.start()):
                        continue
                    listed = bool(_LISTED.search(m.group(0)))
                    if listed and not _LIST_INTRO.search(text, max(0, m.start() - 20), m.start()):
                        continue  # "in terms of the subject, object, and verb" lists the roles, not an order
                    strength = strength_at(m.start(), m.end()) if context or not listed else 0.2
                    add(orders[order], base * strength, m.group(0), strength, "wo_spelled_list" if listed else "wo_spelled")
                    found.add(order)
            for position, pat in VERB_POSITION.items():
                target = _default_for_position(list(orders), position)
                if target is None:
                    continue
                for m in pat.finditer(text):
                    if negated_before(text, m.start()):
                        continue
                    factor = 0.8 if position == "final" else 0.5
                    strength = strength_at(m.start(), m.end())
                    add(orders[target], base * strength * factor, m.group(0), strength, rule_of(m, "wo_verb_position"))
                    found.add(target)
            relation: dict[str, tuple[bool, re.Match[str]]] = {}
            for role, pat in ROLE_VERB.items():
                matches = [m for m in pat.finditer(text) if not _INCORPORATED.search(text, max(0, m.start() - 20), m.start())]
                if len({m.group(1) is not None for m in matches}) > 1:
                    continue  # "in 14% ... precedes the verb, in 40% ... follows the verb": a comparison
                role_match = matches[0] if matches else None
                if role_match and not negated_before(text, role_match.start()):
                    relation[role] = (role_match.group(1) is not None, role_match)
            if "O" in relation:
                o_before, om = relation["O"]
                if "S" in relation:
                    order, factor, start = _RELATIONS[(relation["S"][0], o_before)], 0.8, min(relation["S"][1].start(), om.start())
                    rule = "wo_relation_subject_object"
                else:
                    order, factor, start = _default_for_position(list(orders), "final" if o_before else "medial"), 0.5, om.start()
                    rule = "wo_relation_object"
                if order in orders:
                    # "with an auxiliary verb the object occurs before the main verb" (S Aux O V): one construction
                    strength = strength_at(start, om.end()) * (0.5 if _AUXILIARY.search(text) else 1.0)
                    add(orders[order], base * strength * factor, text[start : om.end()], strength, rule)
                    found.add(order)
            if ndo:
                # "the order is quite free, since modifiers can be added to the NP": phrase-internal
                # order says nothing about the clause
                clause_level = bool(_CLAUSE_LEVEL.search(text))
                phrasal = 0.3 if not clause_level and _PHRASE_LEVEL.search(text) else 1.0
                for m in NO_DOMINANT.finditer(text):
                    if m.group(0).endswith(" in any order") and not clause_level:
                        continue  # "the numerals occur in any order": not about clause constituents
                    w = base * max(strength_at(m.start(), m.end()), 0.8) * phrasal
                    if not _CLAUSE_ORDER.search(text[max(0, m.start() - 40) : m.end()]):
                        w *= 0.3  # "their relative order is free", "no fixed order": order of what?
                    if found and (_CONCEDED_AFTER.match(text, m.end()) or _CONCEDED_BEFORE.search(text, max(0, m.start() - _LOOK_BACK), m.start())):
                        w *= 0.5  # "order is relatively free, but the least-marked pattern is verb-final"
                    cues.append(Cue(ndo, w, sent, "statement", m.group(0), rule_of(m, "wo_ndo")))
            if ndo and len(found) >= 2:
                alternation = ALTERNATION.search(text)
                if alternation and not negated_before(text, alternation.start()):
                    cues.append(Cue(ndo, base * 0.8, sent, "statement", alternation.group(0), rule_of(alternation, "wo_two_orders")))

        return self._decide(cues, ndo, asserted)

    def _decide(self, cues: list[Cue], ndo: str | None, asserted: set[str]) -> Decision:
        decision = vote(cues, min_support=self.min_support, min_ratio=self.min_ratio)
        if not ndo or not decision.scores:
            return decision
        scores = decision.scores
        ndo_score = scores.get(ndo, 0.0)
        ranked = sorted(((v, s) for v, s in scores.items() if v != ndo), key=lambda kv: -kv[1])
        top = ranked[0][1] if ranked else 0.0
        # "Free/no dominant order" statements are rarely made in passing: trust them unless an
        # order is asserted much more strongly.
        if ndo_score >= self.min_support and ndo_score >= self.ndo_ratio * top and decision.value != ndo:
            return Decision(
                ndo, confidence=round(min(1.0, ndo_score / (sum(scores.values()) + 0.5)), 3), scores=scores,
                cues=supporting(cues, ndo) + (supporting(cues, ranked[0][0], 2) if ranked else []),
                reasoning=f"Statements of free/no dominant order ({ndo_score:.2f}) stand against the best single "
                f"order ({ranked[0][0] if ranked else '-'}: {top:.2f}).",
            )
        # WALS 81A: two orders asserted about equally strongly means no order is dominant.
        # An order stated as the basic one is not outweighed by a rival only mentioned as possible.
        rival_asserted = ranked[1][0] in asserted or ranked[0][0] not in asserted if len(ranked) >= 2 else False
        if rival_asserted and ranked[1][1] >= self.two_orders_ratio * top and ranked[1][1] >= self.min_support:
            return Decision(
                ndo, confidence=0.4, scores=scores,
                cues=supporting(cues, ranked[0][0], 3) + supporting(cues, ranked[1][0], 2),
                reasoning=(
                    f"Two orders are asserted about equally ({ranked[0][0]}: {top:.2f}, "
                    f"{ranked[1][0]}: {ranked[1][1]:.2f}); WALS codes such languages as lacking a dominant order."
                ),
            )
        return decision


def all_order_abbreviations() -> list[str]:
    """Every role-letter spelling of every order (used by tests and the query builder)."""
    out = []
    for perm in itertools.permutations("SOV"):
        for letters in itertools.product(*(ROLE_LETTERS[r] for r in perm)):
            out.append("".join(letters))
    return out


__all__ = ["NOT_ENOUGH_INFO", "WordOrderFamily", "all_order_abbreviations", "order_values"]

"""Binary 'can X be marked by an affix/clitic (on the verb)?' features (GB107-like).

Catalogue basis: the Grambank guideline of GB107 ("Can standard negation be marked by an affix, clitic
or modification of the verb?", ``grambank/parameters.csv``): a marker counts when it is bound to the
verb "by affixation, cliticization, suppletion, reduplication, tone"; "negative marking on the verb
and elsewhere (for example by a particle)" still counts; "a clitic that attaches to anything in its
vicinity" does not. The topic (negation, plural, past...) is read from the feature's question and
mapped to its Leipzig glossing abbreviation. Evidence for *bound* marking: the abbreviation joined
to a stem by ``-`` (affix) or ``=`` (clitic) in glosses (``chop-TR-NEG-FUT``, ``NEG-go``:
``bm_gloss_bound``), prose calling the marker a suffix/prefix/clitic, citing it with its boundary
(``-ka``, ``=nin``) or saying it is marked on the verb (``bm_bound_*``; ``bm_bound_on_the_verb`` is
the guideline's "marking on the verb" and is kept although it fires on two development grammars),
and, for features that ask about it, modification of the verb (``bm_modification``). Evidence for
*free* marking: the abbreviation standing alone in a gloss line (``bm_gloss_free``), or prose about a
particle, auxiliary, adverb or separate word, or a marker placed relative to the subject or object
(``bm_free_*``: "a clitic that attaches to anything in its vicinity"). Because the question is
"*can* it be marked", solid bound evidence wins even when free markers also exist; free evidence
decides 0 only when bound evidence is weak.

Removed in the issue-22 audit as fitted to one book: "morphological negation" and "the negated verb
takes the suffix" (one grammar's phrasing; the bound-word rules cover "negative suffix").
"""

from __future__ import annotations

import re
from functools import lru_cache

from grammar_rag.classify.aggregate import Cue, Decision, supporting, tally
from grammar_rag.classify.cues.base import CueContext, feature_text, named_rules, rule_of
from grammar_rag.classify.statements import Sentence, rank_weight
from grammar_rag.features.shape import is_binary, negative_value, positive_value
from grammar_rag.text.ocr_repair import PERSON_DIGIT
from grammar_rag.types import NOT_ENOUGH_INFO, Feature

# topic word (regex, matched in the feature question) -> (gloss labels, prose stem regex)
TOPICS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    (r"negat", ("NEG", "NEGATIVE", "NG"), r"negat\w*|negative"),
    (r"plural", ("PL",), r"plural\w*"),
    (r"dual", ("DU",), r"dual"),
    (r"past", ("PST", "PAST"), r"past"),
    (r"future", ("FUT",), r"future"),
    (r"perfective", ("PFV", "PERF"), r"perfective"),
    (r"passive", ("PASS",), r"passive\w*"),
    (r"causative", ("CAUS",), r"causative\w*"),
    (r"reflexive", ("REFL",), r"reflexive\w*"),
    (r"reciprocal", ("RECP", "RECIP"), r"reciprocal\w*"),
    (r"imperative", ("IMP", "IMPER"), r"imperative\w*"),
    (r"definite", ("DEF",), r"definite\w*"),
    (r"interrogat|polar|question", ("Q", "INT", "INTERR", "QUES", "QM"), r"interrogative|question"),
)
BOUND_WORDS = r"(?:suffix\w*|postfix\w*|postf\.|prefix\w*|infix\w*|circumfix\w*|affix\w*|clitic\w*|enclitic\w*|proclitic\w*|bound)"
FREE_WORDS = r"(?:particles?|auxiliar(?:y|ies)|adverbs?|separate words?|free (?:morphemes?|forms?|words?)|independent words?)"
_TOC = re.compile(r"(?:\.\s?){5,}|…{2,}")
# "a preceding -e verb ablauts to -a before the negating particle", "in negative verb forms, stress
# shifts": a modification of the verb itself, which features like GB107 count with affixes.
MODIFICATION = re.compile(r"\b(?:ablaut\w*|apophony|stem (?:change|alternation)s?|(?:vowel|tone|tonal|stress|accent) "
                          r"(?:change|shift|alternation)s?|(?:stress|tone|accent) shifts?)\b", re.I)
# Clause types other than the declarative main clause of standard negation.
_NON_STANDARD = re.compile(r"\b(?:imperatives?|prohibitives?|hortatives?|subordinate|dependent clauses?|relative clauses?|"
                           r"non-?finite|nominali[sz]\w*)\b", re.I)
_STANDARD = re.compile(r"\b(?:declarative|indicative|main clauses?|standard|finite verbs?|all verbs)\b", re.I)
# "a minor and probably archaic negative auxiliary": not how the marking is done today
_OUT_OF_USE = re.compile(r"\b(?:archaic|obsolete|obsolescent)\b", re.I)
ASKS_BOUND = re.compile(r"affix|clitic|suffix|prefix|bound|modification of the verb|verbal morphology|inflect", re.I)


def topic_for(feature: Feature) -> tuple[tuple[str, ...], str] | None:
    text = feature_text(feature)
    for pattern, labels, prose in TOPICS:
        if re.search(pattern, text):
            return labels, prose
    return None


@lru_cache(maxsize=64)
def _patterns(labels: tuple[str, ...], prose: str) -> tuple[re.Pattern[str], ...]:
    """Gloss and prose patterns for one topic (compiled once per topic)."""
    lab = "(?:" + "|".join(labels) + r")"
    bound_gloss = re.compile(r"(?:(?<=[\w\)\]])[-=](?:[A-Z0-9]+[.:])*" + lab + r"(?![A-Za-z])|(?<![\w-])" + lab + r"[-=](?=[a-z0-9]))")
    # "NEG-go" is a prefix on a stem; "NEG-ATR" (grammatical labels after it) is a negator word with affixes
    free_gloss = re.compile(r"(?<![\w\-=.])" + lab + r"(?:\([A-Z]+\))?(?![\w\-=.?])")
    # "m-fe 3U-NEG": only person/number agreement before the label and nothing after it, so the
    # label is the stem of an inflected negator word (like NEG-ATR), not an affix on the verb
    inflected_word = re.compile(r"(?<![\w\-=.])" + PERSON_DIGIT + r"(?:[A-Z]{1,3})?(?:\.[A-Z]+)*[-=]" + lab + r"(?![\w\-=])")
    topic_re = r"(?:" + prose + r")"
    # "negation is marked by the particle maiv", "negation can also be expressed by the verbal suffix
    # -kan", "the optional negative marker is the verb suffix -ή": the marker's kind named at a distance
    # (not "expressed by the derived adverb": a word derived from the verb is affixation)
    def by_kind(kind: str) -> str:
        return (topic_re + r"\s+(?:\w+\s+){0,3}?(?:marked|expressed|indicated|formed|realized|realised|encoded|signalled) "
                r"(?:\w+ ){0,2}?by (?:(?!derived\b)\w+ ){0,3}?" + kind + r"|"
                + topic_re + r" (?:marker|morpheme|form)s? (?:is|are) (?:\w+ ){0,3}?" + kind)

    bound_prose = named_rules((
        ("bm_bound_topic_kind", topic_re + r"\s+(?:\w+\s+){0,2}?" + BOUND_WORDS),
        ("bm_bound_kind_topic", BOUND_WORDS + r"\s+(?:\w+\s+){0,3}?" + topic_re),
        ("bm_bound_affixed_topic", r"(?:suffixed|prefixed|affixed|inflected) (?:\w+ ){0,4}?" + topic_re),
        ("bm_bound_marker_cited", topic_re + r" (?:morpheme|marker|form)s? [-=]\w"),
        ("bm_bound_form_cited", topic_re + r" [-=]\w"),  # "the negator =nin": the form is cited as bound
        # a negative conjugation / paradigm / stem of the verb is morphology, not a separate word
        ("bm_bound_paradigm", topic_re + r" (?:verb(?:al)? )?(?:conjugations?|paradigms?|inflections?|stems?|verb forms?)\b"),
        # "the future negative is formed by the addition of -illa to the verb stem"
        ("bm_bound_formed_by_adding", topic_re + r" (?:\w+ ){0,4}?(?:is|are|be) formed by (?:the )?(?:addition|adding|attach\w*|suffix\w*|prefix\w*)"),
        # "a finite verb is negated by placing high tone on its first syllable and suffixing -ne",
        # "verbal predicates are negated with the clitic sequence ket=ne"
        ("bm_bound_by_affixing", topic_re + r" (?:by|with) (?:\S+ ){0,8}?(?:suffixing|prefixing|affixing|(?:an? |the )?(?:\w+ )?"
         + BOUND_WORDS + ")"),
        # GB107: "negative marking on the verb" ("negation is suffixed", "negation appears on the verb", "is
        # marked only on the verb", "is encoded in the main verb")
        ("bm_bound_on_the_verb", topic_re + r" (?:\w+ ){0,3}?(?:is|are) (?:\w+ ){0,2}?(?:suffixed|prefixed|affixed|marked on the verb)|"
         + topic_re + r" (?:appears|(?:is|are) (?:\w+ ){0,2}?(?:marked|expressed|shown|encoded|realized|realised)) "
         r"(?:\w+ ){0,2}?(?:on|in) the (?:main |finite |lexical )?(?:verb|predicate)s?\b(?! phrase)"),
        ("bm_bound_added_to_stem", topic_re + r"\W+(?:\S+\s+){0,12}?(?:added|adding|attached|attaching|clitici[sz]ed|affixed) "
         r"(?:\S+\s+){0,4}?to the (?:verb(?:al)?[- ]?)?(?:stem|root|verb|predicate)"),
        ("bm_bound_by_kind", by_kind(BOUND_WORDS)),
    ), re.I, after="")
    free_prose = named_rules((
        ("bm_free_topic_kind", topic_re + r"\s+(?:\w+\s+){0,2}?" + FREE_WORDS),
        ("bm_free_kind_topic", FREE_WORDS + r"\s+(?:\w+\s+){0,2}?" + topic_re),
        # not "a negated verb", nor "the negative verb form/stem/phrase" (the verb's own negative form)
        ("bm_free_topic_word", topic_re + r"(?<!ed) (?:verb|word|adverb)s?\b(?! (?:forms?|stems?|phrases?|paradigms?|inflections?)\b)"),
        # placed relative to the subject or object: a bound morpheme cannot move around arguments
        ("bm_free_placed_by_argument", topic_re + r"\w*\s+(?:\S+\s+){0,8}?(?:before|after|precedes?|follows?|preceding|following)\s+"
         r"(?:the\s+|its\s+)?(?:subject|object|noun phrase|NP)\b"),
        ("bm_free_by_kind", by_kind(FREE_WORDS)),
    ), re.I, after="")
    return bound_gloss, free_gloss, bound_prose, free_prose, inflected_word


@lru_cache(maxsize=64)
def _hint(prose: str) -> re.Pattern[str]:
    return re.compile(prose, re.I)


def marking_cues(sentences: list[Sentence], feature: Feature, bound: str, free: str) -> list[Cue]:
    """Cues for bound (value ``bound``) and free (value ``free``) marking of the feature's topic.

    A cue's ``note`` is the matched text, so callers can tell a particle from an auxiliary.
    """
    topic = topic_for(feature)
    assert topic is not None
    labels, prose = topic
    bound_gloss, free_gloss, bound_prose, free_prose, inflected_word = _patterns(labels, prose)
    topic_hint = _hint(prose)
    asks_modification = "modification" in feature_text(feature).lower()
    cues: list[Cue] = []
    for sent in sentences:
        text = sent.text
        if not any(lab in text for lab in labels) and not topic_hint.search(text):
            continue
        if _TOC.search(text):  # table-of-contents / index lines name topics, they describe nothing
            continue
        base = rank_weight(sent.rank) * (0.3 if sent.about_another else 1.0)
        base *= 0.1 if _OUT_OF_USE.search(text) else 1.0
        n_bound = len(bound_gloss.findall(text)) - len(inflected_word.findall(text))
        first_bound = bound_gloss.search(text)
        if n_bound > 0 and first_bound:
            cues.append(Cue(bound, base * min(1.0, 0.6 * n_bound), sent, "gloss", first_bound.group(0), "bm_gloss_bound"))
        if sent.is_gloss or n_bound:
            n_free = len(free_gloss.findall(text))
            if n_free:
                cues.append(Cue(free, base * min(1.0, 0.5 * n_free), sent, "gloss", f"free {labels[0]}", "bm_gloss_free"))
        if not sent.is_gloss:
            m = bound_prose.search(text)
            if m:
                # "the negative imperative suffix", "any subordinate clause is negated with this suffix":
                # another construction than the standard (declarative main clause) one
                other_clause = _NON_STANDARD.search(text) and not _STANDARD.search(text)
                cues.append(Cue(bound, base * (0.3 if other_clause else 1.0), sent, "statement", m.group(0), rule_of(m, "bm_bound_prose")))
            m = free_prose.search(text)
            if m:
                cues.append(Cue(free, base * 0.8, sent, "statement", m.group(0), rule_of(m, "bm_free_prose")))
            m = MODIFICATION.search(text) if asks_modification and "verb" in sent.lower else None
            if m:
                cues.append(Cue(bound, base * 0.8, sent, "statement", m.group(0), "bm_modification"))
    return cues


class BoundMarkingFamily:
    """Thresholds: ``bound_min`` support for 1; 0 needs ``free_min`` free support and bound below
    ``ratio`` x free. Bound wins ties because the question asks whether bound marking is *possible*."""

    name = "bound-marking"

    def __init__(self, bound_min: float = 1.0, free_min: float = 0.15, ratio: float = 0.3) -> None:
        self.bound_min = bound_min
        self.free_min = free_min
        self.ratio = ratio

    def applies(self, feature: Feature) -> bool:
        return is_binary(feature) and bool(ASKS_BOUND.search(feature_text(feature))) and topic_for(feature) is not None

    def decide(self, sentences: list[Sentence], ctx: CueContext) -> Decision:
        yes, no = positive_value(ctx.feature), negative_value(ctx.feature)
        cues = marking_cues(sentences, ctx.feature, yes, no)
        scores = tally(cues)
        b, f = scores.get(yes, 0.0), scores.get(no, 0.0)
        summary = f"bound {b:.2f} vs free {f:.2f}"
        if b >= self.bound_min and b >= self.ratio * f:
            conf = round(min(1.0, b / (b + f + 0.5)), 3)
            return Decision(yes, conf, supporting(cues, yes), scores,
                            f"Bound (affix/clitic) marking is attested ({summary}).")
        if f >= self.free_min and b < self.ratio * f:
            conf = round(min(1.0, f / (b + f + 0.5)), 3)
            return Decision(no, conf, supporting(cues, no), scores,
                            f"Only free (particle/auxiliary) marking is described ({summary}).")
        return Decision(NOT_ENOUGH_INFO, 0.0, supporting(cues, yes, 3) + supporting(cues, no, 2), scores,
                        f"Evidence too weak or contradictory ({summary}).")

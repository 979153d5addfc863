"""Polar-question strategies (the paper's WALS 116A* composite; Grambank GB257-GB291).

Each strategy is recognised from the component's own name/question (intonation, word order,
clause-initial/-final/-medial particle, verbal morphology, tone), so the same family serves the
composite and any single Grambank polar-question feature. Catalogue basis, rule by rule (``Cue.rule``):

* particles (Grambank GB262/GB263/GB264: a particle "that appears at the beginning of the clause", "at
  the end of the clause", "neither at the beginning nor the end"; WALS chapter 92, "Position of Polar
  Question Particles": "second position ..., following the first word or constituent", "very often
  encliticize onto the first constituent", "attached after the constituent which is the focus of the
  question"): ``pq_initial_*``, ``pq_final_*``, ``pq_medial_*`` where the prose places a question
  particle, a ``Q`` gloss right before the free translation (``pq_gloss_final``), and a particle
  whose place is not said (``pq_particle_unplaced``, weak evidence for the commonest, final place);
  ``pq_medial_clause_medial``, ``pq_medial_after_focus`` and ``pq_medial_appended_first`` fire on at
  most one development grammar and are kept as the catalogue's wording;
* verbal morphology (GB286; WALS chapter 116: "interrogative verb morphology", "an interrogative
  verbal suffix", "morphemes which attach to the verb are all treated as instances of interrogative
  verb morphology, even if ... clitics"): ``pq_morph_*`` and an interrogative label glossed as an
  affix (``pq_gloss_affix``);
* intonation only (GB257: "the only difference ... is intonation"; WALS 116: "the same words,
  morphemes and word order as the corresponding declarative sentence, but with a distinct
  intonation"): ``pq_intonation_only``, and intonation named without "only" at half weight;
* word order (GB260: "a change in word order"; WALS 116: "subject-verb inversion"): ``pq_order_*``;
* tone (GB291: "tone is the focus here, not intonation"): ``pq_tone``.

Removed in the issue-22 audit as fitted to one book: "introduced by the complementizer/clitic" as
an initial particle, the clitic ``=Q`` gloss read as a particle (WALS 116 counts a morpheme on the
verb as verb morphology), two phrasings of "same intonation as statements" ("like declaratives ...
intonation", "intonationally ... the same as other clauses"), a list of attitudes ("an impatient,
hectoring ... tone") read as not tone, "right edge", "occurs last", "introduces the clause", "the verb takes an
interrogative", "verbal suffix -ra", "verbal interrogative marker", two phrasings of one grammar's
"interrogative -ha", "the verb is fronted", and "follows any constituent" read as final.
"""

from __future__ import annotations

import re

from grammar_rag.classify.aggregate import Cue, Decision, supporting, tally
from grammar_rag.classify.cues.base import CueContext, feature_text, named_rules, rule_of
from grammar_rag.classify.statements import Sentence, negated_before, rank_weight
from grammar_rag.features.shape import is_binary, negative_value, positive_value
from grammar_rag.text.phrases import strip_idioms
from grammar_rag.types import NOT_ENOUGH_INFO, Feature

POLAR_CONTEXT = re.compile(
    r"\b(polar|yes[-/ –]no|yes[- ]or[- ]no|y/n|interrogative|interrogation|questions?|asking)\b", re.I
)
CONTENT_ONLY = re.compile(r"\b(content|wh-|information|question[- ]word|interrogative (?:pronoun|word)s?)\b", re.I)
Q_LABELS = r"(?:Q|QUES|QUEST|INT|INTERR|INTERROG|PQ|YNQ|QM|POL\.Q|PQP)"
_DEFINING_Q_LABELS = Q_LABELS.replace("INT|", "")  # "glossed INT" defines an intensifier as often
PARTICLE = re.compile(
    r"\b(?:question|interrogative|polar|yes[-/ ]no|dubitative|QUES|Q)[- ](?:particle|marker|clitic|enclitic|proclitic|"
    # not "question word": in 478 uses across the shared grammars it is nearly always a wh-word
    # ("the question word teina 'when'"), only rarely an older name for a particle
    r"morpheme|element)s?\b|\bparticles?\b|"
    # a clitic cited with its boundary: "the second position clitic =tipa", "the markers =ua and =uai"
    r"\b(?:(?:en|pro)?clitics?|morphemes?|markers?) =\w|"
    # a morpheme defined by its question gloss (Leipzig glossing: Q "question particle/marker"):
    # "marked with hoki (glossed pq = polar question)"
    r"\bglossed (?:as )?['‘\"]?" + _DEFINING_Q_LABELS + r"\b",
    re.I,
)
POSITIONS = {
    "final": named_rules((
        ("pq_final_clause_final", r"(?:sentence|clause|utterance|phrase)[- ]?final(?:ly)?|final position|in final"),
        ("pq_final_end_of_clause", r"at the (?:very )?end of (?:the |a )?(?:yes[-/ ]no |polar )?(?:sentence|clause|utterance|question)|"
         r"end of the (?:sentence|clause)"),
    ), re.I),
    "initial": named_rules((
        ("pq_initial_clause_initial", r"(?:sentence|clause|utterance)[- ]?initial(?:ly)?|initial position"),
        ("pq_initial_beginning", r"(?:at|in) the (?:very )?(?:beginning|start) of (?:the |a )?(?:yes[-/ ]no |polar )?"
         r"(?:sentence|clause|utterance|question)"),
    ), re.I),
    "medial": named_rules((
        ("pq_medial_second_position", r"second[- ]position|wackernagel|after the first (?:word|constituent|element|phrase)"),
        ("pq_medial_clause_medial", r"(?:clause|sentence)[- ]medial(?:ly)?"),
        # WALS ch. 92: "an interrogative clitic that is attached after the constituent which is the focus"
        ("pq_medial_after_focus", r"(?:follows?|attach\w* to|after|encliticized to|cliticized to) (?:the |any )?(?:questioned|focused|focus|"
         r"queried|first) (?:constituent|element|word|phrase)|(?:follows?|after) any constituent"),
        # WALS ch. 92: "second position question particles very often encliticize onto the first constituent"
        ("pq_medial_appended_first", r"(?:appended|attached|added) (?:\w+ ){0,3}?to the first (?:word|constituent|element|phrase)"),
    ), re.I),
}
INTONATION = re.compile(r"\bintonation\w*\b", re.I)
INTONATION_ONLY = re.compile(
    r"\b(?<!not )(?:only|solely|merely|simply|purely|alone|exclusively|just)\b|\bidentical\b|\bsame\b|"
    r"\bno (?:formal|other|overt|morphological|segmental)\b|"
    r"\bwithout (?:any )?(?:particle|marker|morpholog)|\bdiffer\w* (?:\w+ ){0,4}only\b|\brising\b|\bdistinguish\w* (?:\w+ ){0,4}by\b",
    re.I,
)
# "Questions have the same intonation as declaratives", "like declarative sentences, display falling
# intonation": intonation is named only to say it does NOT mark the question.
# (GB257 codes 0 when "intonation and another marker together mark polar interrogation".)
SAME_INTONATION = re.compile(
    r"\b(?:same|identical|similar) (?:\w+ ){0,3}?(?:intonation|pitch|contour)\w* (?:\w+ ){0,3}?(?:as|to|like) "
    r"(?:\w+ ){0,3}?(?:declarative|statement|non-interrogative)|"
    # "The intonation of yes-no questions is identical to that of statements", "is not normally
    # distinct from that of statements"
    r"\b(?:intonation|pitch|contour)\w* (?:[\w/-]+ ){0,6}?(?:is|are) (?:\w+ ){0,2}?(?:(?:identical|similar|the same) (?:to|as)|"
    r"not (?:\w+ )?(?:distinct|different) from) (?:that|those) of (?:\w+ ){0,2}?(?:declarative|statement|non-interrogative)|"
    # "questions are not expressed by means of intonation alone": intonation-only is denied
    r"\bnot (?:\w+ ){0,4}?(?:by|through|with|via) (?:means of )?(?:\w+ ){0,2}?intonation\w* (?:alone|only)\b",
    re.I,
)
# "tone" near polar-question vocabulary (a narrower "question tone" pattern did worse on the
# development half: grammars describe question tones in many ways).
TONE = re.compile(r"\b(?:(?:high|low|rising|falling|question|interrogative|final|extra[- ]high|floating) tones?|tonal(?:ly)?|tone)\b", re.I)
# "polar tone" (a tone opposite to its neighbour's) and "polarity" are phonology, not polar questions.
_PHONOLOGY_POLAR = re.compile(r"\bpolar(?:ity)? tones?\b|\btonal polarity\b|\bpolarity\b|"
                              r"\bpolar (?:opposition|opposites?|contrasts?)\b", re.I)
# Prosodic units ("tone unit", "tone group") and the speaker's "tone of voice" are not lexical or
# grammatical tone (GB291: "tone is the focus here, not intonation").
TONE_UNIT = re.compile(r"\btone[- ](?:units?|groups?)\b|\btone of voice\b", re.I)
# A tone carried by a particle or ending ("the enclitic has high tone") describes that morpheme;
# the question is then marked by the morpheme, not by tone.
TONE_BEARER = re.compile(r"\b(?:particles?|(?:en)?clitics?|suffix(?:es)?|prefix(?:es)?|morphemes?|endings?|markers?)\b", re.I)
WORD_ORDER = named_rules((
    ("pq_order_inversion", r"invert\w*|inversion"),
    ("pq_order_change", r"(?:change|alteration|reversal) (?:\w+ ){0,2}(?:word|constituent) order"),
), re.I)
# "the inverted question mark '¿'", "inverted commas": names of punctuation, not word order
_PUNCTUATION_NAMES = re.compile(r"\binverted (?:question|exclamation) marks?|\binverted commas\b", re.I)
NO_CHANGE = re.compile(r"\b(?:no (?:change|inversion)|same (?:word )?order|unchanged|not (?:change|inverted|altered)|identical)\b", re.I)
VERB_MORPH = named_rules((
    # WALS ch. 116: "interrogative verb morphology", "an interrogative verbal suffix"
    ("pq_morph_interrogative_affix", r"\b(?:interrogative|question|polar|yes[-/ ]no)[- ](?:suffix|postfix|prefix|affix|infix|mood|mode|ending|"
     r"verb form|verbal form|inflection|paradigm|morphology|verbal morphology|verbal suffix|marker on the verb)\w*|"
     r"interrogative (?:\w+ )?(?:suffix|postfix|prefix)"),
    ("pq_morph_affix_on_verb", r"(?:suffix|prefix|affix)\w* (?:\w+ ){0,4}?(?:to|on) the verb\w*"),
    # "a finite verb in the interrogative form"
    ("pq_morph_interrogative_form", r"\bverbs? in (?:the|an) interrogative form\b|\binterrogative forms? of the verb\b"),
    # WALS ch. 116: "morphemes which attach to the verb are all treated as instances of interrogative verb
    # morphology, even if by some criteria they might be analysed as clitics" ("can only be suffixed to a finite verb")
    ("pq_morph_suffixed_to_verb", r"\b(?:suffixed|attached) to (?:the end of )?(?:an? |the )?(?:finite |main |inflected )?"
     r"(?:verbs?|auxiliar(?:y|ies))\b"),
), re.I, before="", after="")
GLOSS_Q_FINAL = re.compile(r"(?<![\w\-=.])" + Q_LABELS + r"[?.]?\s*(?=[‘'\"“(])")
GLOSS_Q_AFFIX = re.compile(r"(?<=[\w\)\]])-(?:[A-Z0-9]+[.:])*" + Q_LABELS + r"(?![A-Za-z])")

# The free translation of a content question ("... who Q 'Who did Hasan give money to?'"): its Q
# morpheme marks a content question, which says nothing about polar questions.
_OPEN_QUOTE = re.compile(r"[‘'\"“]")
_WH = r"(?:who|whom|whose|what|which|where|when|why|how)\b"
# the wh-word may follow a short reporting frame inside the translation: "‘They ask: “Where is ...?”’"
_WH_TRANSLATION = re.compile(r"[‘'\"“]\s*(?:[^‘'\"“”’:]{1,30}:\s*[‘'\"“]?\s*)?" + _WH, re.I)
# an unquoted translation right after the gloss line: "come-A'.ask-INT.3sg.2sg. Who asked you to come?"
_WH_UNQUOTED = re.compile(r"[^‘'\"“?]{0,60}?\s(?:Who|Whom|Whose|What|Which|Where|When|Why|How)\b[^‘'\"“.!?]{0,100}\?")


def _content_question_gloss(text: str, end: int) -> bool:
    """Whether the free translation after ``end`` (quoted within 120 characters, or unquoted right
    after the gloss) is a wh-question."""
    m = _OPEN_QUOTE.search(text, end, end + 120)
    if m and _WH_TRANSLATION.match(text, m.start()):
        return True
    return bool(_WH_UNQUOTED.match(text, end))


# Question types other than the ordinary polar question: their marking is not the strategy asked for.
_SPECIAL_QUESTION = re.compile(r"\b(?:indirect|embedded|subordinate|tag|echo|rhetorical|alternative|negative|leading|"
                               r"confirmation|biased) (?:yes[-/ ]no |polar |interrogative )?(?:questions?|interrogatives?)\b",
                               re.I)
_ORDINARY_QUESTION = re.compile(r"\b(?:ordinary|simple|neutral|basic|plain|direct|all|main[- ]clause) (?:yes[-/ ]no |polar )?"
                                r"questions?\b", re.I)
_PREFILTER = re.compile(r"(?i:polar|yes|interrog|question|asking)|(?<![A-Za-z])" + Q_LABELS + r"(?![a-z])")

# A strategy must also reach this share of the best-supported one: grammars describe their main
# strategy at length, and passing mentions of others ("question particle" in a content-question
# section) should not add labels.
RELATIVE = {"min_share": 0.5}

_MARKERS = ("intonation", "initial", "final", "medial", "verb_morph", "tone")
_ALL = ("intonation", "word_order", "initial", "final", "medial", "verb_morph", "tone")
RELATIVE_GROUPS: dict[str, tuple[str, ...]] = {
    # particles and verbal affixes compete for the same interrogative morpheme ("-Q" or "=Q"?)
    "initial": _MARKERS, "final": _MARKERS, "medial": _MARKERS, "verb_morph": _MARKERS,
    # "intonation only" holds only when no marker is described much more prominently
    "intonation": _ALL,
    "word_order": (), "tone": (),
}

STRATEGIES = ("intonation", "word_order", "initial", "final", "medial", "verb_morph", "tone")
THRESHOLDS = {
    "intonation": 0.6, "word_order": 1.2, "initial": 0.8, "final": 0.6, "medial": 0.7,
    "verb_morph": 0.7, "tone": 0.9,
}


def held_strategies(scores: dict[str, float]) -> set[str]:
    """The strategies whose score passes their threshold and is not dwarfed by a competitor's."""
    held = set()
    for strat in STRATEGIES:
        score = scores.get(strat, 0.0)
        best = max((scores.get(g, 0.0) for g in RELATIVE_GROUPS[strat]), default=0.0)
        if score >= THRESHOLDS[strat] and score >= RELATIVE["min_share"] * best:
            held.add(strat)
    return held


def strategy_of(feature: Feature) -> str | None:
    """Which strategy a binary polar-question feature (or composite component) is about."""
    text = feature_text(feature)
    if "particle" in text or "marker" in text or "clitic" in text:
        if "neither" in text or "medial" in text or "second" in text:
            return "medial"
        if "initial" in text:
            return "initial"
        if "final" in text:
            return "final"
    if "intonation" in text:
        return "intonation"
    if "word order" in text:
        return "word_order"
    if "morpholog" in text or "verbal" in text:
        return "verb_morph"
    if re.search(r"\btone\b", text):
        return "tone"
    return None


def _is_polar_component(feature: Feature) -> bool:
    return strategy_of(feature) is not None and (
        is_binary(feature) or not feature.values
    ) and bool(re.search(r"polar|interrogat|question|tone|intonation|particle", feature_text(feature)))


def extract(sentences: list[Sentence]) -> list[Cue]:
    """Cues for every strategy; ``Cue.value`` is the strategy key."""
    cues: list[Cue] = []
    for sent in sentences:
        text = sent.text
        if not _PREFILTER.search(text):
            continue
        base = rank_weight(sent.rank) * (0.3 if sent.about_another else 1.0)
        # Gloss evidence: interrogative morphemes right before the free translation.
        for m in GLOSS_Q_AFFIX.finditer(text):
            if _content_question_gloss(text, m.end()):
                continue
            cues.append(Cue("verb_morph", 0.35 * base, sent, "gloss", m.group(0), "pq_gloss_affix"))
        for m in GLOSS_Q_FINAL.finditer(text):
            if text[max(0, m.start() - 1)] in "-=" or _content_question_gloss(text, m.end()):
                continue
            cues.append(Cue("final", 0.35 * base, sent, "gloss", m.group(0).strip(), "pq_gloss_final"))
        plain = _PHONOLOGY_POLAR.sub(" ", strip_idioms(text))
        if sent.is_gloss or not POLAR_CONTEXT.search(plain):
            continue
        polar_specific = bool(re.search(r"polar|yes[-/ –]no|yes[- ]or[- ]no|y/n", plain, re.I))
        if CONTENT_ONLY.search(text) and not polar_specific:
            base *= 0.4
        w = base * (1.0 if polar_specific else 0.6)
        if _SPECIAL_QUESTION.search(text) and not _ORDINARY_QUESTION.search(text):
            w *= 0.3  # "indirect polar questions are marked by the conditional suffix": not how questions are asked
        particle = PARTICLE.search(text)
        if particle:
            placed = False
            for pos, pat in POSITIONS.items():
                at = pat.search(text)
                if at and not negated_before(text, at.start(), 20):
                    cues.append(Cue(pos, w, sent, "statement", at.group(0), rule_of(at, f"pq_{pos}")))
                    placed = True
            if not placed and re.search(r"question|interrogative|polar|yes", particle.group(0), re.I):
                cues.append(Cue("final", 0.3 * w, sent, "statement", particle.group(0), "pq_particle_unplaced"))
        intonation = INTONATION.search(text)
        if intonation and not negated_before(text, intonation.start(), 25) and not SAME_INTONATION.search(text):
            # "marked not only by syntactic means but also by a rising intonation": not intonation alone
            only = None if re.search(r"\bnot only\b", text, re.I) else INTONATION_ONLY.search(text)
            cues.append(Cue("intonation", w * (1.0 if only else 0.5), sent, "statement",
                            (only.group(0) + " … " if only else "") + intonation.group(0),
                            "pq_intonation_only" if only else "pq_intonation"))
        tone = TONE.search(TONE_UNIT.sub(lambda u: " " * len(u.group(0)), text))
        if tone and not negated_before(text, tone.start(), 25):
            near = text[max(0, tone.start() - 60) : tone.end() + 60]
            # "a particle with high tone" describes the particle; "an intonation pattern: the last
            # syllable carries high tone" describes the intonation
            described = TONE_BEARER.search(near) or INTONATION.search(text)
            cues.append(Cue("tone", w * (0.25 if described else 0.7), sent, "statement", tone.group(0), "pq_tone"))
        order = WORD_ORDER.search(_PUNCTUATION_NAMES.sub(" ", text))
        if order and not NO_CHANGE.search(text) and not negated_before(text, order.start(), 25):
            cues.append(Cue("word_order", w, sent, "statement", order.group(0), rule_of(order, "pq_word_order")))
        morph = VERB_MORPH.search(text)
        if morph and not negated_before(text, morph.start(), 25):
            cues.append(Cue("verb_morph", w, sent, "statement", morph.group(0), rule_of(morph, "pq_verb_morph")))
    return cues


class PolarStrategyFamily:
    name = "polar-strategies"

    def applies(self, feature: Feature) -> bool:
        if feature.multi_label:
            return sum(strategy_of(c) is not None for c in feature.components) >= 3
        return _is_polar_component(feature)

    def decide(self, sentences: list[Sentence], ctx: CueContext) -> Decision:
        cues = extract(sentences)
        scores = tally(cues)
        feature = ctx.feature
        if feature.multi_label:
            if not cues:
                return Decision(NOT_ENOUGH_INFO, reasoning="No passage describes how polar questions are formed.")
            held: list[str] = []
            evidence: list[Cue] = []
            notes = []
            holding = held_strategies(scores)
            for comp in feature.components:
                strat = strategy_of(comp)
                score = scores.get(strat or "", 0.0)
                if strat in holding:
                    held.append(comp.name)
                    evidence.extend(Cue(comp.name, c.weight, c.sentence, c.kind, c.note, c.rule)
                                    for c in supporting(cues, strat, 2))
                notes.append(f"{comp.name}: {score:.2f}")
            confidence = round(min(1.0, sum(scores.values()) / 4.0), 3)
            return Decision(
                ", ".join(held), confidence=confidence, cues=evidence, scores=scores, values=held,
                reasoning="Strategy scores (threshold per strategy): " + "; ".join(notes) + ".",
            )
        strat = strategy_of(feature)
        score = scores.get(strat or "", 0.0)
        if strat and score >= THRESHOLDS[strat]:
            return Decision(positive_value(feature), round(min(1.0, score / 2), 3),
                            [Cue(positive_value(feature), c.weight, c.sentence, c.kind, c.note, c.rule)
                             for c in supporting(cues, strat)],
                            scores, f"{strat} score {score:.2f} >= {THRESHOLDS[strat]}.")
        if cues:
            return Decision(negative_value(feature), 0.3, [], scores,
                            f"Polar questions are described, but not with this strategy ({strat} score {score:.2f}).")
        return Decision(NOT_ENOUGH_INFO, reasoning="No passage describes how polar questions are formed.")

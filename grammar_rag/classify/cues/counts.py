"""Count features (WALS 49A-like: values '2 cases', '6-7 cases', '10 or more cases', 'No ...').

Catalogue basis: WALS chapter 49 (Iggesen, "Number of Cases"; ``wals/chapters/chapter_49.html``). The
counted thing is read off the value names ("cases" here, "genders" in 30A...). The chapter counts "the
productive case paradigms of nouns", the unmarked base form beside any overt case, adpositional and
clitic markers with "a sufficient degree of bondedness"; it excludes "categories with pragmatic
(non-syntactic) functions, such as vocatives or topic markers"; it calls a system marking only
"concrete (or 'peripheral', or 'semantic') case relations" "exclusively borderline"; and in languages
"lacking morphological case ... grammatical relations are expressed by word order and/or ...
function words". Rules (``Cue.rule``): explicit totals ("Dyirbal has eight cases", "a six-case
system": ``cnt_stated``; a class of cases plus the core ones: ``cnt_subset_plus_core``; the sum of
stated classes: ``cnt_sum_of_classes``), statements that nouns lack case (``cnt_no_case*``), case
labels attached to nominals in interlinear glosses (``dog-ERG``, ``house=LOC``: ``cnt_gloss_label``)
and case names the prose uses as cases (``cnt_named_case``, ``cnt_case_list``), and silence (passages
retrieved for case that name none: ``cnt_silence``). Order of trust: a total the grammar states over
an inventory counted from the passages, which is only a lower bound; the raw score carries that
order (``_BANDS``) so the calibration map can answer the trustworthy kinds and abstain on the rest.

Removed in the issue-22 audit: "analysed as postpositions, not case markers" as a claim of no case
(one grammar; ch. 49 counts adpositional case markers generously), and the case names that neither
occur in chapter 49 nor on more than one development grammar (see :mod:`.case_names`).
"""

from __future__ import annotations

import re

from grammar_rag.classify.aggregate import Cue, Decision, supporting, vote
from grammar_rag.classify.cues.base import CueContext, named_rules, rule_of
from grammar_rag.classify.cues.case_names import (
    ALIGNMENT,
    CORE_CASES,
    LABEL_TO_CASE,
    NAME_TO_CASE,
    UNMARKED_OF,
    VERBAL_TOO,
)
from grammar_rag.classify.statements import Sentence, rank_weight, statement_strength
from grammar_rag.features.shape import NUMBER_WORDS, as_count, bin_for, count_bins
from grammar_rag.text.ocr_repair import OCR_NUMERAL
from grammar_rag.text.phrases import strip_idioms
from grammar_rag.types import NOT_ENOUGH_INFO, Feature

_NUM = r"([1-9]\d?|" + OCR_NUMERAL + "|" + "|".join(NUMBER_WORDS) + r")"  # "l2 cases": OCR's 12

# A case label attached to a lexical stem (lower-case letters before the boundary, so pronoun
# glosses like 3SG=GEN are not taken for noun case): 'dog-ERG', 'house=LOC', 'man-PL-ERG'.
_ATTACHED = re.compile(
    r"(?<=[a-zà-ÿɐ-ʯ])[-=](?:[A-Z0-9]+[.:-])*("
    + "|".join(sorted(set(LABEL_TO_CASE) - VERBAL_TOO, key=len, reverse=True)) + r")(?![A-Za-z])"
)
_COUNT_ADJ = (r"(?:morphological|core|grammatical|distinct|different|nominal|syntactic|semantic|local|oblique|"
              r"peripheral|spatial|basic|major|primary|main|structural|overt|productive)")


# A case named in a sentence about pronouns only ("the =ko series pronouns (ergative case)"): WALS 49A
# counts the cases of nouns.
_PRONOUN_ONLY = re.compile(r"^(?!.*\b(?:nouns?|nominals?|NPs?|noun phrases?)\b).*\bpronoun", re.I | re.S)
# Punctuation opening an enumeration after a count ("five cases: ..."; \x96/\x97 are cp1252 dashes).
_ENUMERATION = re.compile(r"\s*[:—–(\x96\x97]")
# Counts of one class of cases ("five oblique cases", "seven local cases") leave the core cases out.
_SUBSET_ADJ = re.compile(r"\b(?:oblique|peripheral|local|spatial|semantic|adverbial|concrete)\b", re.I)
# ... which a count of the core class supplies: "two grammatical cases and ten semantic cases".
_CORE_ADJ = re.compile(r"\b(?:grammatical|core|syntactic|structural)\b", re.I)
# A singular "case" after a count must modify a noun: "eight case endings", "a six-case system".
_CASE_NOUN = (r"(?:system|inventory|paradigm|language|endings?|suffix(?:es)?|markers?|forms?|inflections?|"
              r"affix(?:es)?|categor(?:y|ies)|distinctions?|relations?|clitics?|postpositions?)\b")


def _stated_pattern(stem: str) -> re.Pattern[str]:
    """'eight cases', 'a six-case system', '9 morphological cases', 'seven or eight cases'."""
    num = _NUM[1:-1]
    # a count takes the plural ("eight cases") or modifies a noun ("a six-case system", "eight case
    # endings"); in "the ergative 30 case" the number is a footnote mark
    return re.compile(
        r"(?<![\w.])(" + num + r")(?:\s*(?:-|–|or|to)\s*(?:" + num + r"))?(?![\w.])[- ](?:" + _COUNT_ADJ
        + r"[- ]){0,2}(?:" + stem + r"s\b|(?<=-)" + stem + r"\b|" + stem + r"(?=[- ]" + _CASE_NOUN + r"))",
        re.I,
    )
_CASE_NAME_CONTEXT = re.compile(r"\b(case|cases|suffix|suffixes|postposition|clitic|marker|marking|enclitic)\b", re.I)
_CASE_NAMES = re.compile(r"\b(" + "|".join(sorted(NAME_TO_CASE, key=len, reverse=True)) + r")\b", re.I)
_NAME_ALT = "(?:" + "|".join(sorted(NAME_TO_CASE, key=len, reverse=True)) + ")"
# A case name used *as* a case: "the ergative case", "dative-case suffix", "ergative, dative and
# locative cases" (a name merely mentioned in a sentence about cases is not enough).
_NAMED_CASES = re.compile(
    r"\b(?:" + _NAME_ALT + r"(?:\s*,\s*|\s+and\s+|\s+or\s+|\s*/\s*))*" + _NAME_ALT + r"[- ]cases?\b", re.I
)
# A list of the cases introduced as such: "the case markers are -ak 'Ergative', -atl 'Dative' ...",
# "one of the following case markers: locative -ta, instrumental -na", "nouns are inflected for
# number and case (Absolutive, Ergative, Genitive, ...)": the names that follow are cases.
_CASE_LIST_INTRO = re.compile(
    r"\bcase[- ](?:markers?|suffix(?:es)?|endings?|affix(?:es)?|inflections?|clitics?|forms?)\b"
    r"(?:\s+\w+){0,4}?\s*(?::|\bare\b|\binclude\b)|"
    r"\b(?:inflect\w*|marked) for (?:\w+ ){0,3}?case\s*[(:]",
    re.I,
)
# A count framed as what the language or its nouns have ("Tarsi has four grammatical cases", "there are
# six cases", "a system of nine cases") states the system's total: no other morphology word is needed.
_TOTAL_FRAME = re.compile(r"\b(?:has|have|had|possess(?:es)?|distinguish(?:es)?|there\s+(?:are|were)|system\s+of)"
                          r"\s+(?:a\s+total\s+of\s+|only\s+|just\s+|exactly\s+)?$", re.I)
# WALS 49A: categories with pragmatic functions (vocative, topic) are not cases, even inside a paradigm.
_PRAGMATIC = re.compile(r"\b(?:vocative|topic)\b", re.I)
# An enumeration right after a count ("six cases: nominative, ...", "three case categories, the
# definitive, ..."; the count's match ends before the noun "case" modifies), and what names a case in
# it: a case name, an upper-case gloss label ("NOM, DAT, ABL"), the direct case, or a vocative.
_ENUM_OPEN = re.compile(r"(?:[- ]" + _CASE_NOUN + r")?\s*(?:[:—–(\x96\x97]|,\s*(?=the\b|namely\b))\s*", re.I)
_KNOWN_ITEM = re.compile(r"\b(?:" + "|".join(sorted(LABEL_TO_CASE, key=len, reverse=True)) + r")\b|(?i:\b(?:direct|"
                         + _NAME_ALT[3:-1] + r"|" + _PRAGMATIC.pattern[5:-3] + r")\b)")


def _not_cases_listed(after: str) -> bool:
    """The count is followed by an enumeration of mostly other things than cases ("three case
    categories: the definitive, the non-definitive and the locative": definiteness, not case relations)."""
    opened = _ENUM_OPEN.match(after)
    if not opened:
        return False
    clause = re.split(r"[;.)](?:\s|$)", after[opened.end() :], maxsplit=1)[0]
    items = [i for i in re.split(r"\s*,\s*(?:and\s+|or\s+)?|\s+(?:and|or)\s+", clause) if i.strip()]
    return len(items) >= 2 and 2 * sum(1 for i in items if _KNOWN_ITEM.search(i)) < len(items)


# Raw-score bands by kind of count (the calibration map is monotone in the score, so the kind must order
# it): the grammar's own statement (a total, or that nouns lack case) > an inventory of 20 passages that
# settles the value (a lower bound reaching "10 or more"; only peripheral cases: borderline) > silence
# (passages retrieved *for case* that gloss, name and count none: evidence of absence, stronger the more
# text was read) > an inventory that is only a lower bound of a closed bin (passages rarely show all).
_BANDS = {"stated": (0.6, 0.4), "settled": (0.4, 0.15), "silence": (0.26, 0.12), "lower-bound": (0.05, 0.2)}
SILENCE_SENTENCES = 300  # sentences read for silence to reach full strength (about 20 long passages)
SILENCE_MIN = 50  # fewer sentences (short or broken passages) are too small a sample to show an absence


def banded(kind: str, strength: float) -> float:
    """The raw score of a count decision: its kind's band, placed within it by ``strength`` (0..1)."""
    low, width = _BANDS[kind]
    return round(low + width * min(1.0, max(0.0, strength)), 3)


# "in two cases" means instances: a count statement must also talk about morphology.
_COUNT_CONTEXT = re.compile(
    r"\b(system|systems|marking|markers?|suffix(?:es)?|endings?|inflect\w*|distinguish\w*|nouns?|"
    r"nominals?|paradigms?|morpholog\w*|forms?|categories|postpositions?)\b",
    re.I,
)
# "case" as "instance": "in two cases", "three cases of the use of", "these two cases discussed above"
# ("when two case suffixes occur within a word" counts suffixes in one word, not the system)
_INSTANCE_BEFORE = re.compile(r"\b(?:(?:in|these|those|the|both|such)\s+(?:only\s+|just\s+|all\s+|other\s+)?|"
                              r"(?:when|whenever|if|where)\s+(?:only\s+)?)$", re.I)
# One word stacking markers: "the noun root takes two case suffixes" (but "nouns take nine cases").
_STACKED_BEFORE = re.compile(r"\b(?:takes?|taking|carr(?:y|ies|ying)|bears?|bearing)\s+(?:only\s+)?$", re.I)
# ("five cases of duplication" counts instances; "six cases of the noun" counts the paradigm)
_INSTANCE_AFTER = re.compile(r"^\s*(?:of\s+(?!(?:the\s+|a\s+|its\s+)?(?:nouns?|nominals?|noun\s+phrases?)\b)|(?:\w+\s+){0,2}(?:discussed|mentioned|above|below|"
                             r"cited|recorded|attested|noted|where|in which)|"
                             # "two case markers may occur on a single noun stem": stacking, not the system
                             r"(?:\w+\s+){0,3}?(?:may\s+|can\s+)?(?:co-?occur|occur|appear|stack)\w*\s+(?:\w+\s+){0,2}?"
                             r"(?:on|in|within)\s+(?:a|the|one)\s+(?:single\s+)?(?:noun|stem|word|root))", re.I)
# a case count must sit in a sentence about case morphology, not merely near "forms" or "suffix"
_CASE_GRAMMAR = re.compile(
    r"\b(?:case[- ](?:system|suffix\w*|markers?|marking|endings?|inflection|paradigms?|forms?|categor\w*|relations?)|"
    r"declension\w*|(?:nouns?|nominals?|pronouns?|noun phrases?|NPs?) (?:\w+ ){0,3}?(?:distinguish\w*|inflect\w*|take|takes|"
    r"show|shows|have|has)|(?:morphological|grammatical|syntactic|core|oblique|semantic|local|spatial) cases?|"
    + _NAME_ALT + r")\b",
    re.I,
)
# "not inflected for case for core arguments, but ... oblique case suffixes": WALS 49A's
# "exclusively borderline case-marking", not the absence of case
_CORE_ONLY = re.compile(r"\b(?:core|subjects?|objects?|arguments?|grammatical relations)\b", re.I)
_PERIPHERAL_TOO = re.compile(r"\b(?:oblique|peripheral|semantic|local|locatives?|instrumentals?)\b", re.I)
# A no-case remark that itself names a case or calls the markers clitics is about one construction
# or about the analysis of clitic cases (which WALS 49A counts), not a claim that nouns lack case.
_LOCAL_NO_CASE = re.compile(r"\b(?:" + "|".join(sorted(CORE_CASES | {"oblique"})) + r") (?:form|case)\b|"
                            r"\bclitici[sz]ed\b|\b(?:en)?clitic postpositions?\b|"
                            # one cell of a paradigm: "the 3A pl. has no case distinction"
                            r"(?<!\w)(?:sg|pl|du)\.|\b[123](?:sg|pl|du|p)\b|"
                            r"\b(?:singular|plural|dual) (?:forms?|suffix(?:es)?|endings?)\b", re.I)
NO_CASE = named_rules((
    # "no cases of/where/that ..." means "never"
    ("cnt_no_case", r"no (?:morphological |nominal |overt |grammatical )?case(?: marking| inflection| system|"
     r"s(?! (?:of|where|in which|that|when|have|had|were|parallel)\b))(?! (?:is|are) present)"),
    ("cnt_no_case_has_no", r"(?:has|have|with|shows?) no (?:morphological |nominal |overt |grammatical )?case\b"),
    ("cnt_no_case_not_inflected", r"(?:do|does|did) not (?:inflect|mark) (?:\w+ ){0,2}for case"),
    ("cnt_no_case_lacks", r"(?:lacks?|without) (?:morphological |any )?case"),
    ("cnt_no_case_not_marked", r"not (?:marked|inflected) for case|case is not marked"),
    # ch. 49: "In the languages lacking morphological case ..., grammatical relations are expressed by word order"
    # (fires on no development grammar; kept as the chapter's own wording)
    ("cnt_no_case_word_order", r"(?:grammatical relations|syntactic functions?) (?:are|is) (?:\w+ ){0,3}(?:expressed|indicated|signalled|marked) "
     r"(?:\w+ ){0,2}by (?:word order|constituent order|position)"),
), re.I)


class CountFamily:
    """Explicit count statements first; otherwise the number of distinct glossed case labels.

    Counting labels in 20 retrieved passages undercounts or picks up homonyms, so a count from
    glosses alone needs ``min_labels`` distinct, repeatedly seen labels; fewer is an abstention
    (3 was chosen on the even half of the benchmark grammars: 5 abstained too often, 2 guessed).
    """

    name = "count"

    def __init__(self, min_labels: int = 3, min_peripheral: int = 2) -> None:
        self.min_labels = min_labels
        self.min_peripheral = min_peripheral

    def applies(self, feature: Feature) -> bool:
        noun, bins, _, _ = count_bins(feature)
        return len(bins) >= 3 and bool(noun)

    def decide(self, sentences: list[Sentence], ctx: CueContext) -> Decision:
        noun, bins, zero, other = count_bins(ctx.feature)
        stem = noun.rstrip("s")  # "cases" -> "case", "genders" -> "gender"
        stated = _stated_pattern(stem)
        is_case = stem == "case"
        cues: list[Cue] = []
        labels_seen: dict[str, Cue] = {}
        label_hits: dict[str, int] = {}
        subsets: list[tuple[int, Cue]] = []
        class_counts: list[Cue] = []  # "four grammatical cases": one class of the system
        summed = False  # a sentence stated the system as the sum of its classes
        for sent in sentences:
            text = sent.text
            has_stem = stem in sent.lower
            has_join = "-" in text or "=" in text
            if not has_stem and not (is_case and (has_join or _CASE_NAMES.search(text))):
                continue
            base = rank_weight(sent.rank) * (0.3 if sent.about_another else 1.0)
            if has_stem and not sent.is_gloss:
                counted: list[tuple[int, re.Match[str], float]] = []
                # sentence-level properties, read once per sentence (not once per number in it)
                count_context = bool(_COUNT_CONTEXT.search(text))
                case_grammar = not is_case or bool(_CASE_GRAMMAR.search(text))
                pronoun_only = is_case and bool(_PRONOUN_ONLY.search(text))
                strength = max(statement_strength(text), 0.7)
                for m in stated.finditer(text):
                    n = as_count(m.group(1))
                    # "the five oblique cases: ablative, allative, ..." (an enumeration follows the count)
                    listed = is_case and bool(_ENUMERATION.match(text, m.end())) and len(
                        _CASE_NAMES.findall(text[m.end() : m.end() + 100])) >= 2
                    before, after = text[max(0, m.start() - 80) : m.start()], text[m.end() : m.end() + 200]
                    # "four grammatical cases", "has six cases": a count of the system by its own wording
                    framed = bool(_TOTAL_FRAME.search(before) or _SUBSET_ADJ.search(m.group(0))
                                  or _CORE_ADJ.search(m.group(0)))
                    if n is None or n < 2 or n > 40 or not (listed or count_context or framed):
                        continue
                    stacked = not m.group(0).lower().endswith("s") and _STACKED_BEFORE.search(before)
                    if not listed and (_INSTANCE_BEFORE.search(before) or _INSTANCE_AFTER.search(after)
                                       or stacked or (is_case and _not_cases_listed(after))):
                        continue  # "in these two cases", "takes two case suffixes"
                    if pronoun_only or not (case_grammar or framed):
                        continue  # WALS 49A counts the cases of nouns: "the pronoun system ... six cases"
                    if listed:  # "six cases: nominative, ..., vocative": the vocative is not a case
                        n -= len(_PRAGMATIC.findall(re.split(r"[;.)](?:\s|$)", text[m.end() : m.end() + 250], maxsplit=1)[0]))
                        if n < 2:
                            continue
                    counted.append((n, m, base * strength))
                core_part = [c for c in counted if _CORE_ADJ.search(c[1].group(0)) and not (
                    is_case and _SUBSET_ADJ.search(c[1].group(0)))]
                subset_part = [c for c in counted if is_case and _SUBSET_ADJ.search(c[1].group(0))]
                if core_part and subset_part:
                    # "two grammatical cases and ten semantic cases": the system is the sum (ch. 49 counts the whole
                    # paradigm, grammatical and "concrete (or 'peripheral', or 'semantic')" cases alike; fires on
                    # no development grammar, kept for the chapter's definition)
                    total = sum(n for n, _, _ in core_part + subset_part)
                    value = bin_for(total, bins)
                    note = " + ".join(m.group(0) for _, m, _ in core_part + subset_part)
                    if value:
                        cues.append(Cue(value, max(w for _, _, w in counted), sent, "statement", note, "cnt_sum_of_classes"))
                        summed = True
                    counted = []
                for n, m, w in counted:
                    if is_case and _SUBSET_ADJ.search(m.group(0)):
                        subsets.append((n, Cue("", w, sent, "statement", m.group(0), "cnt_subset_plus_core")))
                        continue  # "five oblique cases": the core cases come on top (see below)
                    value = bin_for(n, bins)
                    if value:  # "four grammatical cases" alone: one class, unless no sum is stated
                        core_class = is_case and bool(_CORE_ADJ.search(m.group(0)))
                        (class_counts if core_class else cues).append(
                            Cue(value, w, sent, "statement", m.group(0), "cnt_class_count" if core_class else "cnt_stated"))
                if zero and not sent.about_another:  # "12 of these languages have no case" says nothing here
                    plain = strip_idioms(text)  # "in no case was ..." means "never"
                    core_only = bool(other and _CORE_ONLY.search(plain) and _PERIPHERAL_TOO.search(plain))
                    for m in NO_CASE.finditer(plain) if is_case else ():
                        if _LOCAL_NO_CASE.search(plain):
                            continue  # "marked like subjects, with the nominative form or no case marking"
                        value = other if core_only and other else zero
                        cues.append(Cue(value, base * max(statement_strength(text), 0.8), sent, "statement", m.group(0),
                                        rule_of(m, "cnt_no_case")))
            if is_case:
                for m in _ATTACHED.finditer(text) if has_join else ():
                    case = LABEL_TO_CASE[m.group(1)]
                    label_hits[case] = label_hits.get(case, 0) + 1
                    cue = Cue("", base, sent, "gloss", m.group(0), "cnt_gloss_label")
                    if case not in labels_seen or labels_seen[case].weight < base:
                        labels_seen[case] = cue
                if not sent.is_gloss and "case" in sent.lower and not _PRONOUN_ONLY.search(text):
                    listed_after = [(_listed_after(text, m), "cnt_case_list") for m in _CASE_LIST_INTRO.finditer(text)]
                    spans = [(span.group(0), "cnt_named_case") for span in _NAMED_CASES.finditer(text)] + listed_after
                    for m, rule in ((n, r) for span, r in spans for n in _CASE_NAMES.finditer(_one_per_compound(span))):
                        case = NAME_TO_CASE[m.group(1).lower()]
                        cue = Cue("", base * 0.8, sent, "statement", m.group(0), rule)
                        label_hits[case] = label_hits.get(case, 0) + 2  # named as a case: trusted
                        if case not in labels_seen or labels_seen[case].weight < cue.weight:
                            labels_seen[case] = cue

        labels_seen = _attested(labels_seen, label_hits)
        if summed:  # a stated sum of the classes covers the counts of one class stated elsewhere
            subsets = []
        else:
            cues += class_counts
        if subsets:
            # a count of the oblique/local cases plus the alignment cases attested (with their unmarked
            # partner), at least the unmarked base form WALS 49A counts: traditions differ on whether
            # dative and genitive are "core" or "peripheral", so only the alignment pair is added
            n_core = max(1, len(_with_unmarked(labels_seen) & ALIGNMENT))
            for n, cue in subsets:
                value = bin_for(n + n_core, bins)
                if value:
                    cues.append(Cue(value, cue.weight, cue.sentence, cue.kind, f"{cue.note} + {n_core} core", cue.rule))
        if len(labels_seen) >= self.min_labels:
            # several distinct case labels glossed on nouns contradict "no case": such a remark was
            # about one construction ("the standard of comparison does not inflect for case")
            cues = [c for c in cues if c.value != zero]
        stated_decision = vote(cues, min_support=0.6, min_ratio=1.5)
        lone = next(iter(stated_decision.scores)) if len(stated_decision.scores) == 1 else None
        lone_bin = next((b for b in bins if b.value == lone), None)
        if stated_decision.abstained and lone_bin and len(labels_seen) >= self.min_labels and (
                lone_bin.high >= _count(labels_seen)) and not any(c.sentence.about_another for c in cues):
            # one total, weak only by its rank, at or above the cases the passages show: the inventory,
            # a lower bound, agrees with it ("four grammatical and 19 semantic cases" beside four glossed)
            stated_decision = vote(cues, min_support=0.0, min_ratio=1.5)
        if not stated_decision.abstained:
            stated_bin = next((b for b in bins if b.value == stated_decision.value), None)
            if not (stated_bin and len(labels_seen) >= self.min_labels and stated_bin.high < _count(labels_seen)):
                stated_decision.confidence = banded("stated", stated_decision.confidence)
                return stated_decision
            # "two nominal cases - nominative and ergative" beside five glossed cases: the statement
            # covered a subset, and a system has at least as many cases as are attested
        if is_case and zero and not labels_seen and not cues and not label_hits and len(sentences) >= SILENCE_MIN:
            return Decision(zero, confidence=banded("silence", len(sentences) / SILENCE_SENTENCES), reasoning=(
                f"No case morphology in the {len(sentences)} sentences retrieved for case: no case label glossed "
                "on a noun, no case named or counted (absence of evidence, the weakest kind)."))
        if not is_case or not labels_seen:
            return stated_decision if stated_decision.scores else Decision(
                NOT_ENOUGH_INFO, reasoning=f"No statement about the number of {noun} and no glossed {stem} labels."
            )
        core_seen = set(labels_seen) & CORE_CASES
        if other and not core_seen and len(labels_seen) >= self.min_peripheral:
            evidence = sorted(labels_seen.values(), key=lambda c: -c.weight)
            evidence = [Cue(other, c.weight, c.sentence, c.kind, c.note, c.rule) for c in evidence[:6]]
            weight = sum(c.weight for c in evidence)
            return Decision(
                other, confidence=banded("settled", weight / 4), cues=supporting(evidence, other, 6), scores={other: weight},
                reasoning="Only peripheral (concrete) case labels, no grammatical case: " + ", ".join(sorted(labels_seen)) + ".",
            )
        if len(labels_seen) < self.min_labels:
            return Decision(
                NOT_ENOUGH_INFO, scores=stated_decision.scores, cues=stated_decision.cues,
                reasoning=f"No clear statement about the number of {noun}; glossed {stem} labels too sparse "
                f"({', '.join(sorted(labels_seen)) or 'none'}).",
            )
        cases = _with_unmarked(labels_seen)
        core = cases & CORE_CASES
        evidence = sorted(labels_seen.values(), key=lambda c: -c.weight)
        kind = "settled"
        if not core and other:
            value = other
            why = "only peripheral (concrete) case labels: " + ", ".join(sorted(cases))
        else:
            count = _count(labels_seen)
            value = bin_for(count, bins) or NOT_ENOUGH_INFO
            # the inventory is a lower bound: it settles the value only when its bin is open-ended
            kind = "settled" if count >= max(b.low for b in bins) else "lower-bound"
            why = (f"{count} distinct {noun} found in glosses/prose (at least {count}: the passages need not show "
                   "every case): " + ", ".join(sorted(cases)))
        evidence = [Cue(value, c.weight, c.sentence, c.kind, c.note, c.rule) for c in evidence[:6]]
        strength = sum(c.weight for c in evidence)
        confidence = banded(kind, strength / 4)
        return Decision(value, confidence=confidence, cues=supporting(evidence, value, 6),
                        scores={value: strength}, reasoning=why + ".")


def _listed_after(text: str, intro: re.Match[str]) -> str:
    """The list a case-list intro opens: up to its closing parenthesis if it opened one, else to the
    end of the clause, without parenthetical remarks ("instrumental (with comitative overtones)")."""
    rest = text[intro.end() : intro.end() + 250]
    if intro.group(0).rstrip().endswith("("):
        return rest.split(")", 1)[0]
    return re.sub(r"\([^)]*\)", " ", re.split(r"[;.]\s", rest, maxsplit=1)[0])


_COMPOUND_NAME = re.compile(r"\b(" + _NAME_ALT + r")-(" + _NAME_ALT + r")\b", re.I)


def _one_per_compound(text: str) -> str:
    """A hyphenated case name is one case ("the dative-locative", "benefactive-causal"); in an
    alignment name ("nominative-accusative", "absolutive-ergative") the marked case is kept, since
    it implies its unmarked partner (see ``_with_unmarked``)."""

    def keep(m: re.Match[str]) -> str:
        first, second = m.group(1), m.group(2)
        marked = NAME_TO_CASE[second.lower()]
        return second if UNMARKED_OF.get(marked) == NAME_TO_CASE[first.lower()] else first

    return _COMPOUND_NAME.sub(keep, text)


def _attested(labels_seen: dict[str, Cue], label_hits: dict[str, int]) -> dict[str, Cue]:
    """Case labels seen at least twice, without an overt nominative/absolutive lacking its partner."""
    # A label seen once in one gloss is too weak (typos, verbal homonyms): need two sightings.
    out = {c: cue for c, cue in labels_seen.items() if label_hits.get(c, 0) >= 2}
    # Overt absolutive/nominative without ergative/accusative is usually something else
    # (Uto-Aztecan 'absolutive' noun suffix, verb agreement); the unmarked one is implied instead.
    for marked, unmarked in UNMARKED_OF.items():
        if marked not in out:
            out.pop(unmarked, None)
    return out


def _with_unmarked(labels: dict[str, Cue]) -> set[str]:
    """Unmarked core cases count (WALS 49A): ergative implies an absolutive, accusative a nominative."""
    cases = set(labels)
    cases |= {UNMARKED_OF[c] for c in cases & UNMARKED_OF.keys()}
    if "oblique" in cases and cases - CORE_CASES - {"oblique"}:
        # beside named oblique cases (dative, locative...), "oblique" is their cover term, not one more case
        cases.discard("oblique")
    return cases


def _count(labels: dict[str, Cue]) -> int:
    cases = _with_unmarked(labels)
    if len(cases) == 1 and not (cases & UNMARKED_OF.keys()):
        return 2  # one overt case contrasts with the unmarked form
    return len(cases)

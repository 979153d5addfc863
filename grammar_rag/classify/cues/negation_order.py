"""Where the negative morpheme stands relative to the verb (WALS 143A "Order of Negative Morpheme and
Verb": NegV, VNeg, [Neg-V], [V-Neg]).

Catalogue basis: chapter 143 crosses two questions, is the negator a separate word or an affix
(chapter 112's distinction, read here by the bound/free marking cues that GB107 and 112A use:
:func:`~grammar_rag.classify.cues.bound_marking.marking_cues`), and does it precede or follow the
verb. The family applies to a feature whose values name the four simple types, recognised from their
names (``NegV``, ``VNeg``, ``[Neg-V]``, ``[V-Neg]``); WALS 143E-143G are coded from 143A's
classification and are derived from it (:mod:`grammar_rag.features.derived`).

Position evidence, language-independent:

* interlinear glosses: the negation label inside a word, with a lexical stem (lower-case gloss) before
  it is a suffix (``eat-NEG``), with the stem after it a prefix (``NEG-eat``); attached by ``=`` it is a
  clitic, which chapter 143 counts as a negative word ("Negative clitics ... are treated here as
  negative words"), so ``NEG=eat`` is NegV and ``eat=NEG`` VNeg; a negation label standing
  alone is a separate word, before or after the nearest word glossed with a tense/aspect label (the
  verb in most glossed clauses);
* prose: "preverbal"/"postverbal", "precedes"/"follows the verb", "before"/"after the verb", a negative
  "prefix"/"suffix", a "clause-final" negator (chapter 143 counts a final negative word as VNeg).

The reader answers only when one kind (word or affix) dominates as in 112A's reader and one position
dominates within it; a negation made of two simultaneous markers (chapter 143's double-negation types)
or both kinds solidly attested abstain, showing the evidence.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from grammar_rag.classify.aggregate import Cue, Decision, supporting, tally
from grammar_rag.classify.cues.base import CueContext, value_kinds
from grammar_rag.classify.cues.bound_marking import BOUND_WORDS, FREE_WORDS, marking_cues, topic_for
from grammar_rag.classify.cues.marker_type import two_part_cues
from grammar_rag.classify.statements import Sentence, negated_before, rank_weight
from grammar_rag.text.ocr_repair import PERSON_DIGIT
from grammar_rag.types import NOT_ENOUGH_INFO, Feature, FeatureValue

BOUND, FREE = "bound", "free"
PRE, POST = "pre", "post"
# WALS's names of the four simple types (chapter 143: Types 1-4)
KINDS = {(FREE, PRE): "NegV", (FREE, POST): "VNeg", (BOUND, PRE): "[Neg-V]", (BOUND, POST): "[V-Neg]"}
_KIND_NAMES = {v.lower(): k for k, v in KINDS.items()}

_NEG = re.compile(r"^(?:NEG|NEGATIVE|NG)$")
_TAM = re.compile(r"^(?:PST|PAST|PRS|PRES|FUT|PFV|PERF|PRF|IPFV|IMPF|IMPERF|PROG|HAB|REAL|IRR|IRREAL|NPST|AOR|CONT|"
                  r"COMPL|CPL|INCOMPL|INCPL|POT|DECL|IND|REM|REC|PRES\w*)$")
_TOKEN_EDGE = re.compile(r"^[^\w\[\]]+|[^\w\[\]]+$")
_MORPHEME_SPLIT = re.compile(r"[-=]")
_LABEL_SPLIT = re.compile(r"[.:]")
_VERB_REACH = 3  # tokens between a free negator and the verb it is read against

_TOPIC = r"negat\w*"  # negation, negative, negator
_PROSE: tuple[tuple[str, str | None, re.Pattern[str]], ...] = (
    (PRE, None, re.compile(r"\bpre-?verbal\b|\b(?:precedes?|preceding|before|in front of) (?:the |a )?(?:main |finite |lexical |inflected )?"
                           r"(?:verb|predicate)s?\b", re.I)),
    (POST, None, re.compile(r"\bpost-?verbal\b|\b(?:follows?|following|after) (?:the |a )?(?:main |finite |lexical |inflected )?"
                            r"(?:verb|predicate)s?\b|\b(?:clause|sentence)[- ]fina(?:l|lly)\b|\bat the end of the (?:clause|sentence)\b",
                            re.I)),
    (PRE, BOUND, re.compile(r"\bnegative prefix\w*|\bprefix\w* (?:\w+ ){0,2}?(?:negat\w*|negative)|\bnegat\w* (?:\w+ ){0,2}?prefix\w*", re.I)),
    (POST, BOUND, re.compile(r"\bnegative suffix\w*|\bsuffix\w* (?:\w+ ){0,2}?(?:negat\w*|negative)|\bnegat\w* (?:\w+ ){0,2}?suffix\w*", re.I)),
)
_TOPIC_RE = re.compile(_TOPIC, re.I)
# the sentence's own word for the negator, where it states a position without "prefix"/"suffix"
_BOUND_KIND = re.compile(r"\b" + BOUND_WORDS, re.I)
_FREE_KIND = re.compile(r"\b" + FREE_WORDS, re.I)
ANY_WEIGHT = 0.75  # a position stated of a negator whose kind the sentence does not name


def value_kind(value: FeatureValue) -> tuple[str, str] | None:
    """(kind, position) a value names: "NegV" -> ("free", "pre"), "[V-Neg]" -> ("bound", "post")."""
    return _KIND_NAMES.get("".join(value.name.split()).lower())


def _pieces(token: str) -> tuple[list[list[str]], list[str]]:
    """A gloss token's morphemes, each as its dot-joined labels, and the separators between them:
    "eat-NEG.PST" -> ([["eat"], ["NEG", "PST"]], ["-"]); "=" marks a clitic boundary."""
    core = _TOKEN_EDGE.sub("", token)
    return [_LABEL_SPLIT.split(m) for m in _MORPHEME_SPLIT.split(core)], _MORPHEME_SPLIT.findall(core)


def _morphemes(token: str) -> list[list[str]]:
    return [m for m in _pieces(token)[0] if any(m)]


# Leipzig Glossing Rules' standard abbreviations and common tense/aspect ones, lower-cased: small
# capitals come out of a PDF's text layer in lower case ("neg=1sg.nom know-pst.ego"), so in such a
# line a label is told from a lexical gloss by this list, not by its case.
_LEIPZIG = frozenset({
    "a", "abl", "abs", "acc", "adj", "adv", "agr", "all", "antip", "appl", "art", "aux", "ben", "caus", "clf",
    "com", "comp", "compl", "cond", "cop", "cvb", "dat", "decl", "def", "dem", "det", "dist", "distr", "du",
    "dur", "erg", "excl", "f", "foc", "fut", "gen", "hab", "imp", "impf", "incl", "ind", "indf", "inf", "ins",
    "intr", "ipfv", "irr", "loc", "m", "n", "neg", "nmlz", "nom", "npst", "obj", "obl", "pass", "past", "perf",
    "pfv", "pl", "poss", "pred", "pres", "prf", "prog", "proh", "prox", "prs", "pst", "ptcp", "purp", "q",
    "quot", "real", "recp", "refl", "rel", "res", "s", "sbj", "sbjv", "sg", "top", "tr", "voc", "aor", "cont"
})
_PERSON = re.compile(r"^" + PERSON_DIGIT + r"(?:sg|pl|du|pauc|incl|excl)?$", re.I)  # "1sg", OCR's "lsg"
_LOWER_GLOSS_SHARE = 0.4  # a line without capitals is read as a gloss when this share of its words carry labels


def _label_upper(part: str) -> bool:
    return not any(ch.islower() for ch in part)


def _label_lower(part: str) -> bool:
    return part in _LEIPZIG or _PERSON.match(part) is not None or not any(ch.isalpha() for ch in part)


def _lower_gloss(line: str) -> bool:
    words = line.split()
    labelled = sum(1 for w in words if any(_label_lower(p) and any(ch.isalpha() for ch in p)
                                           for m in _morphemes(w) for p in m))
    return bool(words) and "neg" in {p for w in words for m in _morphemes(w) for p in m} \
        and labelled / len(words) >= _LOWER_GLOSS_SHARE


def gloss_positions(text: str) -> list[tuple[str, str]]:
    """(kind, position) of each negation label in the gloss lines of ``text`` (see the module
    docstring); labels in capitals, or in lower case where a line reads as a gloss throughout."""
    out: list[tuple[str, str]] = []
    for line in text.splitlines():
        if "NEG" in line or "NG" in line:
            out += _line_positions(line.split(), _label_upper)
        elif "neg" in line and _lower_gloss(line):
            out += _line_positions(line.split(), _label_lower)
    return out


def _line_positions(words: list[str], is_label: Callable[[str], bool]) -> list[tuple[str, str]]:
    def stem(labels: list[str]) -> bool:
        return any(p and not is_label(p) for p in labels)

    def verbish(morphemes: list[list[str]]) -> bool:
        return any(stem(m) for m in morphemes) and any(_TAM.match(p.upper()) for m in morphemes for p in m)

    parsed = [_pieces(t) for t in words]
    tokens = [[m for m in morphemes if any(m)] for morphemes, _ in parsed]
    out: list[tuple[str, str]] = []
    for i, (morphemes, seps) in enumerate(parsed):
        # the negation label must itself be a label ("ng" in a vernacular word is not NG)
        at = [j for j, m in enumerate(morphemes) if any(is_label(p) and _NEG.match(p.upper()) for p in m)]
        if not at:
            continue
        stems = [j for j, m in enumerate(morphemes) if stem(m)]
        if stems:  # attached to a word with a lexical stem: an affix, or a clitic (a word, chapter 143)
            if any(s < at[0] for s in stems):
                joint = seps[at[0] - 1] if at[0] >= 1 and at[0] - 1 < len(seps) else "-"
                out.append((FREE if joint == "=" else BOUND, POST))
            else:
                joint = seps[at[0]] if at[0] < len(seps) else "-"
                out.append((FREE if joint == "=" else BOUND, PRE))
            continue
        before = next((d for d in range(1, _VERB_REACH + 1) if i - d >= 0 and verbish(tokens[i - d])), None)
        after = next((d for d in range(1, _VERB_REACH + 1) if i + d < len(tokens) and verbish(tokens[i + d])), None)
        if after is not None and (before is None or after < before):
            out.append((FREE, PRE))
        elif before is not None and (after is None or before < after):
            out.append((FREE, POST))
    return out


def position_cues(sentences: list[Sentence]) -> list[Cue]:
    """Cues ``"<kind>:<position>"`` (kind "any" where prose names only the position)."""
    cues: list[Cue] = []
    for sent in sentences:
        text = sent.text
        base = rank_weight(sent.rank) * (0.3 if sent.about_another else 1.0)
        found = gloss_positions(text) if ("NEG" in text or "NG" in text or "neg" in text) else []
        for kind, position in set(found):
            n = sum(1 for f in found if f == (kind, position))
            cues.append(Cue(f"{kind}:{position}", base * min(1.0, 0.5 * n), sent, "gloss", f"{kind} {position}", "no_gloss"))
        if sent.is_gloss or not _TOPIC_RE.search(text):
            continue
        named = BOUND if _BOUND_KIND.search(text) else FREE if _FREE_KIND.search(text) else "any"
        for position, stated, pattern in _PROSE:
            m = pattern.search(text)
            if m and not negated_before(text, m.start(), 25):
                cues.append(Cue(f"{stated or named}:{position}", base * 0.8, sent, "statement", m.group(0),
                                f"no_prose_{position}"))
    return cues


class NegationOrderFamily:
    """NegV / VNeg / [Neg-V] / [V-Neg]: the kind of negator (word or affix), then its position."""

    name = "negation-order"

    def __init__(self, solid: float = 1.0, dominance: float = 0.5) -> None:
        self.solid = solid  # support that makes a kind of marker, or a position, attested
        self.dominance = dominance  # the weaker side counts as absent below this share of the stronger

    def applies(self, feature: Feature) -> bool:
        return not feature.multi_label and topic_for(feature) is not None and len(_kinds(feature)) == 4

    def decide(self, sentences: list[Sentence], ctx: CueContext) -> Decision:
        kinds = _kinds(ctx.feature)
        marking = [_as_word(c) for c in marking_cues(sentences, ctx.feature, BOUND, FREE)]
        positions = position_cues(sentences)
        double = two_part_cues(sentences)
        if not marking and not positions:
            return Decision(NOT_ENOUGH_INFO, reasoning="No passage describes how negation is marked.")
        m, p = tally(marking), tally(positions)
        b, f, d = m.get(BOUND, 0.0), m.get(FREE, 0.0), tally(double).get("double", 0.0)
        summary = f"bound {b:.2f}, free {f:.2f}, two-part {d:.2f}; " + ", ".join(f"{k} {v:.2f}" for k, v in sorted(p.items()))
        shown = supporting(marking, BOUND, 2) + supporting(marking, FREE, 2)
        if d >= self.solid and d >= self.dominance * max(b, f):
            return Decision(NOT_ENOUGH_INFO, 0.0, supporting(double, "double", 3) + shown, {**m, **p},
                            f"Two simultaneous negators are described ({summary}): a double-negation type, "
                            "which this reader does not tell apart.")
        if b >= self.solid and f < self.dominance * b:
            kind = BOUND
        elif f >= self.dominance * self.solid and b < self.dominance * f:
            kind = FREE
        else:
            return Decision(NOT_ENOUGH_INFO, 0.0, shown, {**m, **p}, f"The kind of negator is not settled ({summary}).")
        pre = p.get(f"{kind}:{PRE}", 0.0) + ANY_WEIGHT * p.get(f"any:{PRE}", 0.0)
        post = p.get(f"{kind}:{POST}", 0.0) + ANY_WEIGHT * p.get(f"any:{POST}", 0.0)
        if max(pre, post) < self.dominance * self.solid or min(pre, post) >= self.dominance * max(pre, post):
            return Decision(NOT_ENOUGH_INFO, 0.0, shown + supporting(positions, f"{kind}:{PRE}", 2)
                            + supporting(positions, f"{kind}:{POST}", 2), {**m, **p},
                            f"A {kind} negator, but its position is not settled ({summary}).")
        position = PRE if pre > post else POST
        value = kinds[(kind, position)]
        kind_share = (b if kind == BOUND else f) / (b + f + 0.5)
        position_share = max(pre, post) / (pre + post + 0.5)
        evidence = [Cue(value, c.weight, c.sentence, c.kind, c.note, c.rule)
                    for c in supporting(marking, kind, 2) + supporting(positions, f"{kind}:{position}", 2)
                    + supporting(positions, f"any:{position}", 1)]
        return Decision(value, round(min(1.0, kind_share * position_share), 3), evidence, {**m, **p}, f"{value}: {summary}.")


def _as_word(cue: Cue) -> Cue:
    """Chapter 143 treats negative clitics as words (GB107, whose cues these are, counts them bound)."""
    if cue.value == BOUND and ("clitic" in cue.note.lower() or "=" in cue.note):
        return Cue(FREE, cue.weight, cue.sentence, cue.kind, cue.note, cue.rule)
    return cue


def _kinds(feature: Feature) -> dict[tuple[str, str], str]:
    return value_kinds(feature, value_kind)


__all__ = ["NegationOrderFamily", "gloss_positions", "value_kind"]

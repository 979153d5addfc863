"""Lexicons of the statements a grammar makes: assertion, hedging, negation, another language.

Why one home: the reranker scores a passage higher when a value term sits next to an assertion
("the basic order is SOV") and lower next to a hedge or talk of other languages; the classifier
weighs each sentence by the same kinds of cue. Both read them from here, so the vocabulary of
"asserting", "hedging", "negating" and "about another language" is defined once per reader.

Each idea has two variants today, one per reader, because each is part of a measured figure (the
learned reranker's shipped weights were fitted on the reranker's; the classifier's rules were
written against its own); they are named here side by side rather than merged:

* reranker, near a value term within a window (:mod:`grammar_rag.rerank.evidence`):
  :data:`ASSERT_CUES`, :data:`HEDGE_CUES`, :data:`OTHER_LANG_CUES` (case-sensitive language and
  author names);
* classifier, over a whole sentence (:mod:`grammar_rag.classify.statements` and the cue
  families): :data:`STRONG_MARKERS` (the basic pattern), :data:`MEDIUM_MARKERS` (the usual one:
  a hedged statement), :data:`WEAKENERS` (a marked or hypothetical pattern), :data:`NEGATORS`,
  :data:`DENIED_IMPLICATION`, :data:`OTHER_LANGUAGE` and :data:`REFERENCE` (bibliography); the
  pair-order family adds :data:`NEGATED_SPAN` and :data:`LANGUAGES_IN_GENERAL`.

The classifier's entries were audited in issue 22 (``benchmarks/results/cue_audit.md``: on how many
development grammars each entry weighs a cue of the four paper features); entries met on at most one
development grammar that read as one author's phrasing were removed ("least-marked", "non-emphasized",
"residual", "the circumstances in which", "X, a language of ..."); "less common" and "least
preferred" stay although rare, as the mirror of chapter 81's "most common" and "preferred";
single common words met rarely ("can't", "proto-") stay: they are vocabulary, not phrasing.
"""

from __future__ import annotations

import re

# --- reranker: cues within a window around a value term ------------------------------------

ASSERT_CUES = re.compile(
    r"\b(basic|dominant|predominant(?:ly)?|normal(?:ly)?|unmarked|canonical|neutral|usual(?:ly)?|typical(?:ly)?|"
    r"preferred|default|rigid(?:ly)?|strict(?:ly)?|fixed|most (?:common|frequent)|commonest|"
    r"(?:word|constituent|clause) order (?:is|in)|order is|the order|"
    r"is an? [\w-]+ language|clearly|always|generally|primarily|mainly|characteri[sz]ed)\b",
    re.IGNORECASE,
)
HEDGE_CUES = re.compile(
    r"\b(may|might|perhaps|possibly|tentatively|arguably|seems?|appears? to|unclear|not clear|"
    r"it is (?:not )?(?:easy|difficult|hard) to)\b",
    re.IGNORECASE,
)
OTHER_LANG_CUES = re.compile(
    r"\b(languages|cross-?linguistic(?:ally)?|typolog\w*|universals?|Greenberg|Dryer|Comrie|"
    r"(?:other|related|neighbou?ring|many|most|some) languages|family|proto-?\w*|English|Spanish)\b"
)

# --- classifier: cues over a whole sentence ---------------------------------------------

# Words that mark an author's statement as the description of the *basic* pattern: WALS chapter 81
# ("Determining Dominant Word Order") calls an order dominant when it is the "most common" or
# "pragmatically neutral" one, and contrasts "rigid" with "flexible" order.
STRONG_MARKERS = re.compile(
    # not after "non-": "the non-canonical order (AOV)" describes a marked order, not the basic one
    # nor after "least": "least preferred VOS" is the opposite of a basic order
    r"(?<!non-)(?<!non)(?<!least )(?<!least-)\b(basic|dominant|unmarked|neutral|canonical|default|normal|typical|standard|"
    r"primary|preferred|pragmatically neutral|most common|most frequent|predominant(?:ly)?|"
    r"rigid(?:ly)?|strict(?:ly)?|consistent(?:ly)?|always|fixed)\b",
    re.I,
)
MEDIUM_MARKERS = re.compile(
    r"\b(generally|usually|mostly|mainly|largely|tends? to|typically|in general|commonly|"
    r"frequently|primarily|essentially|overwhelmingly|by far)\b",
    re.I,
)
# Cues that the statement is about another language, a hypothesis being rejected, or a citation.
NEGATORS = re.compile(
    # "no" in the name "yes-no question" / "yes or no question", "no. 18" (number) or "not only" negates nothing
    r"\b(not(?! only\b)|(?<!yes-)(?<!yes/)(?<!yes–)(?<!yes )(?<!yes or )no(?!\.\s*\d)|never|neither|nor|rather than|instead of|contrary to|unlike|isn't|aren't|"
    r"doesn't|don't|cannot|can't|lack(?:s|ing)?|absence of|without)\b",
    re.I,
)
OTHER_LANGUAGE = re.compile(
    r"\b(proto-|other languages|related languages|neighbou?ring|cross-linguistic|"
    r"typolog(?:y|ical)|universals?|greenberg|dryer|in english|english has|unlike english|"
    r"languages of the area|like english|"
    r"(?:these|those|many|most|some|all|several|few|other|\d+) (?:[\w-]+ )?languages|"
    # "word order in other Rarámuri varieties ... is described as verb final": not the variety described
    # (its own dialects, "in some dialects", stay its own)
    r"(?:other|related) (?:[\w-]+ )?(?:varieties|dialects)|closely related (?:varieties|dialects))\b|"
    # "that of closely related Mountain Guarijío": a related language by its name
    r"\b(?:closely|distantly) related (?-i:[A-Z])",
    re.I,
)

# "it does not mean that the language has a strictly grammaticalised SVO pattern": the whole
# complement is denied, however far the claim is from the negator
DENIED_IMPLICATION = re.compile(
    r"\b(?:does|do|did|need|would|will|should|must) not (?:necessarily )?(?:mean|imply|entail|indicate|suggest)\b|"
    r"\bit is not (?:the case|true) that\b",
    re.I,
)

# Bibliography entries and citations: "Watson, R.L. 1997 OV Order in Ma'di." carry no claim.
REFERENCE = re.compile(r"\b(?:1[89]|20)\d{2}[a-z]?[.:,]?\s+[A-Z][\w'’-]+(?:\s+[A-Z\w'’-]+){0,8}[.:]|\bpp?\.\s*\d|\bed(?:s)?\.\s|\bvol\.\s")
WEAKENERS = re.compile(
    r"\b(marginal(?:ly)?|rare(?:ly)?|(?<!least-)(?<!least )marked|less (?:common|frequent)|exceptional(?:ly)?|secondary|"
    r"alternative(?:ly)?|occasional(?:ly)?|sometimes|also possible|possible|can also|may also|some (?:speakers|cases|"
    r"clauses)|focus|topicali[sz]\w*|(?<!non-)(?<!non)(?<!un)emphatic|inversion|inverted|fronted|fronting|"
    # the mirror of ch. 81's "most common" / "preferred" ("used relatively infrequently"): kept though rare
    r"non-?(?:canonical|basic|default|neutral)|least[- ](?:preferred|common|frequent|usual|typical)|"
    r"archaic|obsolete|obsolescent|"
    # a possible language, not this one: "if a language were to change from SOV to SVO, ...",
    # "Kayne would lead us to predict that ... SOV", "one might expect"
    r"if (?:\w+ ){0,4}?(?:were|would)|would be expected|(?:might|would|could) (?:\w+ ){0,3}?(?:expect|predict)\w*|"
    # "the conditions under which subject and object occur before the verb": a special condition
    # (not "in cases where both arguments are expressed", WALS's own condition for the basic order)
    r"conditions under which)\b",
    re.I,
)

# pair orders (classify.cues.pair_order): a negator inside the matched "X precedes Y" span
NEGATED_SPAN = re.compile(r"\b(?:not|never|cannot|can't|don't|doesn't)\b", re.I)
# pair orders: statements about languages in general ("in verb-final languages, adjectives
# normally precede the noun")
LANGUAGES_IN_GENERAL = re.compile(r"\blanguages\b|cross-?linguistic\w*|typolog\w*|universal\w*", re.I)

# The words grammars use for an element of an order feature besides its catalogue name (typological
# usage, not any one grammar's): a genitive is a possessor, a noun is the head of its phrase. Read by
# the pair-order reader and by the reranker's test of what a passage is about.
ELEMENT_SYNONYMS: dict[str, tuple[str, ...]] = {
    "genitive": ("possessor", "possessive noun", "possessor noun"),
    "noun": ("head noun", "head", "possessed noun", "possessum", "possessed", "nominal head"),
    "adjective": ("attributive adjective", "modifying adjective"),
    "relative clause": ("relatives", "relative construction"),
    "numeral": ("number word", "cardinal numeral", "cardinal"),
    "demonstrative": ("demonstrative adjective", "demonstrative determiner"),
}

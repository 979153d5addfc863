"""Evidence-aware reranking: passages that *state a value* of the feature come first.

The paper's Appendix A scale says what linguists count as relevant: 5 = the value can be read off
the passage ("The basic constituent order in Moseten is A V O"), 4 = narrowed to a few values
("predominantly verb-medial"), 3 = word order of this construction discussed without a value,
2 = a table-of-contents / reference line, 1 = order of other things (clitics, morphemes),
0 = unrelated. Topical similarity (BM25, embeddings) cannot tell 5 from 2 or 3; cues in the text
can: a value term (SOV, A V O, verb-final, "free word order"), an assertion cue next to it
("basic", "dominant", "the order is"), the language under description named in the sentence;
against it, dot leaders and page-number runs (contents, index), bibliography markers, other
languages and typology, hedges.

:func:`passage_features` computes these cues as numbers (the learned reranker reuses them); the
``evidence`` reranker combines them with fixed, hand-set weights (no fitting on benchmark data).
Nothing here is keyed to a feature id or a grammar: value terms come from
:mod:`grammar_rag.rerank.queries`, the described language is guessed from the candidates.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

from grammar_rag.rerank.base import RERANKERS, FeatureQuery, as_query, ranked
from grammar_rag.rerank.lexical import bm25_scores
from grammar_rag.rerank.queries import RELATION_WORDS, ordered_element
from grammar_rag.text.lexicons import ASSERT_CUES, ELEMENT_SYNONYMS, HEDGE_CUES, OTHER_LANG_CUES
from grammar_rag.text.ocr_repair import repair
from grammar_rag.text.phrases import phrase_pattern, strip_idioms, terms_pattern
from grammar_rag.text.sentences import clauses
from grammar_rag.text.tokens import STOPWORDS, normalise_space, same_word_family, stem, tokens
from grammar_rag.types import Passage, ScoredPassage

TOC_DOTS = re.compile(r"(?:\.\s?){5,}|…{2,}|(?:\s\.){4,}")
PAGE_RUN = re.compile(r"\b\d{1,4}(?:\s*[-–]\s*\d{1,4})?(?:\s*,\s*\d{1,4}(?:\s*[-–]\s*\d{1,4})?){2,}")
YEAR = re.compile(r"\b(1[89]\d\d|20[0-2]\d)[a-z]?\b")
BIB_CUES = re.compile(
    r"\b(Press|University|Journal|Proceedings|Publications?|Verlag|Mouton|Benjamins|eds?\.|pp\.|Vol\.|"
    r"vol\.|In:|Ph\.?D\.?|dissertation|thesis|Series|Linguistics)\b"
)
AUTHOR_YEAR = re.compile(r"\b[A-Z][\w'’-]+, [A-Z][\w.’'-]*(?: [A-Z][\w.]*)*\.? \(?(?:1[89]|20)\d\d[a-z]?\)?[.:]")
GLOSS_ABBR = re.compile(r"\b(?:[123](?:SG|PL|DU|sg|pl|du)|[A-Z]{2,5})(?:[.\-=][A-Z0-9]{1,5})+\b|\b(?:SG|PL|PST|FUT|"
                        r"ERG|ABS|NOM|ACC|GEN|DAT|LOC|ABL|DEF|NEG|PRF|IPFV|PFV|REL|DET|DEM|POSS|CL)\b")
EXAMPLE_NUM = re.compile(r"\(\s*\d{1,4}(?:[-.:]\d+)*[a-z]?\s*\)")

FEATURE_NAMES = (
    "rank_prior",
    "bm25_local",
    "value_any",
    "value_count",
    "value_distinct",
    "value_strong",
    "value_asserted",
    "value_lang",
    "value_hedged",
    "value_other_lang",
    "topic_cov",
    "topic_count",
    "topic_phrase",
    "head_count",
    "guideline_phrase",
    "topic_heading",
    "transitive",
    "lang_mention",
    "toc",
    "page_runs",
    "nav_topic",
    "value_topic",
    "page_context",
    "biblio",
    "other_lang",
    "gloss_density",
    "example_refs",
    "log_len",
)


_CAP_WORD = re.compile(r"\b([A-Z][a-zà-ÿ’'ë̃ɛɔŋ-]{2,}(?:\s[A-Z][a-zà-ÿ’'-]{2,})?)\b")
COMMON_CAPS = frozenset(
    """the this these that there then they their in it its as an and but for from on of to with by at
    table chapter section figure example examples note see also however when where which while what
    some most many all both each other such one two three first second third i we he she if so thus
    since although because after before during verb verbs noun nouns subject object clause clauses
    sentence sentences order word words language languages grammar index contents part appendix
    introduction summary conclusion preface abbreviations bibliography references chapter phonology
    morphology syntax english""".split()  # noqa: SIM905 (a readable word list)
)


def guess_language_names(texts: Sequence[str], max_names: int = 2) -> list[str]:
    """Most frequent capitalised non-initial word(s) across the candidates: the described language.

    A grammar names its language on nearly every page ("Gã", "Moseten", "Warrongo"); no metadata
    needed, so it works for any uploaded grammar.
    """
    df: Counter[str] = Counter()
    for t in texts:
        # first-seen order, not a set: most_common breaks ties by insertion order, and set order
        # changes with each process's hash seed (the second name, and every cue using it, did too)
        found: dict[str, None] = {}
        for sent in clauses(normalise_space(t)):
            for m in _CAP_WORD.finditer(sent):
                if m.start() == 0:
                    continue
                w = re.split(r"[-’']", m.group(1).split()[0])[0]
                if len(w) < 3:
                    continue
                if w.lower() in COMMON_CAPS or w.lower() in STOPWORDS:
                    continue
                found[w] = None
        df.update(found.keys())
    if not df:
        return []
    top = df.most_common(max_names)
    threshold = max(2, 0.12 * len(texts))
    return [w for w, c in top if c >= threshold]


_HEADING_RE = re.compile(r"(?:^|\s)(?:\d+(?:\.\d+)*\.?|[IVXL]+\.)\s+([A-Z][^.!?]{2,60})")


def _topic_heading(text: str, phrases: list[tuple[str, ...]], singles: set[str]) -> bool:
    """A numbered section heading naming the topic ("8. WORD ORDER", "5.2.2 Word order in ...")."""
    for m in _HEADING_RE.finditer(text):
        head = tuple(tokens(m.group(1)))
        joined = " " + " ".join(head) + " "
        if any(" " + " ".join(p) + " " in joined for p in phrases):
            return True
    return False


def section_topic(section: Sequence[str], phrases: Sequence[tuple[str, ...]], head: Sequence[str]) -> float:
    """How directly a passage's heading path names the feature's topic: 1.0 when a heading holds a
    topic phrase ("10.3.1 Polar questions") or the whole head noun phrase ("3.4 Case" for "Number of
    Cases"); 0.5 when it holds only the head noun of a longer head ("10.5 Negation" for "standard
    negation"). Order features (head: a relation word alone) get nothing: every order feature's query
    carries the same "word order", "constituent order", so "27 Constituent order" would count as the
    topic of the order of relative clause and noun as much as of subject, object and verb.

    Why: in a whole book the section a passage sits in says what it is about more reliably than its
    own words. BM25 over a 600-page book ranks "the standard of comparison" high for standard
    negation (the rare word wins), while the passages of the negation section that name the
    negators may never repeat "negation". The paper's paragraph files carry no section path, so
    nothing scored on them changes."""
    if not section or not head or (len(head) == 1 and head[0] in RELATION_WORDS):
        return 0.0
    head_stems = [stem(w) for w in head]
    best = 0.0
    for heading in section:
        toks = [stem(t) for t in tokens(heading)]
        if not toks:
            continue
        joined = " " + " ".join(toks) + " "
        if any(" " + " ".join(p) + " " in joined for p in phrases):
            return 1.0
        named = [any(same_word_family(t, h) for t in toks) for h in head_stems]
        if all(named):
            return 1.0
        if named[-1]:
            best = 0.5
    return best


def names_head(query: FeatureQuery | str, passage: Passage) -> bool | None:
    """Whether the passage, or a heading of its section path, names the feature's head noun (a word of
    its family: "negators" for "standard negation", "case" for "cases"); None where that cannot be
    told: a query without a head noun, a head that is a relation word alone ("order" is in every order
    query; an order of two elements asks instead whether the first is named, "relative clause" or a
    synonym for "Order of Relative Clause and Noun", where that element's names are settled, while
    81A's three elements are never told), or a passage without a section path (a pre-cut paragraph,
    whose heading is unknown: "Two particles precede the verb: kai and e ko" is about negation only
    by its section).

    Why: Appendix A's relevance scale gives 0 to a passage about something else, and in a whole book
    the query's guideline words alone can carry one to the top ("Adverbial clauses provide an
    adverbial modification of the main clause" ranked first for standard negation in a 648-page
    grammar, by "modification" and "verb"). The head noun is the last word of the head run."""
    q = as_query(query)
    if not passage.section or not q.head_terms:
        return None
    said = tokens(passage.text + " " + " ".join(passage.section))
    if len(q.head_terms) == 1 and q.head_terms[0] in RELATION_WORDS:
        # an order of two elements is about the first (queries.ordered_element), by any of its names;
        # only for the elements whose names are settled (text.lexicons.ELEMENT_SYNONYMS): a passage on
        # 85A's "adpositions" says "postpositions", one on 143A's "negative morpheme" says "negator"
        element = ordered_element(q.feature)
        if element is None or element not in ELEMENT_SYNONYMS:
            return None
        return any(all(any(same_word_family(t, w) for t in said) for w in map(stem, name.split()))
                   for name in (element, *ELEMENT_SYNONYMS[element]))
    head = stem(q.head_terms[-1])
    return any(same_word_family(t, head) for t in said)


def head_first(query: FeatureQuery | str, passages: Sequence[Passage], scores: Sequence[float]) -> list[float]:
    """``scores`` moved so that every passage naming the head noun (:func:`names_head`) outranks every
    one that does not; the order within each group is the scores'. A passage that cannot be told
    (:func:`names_head` None: the paper's paragraph files have no section paths) is never moved."""
    off = [names_head(query, p) is False for p in passages]
    if not scores or all(off) or not any(off):
        return list(scores)
    offset = max(scores) - min(scores) + 1.0
    return [s - offset if o else s for s, o in zip(scores, off, strict=True)]


def _term_weight(term: str) -> float:
    """Specific terms (SOV, 'subject object verb') weigh more than partial ones (OV, verb-final)."""
    compact = re.sub(r"[\s\-–—]", "", term)
    if compact.isupper():
        return 1.0 if len(compact) >= 3 else 0.5
    return 1.0 if len(term.split()) >= 2 else 0.6


def value_matches(query: FeatureQuery, text: str) -> dict[str, list[tuple[int, int, float]]]:
    """Per value: (start, end, weight) of each value-term match in ``text``."""
    out: dict[str, list[tuple[int, int, float]]] = {}
    for value, terms in query.value_terms.items():
        pattern = terms_pattern(tuple(terms))
        if pattern is None:
            continue
        spans = []
        for m in pattern.finditer(text):
            found = m.group(0)
            weight = max((_term_weight(t) for t in terms if phrase_pattern(t).fullmatch(found)), default=0.6)
            spans.append((m.start(), m.end(), weight))
        if spans:
            out[value] = spans
    return out


def _near(pattern: re.Pattern[str], text: str, start: int, end: int, window: int) -> bool:
    return bool(pattern.search(text[max(0, start - window) : end + window]))


def passage_features(query: FeatureQuery | str, passages: Sequence[Passage]) -> list[dict[str, float]]:
    """The evidence cues of each passage, as floats named in :data:`FEATURE_NAMES`."""
    q = as_query(query)
    # idioms blanked first: "in order to", "in this case" would otherwise count as topic mentions
    # for every cue below (LOGO NDCG@20 on the rerankers benchmark: 0.8813 -> 0.8908)
    # letter-spaced or word-doubled OCR repaired first, as the classifier reads it
    texts = [normalise_space(strip_idioms(repair(p.text))) for p in passages]
    bm = bm25_scores(q.text, texts)
    bm_max = max(bm) if bm and max(bm) > 0 else 1.0
    lang_names = guess_language_names(texts)
    lang_re = re.compile(r"\b(" + "|".join(re.escape(x) for x in lang_names) + r")\b") if lang_names else None
    topic_stems = [tuple(stem(w) for w in tokens(t)) for t in q.topic_terms]
    topic_stems = [t for t in topic_stems if t]
    single_topics = {t[0] for t in topic_stems[:14] if len(t) == 1}
    phrase_topics = [t for t in topic_stems if len(t) > 1]
    head_stems = {stem(w) for w in q.head_terms}
    guide_phrases = [p for p in (tuple(stem(w) for w in tokens(t)) for t in q.guideline_phrases) if len(p) > 1]
    rows = []
    for i, text in enumerate(texts):
        toks = tokens(text)
        tokset = set(toks)
        joined = " " + " ".join(toks) + " "
        matches = value_matches(q, text)
        count = sum(len(v) for v in matches.values())
        weight = sum(w for spans in matches.values() for _, _, w in spans)
        strong = sum(1 for spans in matches.values() for _, _, w in spans if w >= 1.0)
        asserted = hedged = other = in_lang = 0.0
        for spans in matches.values():
            for s, e, w in spans:
                if _near(ASSERT_CUES, text, s, e, 90):
                    asserted = max(asserted, w)
                if _near(HEDGE_CUES, text, s, e, 60):
                    hedged = max(hedged, w)
                if _near(OTHER_LANG_CUES, text, s, e, 80):
                    other = max(other, w)
                if lang_re is not None and _near(lang_re, text, s, e, 150):
                    in_lang = max(in_lang, w)
        topic_cov = len(single_topics & tokset) / len(single_topics) if single_topics else 0.0
        topic_count = math.log1p(sum(1 for t in toks if t in single_topics))
        # the passage names a topic phrase, or its section heading does (see section_topic)
        phrase_hit = max(float(any(" " + " ".join(t) + " " in joined for t in phrase_topics)),
                         section_topic(passages[i].section, phrase_topics, q.head_terms))
        n_words = max(1, len(text.split()))
        rows.append(
            {
                "rank_prior": 1.0 / math.log2(i + 2),
                "bm25_local": bm[i] / bm_max,
                "value_any": float(count > 0),
                "value_count": math.log1p(weight),
                "value_distinct": float(len(matches)),
                "value_strong": math.log1p(strong),
                "value_asserted": asserted,
                "value_lang": in_lang,
                "value_hedged": hedged,
                "value_other_lang": other,
                "topic_cov": topic_cov,
                "topic_count": topic_count,
                "topic_phrase": phrase_hit,
                "head_count": math.log1p(sum(1 for t in toks if any(same_word_family(t, h) for h in head_stems))),
                "guideline_phrase": float(sum(1 for g in guide_phrases if " " + " ".join(g) + " " in joined)),
                "topic_heading": float(_topic_heading(text, phrase_topics, single_topics)),
                "transitive": float("transit" in tokset or "monotransit" in tokset),
                "lang_mention": float(bool(lang_re and lang_re.search(text))),
                "toc": float(bool(TOC_DOTS.search(text))),
                "page_runs": min(3.0, float(len(PAGE_RUN.findall(text)))),
                "biblio": float(bool(AUTHOR_YEAR.search(text))
                                or (len(YEAR.findall(text)) >= 2 and len(BIB_CUES.findall(text)) >= 1)),
                "other_lang": min(3.0, float(len(OTHER_LANG_CUES.findall(text)))),
                "gloss_density": min(1.0, 10.0 * len(GLOSS_ABBR.findall(text)) / n_words),
                "example_refs": min(3.0, float(len(EXAMPLE_NUM.findall(text)))),
                "log_len": math.log1p(n_words),
            }
        )
        row = rows[-1]
        navigational = max(row["toc"], min(1.0, row["page_runs"]), row["biblio"])
        # contents/index/reference lines naming the topic rank above unrelated prose (scale: 2 vs 0-1)
        row["nav_topic"] = navigational * max(phrase_hit, float(row["topic_heading"]))
        row["value_topic"] = row["value_any"] * max(phrase_hit, topic_cov)
    _add_page_context(passages, rows)
    return rows


def _page_number(p: Passage) -> int | None:
    digits = re.findall(r"\d+", p.page_start or "")
    return int(digits[0]) if digits else None


def _add_page_context(passages: Sequence[Passage], rows: list[dict[str, float]]) -> None:
    """``page_context``: strongest value+topic evidence among *other* candidates on the same or an
    adjacent page — a passage inside the section that states the value is usually about it too."""
    pages = [_page_number(p) for p in passages]
    strength = [r["value_topic"] for r in rows]
    for i, row in enumerate(rows):
        best = 0.0
        page = pages[i]
        if page is not None:
            for j, pj in enumerate(pages):
                if j != i and pj is not None and abs(pj - page) <= 1:
                    best = max(best, strength[j])
        row["page_context"] = best


# Hand-set weights (readable, not fitted): value stated + asserted + about this language first;
# contents/index/bibliography last; the first-stage order breaks ties.
EVIDENCE_WEIGHTS: dict[str, float] = {
    "rank_prior": 0.6,
    "bm25_local": 0.5,
    "value_any": 1.0,
    "value_count": 0.4,
    "value_asserted": 1.0,
    "value_lang": 0.6,
    "value_hedged": -0.3,
    "value_other_lang": -0.4,
    "topic_cov": 1.0,
    "topic_phrase": 1.0,
    "topic_heading": 0.3,
    "guideline_phrase": 0.3,
    "page_context": 0.5,
    "lang_mention": 0.3,
    # contents/index/bibliography lines that name the topic still outrank unrelated prose
    # (Appendix A: 2 vs 0-1), but never a passage stating the value
    "toc": -1.0,
    "page_runs": -0.4,
    "biblio": -1.0,
    "other_lang": -0.15,
    "gloss_density": -0.5,
}


class EvidenceReranker:
    """Value-assertion-aware scoring with fixed weights (see module docstring)."""

    name = "evidence"

    def __init__(self, weights: dict[str, float] | None = None) -> None:
        self.weights = dict(weights or EVIDENCE_WEIGHTS)

    def score(self, query: FeatureQuery | str, passages: Sequence[Passage]) -> list[float]:
        feats = passage_features(query, passages)
        return [sum(self.weights.get(k, 0.0) * v for k, v in f.items()) for f in feats]

    def rerank(self, query: FeatureQuery | str, passages: list[Passage]) -> list[ScoredPassage]:
        return ranked(passages, self.score(query, passages))


@RERANKERS.register("evidence", help="value-assertion aware cues (value terms, 'basic', contents/bibliography penalties)")
def _make_evidence() -> EvidenceReranker:
    return EvidenceReranker()

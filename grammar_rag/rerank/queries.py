"""Feature -> query: the text a retriever sees and the surface forms that assert each value.

Users ask about *features* ("WALS 81A for this grammar"), not free text. Three query styles:

* ``term`` — the feature name only (the paper's term-only baseline);
* ``description`` — name + the first paragraph(s) of the WALS chapter / Grambank guideline (the
  paper used the Wikipedia summary of the topic; the catalogue's own definition is the offline
  equivalent);
* ``catalogue`` — name, question, value names and descriptions, abbreviations expanded by rule
  (SOV -> subject object verb, verb-final) and the guideline's most salient vocabulary.

``FeatureQuery.value_terms`` maps each value (or, for multi-label composites, each component) to
phrases that *assert* it in a grammar. They are derived from catalogue text only, by generators
chosen from the *shape* of the values (constituent orders, counts, binary presence), never from
lists of feature ids or from any benchmark grammar: the same code must work for all 192 WALS and
195 Grambank features and for grammars nobody has looked at.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from itertools import pairwise

from grammar_rag.features import get_catalogue
from grammar_rag.features.guidelines import guideline_prose
from grammar_rag.features.shape import (
    order_parse,
)
from grammar_rag.rerank.base import FeatureQuery
from grammar_rag.rerank.value_terms import (
    _dedupe,
    _specific_chunks,
    question_core,
    value_terms,
)
from grammar_rag.text.tokens import STOPWORDS, normalise_space, stem, words
from grammar_rag.types import Feature

STYLES = ("term", "description", "catalogue")

# --- description ---------------------------------------------------------------------------

_HEADING_RE = re.compile(r"^\s*(#+\s|\d+(\.\d+)*\.?\s+[A-Z][^.]{0,80}$)")


def guideline_paragraphs(guideline: str) -> list[str]:
    """Prose paragraphs of a guideline, headings/markup/example rows dropped."""
    text = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", guideline)  # markdown links -> label
    text = re.sub(r"__values_\w+__", " ", text)
    blocks = re.split(r"\n\s*\n|\n(?=#)", text)
    if len(blocks) <= 1:
        blocks = text.split("\n")
    paragraphs = []
    for block in blocks:
        lines = [ln for ln in block.split("\n") if ln.strip() and not ln.lstrip().startswith("#")]
        para = normalise_space(" ".join(lines))
        para = re.sub(r"^\d+(\.\d+)*\.?\s+(?=[A-Z])", "", para)  # "1. Six types ..." numbering
        if len(para.split()) < 8 or not re.search(r"[.!?:]", para):
            continue
        paragraphs.append(para)
    return paragraphs


def description_text(feature: Feature, max_words: int = 120) -> str:
    """The feature's definition: the guideline's first prose paragraph(s), about ``max_words``."""
    out: list[str] = []
    count = 0
    for para in guideline_paragraphs(feature.guideline):
        out.append(para)
        count += len(para.split())
        if count >= max_words:
            break
    text = " ".join(out)
    wl = text.split()
    if len(wl) > max_words * 2:
        text = " ".join(wl[: max_words * 2])
    return text


# --- salient guideline vocabulary ----------------------------------------------------------

_GENERIC_GUIDELINE_WORDS = frozenset(
    """language languages feature features map value values example examples chapter table code coded
    coding section sections type types case cases source sources note notes also include includes
    including included question questions refer refers reference data datum term terms sense shown
    show shows given give called whereas thus hence words word""".split()  # noqa: SIM905 (a readable word list)
)


def salient_terms(feature: Feature, n: int = 15, background: Sequence[str] | None = None) -> list[str]:
    """Top-``n`` TF-IDF terms of the guideline (surface forms, proper names excluded).

    IDF comes from ``background`` when given, else from the whole catalogue's guidelines (when
    the catalogue is installed), else from the guideline's own paragraphs. A term must recur across paragraphs of the guideline: words of a
    single interlinear example ("jaguar", "letter") are not the chapter's vocabulary. Capitalised
    words (language names, authors) are dropped: a query about word order must not pull in
    passages about Japanese.
    """
    text = guideline_prose(feature.guideline or "")
    paragraphs = [p for p in guideline_paragraphs(text) if len(p.split()) >= 12] or [text]
    lower_seen = {w for w in words(text) if not w[0].isupper()}
    tf: Counter[str] = Counter()
    spread: Counter[str] = Counter()
    surface: dict[str, Counter[str]] = {}
    for para in paragraphs:
        seen_here = set()
        for w in words(para):
            low = w.lower()
            if low in STOPWORDS or low in _GENERIC_GUIDELINE_WORDS or len(low) < 3 or low not in lower_seen:
                continue
            s = stem(low)
            tf[s] += 1
            seen_here.add(s)
            surface.setdefault(s, Counter())[low] += 1
        spread.update(seen_here)
    if background is not None:
        df_table, n_docs = _doc_freqs(tuple(background))
    else:
        bg = _catalogue_background()
        df_table, n_docs = _doc_freqs(bg) if bg else _doc_freqs(tuple(paragraphs))
    min_spread = 2 if len(paragraphs) >= 4 else 1
    scored = []
    for s, f in tf.items():
        if spread[s] < min_spread:
            continue
        df = df_table.get(s, 0)
        idf = math.log((n_docs + 1) / (df + 0.5))
        if idf <= 0:
            continue
        scored.append((f * idf, s))
    scored.sort(key=lambda x: (-x[0], x[1]))
    return [surface[s].most_common(1)[0][0] for _, s in scored[:n]]


@lru_cache(maxsize=8)
def _doc_freqs(docs: tuple[str, ...]) -> tuple[dict[str, int], int]:
    """Document frequency of each stem over ``docs`` (cached: the catalogue is tokenised once)."""
    df: Counter[str] = Counter()
    for d in docs:
        df.update({stem(w.lower()) for w in words(d)})
    return dict(df), len(docs)


@lru_cache(maxsize=1)
def _catalogue_background() -> tuple[str, ...]:
    """Guidelines of the whole catalogue (for IDF), or () when the catalogue is unavailable."""
    try:
        return tuple(f.guideline for f in get_catalogue().all() if f.guideline)
    except Exception:  # catalogue not built / not installed: fall back to per-guideline IDF
        return ()


# --- value-term generators -----------------------------------------------------------------


# --- topic terms and the query itself ------------------------------------------------------


def salient_bigrams(feature: Feature, n: int = 4) -> list[str]:
    """Recurrent two-word terms of the guideline's prose ("word order", "case marking").

    Adjacent content words (no function word between) seen at least three times, ranked by count
    times the IDF of the rarer word over the catalogue, so "polar questions" beats "the language".
    """
    counts: Counter[tuple[str, str]] = Counter()
    for para in guideline_paragraphs(feature.guideline or ""):
        if re.search(r"\b(?:19|20)\d\d[a-z]?\.\s", para):  # a reference-list entry, not prose
            continue
        ws = words(para)
        for a, b in pairwise(ws):
            la, lb = a.lower(), b.lower()
            if (la == lb or la in STOPWORDS or lb in STOPWORDS or len(la) < 3 or len(lb) < 3 or a[0].isupper() != la[0].isupper()
                    or b[0].isupper()):
                continue
            counts[(la, lb)] += 1
    bg = _catalogue_background()
    df, n_docs = _doc_freqs(bg) if bg else ({}, 1)
    scored = []
    for (a, b), c in counts.items():
        if c < 3:
            continue
        rarer = max(math.log((n_docs + 1) / (df.get(stem(w), 0) + 0.5)) for w in (a, b))
        scored.append((c * max(rarer, 0.1), f"{a} {b}"))
    scored.sort(key=lambda x: (-x[0], x[1]))
    return [t for _, t in scored[:n]]


def topic_terms(feature: Feature, salient: Sequence[str] = ()) -> tuple[str, ...]:
    """Words/phrases naming the feature's topic: name content words, family terms, the name as a
    phrase (when short), component names of composites, salient guideline bigrams and words."""
    name = feature.name if feature.database != "Grambank" else question_core(feature.question or feature.name)
    content = [w.lower() for w in words(name) if w.lower() not in STOPWORDS and len(w) > 2]
    terms = list(content)
    if 2 <= len(content) <= 3:
        terms.append(" ".join(content))
    terms += [c.name.lower() for c in feature.components]
    if re.match(r"^\s*order\b", feature.name, re.IGNORECASE) or any(order_parse(v) for v in feature.values):
        terms += ["word order", "constituent order", "basic order", "precede", "follow", "position"]
    if feature.database == "Grambank":
        terms += _specific_chunks(feature.question or feature.name)
    terms += list(salient)
    return _dedupe(terms)


# "Order of X and Y" / "Position of X": the relation itself is what a relevant passage talks about
RELATION_WORDS = frozenset({"order", "position", "placement", "location"})
# "Number of Cases", "Presence of ...": the measured thing, not the measure, names the topic
MEASURE_WORDS = frozenset({"number", "presence", "absence", "existence", "type", "types", "kind", "kinds", "degree",
                           "size", "inventory", "inventories"})


def head_terms(feature: Feature) -> tuple[str, ...]:
    """The noun phrase naming the feature's dimension: "order" (81A), "cases" (49A), "polar
    questions" (116A), "standard negation" (GB107).

    Appendix A's scale gives 1 to a passage about *this dimension of other things* (the order of
    clitics, for a word-order feature) and 0 to unrelated text, so mentions of the head are a cue
    of their own, sharper than the whole topic vocabulary. Derived from the name alone: the first
    run of content words, a leading relation word taken alone, measure words skipped.
    """
    name = feature.name if feature.database != "Grambank" else question_core(feature.question or feature.name)
    run: list[str] = []
    for w in words(name):
        low = w.lower()
        if low in STOPWORDS or len(low) <= 2:
            if run:
                break
            continue
        if not run and low in RELATION_WORDS:
            return (low,)
        if not run and low in MEASURE_WORDS:
            continue
        run.append(low)
    return tuple(run)


# "Order of Relative Clause and Noun": two elements, no comma (81A's three are not one topic)
_TWO_ELEMENTS = re.compile(r"^\s*order of ([a-z][a-z ]*?) and ([a-z][a-z ]*?)(?:\s+in\b.*)?\s*$", re.I)


def ordered_element(feature: Feature | None) -> str | None:
    """The element whose place an "Order of X and Y" feature asks about: X, lower-cased ("relative
    clause"). WALS names these features dependent first and head second (Genitive and Noun, Object
    and Verb, Degree Word and Adjective), so X is what a passage stating the order is about."""
    m = _TWO_ELEMENTS.match(feature.name) if feature is not None else None
    return " ".join(m.group(1).lower().split()) if m else None


def _expanded_values(feature: Feature, vterms: dict[str, tuple[str, ...]]) -> list[str]:
    out = []
    for v in feature.values:
        out.append(v.name)
        if v.description and v.description != v.name:
            out.append(v.description)
        order = order_parse(v)
        if order and order[1]:
            out.append(" ".join(order[0]))
    for comp in feature.components:
        out.append(comp.name)
    # a few asserting forms per value (not all: long queries drown BM25 in rare tokens)
    for terms in vterms.values():
        out.extend(t for t in terms[:6] if not t.isupper())
    return out


def build_query(feature: Feature, style: str = "catalogue") -> FeatureQuery:
    """Build the query for ``feature`` in one of :data:`STYLES`."""
    if style not in STYLES:
        raise ValueError(f"Unknown query style '{style}'. Choose one of: {', '.join(STYLES)}.")
    vterms = value_terms(feature)
    salient = salient_terms(feature, n=15)
    topics = topic_terms(feature, salient[:10])
    if style == "term":
        text = feature.name
    elif style == "description":
        desc = description_text(feature)
        text = f"{feature.name}. {desc}" if desc else f"{feature.name}. {feature.question}"
    else:
        parts = [feature.name]
        if feature.question and feature.question.strip().lower() != feature.name.strip().lower():
            parts.append(feature.question)
        parts += _expanded_values(feature, vterms)
        parts += salient
        text = normalise_space(". ".join(p for p in parts if p))
    return FeatureQuery(text=text, feature=feature, style=style, value_terms=vterms, topic_terms=topics,
                        guideline_phrases=tuple(salient_bigrams(feature)), head_terms=head_terms(feature))

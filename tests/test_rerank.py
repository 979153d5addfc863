"""Feature queries and rerankers: query builders, value terms, evidence ordering, registry contract."""

from __future__ import annotations

import numpy as np
import pytest

from grammar_rag.errors import GrammarRagError
from grammar_rag.features import get_catalogue
from grammar_rag.rerank import DEFAULT_RERANKER, RERANKERS, build_query, rerank
from grammar_rag.rerank.dense import DenseReranker
from grammar_rag.rerank.evidence import guess_language_names, names_head, passage_features
from grammar_rag.rerank.learned import LearnedReranker, LinearRanker, feature_matrix, fit_pairwise
from grammar_rag.rerank.queries import head_terms, question_core, value_terms
from grammar_rag.text.phrases import strip_idioms
from grammar_rag.text.tokens import same_word_family, stem
from grammar_rag.types import Feature, FeatureValue, Passage

WORD_ORDER = Feature(
    id="WALS 81A",
    database="WALS",
    name="Order of Subject, Object and Verb",
    question="What is the order of subject, object and verb in this language?",
    values=(
        FeatureValue("81A-1", "SOV", "Subject-object-verb (SOV)", 1),
        FeatureValue("81A-2", "SVO", "Subject-verb-object (SVO)", 2),
        FeatureValue("81A-3", "VSO", "Verb-subject-object (VSO)", 3),
        FeatureValue("81A-7", "No dominant order", "Lacking a dominant word order", 7),
    ),
    guideline=(
        "1. Six types with dominant order\n\n"
        "This map shows the ordering of subject, object, and verb in a transitive clause, more "
        "specifically declarative clauses in which both the subject and object involve a noun.\n\n"
        "A language is treated as having a dominant order if one order is more frequent in texts; "
        "the dominant order of subject, object and verb is the order used in most clauses.\n\n"
        "Languages lacking a dominant order have flexible order of subject and object, and the "
        "order is determined by pragmatic factors rather than by the grammar of the clause."
    ),
)
CASES = Feature(
    id="WALS 49A",
    database="WALS",
    name="Number of Cases",
    question="What is the number of cases in this language?",
    values=(
        FeatureValue("49A-1", "No morphological case-marking", "No morphological case-marking", 1),
        FeatureValue("49A-2", "2 cases", "2 case categories", 2),
        FeatureValue("49A-6", "6-7 cases", "6-7 case categories", 6),
        FeatureValue("49A-8", "10 or more cases", "10 or more case categories", 8),
    ),
    guideline="Morphological case on nominals is a common device to express syntactic relations.",
)
NEGATION = Feature(
    id="GB107",
    database="Grambank",
    name="Can standard negation be marked by an affix, clitic or modification of the verb?",
    question="Can standard negation be marked by an affix, clitic or modification of the verb?",
    values=(FeatureValue("GB107-0", "0", "absent", 0), FeatureValue("GB107-1", "1", "present", 1)),
    guideline="## Summary\nThis feature refers to Standard Negation, i.e. the constructions that mark negation.",
)


def _p(text: str, i: int) -> Passage:
    return Passage(grammar_id="g", passage_id=f"g:{i}", text=text, page_start=str(100 + i), order=i)


def _passages(texts: list[str]) -> list[Passage]:
    return [_p(t, i) for i, t in enumerate(texts)]


# --- query builders -------------------------------------------------------------------------


def test_term_and_description_styles() -> None:
    term = build_query(WORD_ORDER, "term")
    assert term.text == "Order of Subject, Object and Verb" and term.style == "term"
    desc = build_query(WORD_ORDER, "description")
    assert desc.text.startswith("Order of Subject, Object and Verb.")
    assert "transitive clause" in desc.text and "Six types" not in desc.text  # heading dropped
    with pytest.raises(ValueError, match="style"):
        build_query(WORD_ORDER, "wikipedia")


def test_word_order_value_terms_are_expanded_by_rule() -> None:
    q = build_query(WORD_ORDER, "catalogue")
    sov = q.value_terms["SOV"]
    for term in ("SOV", "AOV", "verb-final", "subject object verb"):
        assert term in sov
    assert "verb-initial" in q.value_terms["VSO"] and "SVO" not in sov
    assert "free word order" in q.value_terms["No dominant order"]
    assert "subject object verb" in q.text and "Subject-object-verb (SOV)" in q.text
    assert {"word order", "subject", "object", "verb"} <= set(q.topic_terms)


def test_count_value_terms() -> None:
    terms = value_terms(CASES)
    assert {"two cases", "2 cases"} <= set(terms["2 cases"])
    assert {"six cases", "seven cases"} <= set(terms["6-7 cases"])
    assert "ten cases" in terms["10 or more cases"] and "twelve cases" in terms["10 or more cases"]
    assert "no case marking" in terms["No morphological case-marking"]
    assert not any(t.endswith(" cas") for ts in terms.values() for t in ts)  # "cases" -> "case"


def test_grambank_binary_value_terms() -> None:
    assert question_core(NEGATION.question).startswith("standard negation be marked")
    terms = build_query(NEGATION, "catalogue").value_terms
    assert set(terms) == {"0", "1"}
    assert "standard negation" in terms["1"]
    assert "no standard negation" in terms["0"] and "present" not in terms["1"]


def test_catalogue_features_build_queries() -> None:
    from grammar_rag.evaluation.retrieval_data import load_feature

    try:
        features = [load_feature(f) for f in ("81A", "GB107", "49A", "WALS 116A*")]
    except Exception as exc:  # catalogue not installed in this checkout
        pytest.skip(f"feature catalogue unavailable: {exc}")
    for f in features:
        for style in ("term", "description", "catalogue"):
            q = build_query(f, style)
            assert q.text and q.feature is f
        assert build_query(f).value_terms
    assert "verb-final" in build_query(features[0]).value_terms["SOV"]
    polar = build_query(features[3]).value_terms
    assert any("clause-final" in k.lower() for k in polar)


# --- rerankers ------------------------------------------------------------------------------

TEXTS = [
    "Contents 7.1 Basic word order . . . . . . . . . . . . . 204 7.2 Questions . . . . . . 210",
    "In Japanese the order is SOV, as Greenberg noted for many languages of Asia.",
    "Vowel harmony affects suffixes of the noun and the verb.",
    "The basic word order of Kalamo is SOV: the subject precedes the object and the verb is final in Kalamo.",
    "Dryer, Matthew S. 1992. The Greenbergian word order correlations. Language 68: 81-138. Cambridge University Press.",
    "The Kalamo language has two tones, and vowels in Kalamo are long or short.",
]


@pytest.mark.parametrize("name", ["bm25", "bm25-local", "evidence", "learned"])
def test_rerankers_return_all_passages_ranked(name: str) -> None:
    passages = _passages(TEXTS)
    out = RERANKERS.create(name).rerank(build_query(WORD_ORDER), passages)
    assert [sp.rank for sp in out] == list(range(1, len(passages) + 1))
    assert sorted(sp.passage.passage_id for sp in out) == sorted(p.passage_id for p in passages)
    assert all(out[i].score >= out[i + 1].score for i in range(len(out) - 1))


def test_bm25_keeps_order_and_free_text_queries_work() -> None:
    passages = _passages(TEXTS)
    out = rerank("word order", passages, name="bm25")
    assert [sp.passage.order for sp in out] == list(range(len(passages)))
    top = rerank("vowel harmony suffixes", passages, name="bm25-local", k=1)
    assert len(top) == 1 and top[0].passage.order == 2


def test_evidence_prefers_stated_value_of_this_language() -> None:
    passages = _passages(TEXTS)
    out = RERANKERS.create("evidence").rerank(build_query(WORD_ORDER), passages)
    pos = {sp.passage.order: sp.rank for sp in out}
    assert pos[3] == 1  # "The basic word order of Kalamo is SOV"
    assert pos[3] < pos[0]  # above the table of contents
    assert pos[3] < pos[1]  # above another language's order
    assert pos[3] < pos[4]  # above the bibliography


def test_default_reranker_prefers_stated_value() -> None:
    out = rerank(build_query(WORD_ORDER), _passages(TEXTS), k=3)
    assert DEFAULT_RERANKER in RERANKERS.names()
    assert out[0].passage.order == 3 and len(out) == 3


def test_evidence_features_and_language_guess() -> None:
    passages = _passages(TEXTS)
    assert guess_language_names([p.text for p in passages]) == ["Kalamo"]
    feats = passage_features(build_query(WORD_ORDER), passages)
    assert feats[3]["value_any"] == 1.0 and feats[3]["value_asserted"] > 0 and feats[3]["value_lang"] > 0
    assert feats[0]["toc"] == 1.0 and feats[4]["biblio"] == 1.0 and feats[2]["value_any"] == 0.0
    assert feats[1]["value_other_lang"] > 0


def test_head_terms_name_the_dimension_of_the_feature() -> None:
    cases = Feature("WALS 49A", "WALS", "Number of Cases", "", ())
    negation = Feature("GB107", "Grambank", "GB107", "Can standard negation be marked by an affix?", ())
    assert head_terms(WORD_ORDER) == ("order",)
    assert head_terms(cases) == ("cases",)
    assert head_terms(negation) == ("standard", "negation")


def test_idioms_do_not_count_as_topic_mentions() -> None:
    assert "order" not in strip_idioms("He left in order to hunt.")
    assert "case" not in strip_idioms("In this case the verb is fronted; just in case.")
    assert "case" in strip_idioms("Ergative case is marked by -ni.")
    passages = _passages(["We repeat it in order to be clear.", "The order of clitics is fixed."])
    feats = passage_features(build_query(WORD_ORDER), passages)
    assert feats[0]["head_count"] == 0.0 and feats[1]["head_count"] > 0


def test_head_noun_family_counts_derived_words() -> None:
    assert same_word_family(stem("negative"), stem("negation"))
    assert same_word_family(stem("negator"), stem("negation"))
    assert not same_word_family(stem("ordinal"), stem("order"))
    assert not same_word_family(stem("casual"), stem("cases"))
    negation = Feature("GB107", "Grambank", "GB107", "Can standard negation be marked by an affix?", ())
    feats = passage_features(build_query(negation), _passages(["The suffix may be preceded by the negative infix -woo-.",
                                                               "Nouns take suffixes."]))
    assert feats[0]["head_count"] > 0 and feats[1]["head_count"] == 0


def test_dense_reranker_plumbing_with_hashing_embedder() -> None:
    passages = _passages(["word order of subject and object", "tone and vowels", "object verb order"])
    out = DenseReranker("hashing-64", "dense-hash").rerank("subject object word order", passages)
    assert [sp.rank for sp in out] == [1, 2, 3]
    assert out[-1].passage.order == 1


def test_unknown_reranker_names_alternatives() -> None:
    with pytest.raises(GrammarRagError, match="evidence"):
        RERANKERS.create("evidance")


def test_fit_pairwise_learns_the_informative_feature(tmp_path) -> None:
    rng = np.random.default_rng(0)
    mats, rels = [], []
    for _ in range(4):
        m = rng.normal(size=(30, 2))
        rels.append(np.clip(np.round(2 * m[:, 0] + 2), 0, 5))  # feature 0 drives relevance
        mats.append(m)
    model = fit_pairwise(mats, [r.tolist() for r in rels], ["signal", "noise"], c=1.0, meta={"trained_on": ["a"]})
    assert model.weights[0] > 5 * abs(model.weights[1])
    path = tmp_path / "w.json"
    model.save(path)
    loaded = LinearRanker.load(path)
    assert loaded.features == ["signal", "noise"] and loaded.meta["trained_on"] == ["a"]
    np.testing.assert_allclose(loaded.score(mats[0]), model.score(mats[0]))


def test_shipped_learned_weights_use_known_features() -> None:
    reranker = LearnedReranker()
    matrix = feature_matrix(build_query(WORD_ORDER), _passages(TEXTS), reranker.model.features)
    assert matrix.shape == (len(TEXTS), len(reranker.model.features))
    assert reranker.model.meta.get("trained_on")


def test_language_name_guess_does_not_depend_on_the_hash_seed() -> None:
    # two names tie for second place: the first seen must win in every process (a set used to
    # decide, so the cue 'value_lang' and the reranked order changed with PYTHONHASHSEED)
    import os
    import subprocess
    import sys

    code = ("from grammar_rag.rerank.evidence import guess_language_names as g; "
            "print(g(['we know that Warao has Anthony and Henry as speakers.', 'the data from Warao came from Henry.', "
            "'so Warao and Anthony agree.']))")
    outs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": str(seed)}).stdout.strip()
            for seed in range(1, 9)}
    assert outs == {"['Warao', 'Anthony']"}


def test_in_a_book_passages_naming_the_head_noun_outrank_those_that_do_not() -> None:
    """In a 648-page book, "Adverbial clauses provide an adverbial modification of the main clause"
    ranked first for GB107 (standard negation) on the query's guideline words alone."""
    q = build_query(get_catalogue().get("GB107"))
    off = Passage("g", "g:1", "Adverbial clauses provide an adverbial modification of the main clause; the verb is marked.",
                  section=("11 Combining clauses", "11.6 Adverbial clauses"))
    by_heading = Passage("g", "g:2", "Two particles precede the verb: kai and e ko.",
                         section=("10 Mood and negation", "10.5 Negation"))
    by_text = Passage("g", "g:3", "The negator ina is a phrase head.", section=("7 The verb phrase",))
    assert names_head(q, off) is False and names_head(q, by_heading) and names_head(q, by_text)
    order = [sp.passage.passage_id for sp in rerank(q, [off, by_heading, by_text])]
    assert order.index("g:1") == 2
    # a pre-cut paragraph has no heading to tell by, and order features carry "order" in every query
    assert names_head(q, Passage("g", "g:4", "Adverbial clauses provide an adverbial modification.")) is None
    assert names_head(build_query(get_catalogue().get("WALS 81A")), off) is None


def test_in_a_book_an_order_of_two_elements_is_about_its_first_element() -> None:
    """WALS names these features dependent first ("Order of Relative Clause and Noun"): in a whole
    book the passage stating the order sits in the relative-clause section, while passages about
    word order in general carried the query's "order" words to the top."""
    q = build_query(get_catalogue().get("WALS 90A"))
    general = Passage("g", "g:1", "Noun phrases, replicating the basic word order of clauses, are head final.",
                      section=("12 Noun phrases", "12.1 Simple noun phrases"))
    by_heading = Passage("g", "g:2", "The head precedes the clause in every example.",
                         section=("15 Complex clauses", "15.3 Relative clauses"))
    assert names_head(q, general) is False and names_head(q, by_heading)
    # the element's usual synonyms count: a possessor is a genitive
    gen = build_query(get_catalogue().get("WALS 86A"))
    assert names_head(gen, Passage("g", "g:3", "The possessor precedes the possessed noun.", section=("5 Nouns",)))
    assert names_head(gen, general) is False
    # three elements (81A) name no single one, and an element named in many ways ("adpositions" are
    # "postpositions", a "negative morpheme" a "negator") is not told: never moved
    for fid in ("WALS 81A", "WALS 85A", "WALS 143A"):
        assert names_head(build_query(get_catalogue().get(fid)), general) is None


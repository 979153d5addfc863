"""Single-label typologies read from strategy / marking cues: WALS 116A and 92A (polar questions),
WALS 112A (negative morphemes). Before these families, all three fell to the generic value-term
reader, which matched value names such as "Final" anywhere in a question paragraph."""

from __future__ import annotations

import pytest

from grammar_rag.classify import make_classifier
from grammar_rag.classify.cues import select_family
from grammar_rag.features import get_catalogue
from grammar_rag.types import Feature, Passage, ScoredPassage

clf = make_classifier("evidence", use_query_terms=False, calibrate=False)


@pytest.fixture(scope="module")
def catalogue():
    return get_catalogue()


def _feature(catalogue, feature_id: str) -> Feature:
    feature = catalogue.get(feature_id)
    assert feature is not None, feature_id
    return feature


def sp(*texts: str) -> list[ScoredPassage]:
    return [ScoredPassage(Passage("g", f"g:{i}", t, page_start=str(100 + i)), 1.0 / (i + 1), i + 1)
            for i, t in enumerate(texts)]


def test_families_are_chosen_from_the_catalogue_entry(catalogue) -> None:
    assert select_family(_feature(catalogue, "WALS 116A")).name == "polar-type"
    assert select_family(_feature(catalogue, "WALS 92A")).name == "polar-type"
    assert select_family(_feature(catalogue, "WALS 112A")).name == "marker-type"
    # neighbours keep their families: the composite, Grambank's binary features, content questions
    assert select_family(_feature(catalogue, "WALS 116A*")).name == "polar-strategies"
    assert select_family(_feature(catalogue, "GB107")).name == "bound-marking"
    assert select_family(_feature(catalogue, "WALS 93A")).name not in {"polar-type", "marker-type"}


PARTICLE_FINAL = ("Polar questions are formed with the question particle ka, which occurs in sentence-final position.",
                  "Yes-no questions take the particle ka at the end of the sentence.")
VERB_SUFFIX = ("Polar questions are marked by the interrogative suffix -na on the verb.",
               "Yes-no questions take the interrogative suffix -na, attached to the finite verb.")
INTONATION = ("Polar questions differ from statements only by rising intonation.",
              "Yes-no questions are marked by intonation alone, with no particle.")


def test_wals_116a_type(catalogue) -> None:
    f = _feature(catalogue, "WALS 116A")
    assert clf.classify(f, sp(*PARTICLE_FINAL)).value == "Question particle"
    assert clf.classify(f, sp(*VERB_SUFFIX)).value == "Interrogative verb morphology"
    mixed = (VERB_SUFFIX[0], PARTICLE_FINAL[0], VERB_SUFFIX[1], PARTICLE_FINAL[1])
    assert clf.classify(f, sp(*mixed)).value == "Mixture of previous two types"
    # a verb suffix far weaker than the particle evidence is not a second strategy (composite's rule)
    assert clf.classify(f, sp(*PARTICLE_FINAL, *VERB_SUFFIX)).value == "Question particle"
    pred = clf.classify(f, sp(*INTONATION))
    assert pred.value == "Interrogative intonation only" and pred.evidence and pred.evidence[0].pages
    # intonation is the type only when nothing else is found (WALS: a minority device decides)
    assert clf.classify(f, sp(*PARTICLE_FINAL, *INTONATION)).value == "Question particle"
    inverted = ("Polar questions are formed by subject-verb inversion.",
                "In yes-no questions the verb is fronted: inversion of subject and verb marks the question.")
    assert clf.classify(f, sp(*inverted)).value == "Interrogative word order"
    assert clf.classify(f, sp("Nouns take the plural suffix -ta.")).abstained


def test_wals_92a_particle_position(catalogue) -> None:
    f = _feature(catalogue, "WALS 92A")
    assert clf.classify(f, sp(*PARTICLE_FINAL)).value == "Final"
    initial = ("Polar questions are formed with the question particle ba in sentence-initial position.",
               "The yes-no question particle ba occurs at the beginning of the sentence.")
    assert clf.classify(f, sp(*initial)).value == "Initial"
    assert clf.classify(f, sp(*initial, *PARTICLE_FINAL)).value == "In either of two positions"
    second = ("Polar questions are marked by the question particle =ti in second position.",
              "The yes-no question clitic =ti occurs in second position, after the first constituent.")
    assert clf.classify(f, sp(*second)).value == "Second position"
    # questions described, but with no particle
    assert clf.classify(f, sp(*INTONATION)).value == "No question particle"
    assert clf.classify(f, sp(*VERB_SUFFIX)).value == "No question particle"


def test_wals_112a_negative_morphemes(catalogue) -> None:
    f = _feature(catalogue, "WALS 112A")
    suffix = ("Negation is marked by the negative suffix -tan on the verb.", "The negative suffix -tan follows the tense suffix.")
    particle = ("Standard negation is expressed by the negative particle ba, which follows the verb phrase.",
                "The negative particle ba is a separate word.")
    auxiliary = ("Negation is expressed by a negative auxiliary verb which inflects for person.",
                 "The negative auxiliary e- carries the subject agreement; the main verb is a participle.")
    assert clf.classify(f, sp(*suffix)).value == "Negative affix"
    assert clf.classify(f, sp(*particle)).value == "Negative particle"
    assert clf.classify(f, sp(*auxiliary)).value == "Negative auxiliary verb"
    both = clf.classify(f, sp(*suffix, *particle, *particle))
    # both solidly described: which is standard negation is not settled, so no "variation" guess
    assert both.abstained and "Both bound and free" in both.reasoning and both.evidence
    two_part = ("Sentence negation is expressed by the use of two particles, mana and -chu.",
                "Negation is discontinuous: ne precedes the verb and pas follows it.")
    assert clf.classify(f, sp(*two_part)).value == "Double negation"
    # two alternative negators are not a two-part negation
    alternatives = ("Only two negative markers function in the aspect system, with different paradigms.",
                    "The negative particle inzi is used in the perfective; it is a separate word.")
    assert clf.classify(f, sp(*alternatives)).value == "Negative particle"


def test_pair_order_features_read_prose_statements(catalogue) -> None:
    adj = _feature(catalogue, "WALS 87A")
    assert select_family(adj).name == "pair-order"
    pred = clf.classify(adj, sp("Adjectives follow the noun they modify.", "The attributive adjective always comes after the head noun."))
    assert pred.value == "Noun-Adjective" and {e.pages for e in pred.evidence} == {"100", "101"}
    assert clf.classify(adj, sp("In the noun phrase, adjectives usually precede the noun.")).value == "Adjective-Noun"
    assert clf.classify(adj, sp("The noun is normally followed by its adjectives.")).value == "Noun-Adjective"
    assert clf.classify(adj, sp("Prenominal adjectives are the rule.")).value == "Adjective-Noun"
    assert clf.classify(adj, sp("The basic order is NAdj.")).value == "Noun-Adjective"
    # negated, and both orders with neither preferred
    assert clf.classify(adj, sp("Adjectives never precede the noun.")).value != "Adjective-Noun"
    assert clf.classify(adj, sp("Adjectives may precede or follow the noun.")).value == "No dominant order"
    # a preference beats "may precede or follow"
    assert clf.classify(adj, sp("Adjectives normally follow the noun.", "Adjectives follow the noun in neutral speech.",
                                "Adjectives may precede or follow the noun.")).value == "Noun-Adjective"
    gen = _feature(catalogue, "WALS 86A")
    assert clf.classify(gen, sp("The possessor precedes the possessed noun.")).value == "Genitive-Noun"
    rel = _feature(catalogue, "WALS 90A")
    assert clf.classify(rel, sp("Relative clauses follow their head noun.")).value == "Noun-Relative clause"
    # Grambank's numbered codes are read from their descriptions ("1" = "Num-N")
    num = _feature(catalogue, "GB024")
    assert select_family(num).name == "pair-order"
    assert clf.classify(num, sp("Numerals follow the noun they quantify.")).value == "2"
    assert clf.classify(num, sp("Numerals can precede or follow the noun.")).value == "3"
    assert clf.classify(adj, sp("Nouns take the plural suffix -ta.")).abstained


def test_an_element_opening_a_coordinated_subject_shares_its_predicate(catalogue) -> None:
    # "X, Y and Z follow the noun": each coordinated element follows the noun
    listed = "Determiners precede the noun; adjectives, possessives (except pronominal ones) and relative clauses follow the noun."
    assert clf.classify(_feature(catalogue, "WALS 87A"), sp(listed)).value == "Noun-Adjective"
    assert clf.classify(_feature(catalogue, "WALS 90A"), sp(listed)).value == "Noun-Relative clause"
    assert clf.classify(_feature(catalogue, "WALS 89A"), sp("Numerals and demonstratives precede the noun.")).value == "Numeral-Noun"
    # the list stops at a clause boundary: "adjectives" here has no predicate of its own
    assert clf.classify(_feature(catalogue, "WALS 87A"), sp("Nouns take adjectives; numerals and articles precede the noun.")).abstained


def test_pair_order_discounts_generalisations_and_other_topics(catalogue) -> None:
    adj = _feature(catalogue, "WALS 87A")
    # a statement about languages in general is outweighed by one about this language
    assert clf.classify(adj, sp("In verb-final languages, adjectives normally precede the noun.",
                                "Adjectives always follow the noun.")).value == "Noun-Adjective"
    # "may precede or follow" something other than the noun, and "in any order" among modifiers
    assert clf.classify(adj, sp("The adjective may precede or follow its complement.")).abstained
    assert clf.classify(adj, sp("Adjectives can occur in any order with respect to each other, before the verb.")).abstained


def test_pair_order_reads_phrase_templates(catalogue) -> None:
    """Grammars state phrase order as a template ("Dem – Num – Adj – N", "NP → (Dem) N (Adj)"):
    the two elements' positions in it give the order; a dashed gloss or a clause template does not."""
    adj, dem, num, rel = (_feature(catalogue, f"WALS {n}") for n in ("87A", "88A", "89A", "90A"))
    dashed = "The order of elements in the noun phrase is Demonstrative – Article – [Numeral/Quantifier] – Adjective – Noun."
    assert clf.classify(adj, sp(dashed)).value == "Adjective-Noun"
    assert clf.classify(dem, sp(dashed)).value == "Demonstrative-Noun"
    assert clf.classify(num, sp(dashed)).value == "Numeral-Noun"
    arrow = "The noun phrase has the structure NP → (Dem) N (Adj) (RelCl), with every modifier optional."
    assert clf.classify(adj, sp(arrow)).value == "Noun-Adjective"
    assert clf.classify(rel, sp(arrow)).value == "Noun-Relative clause"
    assert clf.classify(dem, sp(arrow)).value == "Demonstrative-Noun"
    abbreviated = "The order within the noun phrase is rigid: DEM NUM N ADJ."
    assert clf.classify(num, sp(abbreviated)).value == "Numeral-Noun"
    assert clf.classify(adj, sp(abbreviated)).value == "Noun-Adjective"
    # not templates: a clause template, a gloss line, two elements named in passing
    assert clf.classify(adj, sp("The basic order is Subject – Object – Verb.")).abstained
    assert clf.classify(adj, sp("3SG-see-PST house-big DEM-PL")).abstained
    assert clf.classify(adj, sp("Noun–adjective compounds are common in the lexicon.")).abstained
    assert clf.classify(adj, sp("The compound is built as follows: [[N ADJ] N].")).abstained
    # other elements' optional slots in brackets; the first template (the default) decides
    slots = ("Default order in the noun phrase: (Demonstrative) HEAD (Qualifier) (Quantifier). "
             "When there is a possessor the order changes: (Possessor) HEAD (Demonstrative) (Qualifier)")
    assert clf.classify(dem, sp(slots)).value == "Demonstrative-Noun"


def test_pair_order_reads_coordinated_statements(catalogue) -> None:
    dem = _feature(catalogue, "WALS 88A")
    assert clf.classify(dem, sp("The demonstrative always precedes a definite article and the head noun.")).value \
        == "Demonstrative-Noun"
    adj = _feature(catalogue, "WALS 87A")
    # the noun begins a clause of its own: no order between adjective and noun is stated
    assert clf.classify(adj, sp("Adjectives precede the verb in that construction and the noun follows it.")).abstained


def test_pair_order_weighs_each_clause_when_a_sentence_names_both_orders(catalogue) -> None:
    rel = _feature(catalogue, "WALS 90A")
    both = "The relative clause may precede the noun it modifies, but most frequently the relative clause follows the noun it modifies."
    assert clf.classify(rel, sp(both)).value == "Noun-Relative clause"
    adj = _feature(catalogue, "WALS 87A")
    # "also possible" qualifies the reverse order, not the stated one
    assert clf.classify(adj, sp("Adjectives usually precede the head noun, but the reverse order is also possible.")).value \
        == "Adjective-Noun"
    assert clf.classify(rel, sp("The head noun in the vast majority of corpus examples follows the relative clause.")).value \
        == "Relative clause-Noun"
    # an example heading names a construction; the finite statement says which order is the norm
    assert clf.classify(rel, sp("In the vast majority of examples the relative clause precedes its head noun.",
                                "• relative clause following the head noun")).value == "Relative clause-Noun"


def test_pair_order_discounts_a_description_of_one_example(catalogue) -> None:
    gen = _feature(catalogue, "WALS 86A")
    # the sentence names the example's own words: it describes that example, not the norm
    assert clf.classify(gen, sp("The head noun tipi is preceded by a genitive noun phrase tā terā taꞌata.")).abstained
    assert clf.classify(gen, sp("The head noun is always preceded by the genitive noun phrase.")).value == "Genitive-Noun"


def test_a_marker_named_by_its_question_gloss_is_a_particle(catalogue) -> None:
    # Leipzig glossing: Q is "question particle/marker"; a book that defines a morpheme by that gloss
    # ("hoki (glossed pq = polar question)") names its question particle without the word "particle"
    glossed = ("Polar questions do not differ from statements in word order; the only difference is intonational.",
               "Polar questions may be marked with hoki (glossed pq = polar question), which is placed at the "
               "start of the sentence.")
    # WALS ch. 116: "if some other method is used a minority of the time", the language has that method
    assert clf.classify(_feature(catalogue, "WALS 116A"), sp(*glossed)).value == "Question particle"
    assert clf.classify(_feature(catalogue, "WALS 92A"), sp(*glossed)).value == "Initial"
    # a gloss label that is not a question label names no question marker
    other = (glossed[0], "Polar questions may be marked with hoki (glossed emph = emphatic), which is placed at the "
             "start of the sentence.")
    assert clf.classify(_feature(catalogue, "WALS 116A"), sp(*other)).value == "Interrogative intonation only"


def test_pair_order_reads_an_element_with_a_following_or_preceding_one(catalogue) -> None:
    """"Numerals are used as modifiers with a following noun" states the order as "followed by" does:
    the element named first comes before the one "following" it."""
    num = _feature(catalogue, "WALS 89A")
    assert clf.classify(num, sp("Generally, numerals can be used as nominal modifiers with a following noun in the singular.")).value \
        == "Numeral-Noun"
    adj = _feature(catalogue, "WALS 87A")
    assert clf.classify(adj, sp("Adjectives are used attributively with a preceding head noun.")).value == "Noun-Adjective"
    # the following element must be the pair's other one
    assert clf.classify(adj, sp("Adjectives are used with a following copula.")).abstained



def test_a_relative_clause_whose_verb_disagrees_belongs_to_another_noun(catalogue) -> None:
    """In "the modifiers of the head noun that precede the genitive" it is the modifiers that precede
    (the verb is plural, "noun" singular): no Noun-Genitive statement; an agreeing one still counts."""
    gen = _feature(catalogue, "WALS 86A")
    assert clf.classify(gen, sp("If the noun phrase contains other nominals as modifiers, then the modifiers of the head noun "
                                "that precede the genitive could be interpreted as modifiers of the genitive.")).abstained
    assert clf.classify(gen, sp("The genitive is a noun that precedes the head noun.")).value == "Genitive-Noun"
    assert clf.classify(gen, sp("Genitives that precede the noun are the rule.")).value == "Genitive-Noun"

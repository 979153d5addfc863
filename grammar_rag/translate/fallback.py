"""Model-free translation: the closest example's translation, adapted word by word.

Without an LLM the best evidence is a retrieved parallel sentence. Its translation is edited where
the input differs from it: each example word absent from the input has its translation (found in
the example's translation through the dictionary) replaced by the dictionary gloss of the input
word at the corresponding position, or dropped; input words with no counterpart are glossed and
added. When no example shares enough with the input, the output is a plain word-by-word gloss.
Either way the result is labelled "model-free fallback".
"""

from __future__ import annotations

from dataclasses import dataclass

from grammar_rag.text.tokens import TRANSLATION_STOPWORDS, cased_words, english_stem, lower_words
from grammar_rag.translate.examples import Example, ScoredExample
from grammar_rag.translate.resources import LanguageResources
from grammar_rag.translate.surface import detokenise, match_surface

METHOD = "model-free fallback"


@dataclass(frozen=True)
class FallbackConfig:
    """Knobs of the adaptation; defaults chosen on the dev split (never the test split)."""

    min_overlap: float = 0.0  # share of input words an example must contain to be adapted
    drop_unmatched: bool = True  # remove translations of example words missing from the input
    append_unplaced: bool = True  # gloss input words with no counterpart and add them
    selection: str = "recall"  # pick the example by "recall" (input words covered) or "f1" (also precision)


# English function words that *do* have a Kalamang counterpart (pronouns, demonstratives, question
# words, negation) are translated; the other stopwords (articles, copula, auxiliaries) are dropped.
_TRANSLATABLE_FUNCTION_WORDS = frozenset(
    ["i", "you", "he", "she", "we", "they", "my", "your", "his", "her", "our", "this", "that", "here", "there", "what", "who", "where", "when", "why", "how", "not", "no"]
)
_SKIP_ENGLISH = TRANSLATION_STOPWORDS - _TRANSLATABLE_FUNCTION_WORDS


class WordTranslator:
    """Word-level lexicon in one direction, built on the dictionary (also the baseline's lexicon)."""

    def __init__(self, resources: LanguageResources, source: str) -> None:
        self.res = resources
        self.source = source
        self.dictionary = resources.dictionary

    def key(self, word: str) -> str:
        """Matching key of a source-language word (dictionary stem / English stem)."""
        if self.source == "eng":
            low = word.lower()
            return english_stem(low[:-2] if low.endswith("'s") else low)
        return self.dictionary.analyse(word).stem

    def target_key(self, word: str) -> str:
        if self.source == "eng":
            return self.dictionary.analyse(word).stem
        return english_stem(word.lower())

    def translate(self, word: str) -> str:
        """Best single translation; unknown words are copied as written (names survive), English
        function words vanish (Kalamang has no articles or copula to put in their place)."""
        if self.source == "eng" and word.lower().endswith("'s"):
            word = word[:-2]  # possessive 's: the name itself is what carries over
        low = word.lower()
        if self.source == "eng":
            if low in _SKIP_ENGLISH:
                return ""
            hits = self.dictionary.english_lookup(low, limit=1)
            return hits[0].form if hits else word
        gloss = self.dictionary.analyse(low).gloss() or word
        return f"{gloss} not" if self.dictionary.is_negated(low) else gloss

    def negations(self, text: str) -> int:
        """Negated words in a source-language text (polarity check for adaptation)."""
        if self.source == "eng":
            return sum(1 for w in lower_words(text) if w.lower() in _ENGLISH_NEGATORS or w.lower().endswith("n't"))
        return sum(1 for w in lower_words(text) if self.dictionary.is_negated(w))

    def candidates(self, word: str) -> set[str]:
        """Target-side keys this source word may surface as in a translation."""
        if self.source == "eng":
            if word.lower() in _SKIP_ENGLISH:
                return set()
            return {self.dictionary.analyse(e.form).stem for e in self.dictionary.english_lookup(word, limit=3)}
        analysis = self.dictionary.analyse(word)
        out: set[str] = set()
        for entry in analysis.entries:
            for sense in entry.senses:
                out.update(english_stem(w) for w in lower_words(sense) if w not in TRANSLATION_STOPWORDS)
        if analysis.full_form_gloss:
            out.update(english_stem(w) for w in lower_words(analysis.full_form_gloss.replace(".", " ")) if w.islower())
        return out


_ARTICLES = frozenset({"the", "a", "an"})
_ENGLISH_NEGATORS = frozenset({"not", "no", "never", "nothing", "nobody", "none", "cannot"})
_PRONOUNS = frozenset(["i", "you", "he", "she", "it", "we", "they", "me", "him", "her", "us", "them", "this", "that"])


def _takes_no_article(word: str) -> bool:
    """English pronouns and names (capitalised) stand without an article."""
    return word.lower() in _PRONOUNS or word[:1].isupper()


def word_by_word(text: str, translator: WordTranslator) -> str:
    """The word-by-word dictionary translation (a baseline, and the fallback of the fallback)."""
    out = [translator.translate(w) for w in cased_words(text)]
    return match_surface(detokenise(out), text)


def _tokens(text: str) -> list[str]:
    return text.split()


def _bare(token: str) -> str:
    ws = lower_words(token)
    return ws[0] if ws else ""


def adapt(
    text: str, example: Example, translator: WordTranslator, config: FallbackConfig, negations: int | None = None
) -> tuple[str, float, float]:
    """(adapted translation, share of input words found in the example, share of example words
    found in the input). ``negations``: the input's negated-word count, when the caller has it."""
    src_side = example.text if translator.source != "eng" else example.translation
    tgt_side = example.translation if translator.source != "eng" else example.text
    x = cased_words(text)
    s = lower_words(src_side)
    if not x or not s:
        return "", 0.0, 0.0
    if (translator.negations(text) if negations is None else negations) != translator.negations(src_side):
        return "", 0.0, 0.0  # "I called you" is no template for "(I) didn't call you"
    s_keys = [translator.key(w) for w in s]
    x_keys = [translator.key(w) for w in x]
    matched_x = [k in s_keys for k in x_keys]
    overlap = sum(matched_x) / len(x)
    x_set = set(x_keys)
    precision = sum(k in x_set for k in s_keys) / len(s_keys)
    t_tokens = _tokens(tgt_side)
    t_keys = [translator.target_key(_bare(t)) if _bare(t) else "" for t in t_tokens]

    owned: list[list[int]] = []  # for each unmatched example word, the target tokens it owns
    unmatched_s: list[int] = []
    taken: set[int] = set()
    for i, (w, k) in enumerate(zip(s, s_keys, strict=True)):
        if k in x_set:
            continue
        cands = translator.candidates(w)
        own = [j for j, tk in enumerate(t_keys) if tk and tk in cands and j not in taken]
        taken.update(own)
        unmatched_s.append(i)
        owned.append(own)
    unmatched_x = [i for i, m in enumerate(matched_x) if not m]

    replace: dict[int, str] = {}
    drop: set[int] = set()
    x_iter = iter(unmatched_x)
    placed: set[int] = set()
    for own in owned:
        if not own:
            continue
        xi = next(x_iter, None)
        if xi is not None:
            placed.add(xi)
            replace[own[0]] = translator.translate(x[xi])
            drop.update(own[1:])
        elif config.drop_unmatched:
            drop.update(own)
    out: list[str] = []
    for j, tok in enumerate(t_tokens):
        if j in drop:
            continue
        if j in replace:
            trail = tok[len(tok.rstrip(".,!?;:")) :]
            if not replace[j]:
                continue
            if out and out[-1].lower() in _ARTICLES and _takes_no_article(replace[j]):
                out.pop()  # "the dog" -> "he", not "the he"
            tok = replace[j] + trail
        out.append(tok)
    if config.append_unplaced:
        extra = [translator.translate(x[i]) for i in unmatched_x if i not in placed]
        extra = [e for e in extra if e]
        if extra:
            tail = out[-1] if out and out[-1][-1:] in ".!?" else None
            if tail is not None:
                out[-1] = tail[:-1]
            out.extend(extra)
            if tail is not None:
                out[-1] = out[-1] + tail[-1]
    return match_surface(detokenise(out), text), overlap, precision


def model_free_translate(
    text: str,
    examples: list[ScoredExample],
    translator: WordTranslator,
    config: FallbackConfig = FallbackConfig(),
) -> tuple[str, str]:
    """(translation, note): the best adaptable retrieved example, else word by word."""
    best: tuple[float, float, str, str] | None = None
    negations = translator.negations(text)  # once, not per candidate example
    for scored in examples:
        adapted, recall, precision = adapt(text, scored.example, translator, config, negations)
        if config.selection == "f1":
            fit = 2 * recall * precision / (recall + precision) if recall + precision else 0.0
        else:
            fit = recall
        if adapted and (best is None or fit > best[0]):
            best = (fit, recall, adapted, scored.example.id)
    if best is not None and best[1] >= config.min_overlap:
        return best[2], f"adapted from example {best[3]} ({best[1]:.0%} of input words shared)"
    return word_by_word(text, translator), "word-by-word dictionary gloss (no example shared enough words)"


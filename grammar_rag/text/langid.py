"""Tell English from Indonesian/Malay by function-word cues.

Dictionaria's Kalamang examples carry an English and an Indonesian (Papuan Malay) translation, but
which one sits in ``Translated_Text`` and which in ``alt_translation1`` varies from row to row, so the
English side is detected per row instead of being hard-coded.
"""

from __future__ import annotations

from dataclasses import dataclass

from grammar_rag.text.tokens import lower_words

# Closed-class words that are frequent in one language and (almost) absent from the other.
_ENGLISH = frozenset(
    ["the", "a", "an", "is", "are", "was", "were", "be", "been", "am", "i", "you", "he", "she", "it", "we", "they", "me", "him", "her", "us", "them", "my", "your", "his", "its", "our", "their", "this", "that", "these", "those", "of", "to", "in", "on", "at", "for", "with", "from", "by", "and", "or", "but", "not", "no", "do", "does", "did", "don't", "didn't", "what", "who", "where", "when", "why", "how", "there", "here", "will", "would", "can", "could", "have", "has", "had", "go", "went", "going", "some", "all", "it's", "that's", "there's", "i'm", "you're", "he's", "she's", "they're", "we're", "isn't", "don't", "won't", "can't", "let's", "many", "much"]
)
_MALAY = frozenset(
    ["yang", "dan", "di", "ke", "dari", "ini", "itu", "saya", "aku", "kau", "ko", "dia", "ia", "kita", "kami", "mereka", "dorang", "dong", "torang", "tong", "de", "pu", "punya", "sudah", "su", "sa", "tidak", "tra", "ada", "dengan", "untuk", "akan", "mau", "pi", "pergi", "itu", "juga", "lagi", "ka", "kah", "sama", "deng", "bikin", "orang", "belum", "baru", "masih", "karena", "jadi", "kalau", "ini", "tu", "dia", "nanti", "sedang", "lagi", "dulu", "buat", "satu", "dua", "tiga", "bapak", "mama"]
)


@dataclass(frozen=True)
class Lexicons:
    """Content-word vocabularies of both languages (e.g. a dictionary's English senses and its
    Indonesian sense translations): they decide rows that have no function-word cue at all
    ("Manado caught many groupers." / "Manado tarik ikan merah banyak.")."""

    english: frozenset[str] = frozenset()
    other: frozenset[str] = frozenset()


def english_score(text: str, lexicons: Lexicons | None = None) -> float:
    """Fraction of tokens that are English cues minus the fraction that are Malay cues (-1..1).

    Lexicon hits count a tenth as much as function words, so they only break ties.
    """
    toks = lower_words(text)
    if not toks:
        return 0.0
    eng: float = sum(t in _ENGLISH for t in toks)
    may: float = sum(t in _MALAY for t in toks)
    if lexicons is not None:
        eng += 0.1 * sum(t in lexicons.english for t in toks)
        may += 0.1 * sum(t in lexicons.other for t in toks)
    return (eng - may) / len(toks)


def pick_english(*candidates: str, lexicons: Lexicons | None = None) -> tuple[int, str] | None:
    """Index and text of the candidate that reads most like English, or None when all are empty."""
    scored = [(english_score(c, lexicons), i, c) for i, c in enumerate(candidates) if c and c.strip()]
    if not scored:
        return None
    _score, index, text = max(scored, key=lambda s: (s[0], -s[1]))
    return index, text

"""Language-independent morphology and orthography for dictionary look-up.

Nothing here knows a particular language. Candidate affixes and clitics are *learned* per pack from
three sources:

* headwords written with a boundary (``=at``, ``-an``, ``ko=``) — the dictionary says they are bound;
* segmented words of glossed examples, the grammar's interlinear examples included (``sor=at``,
  ``saˁ-q'-aˁn``): material after the longest piece is a suffix chain, before it a prefix chain;
* unsegmented example words that are a headword plus a short remainder (``kewe`` + ``ka``): a
  remainder seen on several different headwords is a candidate affix.

Orthography: words are compared by a key that folds case, Unicode composition and the many
apostrophe/glottal-stop letters into one; a looser key also drops diacritics and modifier letters
and is used only when the strict key finds nothing. Words in another script (e.g. Cyrillic beside
Latin) reach their entry through the dictionary's variant forms.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable

# Apostrophes and glottal-stop letters that orthographies use interchangeably for one sound.
_APOSTROPHES = "’ʼʻ`´′‘ꞌ"
_APOS_TABLE = str.maketrans({ch: "'" for ch in _APOSTROPHES})
_BOUNDARY = re.compile(r"[=\-]")


def strict_key(word: str) -> str:
    """NFC, lower case, one apostrophe character; boundaries and edge apostrophes removed."""
    text = unicodedata.normalize("NFC", word).lower().translate(_APOS_TABLE)
    return _BOUNDARY.sub("", text).strip("'")


def loose_key(word: str) -> str:
    """:func:`strict_key` without diacritics, modifier letters (length, pharyngealisation) or
    apostrophes/glottal letters: a fallback for inconsistently written input."""
    decomposed = unicodedata.normalize("NFD", strict_key(word))
    kept = [
        ch for ch in decomposed
        if not unicodedata.combining(ch) and unicodedata.category(ch) != "Lm" and ch not in "'ʔ"
    ]
    return unicodedata.normalize("NFC", "".join(kept))


def bound_forms(headwords: Iterable[str]) -> tuple[Counter[str], Counter[str]]:
    """(suffixes, prefixes) marked as bound in the headwords themselves."""
    suffixes: Counter[str] = Counter()
    prefixes: Counter[str] = Counter()
    for hw in headwords:
        h = unicodedata.normalize("NFC", hw).lower().strip()
        if len(h) > 1 and h[:1] in "=-":
            suffixes[h[1:].strip("=-")] += 1
        elif len(h) > 1 and h[-1:] in "=-":
            prefixes[h[:-1].strip("=-")] += 1
    return suffixes, prefixes


def segmented_affixes(segmented_words: Iterable[str]) -> tuple[Counter[str], Counter[str]]:
    """(suffixes, prefixes) attested in words written with boundaries; the longest piece is the stem."""
    suffixes: Counter[str] = Counter()
    prefixes: Counter[str] = Counter()
    for word in segmented_words:
        pieces = re.split(r"[=\-]", unicodedata.normalize("NFC", word).lower())
        if len(pieces) < 2:
            continue
        stem_index = max(range(len(pieces)), key=lambda i: len(pieces[i]))
        for i, piece in enumerate(pieces):
            if not piece.replace("'", "").isalpha():
                continue
            if i > stem_index:
                suffixes[piece] += 1
            elif i < stem_index:
                prefixes[piece] += 1
    return suffixes, prefixes


def remainder_affixes(
    surface_words: Iterable[str], stems: set[str], *, max_len: int = 4, min_stem: int = 3
) -> tuple[Counter[str], Counter[str]]:
    """(suffixes, prefixes): remainders of unsegmented words around a known stem, counted once per
    distinct stem, so a remainder must recur on several words to count as an affix."""
    suffix_stems: dict[str, set[str]] = {}
    prefix_stems: dict[str, set[str]] = {}
    for word in set(surface_words):
        w = strict_key(word)
        for cut in range(1, min(max_len, len(w) - min_stem) + 1):
            if w[:-cut] in stems:
                suffix_stems.setdefault(w[-cut:], set()).add(w[:-cut])
            if w[cut:] in stems:
                prefix_stems.setdefault(w[:cut], set()).add(w[cut:])
    return (Counter({s: len(v) for s, v in suffix_stems.items()}),
            Counter({p: len(v) for p, v in prefix_stems.items()}))


def learn_affixes(
    headwords: Iterable[str],
    segmented_words: Iterable[str] = (),
    surface_words: Iterable[str] = (),
    *,
    min_count: int = 2,
    min_stems: int = 3,
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(suffixes, prefixes), longest first: bound headwords always count; affixes from segmented
    words need ``min_count`` attestations; remainders of unsegmented words ``min_stems`` distinct
    stems (one-off noise is ignored either way)."""
    heads = list(headwords)
    hs, hp = bound_forms(heads)
    ss, sp = segmented_affixes(segmented_words)
    surface = list(surface_words)
    rs: Counter[str] = Counter()
    rp: Counter[str] = Counter()
    if surface:
        stems = {strict_key(h) for h in heads if h.strip()[:1] not in "=-" and h.strip()[-1:] not in "=-"}
        rs, rp = remainder_affixes(surface, {s for s in stems if len(s) >= 3})

    def pick(bound: Counter[str], seg: Counter[str], rem: Counter[str]) -> tuple[str, ...]:
        keep = {a for a in bound if a} | {a for a, c in seg.items() if c >= min_count and a}
        keep |= {a for a, c in rem.items() if c >= min_stems and a and a.replace("'", "").isalpha()}
        return tuple(sorted(keep, key=lambda a: (-len(a), a)))

    return pick(hs, ss, rs), pick(hp, sp, rp)

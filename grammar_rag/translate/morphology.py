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

import math
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


def script_of(word: str) -> str:
    """The writing system of a word's first letter ("LATIN", "CYRILLIC", ...; "" without letters)."""
    ch = next((c for c in word if c.isalpha()), "")
    return unicodedata.name(ch, "?").split()[0] if ch else ""


class Transliterator:
    """A character-chunk transliteration learned from (other-script, headword) pairs, e.g. the
    Cyrillic variants of a dictionary's Latin headwords.

    Hard EM over monotone alignments: each step aligns every pair with the current chunk scores
    (1-2 source characters to 0-3 target characters) and recounts the aligned chunk pairs. Words of
    the other script that the dictionary does not list can then be read in the pool's spelling.
    """

    def __init__(self, pairs: Iterable[tuple[str, str]] = (), iterations: int = 3) -> None:
        self.pairs = [(strict_key(a), strict_key(b)) for a, b in pairs if a and b]
        self.source_script = Counter(script_of(a) for a, _ in self.pairs).most_common(1)[0][0] if self.pairs else ""
        self.table: dict[str, tuple[str, float]] = {}
        self._logp: dict[tuple[str, str], float] = {}
        for _ in range(iterations if self.pairs else 0):
            self._step()

    def to_dict(self) -> dict[str, object]:
        """What a pack stores: learned once at ``language add``, not at every load."""
        return {"script": self.source_script, "table": {s: [t, round(lp, 4)] for s, (t, lp) in sorted(self.table.items())}}

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Transliterator:
        tr = cls()
        tr.source_script = str(data.get("script") or "")
        table = data.get("table")
        if isinstance(table, dict):
            tr.table = {str(s): (str(v[0]), float(v[1])) for s, v in table.items()}
        return tr

    @classmethod
    def learn(cls, pairs: Iterable[tuple[str, str]], min_pairs: int = 50, max_pairs: int = 1500) -> Transliterator | None:
        """From (variant, headword) pairs in different scripts; None when there are too few."""
        usable = sorted({(a, b) for a, b in pairs if script_of(a) and script_of(b) and script_of(a) != script_of(b)})
        if len(usable) < min_pairs:
            return None
        step = max(1, len(usable) // max_pairs)  # an even, deterministic sample keeps learning to seconds
        return cls(usable[::step][:max_pairs])

    def _score(self, src: str, tgt: str) -> float:
        if self._logp:
            return self._logp.get((src, tgt), -12.0)
        # first pass: prefer one character for one character, then chunks of equal length
        return -1.0 * (abs(len(src) - len(tgt)) + 1)

    def _align(self, a: str, b: str) -> list[tuple[str, str]] | None:
        n, m = len(a), len(b)
        best: dict[tuple[int, int], tuple[float, tuple[int, int], tuple[str, str]]] = {(0, 0): (0.0, (0, 0), ("", ""))}
        for i in range(n + 1):
            for j in range(m + 1):
                if (i, j) not in best:
                    continue
                base = best[(i, j)][0]
                for di in (1, 2):
                    if i + di > n:
                        continue
                    for dj in (0, 1, 2, 3):
                        if j + dj > m:
                            continue
                        s, t = a[i:i + di], b[j:j + dj]
                        score = base + self._score(s, t) - 0.5
                        key = (i + di, j + dj)
                        if key not in best or score > best[key][0]:
                            best[key] = (score, (i, j), (s, t))
        if (n, m) not in best:
            return None
        out: list[tuple[str, str]] = []
        at = (n, m)
        while at != (0, 0):
            _score, prev, chunk = best[at]
            out.append(chunk)
            at = prev
        return out[::-1]

    def _step(self) -> None:
        counts: Counter[tuple[str, str]] = Counter()
        for a, b in self.pairs:
            if len(a) > 20 or len(b) > 24:
                continue
            for chunk in self._align(a, b) or ():
                counts[chunk] += 1
                s, t = chunk
                if len(s) == len(t) == 2:  # "ка" -> "ka" also teaches "к" -> "k" and "а" -> "a"
                    counts[(s[0], t[0])] += 1
                    counts[(s[1], t[1])] += 1
        totals: Counter[str] = Counter()
        for (s, _t), c in counts.items():
            totals[s] += c
        self._logp = {(s, t): math.log(c / totals[s]) for (s, t), c in counts.items()}
        table: dict[str, tuple[str, float]] = {}
        for (s, t), lp in self._logp.items():
            if s not in table or lp > table[s][1]:
                table[s] = (t, lp)
        self.table = table

    def __call__(self, word: str) -> str:
        """``word`` in the target spelling (unchanged when it is not in the source script)."""
        w = strict_key(word)
        if not self.table or script_of(w) != self.source_script:
            return w
        # best segmentation into known chunks (two-character chunks win when they are known)
        best: list[tuple[float, str]] = [(0.0, "")] + [(-1e9, "")] * len(w)
        for i in range(len(w)):
            score, text = best[i]
            if score <= -1e9:
                continue
            for di in (1, 2):
                chunk = w[i:i + di]
                if len(chunk) < di:
                    continue
                t, lp = self.table.get(chunk, (chunk, -12.0))
                cand = score + lp - 0.5
                if cand > best[i + di][0]:
                    best[i + di] = (cand, text + t)
        return best[len(w)][1]

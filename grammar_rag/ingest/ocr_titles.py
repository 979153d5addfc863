"""A title page as OCR reads it: letters confused and words split, repaired before the language is read.

Why: an OCR'd grammar's title page is where its language is named, and a scanner's confusions
(rn/m, 0/o, 1/l, I/l, c/e, u/n, h/b) or a stray space ("A Grarnmar 0f Kanuri", "The Squamisb
Lan guage") hide both the title's pattern ("grammar of", "the X language") and the name. Two repairs
(:func:`~grammar_rag.ingest.language_guess.guess_language` says when each is tried: the first where
the title as read gives no confident reading, the second only where nothing else, nor a code the
book states, places the language):

* :func:`repair_title` - the words titles are built from ("grammar", "language", "of" ...) restored
  where one confusion, or a split, stands between a word of the title and one of them;
* :func:`name_readings` - the name read as each single confusion would have it, and with a split
  word joined, for a Glottolog lookup; a guess found this way stays below ingest's confidence bar.

Nothing here knows a particular book: the confusions are those of OCR in general, the words those
of book titles.
"""

from __future__ import annotations

import re

# one character (or pair) OCR reads as another, both ways round
_CONFUSIONS = (("rn", "m"), ("0", "o"), ("1", "l"), ("I", "l"), ("l", "i"), ("c", "e"), ("u", "n"), ("h", "b"))
# the words book titles are built from (:data:`~grammar_rag.ingest.language_guess._TITLE_PATTERNS`)
TITLE_WORDS = frozenset("""a an the of to in grammar grammatical grammars language languages sketch description
    introduction dialect dialects study studies outline texts phonology morphology syntax dictionary reference
    descriptive aspects topics essentials fundamentals""".split())  # noqa: SIM905 (a readable word list)
_TOKEN = re.compile(r"\S+")
_WORD = re.compile(r"^([\W_]*)([\w'’]+?)([\W_]*)$")


def variants(word: str) -> set[str]:
    """``word`` with one OCR confusion undone, at each place it could have happened."""
    out: set[str] = set()
    for a, b in _CONFUSIONS:
        for x, y in ((a, b), (b, a)):
            start = word.find(x)
            while start >= 0:
                out.add(word[:start] + y + word[start + len(x):])
                start = word.find(x, start + 1)
    out.discard(word)
    return out


def _title_word(token: str) -> str | None:
    """The title word ``token`` is, or reads as after one confusion (lower case), else None."""
    low = token.lower()
    if low in TITLE_WORDS:
        return low
    hits = {v.lower() for v in variants(token) | variants(low)} & TITLE_WORDS
    return hits.pop() if len(hits) == 1 else None


def _cased(word: str, like: str) -> str:
    return word.upper() if like.isupper() and len(like) > 1 else word.capitalize() if like[:1].isupper() else word


def _joined(tokens: list[str], i: int) -> tuple[str, int, str] | None:
    """A title word split over ``tokens[i]`` and the next one or two ("Lan guage", "Gr amma r"):
    (the word, the index after its last piece, that piece's trailing punctuation); None if none is."""
    first = _WORD.match(tokens[i])
    if first is None:
        return None
    matches = [first]
    for end in (i + 2, i + 3):
        if end > len(tokens):
            return None
        nxt = _WORD.match(tokens[end - 1])
        if nxt is None or nxt.group(1) or (len(matches) > 1 and matches[-1].group(3)):
            return None  # punctuation between the pieces: two words, not one split
        matches.append(nxt)
        cores = [m.group(2) for m in matches]
        if any(c.lower() in TITLE_WORDS for c in cores):
            continue  # "of the", "a grammar": words already whole
        word = _title_word("".join(cores))
        if word is not None:
            return word, end, nxt.group(3)
    return None


def repair_title(title: str) -> str:
    """``title`` with its title words restored: "A Grarnmar 0f Kanuri" -> "A Grammar of Kanuri",
    "The Squamisb Lan guage" -> "The Squamisb Language". Other words are left as read."""
    tokens = _TOKEN.findall(title)
    out: list[str] = []
    i = 0
    while i < len(tokens):
        m = _WORD.match(tokens[i])
        if m is None:
            out.append(tokens[i])
            i += 1
            continue
        lead, core, tail = m.groups()
        joined = _joined(tokens, i) if not tail else None
        if joined is not None:
            word, end, last_tail = joined
            out.append(lead + _cased(word, core) + last_tail)
            i = end
            continue
        known = _title_word(core)
        out.append(lead + (_cased(known, core) if known and known != core.lower() else core) + tail)
        i += 1
    return " ".join(out)


def name_readings(name: str) -> list[str]:
    """Readings of a language name OCR may have garbled: each word with one confusion undone, and
    two neighbouring words joined (a stray space: "Kar ajá" -> "Karajá"). The name itself is not among them."""
    words = name.split()
    out: list[str] = []
    for k, word in enumerate(words):
        for v in sorted(variants(word)):
            out.append(" ".join([*words[:k], v, *words[k + 1:]]))
    for k in range(len(words) - 1):
        out.append(" ".join([*words[:k], words[k] + words[k + 1], *words[k + 2:]]))
    return [r for r in dict.fromkeys(out) if r != name]

"""Repair two OCR layouts that defeat word-level reading: letter-spaced and word-doubled text.

*Letter-spaced* ("t h e l o c a t i v e c a s e" -> "the locative case"): about one in twenty of
the benchmark's scanned grammars came out of OCR with a space between every letter, so no
word-level cue (order formulas, "case", "negative suffix") can match them. Single spaces then
separate both letters and words, so the word boundaries are lost; they are recovered the way a
reader does, from a vocabulary: each run of short tokens is joined and re-segmented into the most
probable sequence of words (unigram Viterbi). The vocabulary (``grammar_rag/data/english_words.tsv.gz``:
word, count) is built from the chapter texts of WALS Online (CC-BY-4.0), linguistic English, the
register of grammars. Rebuild it with ``python -m grammar_rag.text.ocr_repair --wals-chapters DIR``.

*Word-doubled* ("Word Word order order also also plays plays"): two overlaid text layers of a PDF
give every word twice; the repeated token is dropped.

Only text that shows the layout throughout (a large share of single-letter or repeated tokens) is
touched, so ordinary prose, and reduplication in the language's own words, never change.
"""

from __future__ import annotations

import argparse
import gzip
import html
import math
import re
import sys
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from grammar_rag.atomic import write_gzip_atomic

VOCABULARY_PATH = Path(__file__).resolve().parent.parent / "data" / "english_words.tsv.gz"
MIN_REPEATED_SHARE = 0.3  # share of tokens repeating the one before that marks word-doubled text
_DOUBLING_SAMPLE = 4000
MIN_SINGLE_LETTER_SHARE = 0.3  # share of single-letter tokens that marks letter-spaced text
MIN_TOKENS = 8
MAX_WORD = 20
_UNKNOWN_BASE, _UNKNOWN_PER_CHAR = 18.0, 6.0  # cost of an out-of-vocabulary stretch (nats)
# Runs of short alphabetic tokens within one line (interlinear lines stay apart): "t h e", "n o te d",
# "w ith". Longer words end a run and are kept as they are: a word the vocabulary lacks
# ("illustrative") must not be cut up.
_SHORT_RUN = re.compile(r"(?<!\S)[A-Za-z]{1,3}(?:[ \t]+[A-Za-z]{1,3})+(?!\S)")
MIN_RUN_SINGLE_SHARE = 0.5
_WORD = re.compile(r"[A-Za-z]+")


# OCR reads the digit 1 as the letter l or I (and i, L where case is not told apart) and 0 as O or o
# inside numbers. Where a count is expected ("l2 cases", "1O cases") a two-digit number with one of its
# digits read so is still that number; a letter standing alone ("I cases") is no number.
OCR_NUMERAL = r"(?:[lI][0-9]|[1-9][lIO])"
_DIGIT_FOR = str.maketrans("lIiLOo", "111100")
# a person in a gloss ("1SG", "3PL"), also as OCR reads the 1 of "1SG" ("lSG", "ISG"); not the I of
# "IPFV" or "IMP", which no person-number label follows
PERSON_DIGIT = r"(?:[123]|[lI](?=(?:SG|PL|DU)(?![a-z])))"


def ocr_numeral(token: str) -> int | None:
    """The number ``token`` reads as with OCR's letters for digits undone ("l2" -> 12, "1O" -> 10);
    None unless it holds a digit and otherwise only the letters OCR takes for digits."""
    if not any(ch.isdigit() for ch in token):
        return None
    digits = token.translate(_DIGIT_FOR)
    return int(digits) if digits.isdigit() else None


@lru_cache(maxsize=32768)
def repair(text: str) -> str:
    """``text`` with word doubling undone and letter-spaced runs re-segmented (else unchanged).

    Cached: the reranker and the classifier read the same passages for every feature and
    configuration, and checking a text costs a pass over its tokens."""
    return respace(undouble(text))


def _bare(token: str) -> str:
    return "".join(ch for ch in token.lower() if ch.isalnum())


def is_word_doubled(text: str) -> bool:
    """Whether ``text`` gives most words twice in a row ("order order also also"). A text layer is
    doubled throughout, so its first few thousand characters decide (some "paragraphs" are whole
    tables of contents; reading every token of every passage cost seconds per benchmark pass)."""
    tokens = text[:_DOUBLING_SAMPLE].split()
    if len(tokens) < MIN_TOKENS:
        return False
    return sum(map(str.__eq__, tokens, tokens[1:])) >= MIN_REPEATED_SHARE * len(tokens)


def undouble(text: str) -> str:
    """Drop each token that repeats the one before it, in word-doubled text only. The doubling runs
    across line breaks ("Encoding\\nEncoding grammatical\\ngrammatical"), so such text comes back
    as one line."""
    if not is_word_doubled(text):
        return text
    kept: list[str] = []
    for token in text.split():
        if kept and _bare(token) and _bare(token) == _bare(kept[-1]):
            continue
        kept.append(token)
    return " ".join(kept)


def is_letter_spaced(text: str) -> bool:
    """Whether ``text`` looks letter-spaced: many tokens, a large share of them single letters."""
    tokens = text.split()
    if len(tokens) < MIN_TOKENS:
        return False
    single = sum(1 for t in tokens if len(t) == 1 and t.isalpha())
    return single >= MIN_SINGLE_LETTER_SHARE * len(tokens)


def respace(text: str) -> str:
    """``text`` with letter-spaced runs re-segmented into words; other text is returned unchanged."""
    if not is_letter_spaced(text):
        return text
    return _SHORT_RUN.sub(_respace_run, text)


def _respace_run(match: re.Match[str]) -> str:
    tokens = match.group(0).split()
    if sum(1 for t in tokens if len(t) == 1) < MIN_RUN_SINGLE_SHARE * len(tokens):
        return match.group(0)  # "is in the" in ordinary prose inside a spaced passage
    return " ".join(_segment("".join(tokens)))


@lru_cache(maxsize=4096)
def _segment(letters: str) -> tuple[str, ...]:
    """Most probable split of ``letters`` into vocabulary words (case kept from the input)."""
    costs = _costs()
    low = letters.lower()
    n = len(low)
    best = [0.0] + [math.inf] * n
    back = [0] * (n + 1)
    for j in range(1, n + 1):
        for i in range(max(0, j - MAX_WORD), j):
            cost = costs.get(low[i:j])
            if cost is None:
                cost = _UNKNOWN_BASE + _UNKNOWN_PER_CHAR * (j - i)
            if best[i] + cost < best[j]:
                best[j], back[j] = best[i] + cost, i
    words: list[str] = []
    j = n
    while j > 0:
        words.append(letters[back[j] : j])
        j = back[j]
    return tuple(reversed(words))


@lru_cache(maxsize=1)
def _costs() -> dict[str, float]:
    """Negative log unigram probabilities of the bundled vocabulary."""
    counts = load_vocabulary()
    total = sum(counts.values()) or 1
    return {w: -math.log(c / total) for w, c in counts.items()}


def load_vocabulary(path: Path = VOCABULARY_PATH) -> dict[str, int]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        rows = (line.rstrip("\n").split("\t") for line in fh if line.strip())
        return {word: int(count) for word, count in rows}


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """The bundled vocabulary's words, read once: readers ask per sentence whether a word is English."""
    return frozenset(load_vocabulary())


def build_vocabulary(html_files: Iterable[Path], min_count: int = 2) -> dict[str, int]:
    """Word counts of English prose in HTML pages (WALS chapters): lower-cased alphabetic words of
    2-20 letters seen ``min_count`` times, plus "a" and "i" (other single letters are example labels)."""
    counts: Counter[str] = Counter()
    for path in html_files:
        page = path.read_text(encoding="utf-8", errors="replace")
        page = re.sub(r"<script.*?</script>|<style.*?</style>", " ", page, flags=re.S | re.I)
        counts.update(w.lower() for w in _WORD.findall(html.unescape(re.sub(r"<[^>]+>", " ", page))))
    return {w: c for w, c in sorted(counts.items())
            if (c >= min_count and 2 <= len(w) <= MAX_WORD) or w in ("a", "i")}


def write_vocabulary(counts: dict[str, int], path: Path = VOCABULARY_PATH) -> Path:
    payload = "".join(f"{w}\t{c}\n" for w, c in sorted(counts.items())).encode("utf-8")
    return write_gzip_atomic(path, payload)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Rebuild the vocabulary used to repair letter-spaced OCR text.")
    parser.add_argument("--wals-chapters", required=True, type=Path,
                        help="folder of WALS chapter HTML files (shared/data/wals/chapters)")
    parser.add_argument("--out", type=Path, default=VOCABULARY_PATH)
    args = parser.parse_args(argv)
    files = sorted(args.wals_chapters.glob("*.html"))
    if not files:
        parser.error(f"no *.html files in {args.wals_chapters}")
    counts = build_vocabulary(files)
    write_vocabulary(counts, args.out)
    print(f"{len(counts)} words from {len(files)} chapters -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

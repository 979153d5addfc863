"""Text degraded as OCR degrades it, for robustness checks (books, titles): letters confused and
words split, seeded.

Why one home: ``scripts/ocr_noise_books.py`` degrades whole books for ``bench books`` and
``benchmarks.language_bench --ocr-rate`` degrades title pages; both must make the same noise.
"""

from __future__ import annotations

import random

# what OCR reads a letter as (one way round; "m" -> "rn" below)
CONFUSIONS = {"e": "c", "c": "e", "l": "1", "I": "l", "O": "0", "o": "0", "n": "u", "u": "n", "h": "b"}


def degrade(text: str, rate: float, rng: random.Random) -> str:
    """``text`` with letters confused at ``rate`` per letter, "m" read as "rn" at 0.3 of it and words
    broken by a stray space at half of it."""
    out = []
    for line in text.split("\n"):
        chars = list(line)
        for i, ch in enumerate(chars):
            r = rng.random()
            if r < rate and ch in CONFUSIONS:
                chars[i] = CONFUSIONS[ch]
            elif r < rate * 1.3 and ch == "m":
                chars[i] = "rn"
            elif r < rate * 1.5 and ch.isalpha() and i + 1 < len(chars) and chars[i + 1].isalpha():
                chars[i] = ch + " "
        out.append("".join(chars))
    return "\n".join(out)

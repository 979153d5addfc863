"""The surface shape of a translation: detokenised, with the source's capital and final stop.

What a word is (tokens, stems, stop words of both languages) lives in
:mod:`grammar_rag.text.tokens`; this module only puts produced words back into a sentence.
"""

from __future__ import annotations

import re

_SPACE_RE = re.compile(r"\s+")


def match_surface(output: str, source: str) -> str:
    """Give ``output`` the sentence shape of ``source``: initial capital, final punctuation."""
    output = output.strip()
    if not output:
        return output
    src = source.strip()
    if src[:1].isupper():
        output = output[:1].upper() + output[1:]
    end = src[-1:] if src[-1:] in ".?!" else ""
    if end and output[-1:] not in ".?!":
        output += end
    return output


def detokenise(tokens: list[str]) -> str:
    text = " ".join(t for t in tokens if t)
    text = re.sub(r"\s+([.,!?;:])", r"\1", text)
    return _SPACE_RE.sub(" ", text).strip()

"""Token budget for one prompt: evidence is what gives way, never the task instructions.

A prompt is (instructions, guideline, numbered passages). When it does not fit the model's context,
the lowest-ranked passages are dropped first and the last one kept is cut at a token boundary; the
instructions (question, closed value list, answer format) are never shortened, because a prompt
without them yields unparseable or off-list answers, which are worse than less evidence.

Counting uses the backend's own tokenizer when it has one (``count_tokens``), else a conservative
character estimate (English grammar prose runs at ~4 characters per token for BPE vocabularies; we
assume 3 so that the estimate errs towards fitting).

Counts and cuts are memoised per budget: a batch repeats the same guideline (one per feature) and
the same passages (plain and +CoT configurations) for every grammar, and with a real tokenizer each
count is an encode. A cut lands on the token that the tokenizer's offsets name (``token_ends``),
checked with one encode, or else is searched from the proportional guess. Without these, building
the 3,813 prompts of the benchmark took 4 minutes on the GPU server before vLLM generated anything.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

CHARS_PER_TOKEN_ESTIMATE = 3.0
DEFAULT_MAX_PROMPT_TOKENS = 6000
MIN_PASSAGE_TOKENS = 24  # a shorter tail of a cut passage carries no usable evidence
K = TypeVar("K")
V = TypeVar("V")
MEMO_ENTRIES = 1 << 16  # texts whose counts are kept (passages are ~1 kB: tens of MB at most)


def _longest_fitting_prefix(fits: Callable[[int], bool], length: int, guess: int, step: int = 16) -> int:
    """Largest ``n`` in [0, length] with ``fits(n)``, for ``fits`` monotone (true up to the answer).

    A plain bisection costs log2(length) encodes; text of one kind has a steady characters-per-token
    ratio, so the proportional ``guess`` is within a few tokens: gallop from it to bracket the answer,
    then bisect the small bracket. Same answer, in fewer encodes than bisecting every character.
    """
    lo, hi = 0, length  # fits(0) is taken as true: the empty prefix
    guess = min(max(guess, 1), length)
    if fits(guess):
        lo = guess
        while lo + step <= hi:
            if not fits(lo + step):
                hi = lo + step - 1
                break
            lo, step = lo + step, step * 2
    else:
        hi = guess - 1
        while hi - step > lo:
            if fits(hi - step):
                lo = hi - step
                break
            hi, step = hi - step - 1, step * 2
    while lo < hi:  # bisect the bracket: tokenizers are monotone enough on prefixes
        mid = (lo + hi + 1) // 2
        if fits(mid):
            lo = mid
        else:
            hi = mid - 1
    return lo


def _remember(memo: dict[K, V], key: K, compute: Callable[[], V]) -> V:
    """``memo[key]``, computing it on a miss; a full memo is cleared rather than grown."""
    value = memo.get(key)
    if value is None:
        if len(memo) >= MEMO_ENTRIES:
            memo.clear()
        value = memo[key] = compute()
    return value


def approx_tokens(text: str) -> int:
    """Upper-leaning token estimate for when no tokenizer is at hand."""
    return math.ceil(len(text) / CHARS_PER_TOKEN_ESTIMATE)


@dataclass
class TokenBudget:
    """``max_prompt_tokens`` is what the whole prompt may use (context window minus the reply)."""

    max_prompt_tokens: int = DEFAULT_MAX_PROMPT_TOKENS
    count: Callable[[str], int] = approx_tokens
    overhead_tokens: int = 48  # chat template, separators, system prompt framing
    # end offset (characters) of each token of a text, when the tokenizer reports offsets: a cut
    # then lands on the right token with one check instead of a search (None: not available)
    token_ends: Callable[[str], list[int] | None] | None = None
    _counts: dict[str, int] = field(default_factory=dict, repr=False, compare=False)
    _cuts: dict[tuple[str, int, str], str] = field(default_factory=dict, repr=False, compare=False)

    def tokens(self, text: str) -> int:
        """``count(text)``, computed once per distinct text (the memo is cleared when full)."""
        return _remember(self._counts, text, lambda: self.count(text))

    @classmethod
    def for_context(
        cls, context_tokens: int, reply_tokens: int, count: Callable[[str], int] | None = None
    ) -> TokenBudget:
        return cls(max(context_tokens - reply_tokens, 1), count or approx_tokens)

    def available(self, *fixed_parts: str, separator: str = "\n\n") -> int:
        """Tokens left for evidence once the fixed (never-cut) parts, joined by ``separator``, are in.

        Parts are counted one by one so that the long ones that repeat across a batch (the guideline,
        the answer options) come from the memo; only the short grammar-specific task line is new.
        """
        parts = [p for p in fixed_parts if p]
        used = sum(self.tokens(p) for p in parts) + self.tokens(separator) * max(len(parts) - 1, 0)
        return self.max_prompt_tokens - self.overhead_tokens - used

    def truncate(self, text: str, max_tokens: int, marker: str = " [...]") -> str:
        """Longest prefix of ``text`` (cut at a word boundary) that, with ``marker``, fits ``max_tokens``."""
        return _remember(self._cuts, (text, max_tokens, marker), lambda: self._truncate(text, max_tokens, marker))

    def _truncate(self, text: str, max_tokens: int, marker: str) -> str:
        if self.tokens(text) <= max_tokens:
            return text
        lo = self._cut_length(text, max_tokens, marker)
        cut = text[:lo]
        space = cut.rfind(" ")
        if lo < len(text) and not text[lo].isspace() and space > lo * 0.8:  # mid-word: back to a space
            cut = cut[:space]
        return cut.rstrip() + marker if cut else ""

    def _cut_length(self, text: str, max_tokens: int, marker: str) -> int:
        """Characters of ``text`` that fit ``max_tokens`` with ``marker`` appended."""
        def fits(n: int) -> bool:
            return self.count(text[:n] + marker) <= max_tokens  # prefixes rarely repeat: no memo

        guess = len(text) * max_tokens // self.tokens(text)
        ends = self.token_ends(text) if self.token_ends is not None else None
        if ends:
            keep = min(max_tokens - self.tokens(marker), len(ends))
            if keep > 0:
                if fits(ends[keep - 1]):  # one check: the marker could merge with the last token
                    return ends[keep - 1]
                guess = ends[keep - 1]
        return _longest_fitting_prefix(fits, len(text), guess=guess)

    def fit_blocks(
        self, blocks: list[str], available: int, separator: str = "\n\n"
    ) -> tuple[list[str], bool]:
        """Keep ``blocks`` (best first) while they fit ``available`` tokens; cut the last one kept.

        Returns the kept blocks and whether anything was dropped or cut.
        """
        kept: list[str] = []
        left = available
        sep_cost = self.tokens(separator) if blocks else 0
        for block in blocks:
            cost = self.tokens(block) + sep_cost
            if cost <= left:
                kept.append(block)
                left -= cost
                continue
            if left - sep_cost >= MIN_PASSAGE_TOKENS:
                cut = self.truncate(block, left - sep_cost)
                if cut:
                    kept.append(cut)
            return kept, True
        return kept, False

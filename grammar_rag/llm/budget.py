"""Token budget for one prompt: evidence is what gives way, never the task instructions.

A prompt is (instructions, guideline, numbered passages). When it does not fit the model's context,
the lowest-ranked passages are dropped first and the last one kept is cut at a token boundary; the
instructions (question, closed value list, answer format) are never shortened, because a prompt
without them yields unparseable or off-list answers, which are worse than less evidence.

Counting uses the backend's own tokenizer when it has one (``count_tokens``), else a conservative
character estimate (English grammar prose runs at ~4 characters per token for BPE vocabularies; we
assume 3 so that the estimate errs towards fitting).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

CHARS_PER_TOKEN_ESTIMATE = 3.0
DEFAULT_MAX_PROMPT_TOKENS = 6000
MIN_PASSAGE_TOKENS = 24  # a shorter tail of a cut passage carries no usable evidence


def approx_tokens(text: str) -> int:
    """Upper-leaning token estimate for when no tokenizer is at hand."""
    return math.ceil(len(text) / CHARS_PER_TOKEN_ESTIMATE)


@dataclass
class TokenBudget:
    """``max_prompt_tokens`` is what the whole prompt may use (context window minus the reply)."""

    max_prompt_tokens: int = DEFAULT_MAX_PROMPT_TOKENS
    count: Callable[[str], int] = approx_tokens
    overhead_tokens: int = 48  # chat template, separators, system prompt framing

    @classmethod
    def for_context(
        cls, context_tokens: int, reply_tokens: int, count: Callable[[str], int] | None = None
    ) -> TokenBudget:
        return cls(max(context_tokens - reply_tokens, 1), count or approx_tokens)

    def available(self, fixed_text: str) -> int:
        """Tokens left for evidence once the fixed (never-cut) text is in."""
        return self.max_prompt_tokens - self.overhead_tokens - self.count(fixed_text)

    def truncate(self, text: str, max_tokens: int, marker: str = " [...]") -> str:
        """Longest prefix of ``text`` (cut at a word boundary) that, with ``marker``, fits ``max_tokens``."""
        if self.count(text) <= max_tokens:
            return text
        lo, hi = 0, len(text)
        while lo < hi:  # binary search on characters: tokenizers are monotone enough on prefixes
            mid = (lo + hi + 1) // 2
            if self.count(text[:mid] + marker) <= max_tokens:
                lo = mid
            else:
                hi = mid - 1
        cut = text[:lo]
        space = cut.rfind(" ")
        if space > lo * 0.8:
            cut = cut[:space]
        return cut.rstrip() + marker if cut else ""

    def fit_blocks(
        self, blocks: list[str], available: int, separator: str = "\n\n"
    ) -> tuple[list[str], bool]:
        """Keep ``blocks`` (best first) while they fit ``available`` tokens; cut the last one kept.

        Returns the kept blocks and whether anything was dropped or cut.
        """
        kept: list[str] = []
        left = available
        sep_cost = self.count(separator) if blocks else 0
        for block in blocks:
            cost = self.count(block) + sep_cost
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

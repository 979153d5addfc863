"""Self-consistency: the confidence of an LLM answer when the backend gives no probabilities.

Why: a server without log-probabilities (some hosted APIs, some local servers) still samples. Asked
``k`` times at a temperature above zero, a model that is sure repeats itself; the share of samples
agreeing with the answer given is a (coarse, k+1-valued) probability-like confidence, which a
per-model calibration map can then correct. The samples are read exactly as the first answer was
(closed-set option, or the "Conclusion:" line); a sample that names no option counts against.
All samples go to the backend as one batch per closed set.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from grammar_rag.llm.base import LLMBackend
from grammar_rag.llm.confidence import agreement_share
from grammar_rag.llm.parse import match_choice, parse_reply
from grammar_rag.llm.prompts import SYSTEM_PROMPT, BuiltPrompt

ConfidenceSource = Literal["auto", "logprobs", "consistency", "fixed"]
CONFIDENCE_SOURCES: tuple[str, ...] = ("auto", "logprobs", "consistency", "fixed")
CHOICE_SAMPLE_TOKENS = 64


def read_sample(prompt: BuiltPrompt, reply: str) -> str | None:
    """The option one sampled reply names (None: none, or ambiguous)."""
    if prompt.mode == "choice":
        return match_choice(reply, prompt.choices, prompt.feature)
    return parse_reply(reply, prompt.choices, len(prompt.passages), prompt.feature).value


def sample_agreement(backend: LLMBackend, prompts: Sequence[BuiltPrompt], answers: Sequence[str], *,
                     samples: int, temperature: float, max_tokens: int) -> list[float]:
    """For each prompt, the share of ``samples`` replies sampled at ``temperature`` that name the
    same option as ``answers[i]``."""
    groups: dict[tuple[str, tuple[str, ...]], list[int]] = {}
    for i, p in enumerate(prompts):
        groups.setdefault((p.mode, tuple(p.choices) if p.mode == "choice" else ()), []).append(i)
    shares = [0.0] * len(prompts)
    for (mode, choices), idx in groups.items():
        texts = [prompts[i].text for i in idx for _ in range(samples)]
        replies = backend.generate(
            texts,
            choices=list(choices) if mode == "choice" else None,
            max_tokens=CHOICE_SAMPLE_TOKENS if mode == "choice" else max_tokens,
            temperature=temperature,
            system=SYSTEM_PROMPT,
        )
        if len(replies) != len(texts):
            raise ValueError(f"backend returned {len(replies)} replies for {len(texts)} sampled prompts")
        for n, i in enumerate(idx):
            got = [read_sample(prompts[i], r) for r in replies[n * samples:(n + 1) * samples]]
            shares[i] = agreement_share(answers[i], got)
    return shares

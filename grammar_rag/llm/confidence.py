"""Confidence of an LLM answer over a closed set, from what the model itself says (issue 22).

Why here: every backend answers in its own way, but there are only three honest sources of a
probability that the chosen option is the model's pick, and each has one home:

* **label likelihood** (``local``: each option's tokens scored after the prompt) ->
  :func:`softmax` of the options' log-probabilities;
* **token log-probabilities of the reply** (vLLM, OpenAI-compatible servers with ``logprobs`` and
  ``top_logprobs``) -> :func:`option_probabilities`: the probability mass the model put on each
  option, read from the alternatives at the tokens where the options part ways;
* **self-consistency** (no log-probabilities at all) -> :func:`agreement_share`: the share of
  ``k`` sampled answers (temperature > 0) that agree with the answer given.

None of these is calibrated: a model's probability is not how often it is right. A calibration map
per model (:mod:`grammar_rag.classify.llm_calibration`) turns it into one; until a map is fitted
on that model's labelled answers the probability is shown as what it is.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class TokenLogprob:
    """One generated token, its log-probability and the server's top alternatives at that step."""

    token: str
    logprob: float
    top: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"token": self.token, "logprob": self.logprob, "top": self.top}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TokenLogprob:
        return cls(str(data["token"]), float(data["logprob"]),
                   {str(k): float(v) for k, v in (data.get("top") or {}).items()})


@dataclass(frozen=True)
class Completion:
    """A reply with its token log-probabilities (None: the server returned none).

    ``text`` is what :meth:`generate` returns (the option, for a closed set); ``raw`` the content
    as the tokens spell it where that differs (e.g. the JSON of a schema-constrained reply)."""

    text: str
    tokens: list[TokenLogprob] | None = None
    raw: str | None = None

    @property
    def spelled(self) -> str:
        return self.text if self.raw is None else self.raw

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "raw": self.raw,
                "tokens": None if self.tokens is None else [t.to_dict() for t in self.tokens]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Completion:
        tokens = data.get("tokens")
        raw = data.get("raw")
        return cls(str(data["text"]), None if tokens is None else [TokenLogprob.from_dict(t) for t in tokens],
                   None if raw is None else str(raw))


def softmax(scores: dict[str, float]) -> dict[str, float]:
    """Probabilities over the options from their log-likelihoods (label-likelihood backends)."""
    top = max(scores.values())
    exp = {k: math.exp(v - top) for k, v in scores.items()}
    total = sum(exp.values())
    return {k: v / total for k, v in exp.items()}


def tokens_from_openai(logprobs: Any) -> list[TokenLogprob] | None:
    """``choices[0].logprobs`` of an OpenAI-style chat completion -> tokens (None when absent)."""
    content = logprobs.get("content") if isinstance(logprobs, dict) else None
    if not isinstance(content, list) or not content:
        return None
    out: list[TokenLogprob] = []
    for item in content:
        if not isinstance(item, dict) or "token" not in item or item.get("logprob") is None:
            return None
        top: dict[str, float] = {}
        for alt in item.get("top_logprobs") or []:
            if isinstance(alt, dict) and alt.get("logprob") is not None:
                tok = str(alt.get("token", ""))
                top[tok] = max(top.get(tok, -math.inf), float(alt["logprob"]))
        out.append(TokenLogprob(str(item["token"]), float(item["logprob"]), top))
    return out


def _consistent(option: str, text: str) -> bool:
    """Whether ``text`` (what follows the answer's start) can be, or begins with, ``option``."""
    return option.startswith(text) or (text.startswith(option) and not text[len(option):len(option) + 1].isalnum())


def option_probabilities(completion: Completion, choices: Sequence[str], answer: str,
                         start: int | None = None) -> dict[str, float] | None:
    """Probability of each option given the reply's token log-probabilities, or None.

    ``answer`` is the option the reply gave, found at character ``start`` of the reply (default:
    its last case-insensitive occurrence). Servers report the model's own (unconstrained)
    probabilities, so each step is conditioned on continuing towards *some* option, as a
    closed-set decoder does: among the step's top alternatives, only tokens that continue an
    option still possible count, and they are renormalised. Walking the tokens that spell the
    answer, the path's probability is multiplied out; each alternative gives the options it
    leads to the path's mass times its conditional probability (split evenly when it is a common
    prefix of several). An option whose diverging token is not among the top alternatives gets
    the smallest listed probability: an upper bound, so the answer's share is a conservative
    estimate.

    None when the server sent no log-probabilities or the tokens do not spell the reply (the
    caller then falls back to self-consistency).
    """
    tokens = completion.tokens
    if not tokens or "".join(t.token for t in tokens) != completion.spelled:
        return None
    text = completion.spelled.lower()
    opts = {c.lower(): c for c in choices}
    chosen = answer.lower()
    if chosen not in opts:
        return None
    if start is None:
        start = text.rfind(chosen)
    if start < 0 or text[start:start + len(chosen)] != chosen:
        return None
    end = start + len(chosen)
    mass = dict.fromkeys(opts, 0.0)
    live = set(opts)
    path = 1.0
    pos = 0
    for tok in tokens:
        s, e = pos, pos + len(tok.token)
        pos = e
        if e <= start:
            continue
        if s >= end:
            break
        lead = text[s:start] if s < start else ""
        prefix = text[start:s] if s > start else ""
        chosen_tok = tok.token.lower()
        shares: list[tuple[float, list[str]]] = []  # (probability, options it leads to) per alternative
        covered: set[str] = set()
        for alt, lp in tok.top.items():
            alt_l = alt.lower()
            if alt_l == chosen_tok or not alt_l.startswith(lead) or len(alt_l) == len(lead):
                continue
            targets = [o for o in live if _consistent(o, prefix + alt_l[len(lead):])]
            if targets:
                shares.append((math.exp(lp), targets))
                covered.update(targets)
        nxt = {o for o in live if _consistent(o, prefix + chosen_tok[len(lead):])}
        floor = math.exp(min([*tok.top.values(), tok.logprob]))
        shares.extend((floor, [o]) for o in sorted(live - nxt - covered))
        p_chosen = math.exp(tok.logprob)
        # condition on continuing towards *some* option: what a closed-set decoder samples from
        z = p_chosen + sum(p for p, _ in shares)
        for p, targets in shares:
            for o in targets:
                mass[o] += path * p / z / len(targets)
        path *= p_chosen / z
        live = nxt
    mass[chosen] += path
    total = sum(mass.values())
    if total <= 0.0:
        return None
    return {opts[o]: m / total for o, m in mass.items()}


def agreement_share(answer: str, samples: Sequence[str | None]) -> float:
    """Self-consistency: the share of sampled answers equal to ``answer`` (an unreadable sample
    counts against it). 0.0 without samples."""
    if not samples:
        return 0.0
    return sum(1 for s in samples if s == answer) / len(samples)

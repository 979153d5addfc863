"""LLM confidence (issue 22): option probabilities from reply log-probabilities, self-consistency,
per-model calibration maps, and selective answering in the LLM classifier. The real-server check
(llama.cpp serving SmolLM2 over HTTP) is in ``tests/test_llm_local.py``."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from grammar_rag.classify import calibration, llm_calibration
from grammar_rag.classify.calibration import Point
from grammar_rag.classify.llm_classifier import LLMClassifier
from grammar_rag.classify.llm_consistency import sample_agreement
from grammar_rag.features import get_catalogue
from grammar_rag.llm.confidence import (
    Completion,
    TokenLogprob,
    agreement_share,
    option_probabilities,
    softmax,
    tokens_from_openai,
)
from grammar_rag.llm.fake import FakeBackend
from grammar_rag.llm.prompts import BuiltPrompt
from grammar_rag.types import NOT_ENOUGH_INFO, Grammar, Passage, ScoredPassage

LN = math.log
GRAMMAR = Grammar(id="toe2001grammar", title="Testish grammar", language="Testish")
PASSAGES = [ScoredPassage(Passage(GRAMMAR.id, "p1", "Testish is verb-final: SOV (p. 88).", page_start="88"), 1.0, 1)]


def _tok(token: str, p: float, **alts: float) -> TokenLogprob:
    return TokenLogprob(token, LN(p), {token: LN(p), **{k: LN(v) for k, v in alts.items()}})


def test_probabilities_condition_on_the_options_where_they_part_ways() -> None:
    # "S" shared by SOV and SVO; at step 2 the model put 0.3 on "O" (SOV) and 0.1 on "V" (SVO);
    # at step 1, "VSO" had 0.2 and "The" (no option) 0.5, which must drop out
    tokens = [_tok("S", 0.2, VSO=0.2, The=0.5), _tok("O", 0.3, V=0.1, X=0.6), _tok("V", 0.9)]
    probs = option_probabilities(Completion("SOV", tokens), ["SOV", "SVO", "VSO"], "SOV")
    assert probs is not None and sum(probs.values()) == pytest.approx(1.0)
    # step 1 among option tokens: S 0.5, VSO 0.5; step 2 among S-continuations: O 0.75, V 0.25
    assert probs["VSO"] == pytest.approx(0.5)
    assert probs["SVO"] == pytest.approx(0.5 * 0.25)
    assert probs["SOV"] == pytest.approx(0.5 * 0.75)


def test_missing_alternative_gets_the_floor_and_answer_is_found_after_the_conclusion() -> None:
    text = "Passage [1] says so.\nConclusion: yes"
    tokens = [TokenLogprob(t, LN(0.9), {t: LN(0.9)}) for t in ("Passage [1] says so.\n", "Conclusion:", " ")]
    tokens.append(TokenLogprob("yes", LN(0.6), {"yes": LN(0.6), "maybe": LN(0.3), "Yes": LN(0.05)}))
    probs = option_probabilities(Completion(text, tokens), ["yes", "no"], "yes")
    assert probs is not None
    # "no" is not among the top alternatives: it gets the smallest listed (0.05), an upper bound;
    # "Yes" is the answer's own token in another casing (not counted twice); "maybe" leads nowhere
    assert probs["no"] == pytest.approx(0.05 / (0.6 + 0.05))
    assert probs["yes"] == pytest.approx(0.6 / 0.65)


def test_no_probabilities_when_tokens_do_not_spell_the_reply() -> None:
    assert option_probabilities(Completion("SOV", None), ["SOV", "SVO"], "SOV") is None
    assert option_probabilities(Completion("SOV", [_tok("SV", 0.5)]), ["SOV", "SVO"], "SOV") is None
    # a JSON-schema reply: the option inside the raw JSON
    raw = '{"answer": "SVO"}'
    toks = [_tok('{"answer": "', 0.99), _tok("SVO", 0.6, SOV=0.2), _tok('"}', 0.99)]
    probs = option_probabilities(Completion("SVO", toks, raw=raw), ["SOV", "SVO"], "SVO")
    assert probs == pytest.approx({"SVO": 0.75, "SOV": 0.25})


def test_openai_logprobs_payload_and_softmax() -> None:
    body = {"content": [{"token": "1", "logprob": -0.1, "top_logprobs": [{"token": "1", "logprob": -0.1},
                                                                          {"token": "0", "logprob": -2.4}]}]}
    toks = tokens_from_openai(body)
    assert toks == [TokenLogprob("1", -0.1, {"1": -0.1, "0": -2.4})]
    assert tokens_from_openai(None) is None and tokens_from_openai({"content": []}) is None
    assert softmax({"a": 0.0, "b": 0.0}) == {"a": 0.5, "b": 0.5}
    assert Completion.from_dict(Completion("1", toks, raw=None).to_dict()) == Completion("1", toks)


class ScriptedSampler:
    """A client whose sampled replies are fixed in advance (for the counting logic only)."""

    name = "scripted"
    model = "scripted-1"

    def __init__(self, replies: list[str]) -> None:
        self.replies = replies
        self.calls: list[dict[str, Any]] = []

    def generate(self, prompts: list[str], *, choices: list[str] | None = None, max_tokens: int = 512,
                 temperature: float = 0.0, system: str | None = None) -> list[str]:
        self.calls.append({"n": len(prompts), "temperature": temperature, "choices": choices})
        if temperature == 0.0:
            return [self.replies[0] for _ in prompts]
        return [self.replies[i % len(self.replies)] for i in range(len(prompts))]


def test_self_consistency_counts_agreeing_samples() -> None:
    gb107 = get_catalogue().get("GB107")
    prompts = [BuiltPrompt("q1", gb107, ["0", "1"], [], mode="choice"),
               BuiltPrompt("q2", gb107, ["0", "1"], [], mode="choice")]
    client = ScriptedSampler(["1", "0", "1", "one", "1"])  # per prompt: 1, 0, 1, unreadable, 1
    shares = sample_agreement(client, prompts, ["1", "0"], samples=5, temperature=0.7, max_tokens=8)
    assert shares == [pytest.approx(3 / 5), pytest.approx(1 / 5)]
    assert client.calls == [{"n": 10, "temperature": 0.7, "choices": ["0", "1"]}]  # one batch
    assert agreement_share("a", []) == 0.0 and agreement_share("a", ["a", None]) == 0.5


def test_classifier_falls_back_to_self_consistency_and_abstains_below_target() -> None:
    gb107 = get_catalogue().get("GB107")
    client = ScriptedSampler(["1", "1", "0", "0", "0"])  # greedy "1"; 2 of 5 samples agree
    clf = LLMClassifier(client, mode="choice", cache=False, samples=5)
    pred = clf.classify(gb107, PASSAGES, GRAMMAR)
    assert "confidence:self-consistency" in pred.flags and "model-probability" in pred.flags
    assert pred.abstained and "below-threshold" in pred.flags and pred.confidence == pytest.approx(0.4)
    assert "would answer 1" in pred.reasoning and "uncalibrated model probability 40%" in pred.reasoning
    raw = LLMClassifier(client, mode="choice", cache=False, samples=5, calibrate=False).classify(gb107, PASSAGES, GRAMMAR)
    assert raw.value == "1" and raw.confidence == pytest.approx(0.4) and "below-threshold" not in raw.flags
    lenient = LLMClassifier(client, mode="choice", cache=False, samples=5, min_precision=0.4)
    assert lenient.classify(gb107, PASSAGES, GRAMMAR).value == "1"


class LogprobFake(FakeBackend):
    """The literal fake, plus token log-probabilities that put ``share`` on its answer."""

    def __init__(self, share: float) -> None:
        super().__init__()
        self.share = share

    def generate_with_logprobs(self, prompts: list[str], **kw: Any) -> list[Completion]:
        out = []
        for prompt, reply in zip(prompts, self.generate(prompts, **kw), strict=True):
            last = reply.rsplit(" ", 1)[-1]
            head = reply[: len(reply) - len(last)]
            others = [o for o in self.options(prompt) if o != last]
            top = {last: LN(self.share), **{o: LN((1 - self.share) / len(others)) for o in others}}
            out.append(Completion(reply, [TokenLogprob(head, 0.0, {}), TokenLogprob(last, LN(self.share), top)]))
        return out


def test_reason_mode_confidence_from_logprobs_keeps_evidence_when_abstaining() -> None:
    f81 = get_catalogue().get("WALS 81A")
    sure = LLMClassifier(LogprobFake(0.95), cache=False).classify(f81, PASSAGES, GRAMMAR)
    assert sure.value == "SOV" and sure.confidence == pytest.approx(0.95) and "confidence:logprobs" in sure.flags
    unsure = LLMClassifier(LogprobFake(0.6), cache=False).classify(f81, PASSAGES, GRAMMAR)
    assert unsure.abstained and unsure.value == NOT_ENOUGH_INFO and unsure.confidence == pytest.approx(0.6)
    assert unsure.evidence and unsure.evidence[0].pages == "88"  # where to read
    fixed = LLMClassifier(FakeBackend(), cache=False).classify(f81, PASSAGES, GRAMMAR)
    assert "confidence:fixed" in fixed.flags and not fixed.abstained  # fixed tiers are never thresholded


def _synthetic_points(n: int = 200) -> list[Point]:
    """Answers whose rightness rises with the score; grammars outside the lock-box."""
    grammars = [g for g in (f"syn{i}grammar" for i in range(400)) if not calibration.in_lockbox(g)][:40]
    pts = []
    for i in range(n):
        score = (i % 50) / 50
        pts.append(Point(grammars[i % len(grammars)], "word-order", score, float((i * 7919) % 100 < score * 100)))
    return pts


def test_model_map_fits_saves_and_applies(tmp_path: Path) -> None:
    maps = llm_calibration.fit_model(_synthetic_points())
    m = maps["word-order"]
    assert m(0.05) < m(0.5) < m(0.95) and m(0.0) >= 0.0 and m(1.0) <= 1.0
    with pytest.raises(ValueError, match="lock-box"):
        box = next(g for g in (f"b{i}" for i in range(100)) if calibration.in_lockbox(g))
        llm_calibration.fit_model([Point(box, "word-order", 0.5, 1.0)])
    label = "openai:Some/Model-7B"
    path = llm_calibration.save_model(label, maps, {"source": "synthetic"}, root=tmp_path)
    assert path.name == "openai_Some_Model-7B.json"
    f81 = get_catalogue().get("WALS 81A")
    verdict, fitted = llm_calibration.judge(label, f81, 0.95, root=tmp_path)
    assert fitted and verdict.confidence == pytest.approx(m(0.95))
    verdict, fitted = llm_calibration.judge("openai:unfitted", f81, 0.9, root=tmp_path)
    assert not fitted and verdict.confidence == 0.9 and verdict.answer  # identity, above 81A's target
    below = calibration.target_precision("word-order") - 0.01
    assert not llm_calibration.judge("openai:unfitted", f81, below, root=tmp_path)[0].answer

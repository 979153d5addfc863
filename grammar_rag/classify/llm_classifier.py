"""``llm`` classifier: Appendix-E prompts over retrieved passages, answered by any LLM backend.

Two answer modes (``mode``; default from the backend):

* ``reason`` (HTTP / vLLM default) — the paper's format: reasoning that cites passage numbers, then
  "Conclusion: <option>". Cited passages become :class:`Evidence` with their pages and the quoted
  sentence. When a reply names no option, a second, closed-set-decoded turn asks for the option
  only (flag ``answer-from-followup``); if that also fails the prediction is flagged
  ``unparseable``: value NOT_ENOUGH_INFO, confidence 0, raw reply kept (the benchmark scores it as
  the feature's first value). A reply is never silently turned into a confident value.
* ``choice`` (local SmolLM2 default) — the option only, by label likelihood where the backend can
  score (confidence = the option's probability among the options) or closed-set decoding. No
  reasoning, so no citations.

Configurations map onto the inputs: *baseline* = no passages; ``+CoT`` = the feature's guideline
(``use_guideline=True``, the default; pass ``use_guideline=False`` or a feature whose guideline is
empty for the plain configuration).

``classify_many`` builds every prompt first and sends them to the backend in batches (vLLM runs a
batch as one engine call, the HTTP backend in parallel); replies are cached by prompt hash, so an
interrupted benchmark resumes where it stopped.

Confidence (``confidence="auto"``, issue 22) is the model's own probability for its answer, from
the best source the backend offers (:mod:`grammar_rag.llm.confidence`): label likelihood
(``local``), else the reply's token log-probabilities (OpenAI-compatible servers, ``vllm serve``),
else self-consistency: the share of ``samples`` answers sampled at ``sample_temperature`` that agree
(:mod:`.llm_consistency`). A deterministic test double is never sampled; ``confidence="fixed"``
keeps the old tiers (0.7 conclusion with citations, 0.5 without, 0.4 from the follow-up turn),
which are not probabilities and are never thresholded. With ``calibrate`` (default) a model-derived
confidence goes through the model's calibration map and an answer below its family's target
precision becomes an abstention that keeps its evidence (:mod:`.llm_calibration`); benchmarks run
with ``calibrate=False`` and fit maps out of sample.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from tqdm import tqdm

from grammar_rag.classify import llm_calibration
from grammar_rag.classify.base import CLASSIFIERS, ClassifyItem, with_reading_list
from grammar_rag.classify.llm_consistency import CONFIDENCE_SOURCES, ConfidenceSource, sample_agreement
from grammar_rag.classify.meta_text import instruction_flags
from grammar_rag.llm.base import BACKENDS, LLMBackend, supports_logprobs, supports_scoring, unwrap
from grammar_rag.llm.budget import DEFAULT_MAX_PROMPT_TOKENS, TokenBudget, approx_tokens
from grammar_rag.llm.cache import CachedBackend
from grammar_rag.llm.confidence import Completion, option_probabilities, softmax
from grammar_rag.llm.config import LLMSettings
from grammar_rag.llm.parse import ParsedAnswer, evidence_from_citations, match_choice, parse_reply
from grammar_rag.llm.prompts import (
    PROMPT_VERSION,
    SYSTEM_PROMPT,
    BuiltPrompt,
    Mode,
    PromptOptions,
    build_prompts,
    followup_prompt,
)
from grammar_rag.types import NOT_ENOUGH_INFO, Evidence, Feature, Grammar, Prediction, ScoredPassage

log = logging.getLogger(__name__)

DEFAULT_REPLY_TOKENS = 768
CHOICE_REPLY_TOKENS = 64
_POSITIVE = {"1", "yes", "present", "true"}


@dataclass
class _Answer:
    """The outcome for one prompt (one feature, or one component of a composite)."""

    value: str
    confidence: float
    reasoning: str = ""
    raw: str = ""
    evidence: list[Evidence] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    source: str = ""  # where ``confidence`` came from: label-likelihood, logprobs, self-consistency, fixed


def _chunks(seq: list[int], size: int) -> Iterator[list[int]]:
    for i in range(0, len(seq), size):
        yield seq[i : i + size]


class LLMClassifier:
    """Implements :class:`grammar_rag.classify.base.Classifier` over any registered LLM backend."""

    name = "llm"

    def __init__(
        self,
        backend: str | LLMBackend = "openai",
        *,
        mode: Mode | None = None,
        use_guideline: bool = True,
        allow_abstain: bool = False,
        max_prompt_tokens: int | None = None,
        max_guideline_tokens: int | None = None,
        max_tokens: int = DEFAULT_REPLY_TOKENS,
        temperature: float = 0.0,
        cache: bool | None = None,
        batch_size: int = 32,
        progress: bool | None = None,
        confidence: ConfidenceSource = "auto",
        samples: int = 5,
        sample_temperature: float = 0.7,
        calibrate: bool = True,
        min_precision: float | None = None,
        **backend_options: Any,
    ) -> None:
        """``confidence``: "auto" (label likelihood, else logprobs, else self-consistency),
        "logprobs", "consistency" or "fixed"; ``samples`` answers at ``sample_temperature`` for
        self-consistency; ``calibrate`` False gives the model's raw probability and never abstains
        on it; ``min_precision`` None = each family's default target."""
        if confidence not in CONFIDENCE_SOURCES:
            raise ValueError(f"confidence must be one of {CONFIDENCE_SOURCES}, not {confidence!r}")
        settings = LLMSettings.resolve(max_prompt_tokens=max_prompt_tokens, cache=cache)
        if isinstance(backend, str):
            options = {k: v for k, v in backend_options.items() if v is not None}
            backend = BACKENDS.create(backend, **options)
        self.inner = backend
        self.backend: LLMBackend = (
            CachedBackend(backend, namespace=PROMPT_VERSION) if settings.cache else backend
        )
        self.mode: Mode = cast(Mode, mode or getattr(unwrap(backend), "default_mode", "reason"))
        self.options = PromptOptions(
            use_guideline=use_guideline,
            mode=self.mode,
            allow_abstain=allow_abstain,
            max_guideline_tokens=max_guideline_tokens,
        )
        self.max_tokens = max_tokens if self.mode == "reason" else CHOICE_REPLY_TOKENS
        self.temperature = temperature
        self.batch_size = max(1, batch_size)
        self.progress = progress
        self.confidence: ConfidenceSource = confidence
        self.samples = max(1, int(samples))
        self.sample_temperature = sample_temperature if sample_temperature > 0 else 0.7
        self.calibrate = calibrate
        self.min_precision = min_precision
        self.budget = self._budget(settings.max_prompt_tokens)
        self.label = f"{unwrap(backend).name}:{unwrap(backend).model}"
        self.prompt_version = PROMPT_VERSION
        # what determines a prediction besides the input: benchmarks key their caches on it
        self.version = (f"{PROMPT_VERSION}|{self.label}|{self.mode}|budget={self.budget.max_prompt_tokens}"
                        f"|conf={confidence}" + (f"x{self.samples}" if confidence in ("auto", "consistency") else "")
                        + (f"|cal-p{min_precision}" if calibrate else "|raw"))

    def _budget(self, explicit: int | None) -> TokenBudget:
        inner = unwrap(self.inner)
        count = getattr(inner, "count_tokens", None) or approx_tokens
        context = getattr(inner, "context_tokens", None)
        limit = explicit or getattr(inner, "preferred_prompt_tokens", None) or DEFAULT_MAX_PROMPT_TOKENS
        if context:
            limit = min(limit, int(context) - self.max_tokens)
        return TokenBudget(max(limit, 256), count, token_ends=getattr(inner, "token_ends", None))

    # -- public API ------------------------------------------------------------------------------
    def classify(
        self, feature: Feature, passages: list[ScoredPassage], grammar: Grammar | None = None
    ) -> Prediction:
        return self.classify_many([(feature, passages, grammar)])[0]

    def classify_many(self, items: Sequence[ClassifyItem]) -> list[Prediction]:
        built: list[list[BuiltPrompt]] = [
            build_prompts(f, ps, grammar=g, options=self.options, budget=self.budget) for f, ps, g in items
        ]
        flat = [p for group in built for p in group]
        answers = self._answer(flat)
        out: list[Prediction] = []
        pos = 0
        for (feature, passages, grammar), group in zip(items, built, strict=True):
            part = answers[pos : pos + len(group)]
            pos += len(group)
            grammar_id = grammar.id if grammar else (passages[0].passage.grammar_id if passages else "")
            out.append(with_reading_list(self._prediction(feature, grammar_id, group, part), passages))
        return out

    # -- answering -------------------------------------------------------------------------------
    def _show_progress(self, total: int) -> bool:
        if self.progress is not None:
            return self.progress
        return total > self.batch_size and sys.stderr.isatty()

    def _answer(self, prompts: list[BuiltPrompt]) -> list[_Answer]:
        results: list[_Answer | None] = [None] * len(prompts)
        bar = tqdm(
            total=len(prompts),
            desc=f"LLM {self.label}",
            unit="prompt",
            disable=not self._show_progress(len(prompts)),
        )
        # group by closed set (choice mode sends it to the backend); reason prompts form one group
        groups: dict[tuple[str, ...], list[int]] = {}
        for i, p in enumerate(prompts):
            groups.setdefault(tuple(p.choices) if self.mode == "choice" else (), []).append(i)
        for choices, indices in groups.items():
            for chunk in _chunks(indices, self.batch_size):
                texts = [prompts[i].text for i in chunk]
                if self.mode == "choice":
                    answers = self._choose(texts, [prompts[i] for i in chunk], list(choices))
                else:
                    answers = self._reason(texts, [prompts[i] for i in chunk])
                for i, a in zip(chunk, answers, strict=True):
                    a.flags = prompts[i].flags + a.flags
                    results[i] = a
                bar.update(len(chunk))
        bar.close()
        done = [r for r in results if r is not None]
        self._fill_by_consistency(prompts, done)
        return done

    def _wants_logprobs(self) -> bool:
        return self.confidence in ("auto", "logprobs") and supports_logprobs(self.backend)

    def _reason(self, texts: list[str], prompts: list[BuiltPrompt]) -> list[_Answer]:
        if not self._wants_logprobs():
            replies = self.backend.generate(
                texts, max_tokens=self.max_tokens, temperature=self.temperature, system=SYSTEM_PROMPT
            )
            return self._read_replies(prompts, replies)
        completions: list[Completion] = self.backend.generate_with_logprobs(  # type: ignore[attr-defined]
            texts, max_tokens=self.max_tokens, temperature=self.temperature, system=SYSTEM_PROMPT
        )
        answers = self._read_replies(prompts, [c.text for c in completions])
        for p, c, a in zip(prompts, completions, answers, strict=True):
            if a.value in p.choices and a.value != NOT_ENOUGH_INFO and "answer-from-followup" not in a.flags:
                self._use_probabilities(a, c, p.choices)
        return answers

    @staticmethod
    def _use_probabilities(a: _Answer, completion: Completion, choices: list[str]) -> None:
        """Confidence from the reply's token log-probabilities, where they spell the answer."""
        probs = option_probabilities(completion, choices, a.value)
        if probs is not None:
            a.confidence = round(probs[a.value], 4)
            a.source = "logprobs"

    def _fill_by_consistency(self, prompts: list[BuiltPrompt], answers: list[_Answer]) -> None:
        """Self-consistency for answers still without a model-derived confidence; the rest keep
        the fixed tiers (``confidence="fixed"``, a deterministic backend, nothing to sample)."""
        todo = [i for i, a in enumerate(answers) if not a.source and a.value != NOT_ENOUGH_INFO]
        sample = self.confidence == "consistency" or (
            self.confidence == "auto" and not getattr(unwrap(self.backend), "deterministic", False))
        for a in answers:
            if not a.source:
                a.source = "fixed"
        if not todo or not sample:
            return
        shares = sample_agreement(self.backend, [prompts[i] for i in todo], [answers[i].value for i in todo],
                                  samples=self.samples, temperature=self.sample_temperature,
                                  max_tokens=self.max_tokens)
        for i, share in zip(todo, shares, strict=True):
            answers[i].confidence = round(share, 4)
            answers[i].source = "self-consistency"
            answers[i].reasoning = (answers[i].reasoning + " " if answers[i].reasoning else "") + (
                f"[{share:.0%} of {self.samples} sampled answers agree]")

    def _choose(self, texts: list[str], prompts: list[BuiltPrompt], choices: list[str]) -> list[_Answer]:
        if supports_scoring(self.backend):
            scored = self.backend.score_choices(texts, choices, system=SYSTEM_PROMPT)  # type: ignore[attr-defined]
            out = []
            for scores in scored:
                probs = softmax(scores)
                best = max(probs, key=lambda c: probs[c])
                shown = ", ".join(f"P({c})={probs[c]:.2f}" for c in choices)
                out.append(_Answer(best, round(probs[best], 4), f"closed-set label likelihood: {shown}", best,
                                   source="label-likelihood"))
            return out
        kwargs: dict[str, Any] = {"choices": choices, "max_tokens": self.max_tokens,
                                  "temperature": self.temperature, "system": SYSTEM_PROMPT}
        completions: list[Completion] = (
            self.backend.generate_with_logprobs(texts, **kwargs)  # type: ignore[attr-defined]
            if self._wants_logprobs() else [Completion(r) for r in self.backend.generate(texts, **kwargs)])
        out = []
        for p, c in zip(prompts, completions, strict=True):
            value = match_choice(c.text, p.choices, p.feature)
            if value is None:
                out.append(_Answer(NOT_ENOUGH_INFO, 0.0, "", c.text, flags=["unparseable"]))
            else:
                a = _Answer(value, 0.5, "closed-set decoding", c.text)
                if c.tokens is not None and c.text.strip() == value:
                    self._use_probabilities(a, c, p.choices)
                out.append(a)
        return out

    def _read_replies(self, prompts: list[BuiltPrompt], replies: list[str]) -> list[_Answer]:
        parsed = [
            parse_reply(r, p.choices, len(p.passages), p.feature)
            for p, r in zip(prompts, replies, strict=True)
        ]
        retry = [i for i, a in enumerate(parsed) if not a.parsed]
        followups: dict[int, str | None] = {}
        second_turns: dict[int, Completion] = {}
        if retry:
            by_choices: dict[tuple[str, ...], list[int]] = {}
            for i in retry:
                by_choices.setdefault(tuple(prompts[i].choices), []).append(i)
            for choices, idx in by_choices.items():
                kwargs: dict[str, Any] = {"choices": list(choices), "max_tokens": CHOICE_REPLY_TOKENS,
                                          "temperature": self.temperature, "system": SYSTEM_PROMPT}
                texts = [followup_prompt(prompts[i], replies[i]) for i in idx]
                second: list[Completion] = (
                    self.backend.generate_with_logprobs(texts, **kwargs)  # type: ignore[attr-defined]
                    if self._wants_logprobs() else [Completion(r) for r in self.backend.generate(texts, **kwargs)])
                for i, c in zip(idx, second, strict=True):
                    followups[i] = match_choice(c.text, prompts[i].choices, prompts[i].feature)
                    second_turns[i] = c
        out = []
        for i, (p, reply, a) in enumerate(zip(prompts, replies, parsed, strict=True)):
            answer = self._answer_from(p, reply, a, followups.get(i))
            turn = second_turns.get(i)
            if "answer-from-followup" in answer.flags and turn is not None and turn.tokens is not None:
                self._use_probabilities(answer, turn, p.choices)  # the closed-set turn's logprobs
            out.append(answer)
        return out

    def _answer_from(self, p: BuiltPrompt, reply: str, a: ParsedAnswer, followup: str | None) -> _Answer:
        flags: list[str] = []
        value = a.value
        if value is None and followup is not None:
            value = followup
            flags.append("answer-from-followup")
        if value is None:
            log.warning("%s: unparseable reply (kept in raw_response): %.80r", p.feature.id, reply)
            return _Answer(NOT_ENOUGH_INFO, 0.0, a.reasoning, reply, flags=["unparseable"])
        if value == NOT_ENOUGH_INFO:
            return _Answer(value, 0.0, a.reasoning, reply, flags=["abstained"])
        evidence = evidence_from_citations(a, p.passages, value, p.feature)
        flags.extend(instruction_flags(p.passages))  # "passage-instructs:<id>": planted text was shown
        if a.cited and not p.passages:
            flags.append("citations-without-passages")
        confidence = 0.4 if "answer-from-followup" in flags else (0.7 if evidence else 0.5)
        return _Answer(value, confidence, a.reasoning, reply, evidence, flags)

    # -- assembling predictions --------------------------------------------------------------------
    def _prediction(
        self, feature: Feature, grammar_id: str, prompts: list[BuiltPrompt], answers: list[_Answer]
    ) -> Prediction:
        if not feature.multi_label:
            a = answers[0]
            v = feature.value_by_name(a.value) if a.value != NOT_ENOUGH_INFO else None
            return self._select(feature, [a], Prediction(
                grammar_id=grammar_id,
                feature_id=feature.id,
                value=a.value,
                code=v.code if v else None,
                evidence=a.evidence,
                reasoning=a.reasoning,
                confidence=a.confidence,
                backend=self.label,
                prompt_version=PROMPT_VERSION,
                raw_response=a.raw,
                flags=_unique(a.flags),
            ))
        holds: list[str] = []
        evidence: list[Evidence] = []
        reasoning: list[str] = []
        raw: list[str] = []
        flags: list[str] = []
        for p, a in zip(prompts, answers, strict=True):
            name = p.feature.name
            positive = a.value.strip().lower() in _POSITIVE or (
                (v := p.feature.value_by_name(a.value)) is not None
                and v.description.strip().lower() in _POSITIVE
            )
            if positive:
                holds.append(name)
                evidence.extend(
                    Evidence(e.passage_id, e.grammar_id, e.quote, e.pages, e.section, e.score, supports=name)
                    for e in a.evidence
                )
            reasoning.append(f"{name}: {a.value}" + (f" — {a.reasoning}" if a.reasoning else ""))
            raw.append(f"### {name}\n{a.raw}")
            flags.extend(
                f"{f}:{name}" if f in ("unparseable", "abstained", "answer-from-followup") else f
                for f in a.flags
            )
        all_abstained = all(a.value == NOT_ENOUGH_INFO for a in answers)
        return self._select(feature, answers, Prediction(
            grammar_id=grammar_id,
            feature_id=feature.id,
            value=NOT_ENOUGH_INFO if all_abstained else ", ".join(holds),
            values=holds,
            evidence=evidence,
            reasoning="\n".join(reasoning),
            confidence=round(sum(a.confidence for a in answers) / len(answers), 4),
            backend=self.label,
            prompt_version=PROMPT_VERSION,
            raw_response="\n\n".join(raw),
            flags=_unique(flags),
        ))

    def _select(self, feature: Feature, answers: list[_Answer], pred: Prediction) -> Prediction:
        """Selective answering: a model-derived confidence below the family's threshold (after the
        model's calibration map, identity until one is fitted) becomes an abstention that keeps its
        evidence. Fixed-tier confidences are not probabilities: never thresholded."""
        sources = list(dict.fromkeys(a.source or "fixed" for a in answers))
        pred.flags = _unique([*pred.flags, *(f"confidence:{s}" for s in sources)])
        if not self.calibrate or pred.abstained or "fixed" in sources:
            return pred
        verdict, fitted = llm_calibration.judge(self.label, feature, pred.confidence, self.min_precision)
        raw = pred.confidence
        pred.confidence = round(verdict.confidence, 4)
        pred.flags.append("calibrated" if fitted else "model-probability")
        if not verdict.answer:
            scale = f"calibrated {pred.confidence:.0%}" if fitted else f"uncalibrated model probability {raw:.0%}"
            pred.reasoning += f"\nAbstained: would answer {pred.value} ({scale}), but {verdict.reason}."
            pred.value, pred.values, pred.code = NOT_ENOUGH_INFO, [], None
            pred.flags.append("below-threshold")
        return pred


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


@CLASSIFIERS.register("llm", help="Appendix-E prompts answered by an LLM backend (openai, vllm, local, fake)")
def make_llm_classifier(backend: str | LLMBackend = "openai", **options: Any) -> LLMClassifier:
    return LLMClassifier(backend, **options)

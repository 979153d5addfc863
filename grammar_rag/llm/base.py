"""LLM backend protocol: prompts in, completions out, optionally constrained to a closed set."""

from __future__ import annotations

from typing import Protocol

from grammar_rag.registry import Registry


class LLMBackend(Protocol):
    """``generate`` is batched: backends that can parallelise (vLLM, HTTP) do so internally.

    With ``choices`` the completion must be exactly one of them (structured outputs / constrained
    decoding / label likelihood); without, it is free text (e.g. reasoning + "Conclusion:" line).
    Failures raise :class:`grammar_rag.errors.BackendError` naming the endpoint/model.

    Optional capabilities, looked up with ``getattr`` by the classifier: ``count_tokens(text)``
    (the model's tokenizer, for the prompt budget), ``token_ends(text)`` (end offset of each token,
    or None: lets the budget cut a passage with one encode), ``context_tokens`` (context window),
    ``score_choices(prompts, choices, system=None) -> list[dict[choice, logprob]]`` (label
    likelihood), ``generate_with_logprobs(prompts, choices=..., ...) -> list[Completion]`` (replies
    with token log-probabilities: :mod:`grammar_rag.llm.confidence`), ``default_mode`` ("reason" or "choice"), ``preferred_prompt_tokens`` (a budget
    smaller than the context window, for slow CPU models), ``cache_params`` (extra cache-key parts).
    """

    name: str

    @property
    def model(self) -> str:
        """The model answering (read-only: an HTTP backend may ask its server which one it serves)."""
        ...

    def generate(
        self,
        prompts: list[str],
        *,
        choices: list[str] | None = None,
        max_tokens: int = 512,
        temperature: float = 0.0,
        system: str | None = None,
    ) -> list[str]: ...


BACKENDS: Registry[LLMBackend] = Registry(
    "LLM backend",
    autoload=(
        "grammar_rag.llm.openai_compat",
        "grammar_rag.llm.vllm_backend",
        "grammar_rag.llm.local",
        "grammar_rag.llm.fake",
    ),
)


def unwrap(backend: LLMBackend) -> LLMBackend:
    """The backend under any wrappers (e.g. the response cache), for capability checks."""
    inner = getattr(backend, "inner", None)
    return unwrap(inner) if inner is not None else backend


def supports_scoring(backend: LLMBackend) -> bool:
    """Whether the backend can score a closed set by label likelihood (``score_choices``)."""
    return callable(getattr(unwrap(backend), "score_choices", None))


def supports_logprobs(backend: LLMBackend) -> bool:
    """Whether the backend can return its replies' token log-probabilities (``generate_with_logprobs``)."""
    return callable(getattr(unwrap(backend), "generate_with_logprobs", None))

"""LLM backend protocol: prompts in, completions out, optionally constrained to a closed set."""

from __future__ import annotations

from typing import Protocol

from grammar_rag.registry import Registry


class LLMBackend(Protocol):
    """``generate`` is batched: backends that can parallelise (vLLM, HTTP) do so internally.

    With ``choices`` the completion must be exactly one of them (structured outputs / constrained
    decoding / label likelihood); without, it is free text (e.g. reasoning + "Conclusion:" line).
    Failures raise :class:`grammar_rag.errors.BackendError` naming the endpoint/model.
    """

    name: str
    model: str

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

"""Backend settings from explicit options, then the environment, then defaults.

One place decides where an endpoint, a model name or a key comes from, so the CLI, the benchmark,
the HTTP API and the tests all resolve them the same way (the command-line options that override
them are declared in :mod:`grammar_rag.cli.options`):

=============================  =====================================================
``GRAMMAR_RAG_LLM_BASE_URL``   OpenAI-compatible endpoint (``http://127.0.0.1:8000/v1``)
``GRAMMAR_RAG_LLM_MODEL``      model name sent to the server / loaded by vLLM
``GRAMMAR_RAG_LLM_API_KEY``    API key (falls back to ``OPENAI_API_KEY``)
``GRAMMAR_RAG_LLM_TIMEOUT``    seconds per HTTP request
``GRAMMAR_RAG_LLM_CONCURRENCY`` parallel HTTP requests for a batch
``GRAMMAR_RAG_LLM_MAX_PROMPT_TOKENS`` token budget of one prompt (evidence is cut to fit)
``GRAMMAR_RAG_LLM_CACHE``      ``0`` disables the response cache
=============================  =====================================================
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from typing import Any

DEFAULT_BASE_URL = "http://127.0.0.1:8000/v1"
DEFAULT_TIMEOUT_S = 120.0
DEFAULT_CONCURRENCY = 8
DEFAULT_MAX_RETRIES = 4

ENV_VARS = {
    "base_url": "GRAMMAR_RAG_LLM_BASE_URL",
    "model": "GRAMMAR_RAG_LLM_MODEL",
    "api_key": "GRAMMAR_RAG_LLM_API_KEY",
    "timeout": "GRAMMAR_RAG_LLM_TIMEOUT",
    "concurrency": "GRAMMAR_RAG_LLM_CONCURRENCY",
    "max_retries": "GRAMMAR_RAG_LLM_MAX_RETRIES",
    "max_prompt_tokens": "GRAMMAR_RAG_LLM_MAX_PROMPT_TOKENS",
    "cache": "GRAMMAR_RAG_LLM_CACHE",
}


@dataclass
class LLMSettings:
    """Everything a backend factory may need; each backend reads the fields it understands."""

    base_url: str = DEFAULT_BASE_URL
    model: str | None = None
    api_key: str | None = None
    timeout: float = DEFAULT_TIMEOUT_S
    concurrency: int = DEFAULT_CONCURRENCY
    max_retries: int = DEFAULT_MAX_RETRIES
    max_prompt_tokens: int | None = None
    cache: bool = True

    @classmethod
    def resolve(cls, **overrides: Any) -> LLMSettings:
        """Explicit (non-None) ``overrides`` win over the environment, which wins over defaults."""
        values: dict[str, Any] = {}
        for f in fields(cls):
            explicit = overrides.get(f.name)
            if explicit is not None:
                values[f.name] = explicit
                continue
            raw = os.environ.get(ENV_VARS.get(f.name, ""), "")
            if f.name == "api_key" and not raw:
                raw = os.environ.get("OPENAI_API_KEY", "")
            if raw:
                values[f.name] = _coerce(f.name, raw)
        return cls(**values)

    def backend_options(self) -> dict[str, Any]:
        """The non-default options, as keyword arguments for ``BACKENDS.create``."""
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}


def _coerce(name: str, raw: str) -> Any:
    if name in ("timeout",):
        return float(raw)
    if name in ("concurrency", "max_retries", "max_prompt_tokens"):
        return int(raw)
    if name == "cache":
        return raw.strip().lower() not in ("0", "false", "no", "off")
    return raw

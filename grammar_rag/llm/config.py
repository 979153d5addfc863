"""Backend settings from explicit options, then the environment, then defaults.

One place decides where an endpoint, a model name or a key comes from, so the CLI, the benchmark,
the HTTP API and the tests all resolve them the same way:

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

import argparse
import os
from dataclasses import dataclass, fields
from typing import Any

DEFAULT_BASE_URL = "http://127.0.0.1:8000/v1"
DEFAULT_TIMEOUT_S = 120.0
DEFAULT_CONCURRENCY = 8
DEFAULT_MAX_RETRIES = 4

_ENV = {
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
            raw = os.environ.get(_ENV.get(f.name, ""), "")
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


def add_cli_arguments(parser: argparse.ArgumentParser) -> None:
    """Options shared by every command that talks to an LLM (``classify``, ``bench rag``, ``extract``)."""
    group = parser.add_argument_group("LLM backend (openai / vllm / local)")
    group.add_argument("--llm-base-url", help=f"OpenAI-compatible endpoint [${_ENV['base_url']}]")
    group.add_argument("--llm-model", help=f"model name [${_ENV['model']}]")
    group.add_argument("--llm-api-key", help=f"API key [${_ENV['api_key']} or $OPENAI_API_KEY]")
    group.add_argument("--llm-timeout", type=float, help="seconds per request")
    group.add_argument("--llm-concurrency", type=int, help="parallel requests for a batch")
    group.add_argument("--max-prompt-tokens", type=int, help="prompt token budget (evidence is cut to fit)")
    group.add_argument("--no-llm-cache", action="store_true", help="do not read or write the response cache")


def settings_from_args(args: argparse.Namespace) -> LLMSettings:
    return LLMSettings.resolve(
        base_url=getattr(args, "llm_base_url", None),
        model=getattr(args, "llm_model", None),
        api_key=getattr(args, "llm_api_key", None),
        timeout=getattr(args, "llm_timeout", None),
        concurrency=getattr(args, "llm_concurrency", None),
        max_prompt_tokens=getattr(args, "max_prompt_tokens", None),
        cache=False if getattr(args, "no_llm_cache", False) else None,
    )

"""LLM backends behind one protocol, the prompts they are sent and the parsing of their replies.

``BACKENDS.create(name, **options)``: ``openai`` (any OpenAI-compatible server), ``vllm``
(offline GPU batches), ``local`` (SmolLM2 GGUF in-process), ``fake`` (deterministic test double).
See docs/LLM.md.
"""

from grammar_rag.llm.base import BACKENDS, LLMBackend, supports_scoring, unwrap
from grammar_rag.llm.prompts import PROMPT_VERSION, BuiltPrompt, PromptOptions, build_prompt, build_prompts

__all__ = [
    "BACKENDS",
    "PROMPT_VERSION",
    "BuiltPrompt",
    "LLMBackend",
    "PromptOptions",
    "build_prompt",
    "build_prompts",
    "supports_scoring",
    "unwrap",
]

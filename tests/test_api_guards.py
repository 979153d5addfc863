"""API guards: invalid Unicode, body-size limit, short 422s, Retry-After, backend allow-list, token, Host,
index reload — and the start-up race (many simultaneous first requests)."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from translate_helpers import write_tiny_kalamang

from grammar_rag.api import create_app
from grammar_rag.api.guards import GuardConfig
from grammar_rag.errors import GrammarRagError
from grammar_rag.translate import build_resources


@pytest.fixture(scope="module")
def resources(tmp_path_factory: pytest.TempPathFactory):
    data = write_tiny_kalamang(tmp_path_factory.mktemp("data"))
    return build_resources("kgv", data_dir=data, embedder=None)


@pytest.fixture(scope="module")
def client(resources):
    app = create_app(translate_resources=resources, guards=GuardConfig(max_body_bytes=10_000))
    with TestClient(app) as c:
        yield c


@pytest.mark.parametrize("field", ["text", "source", "backend"])
def test_lone_surrogate_is_422_not_500(client: TestClient, field: str) -> None:
    body = {"text": "mu muap", field: "a\ud800b"} if field != "text" else {"text": "a\ud800b"}
    raw = json.dumps(body).encode()  # valid JSON: the surrogate is escaped as \ud800
    r = client.post("/translate", content=raw, headers={"content-type": "application/json"})
    assert r.status_code == 422, r.text
    assert "surrogate" in r.text
    r = client.post("/classify", content=b'{"grammar": "\\udfff", "feature": "81A"}',
                    headers={"content-type": "application/json"})
    assert r.status_code == 422


def test_body_over_the_limit_is_413_by_length_and_by_stream(client: TestClient) -> None:
    r = client.post("/translate", json={"text": "x" * 20_000})
    assert r.status_code == 413 and "limit of 10000 bytes" in r.json()["detail"]

    def chunks():  # no Content-Length: counted as it streams
        for _ in range(50):
            yield b"x" * 1000

    r = client.post("/translate", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413


def test_422_does_not_echo_large_input(client: TestClient) -> None:
    r = client.post("/translate", json={"text": "y" * 5000})  # over MAX_TEXT_CHARS, under the body limit
    assert r.status_code == 422
    assert len(r.content) < 1000 and "yyyy" in r.text


def test_client_may_not_pick_fake_or_local(client: TestClient) -> None:
    for name in ("fake", "local"):
        r = client.post("/translate", json={"text": "mu muap", "backend": name})
        assert r.status_code == 400 and "not enabled" in r.json()["detail"]
    assert client.post("/translate", json={"text": "Mu muap.", "backend": "model-free"}).status_code == 200


def test_operator_can_allow_a_backend(resources) -> None:
    app = create_app(translate_resources=resources, guards=GuardConfig(allowed_backends=frozenset({"fake"})))
    with TestClient(app) as c:
        r = c.post("/translate", json={"text": "Mu muap.", "backend": "fake"})
        assert r.status_code == 200, r.text


def test_503_carries_retry_after(client: TestClient) -> None:
    r = client.post("/classify", json={"grammar": "kalamang", "feature": "81A"})  # no index: 503
    assert r.status_code == 503 and r.headers["retry-after"].isdigit()


def test_token_and_host_checks(resources) -> None:
    guards = GuardConfig.for_server("0.0.0.0", token="s3cret", extra_hosts=("testserver",))
    with TestClient(create_app(translate_resources=resources, guards=guards)) as c:
        assert c.get("/health").status_code == 200  # liveness stays open
        r = c.get("/features/81A")
        assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
        assert c.get("/features/81A", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert c.get("/features/81A", headers={"Authorization": "Bearer s3cret"}).status_code == 200
        r = c.get("/features/81A", headers={"Authorization": "Bearer s3cret", "Host": "evil.example:8000"})
        assert r.status_code == 400 and "evil.example" in r.json()["detail"]


def test_binding_beyond_loopback_needs_a_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GRAMMAR_RAG_API_TOKEN", raising=False)
    with pytest.raises(GrammarRagError, match="--token"):
        GuardConfig.for_server("0.0.0.0")
    assert GuardConfig.for_server("127.0.0.1").token is None


def test_index_reloads_when_grammars_are_added(tmp_path: Path, resources) -> None:
    from grammar_rag.index import GrammarIndex
    from grammar_rag.types import Grammar, Passage

    index_dir = tmp_path / "index"
    index = GrammarIndex.create(index_dir, embedding_model="hashing")
    index.add(Grammar(id=resources.passages[0].grammar_id, language="Kalamang", iso639_3="kgv"), resources.passages)
    with TestClient(create_app(index_dir, translate_resources=resources)) as c:
        c.app.state.grammar_rag._watcher.interval_s = 0.0  # type: ignore[attr-defined]
        assert c.post("/classify", json={"grammar": "kgv", "feature": "GB107"}).status_code == 200
        other = GrammarIndex.open(index_dir)  # "another process" ingests a second grammar
        other.add(Grammar(id="later", language="Laterish"),
                  [Passage(grammar_id="later", passage_id="later:0", text="The basic order is SOV.")])
        r = c.post("/classify", json={"grammar": "later", "feature": "81A"})
        assert r.status_code == 200, r.text


def test_simultaneous_first_requests_all_succeed(tmp_path: Path, resources) -> None:
    """A fresh app: 32 concurrent first requests to each endpoint, none may fail (registry race)."""
    from grammar_rag.index import GrammarIndex
    from grammar_rag.types import Grammar

    index_dir = tmp_path / "index"
    GrammarIndex.create(index_dir, embedding_model="hashing").add(
        Grammar(id=resources.passages[0].grammar_id, language="Kalamang", iso639_3="kgv"), resources.passages)
    app = create_app(index_dir, translate_resources=resources, max_queue=128)
    calls = [("post", "/classify", {"grammar": "kgv", "feature": "81A"}),
             ("post", "/translate", {"text": "Mu muap."}),
             ("get", "/features", None)]
    statuses: list[int] = []
    with TestClient(app) as c:
        barrier = threading.Barrier(32)

        def hit(method: str, path: str, body: dict | None) -> None:
            barrier.wait()
            r = c.post(path, json=body) if method == "post" else c.get(path, params={"q": "word order"})
            statuses.append(r.status_code)

        for method, path, body in calls:
            barrier.reset()
            threads = [threading.Thread(target=hit, args=(method, path, body)) for _ in range(32)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(60)
    assert len(statuses) == 96 and set(statuses) == {200}

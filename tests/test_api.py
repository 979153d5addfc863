"""HTTP API: validation codes, /health, backend failures, time limit and the concurrency bound."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from translate_helpers import write_tiny_kalamang

from grammar_rag.api import create_app
from grammar_rag.errors import BackendError
from grammar_rag.translate import MAX_TEXT_CHARS, build_resources


@pytest.fixture(scope="module")
def resources(tmp_path_factory: pytest.TempPathFactory):
    data = write_tiny_kalamang(tmp_path_factory.mktemp("data"))
    return build_resources("kgv", data_dir=data, embedder=None)


@pytest.fixture(scope="module")
def client(resources):
    with TestClient(create_app(translate_resources=resources)) as c:
        yield c


class FailingBackend:
    name = "failing"
    model = "none"

    def generate(self, prompts, **_):
        raise BackendError("OpenAI-compatible endpoint http://127.0.0.1:9/v1 unreachable")


class SlowBackend:
    name = "slow"
    model = "none"

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.active = 0
        self.peak = 0
        self._lock = threading.Lock()

    def generate(self, prompts, **_):
        with self._lock:
            self.active += 1
            self.peak = max(self.peak, self.active)
        time.sleep(self.seconds)
        with self._lock:
            self.active -= 1
        return ["They ate."]


def test_health(client: TestClient) -> None:
    r = client.get("/health")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok" and body["backend"] == "model-free"
    assert "kgv" in body["translate_languages"] and body["max_concurrency"] >= 1


def test_translate_model_free(client: TestClient) -> None:
    r = client.post("/translate", json={"text": "Mu sorat koraru.", "source": "kgv", "target": "eng"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["method"] == "model-free fallback" and body["model_free"] is True
    assert body["translation"] and body["examples"][0]["id"]
    assert {"word", "stem", "affixes", "entries"} <= set(body["dictionary"][0])
    assert body["grammar"][0]["section"]


@pytest.mark.parametrize(
    ("payload", "needle"),
    [
        ({"text": ""}, "text"),
        ({"text": "   "}, "empty"),
        ({"text": "a" * (MAX_TEXT_CHARS + 1)}, "text"),
        ({"source": "kgv"}, "text"),
        ({"text": "x", "colour": "red"}, "colour"),
    ],
)
def test_translate_invalid_body_is_422(client: TestClient, payload: dict, needle: str) -> None:
    r = client.post("/translate", json=payload)
    assert r.status_code == 422
    assert needle in r.text


def test_unknown_language_is_400_and_named(client: TestClient) -> None:
    r = client.post("/translate", json={"text": "hello", "source": "eng", "target": "klingon"})
    assert r.status_code == 400
    assert "klingon" in r.json()["detail"]
    r = client.post("/translate", json={"text": "hello", "source": "eng", "target": "eng"})
    assert r.status_code == 400


def test_unknown_backend_is_400(client: TestClient) -> None:
    r = client.post("/translate", json={"text": "mu muap", "backend": "gpt-17"})
    assert r.status_code == 400 and "gpt-17" in r.json()["detail"]


def test_features_and_unknown_feature_404(client: TestClient) -> None:
    r = client.get("/features", params={"q": "order of subject object verb", "limit": 5})
    assert r.status_code == 200 and 0 < len(r.json()) <= 5
    r = client.get("/features/81A")
    assert r.status_code == 200 and r.json()["id"] == "WALS 81A" and r.json()["values"]
    r = client.get("/features", params={"database": "ethnologue"})
    assert r.status_code == 400 and "ethnologue" in r.json()["detail"]
    r = client.get("/features/NOT-A-FEATURE")
    assert r.status_code == 404 and "NOT-A-FEATURE" in r.json()["detail"]


def test_classify_without_index_is_503_and_unknown_feature_404(client: TestClient) -> None:
    r = client.post("/classify", json={"grammar": "kalamang", "feature": "81A"})
    assert r.status_code == 503 and "--index" in r.json()["detail"]
    r = client.post("/classify", json={"grammar": "kalamang", "feature": "no such feature zz"})
    assert r.status_code == 404
    assert client.post("/classify", json={"grammar": "", "feature": "81A"}).status_code == 422


def test_classify_over_an_index(tmp_path: Path, resources) -> None:
    from grammar_rag.index import GrammarIndex
    from grammar_rag.types import Grammar

    index_dir = tmp_path / "index"
    index = GrammarIndex.create(index_dir, embedding_model="hashing")
    gid = resources.passages[0].grammar_id  # the ingested grammar's id
    index.add(Grammar(id=gid, language="Kalamang", iso639_3="kgv"), resources.passages)
    with TestClient(create_app(index_dir, translate_resources=resources)) as c:
        r = c.post("/classify", json={"grammar": "atlantean", "feature": "81A"})
        assert r.status_code == 404 and "atlantean" in r.json()["detail"]
        r = c.post("/classify", json={"grammar": "kgv", "feature": "GB107", "backend": "evidence"})
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["feature_id"] == "GB107" and body["grammar_id"] == gid and body["value"]
        # calibrated evidence answers say so; an abstention is marked and keeps its evidence list
        assert body["abstained"] == (body["value"] == "not enough information")
        if body["calibrated"]:
            assert body["confidence_percent"] == f"{body['confidence']:.0%}"
        else:
            assert body["confidence_percent"] is None
        assert c.get("/health").json()["grammars"] == 1


def test_backend_failure_is_502_with_message(resources) -> None:
    with TestClient(create_app(backend=FailingBackend(), translate_resources=resources)) as c:
        r = c.post("/translate", json={"text": "Mu muap."})
        assert r.status_code == 502 and "unreachable" in r.json()["detail"]
        # the request may still ask for the model-free path explicitly
        assert c.post("/translate", json={"text": "Mu muap.", "backend": "model-free"}).status_code == 200


def test_timeout_is_504_not_a_hang(resources) -> None:
    app = create_app(backend=SlowBackend(2.0), translate_resources=resources, timeout_s=0.3)
    with TestClient(app) as c:
        start = time.monotonic()
        r = c.post("/translate", json={"text": "Mu muap."})
        assert r.status_code == 504 and "limit" in r.json()["detail"]
        assert time.monotonic() - start < 1.5


def test_concurrency_bound_and_503_when_saturated(resources) -> None:
    slow = SlowBackend(1.0)
    app = create_app(backend=slow, translate_resources=resources, max_concurrency=2, max_queue=1, timeout_s=10)
    results: list[int] = []
    with TestClient(app) as c:
        def call() -> None:
            results.append(c.post("/translate", json={"text": "Mu muap."}).status_code)

        threads = [threading.Thread(target=call) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=20)
    assert slow.peak <= 2  # never more than max_concurrency at once
    assert results.count(200) >= 3  # 2 running + 1 queued are served
    assert results.count(503) >= 1  # the rest are refused at once
    assert set(results) <= {200, 503} and len(results) == 8


def test_openapi_schema_lists_endpoints(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert {"/translate", "/classify", "/features", "/features/{feature_id}", "/health"} <= set(spec["paths"])
    assert "502" in spec["paths"]["/translate"]["post"]["responses"]


def test_translate_response_matches_its_model(client: TestClient) -> None:
    """The endpoint sends its dict unvalidated (speed), so check it against the declared model here."""
    from grammar_rag.api.models import TranslateResponse

    r = client.post("/translate", json={"text": "The dog bit the fish.", "source": "eng", "target": "kgv"})
    assert r.status_code == 200
    parsed = TranslateResponse.model_validate(r.json())
    assert parsed.source == "eng" and parsed.target == "kgv" and parsed.model_free
